"""Who may decide cases: admins, plus people an admin adds as reviewers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, delete, select
from sqlmodel import Session

from bot.audit import Actor, record_audit
from bot.authz import admin_ids, require_admin, user_id_from
from bot.config import Settings
from storage.db import writer
from storage.models_reviews import Reviewer
from storage.types import utcnow


class NotReviewer(PermissionError):
    pass


def reviewer_ids(engine: Engine, settings: Settings) -> set[str]:
    with Session(engine) as session:
        stored = set(session.execute(select(Reviewer.user_id)).scalars())
    return stored | admin_ids(engine, settings)


def require_reviewer(engine: Engine, settings: Settings, user: str) -> None:
    """Raise NotReviewer unless `user` may decide cases. Call before changing anything."""
    if user not in reviewer_ids(engine, settings):
        raise NotReviewer(
            "Only reviewers (admins, and people added with `/canweship reviewers add @user`) "
            "can decide review cases. Nothing was changed."
        )


def add_reviewer(
    engine: Engine, settings: Settings, *, user: str, by: Actor, now: datetime | None = None
) -> bool:
    """Add a reviewer (admins only); False if already one. BadUserId for other shapes."""
    if by.kind == "slack":
        require_admin(engine, settings, by.user, what="add reviewers")
    user = user_id_from(user)
    with Session(writer(engine)) as session:
        if session.get(Reviewer, user) is not None:
            return False
        session.add(Reviewer(user_id=user, added_by=by.user, added_at=now or utcnow()))
        record_audit(session, by, "reviewers.add", subject=user, detail={"after": user})
        session.commit()
        return True


def remove_reviewer(engine: Engine, settings: Settings, *, user: str, by: Actor) -> bool:
    if by.kind == "slack":
        require_admin(engine, settings, by.user, what="remove reviewers")
    user = user_id_from(user)
    with Session(writer(engine)) as session:
        gone = session.execute(delete(Reviewer).where(Reviewer.user_id == user)).rowcount  # type: ignore[attr-defined]
        if gone:
            record_audit(session, by, "reviewers.remove", subject=user, detail={"before": user})
        session.commit()
        return bool(gone)


def list_reviewers(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return sorted(session.execute(select(Reviewer.user_id)).scalars())
