"""Who may change data. Checked here and nowhere else.

Admins are the Slack users in CANWESHIP_ADMINS plus those added with `admins add`. The command
line is trusted (it runs on the bot's own machine) and audited under the OS user.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, delete, select
from sqlmodel import Session

from bot.config import Settings
from storage.db import writer
from storage.models import Admin, AuditEvent
from storage.types import utcnow


class NotAdmin(PermissionError):
    """The user may not change data; the message is safe to show them."""


def admin_ids(engine: Engine, settings: Settings) -> set[str]:
    with Session(engine) as session:
        stored = set(session.execute(select(Admin.user_id)).scalars())
    return stored | set(settings.admins)


def is_admin(engine: Engine, settings: Settings, user: str) -> bool:
    return user in admin_ids(engine, settings)


def require_admin(engine: Engine, settings: Settings, user: str, *, what: str) -> None:
    """Raise NotAdmin unless `user` is an admin. Call before changing anything."""
    if not is_admin(engine, settings, user):
        raise NotAdmin(
            f"Only canweship admins can {what}. Nothing was changed. "
            "Ask a compliance admin (see `/canweship admins list`)."
        )


def add_admin(
    engine: Engine, *, user: str, by: str, by_kind: str, now: datetime | None = None
) -> bool:
    with Session(writer(engine)) as session:
        if session.get(Admin, user) is not None:
            return False
        session.add(Admin(user_id=user, added_by=by, added_at=now or utcnow()))
        session.add(
            AuditEvent(
                actor=by,
                actor_kind=by_kind,
                action="admins.add",
                subject=user,
                detail={"before": None, "after": user},
            )
        )
        session.commit()
        return True


def remove_admin(engine: Engine, settings: Settings, *, user: str, by: str, by_kind: str) -> bool:
    if user in settings.admins:
        raise NotAdmin(f"{user} is an admin through CANWESHIP_ADMINS; change that setting instead.")
    with Session(writer(engine)) as session:
        result = session.execute(delete(Admin).where(Admin.user_id == user))
        if result.rowcount:  # type: ignore[attr-defined]
            session.add(
                AuditEvent(
                    actor=by,
                    actor_kind=by_kind,
                    action="admins.remove",
                    subject=user,
                    detail={"before": user, "after": None},
                )
            )
        session.commit()
        return bool(result.rowcount)  # type: ignore[attr-defined]
