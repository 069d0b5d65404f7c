"""Destination policies: admins change them; every change is audited."""

from __future__ import annotations

import pycountry
from sqlalchemy import Engine, select
from sqlmodel import Session

from bot.audit import Actor, record_audit
from storage.db import writer
from storage.models import CountryPolicy
from storage.types import utcnow

POLICIES = ("embargoed", "license_required", "review", "none")


class PolicyError(ValueError):
    """A bad `country set`; the message says what is wrong."""


def _snapshot(row: CountryPolicy | None) -> dict[str, str | None] | None:
    if row is None:
        return None
    return {"code": row.code, "policy": row.policy, "reason": row.reason, "cite": row.cite}


def set_policy(
    engine: Engine, *, code: str, policy: str, reason: str, cite: str | None, by: str, by_kind: str
) -> CountryPolicy:
    code = code.strip().upper()
    if not (pycountry.countries.get(alpha_2=code) or pycountry.subdivisions.get(code=code)):
        raise PolicyError(f"“{code}” is not an ISO country code (e.g. RU) or region code (UA-43)")
    policy = policy.strip().lower()
    if policy not in POLICIES:
        raise PolicyError(f"policy must be one of {', '.join(POLICIES)}")
    if not reason.strip():
        raise PolicyError('give a reason, e.g. country set RU license_required "EAR 746.8"')
    with Session(writer(engine), expire_on_commit=False) as session:
        row = session.get(CountryPolicy, code)
        before = _snapshot(row)
        if row is None:
            row = CountryPolicy(
                code=code, policy=policy, reason=reason.strip(), cite=cite, updated_by=by
            )
            session.add(row)
        row.policy, row.reason, row.cite = policy, reason.strip(), (cite or "").strip() or None
        row.updated_by, row.updated_at = by, utcnow()
        record_audit(
            session,
            Actor(user=by, kind=by_kind),
            "country.set",
            subject=code,
            detail={"before": before, "after": _snapshot(row)},
        )
        session.commit()
    return row


def list_policies(engine: Engine) -> list[CountryPolicy]:
    with Session(engine) as session:
        return list(session.execute(select(CountryPolicy).order_by(CountryPolicy.code)).scalars())
