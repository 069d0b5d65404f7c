"""The composition root: builds the long-lived services and hands each engine its collaborators.

This is the one module that knows every package. The screener (bot/answers) must not import
licensing, counterparties or upkeep, which sit above it; it is handed what it needs from them
here, as `Hooks`: the authorizations on record, the denials, remembering parties, and the
stale-list check after an `unavailable` answer.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import Engine

from bot.answers.screener import Hooks, Screener
from bot.answers.verdicts import UNAVAILABLE, Decision
from bot.config import Settings
from bot.counterparties.registry import record_asked_in
from bot.licensing import extensions, license_screening
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


def screener_hooks() -> Hooks:
    return Hooks(
        authorization_sources=(
            extensions.active_authorizations,
            license_screening.active_authorizations,
        ),
        denials=license_screening.denials,
        denial_notes_for=license_screening.denial_notes_for,
        record_asked_in=record_asked_in,
        after_answer=_after_answer,
    )


def build_screener(settings: Settings, engine: Engine) -> Screener:
    """A screener wired to the licenses, extensions and counterparties on record."""
    return Screener(settings, engine, hooks=screener_hooks())


def build_services(settings: Settings | None = None) -> Services:
    runtime = open_runtime(settings)
    return Services(
        settings=runtime.settings,
        engine=runtime.engine,
        screener=build_screener(runtime.settings, runtime.engine),
    )
