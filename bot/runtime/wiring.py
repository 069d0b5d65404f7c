"""The composition root: builds the long-lived services and hands each engine its collaborators.

This is the one module that knows every package. The screener (bot/answers) must not import
licensing, counterparties or upkeep, which sit above it; it is handed what it needs from them
here, as `Hooks`: the authorizations on record, the denials, remembering parties, and the
stale-list check after an `unavailable` answer.
"""

from __future__ import annotations

import logging
from contextlib import nullcontext
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from bot.answers.screener import Hooks, Screener
from bot.answers.verdicts import UNAVAILABLE, Decision
from bot.config import Settings
from bot.counterparties.registry import record_asked_in
from bot.licensing import extensions, license_screening
from bot.ownership.apply import load_ownership, owned_by
from bot.reviews.apply import adjudicate, load_adjudications
from bot.reviews.cases import open_or_join_case
from bot.runtime.store import open_runtime
from bot.services import Services
from bot.upkeep.staleness import check_freshness

log = logging.getLogger(__name__)


def _after_answer(screener: Screener, decision: Decision, now: datetime) -> None:
    """An `unavailable` answer may open a stale-list incident (admins told once). Never raises."""
    if decision.verdict != UNAVAILABLE:
        return
    try:
        check_freshness(screener.engine, screener.settings, now=now)
    except Exception:
        log.exception("could not check the list's freshness")


def _remember_and_review(settings: Settings | None) -> Any:
    """In the answer's audit transaction: remember the party, then open or join its review case
    (each in its own savepoint on PostgreSQL, so one failing never costs the other)."""

    def record(conn: Any, request: Any, requester: Any, decision: Any, *rest: Any) -> None:
        record_asked_in(conn, request, requester, decision, *rest)
        if settings is None:
            return
        guard = conn.begin_nested if conn.dialect.name == "postgresql" else nullcontext
        try:
            with guard():
                open_or_join_case(conn, request, requester, decision, *rest, settings=settings)
        except Exception:
            log.exception("could not open or join the review case of an answer")

    return record


def screener_hooks(settings: Settings | None = None) -> Hooks:
    """The real hooks; without `settings` no review cases are opened (decisions still apply)."""
    return Hooks(
        authorization_sources=(
            extensions.active_authorizations,
            license_screening.active_authorizations,
        ),
        denials=license_screening.denials,
        denial_notes_for=license_screening.denial_notes_for,
        record_asked_in=_remember_and_review(settings),
        after_answer=_after_answer,
        adjudications=load_adjudications,
        adjudicate=adjudicate,
        ownership=load_ownership,
        owned_by=owned_by,
    )


def build_screener(settings: Settings, engine: Engine) -> Screener:
    """A screener wired to the licenses, extensions and counterparties on record."""
    return Screener(settings, engine, hooks=screener_hooks(settings))


def build_services(settings: Settings | None = None) -> Services:
    runtime = open_runtime(settings)
    return Services(
        settings=runtime.settings,
        engine=runtime.engine,
        screener=build_screener(runtime.settings, runtime.engine),
    )
