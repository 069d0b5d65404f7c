"""Who may change data. Checked here and nowhere else.

Admins are the Slack users in CANWESHIP_ADMINS plus those added with `admins add`. The command
line is trusted (it runs on the bot's own machine) and audited under the OS user.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import Engine, delete, select
from sqlmodel import Session

from bot.audit import Actor, record_audit
from bot.config import Settings
from storage.db import writer
from storage.models import Admin
from storage.types import utcnow


class NotAdmin(PermissionError):
    """The user may not change data; the message is safe to show them."""


class BadUserId(ValueError):
    """Not the shape of a Slack user id; the message is safe to show and says what to type."""


# Slack user ids: U (or W for Enterprise Grid) and 8 to 10 more upper-case letters and digits.
# Anything else (a name, an email, a channel id, "@bob") can never match a Slack user, so adding
# it would look like a working admin while nobody could ever use it.
USER_ID_SHAPE = re.compile(r"[UW][A-Z0-9]{8,10}")
_MENTION = re.compile(r"<@([^|>]*)(?:\|[^>]*)?>")
FIRST_ADMIN_HINT = (
    "No admins are set up yet: set CANWESHIP_ADMINS=U… (Slack user ids, comma-separated) or run "
    "`canweship admins add U…` where the bot runs."
)


def user_id_from(text: str) -> str:
    """The user id in `U0123ABCD`, `@U0123ABCD` or a `<@U0123ABCD|name>` mention.

    Raises BadUserId for anything else, naming the input, so a typo is refused instead of
    being stored as an admin nobody can be.
    """
    raw = text.strip()
    mention = _MENTION.fullmatch(raw)
    candidate = mention.group(1) if mention else raw.removeprefix("@")
    if not USER_ID_SHAPE.fullmatch(candidate):
        shown = raw if len(raw) <= 40 else raw[:39] + "…"
        raise BadUserId(
            f"“{shown}” is not a Slack user id: give a mention (@person) or an id like "
            "U0123ABCD (U or W and 8–10 capital letters or digits)"
        )
    return candidate


def admin_ids(engine: Engine, settings: Settings) -> set[str]:
    with Session(engine) as session:
        stored = set(session.execute(select(Admin.user_id)).scalars())
    return stored | set(settings.admins)


def is_admin(engine: Engine, settings: Settings, user: str) -> bool:
    return user in admin_ids(engine, settings)


def require_admin(engine: Engine, settings: Settings, user: str, *, what: str) -> None:
    """Raise NotAdmin unless `user` is an admin. Call before changing anything."""
    admins = admin_ids(engine, settings)
    if user not in admins:
        # With nobody to ask, pointing at an empty `admins list` is a dead end: say how to start.
        hint = (
            FIRST_ADMIN_HINT
            if not admins
            else "Ask a compliance admin (see `/canweship admins list`)."
        )
        raise NotAdmin(f"Only canweship admins can {what}. Nothing was changed. {hint}")


def add_admin(
    engine: Engine, *, user: str, by: str, by_kind: str, now: datetime | None = None
) -> bool:
    """Add `user` (a Slack user id); False if already an admin. BadUserId for other shapes."""
    user = user_id_from(user)
    with Session(writer(engine)) as session:
        if session.get(Admin, user) is not None:
            return False
        session.add(Admin(user_id=user, added_by=by, added_at=now or utcnow()))
        record_audit(
            session,
            Actor(user=by, kind=by_kind),
            "admins.add",
            subject=user,
            detail={"before": None, "after": user},
        )
        session.commit()
        return True


def remove_admin(engine: Engine, settings: Settings, *, user: str, by: str, by_kind: str) -> bool:
    if user in settings.admins:
        raise NotAdmin(f"{user} is an admin through CANWESHIP_ADMINS; change that setting instead.")
    with Session(writer(engine)) as session:
        result = session.execute(delete(Admin).where(Admin.user_id == user))
        if result.rowcount:  # type: ignore[attr-defined]
            record_audit(
                session,
                Actor(user=by, kind=by_kind),
                "admins.remove",
                subject=user,
                detail={"before": user, "after": None},
            )
        session.commit()
        return bool(result.rowcount)  # type: ignore[attr-defined]
