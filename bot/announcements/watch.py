"""Channels watched for license announcements (admins choose them; every change audited)."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlmodel import Session

from bot.audit import Actor, record_audit
from storage.db import writer
from storage.models_licenses import WatchedChannel


def is_watched(engine: Engine, channel: str) -> bool:
    with Session(engine) as session:
        return session.get(WatchedChannel, channel) is not None


def watched(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.execute(select(WatchedChannel.channel_id)).scalars())


def set_watched(engine: Engine, *, channel: str, on: bool, by: str, by_kind: str) -> bool:
    """Watch or unwatch; True when something changed."""
    with Session(writer(engine)) as session:
        row = session.get(WatchedChannel, channel)
        if on == (row is not None):
            return False
        if on:
            session.add(WatchedChannel(channel_id=channel, added_by=by))
        else:
            session.delete(row)
        record_audit(
            session,
            Actor(user=by, kind=by_kind),
            "watch.add" if on else "watch.remove",
            subject=channel,
            detail={"before": not on, "after": on},
            channel=channel,
        )
        session.commit()
        return True
