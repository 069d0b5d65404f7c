"""Run reminder ticks on a timer with APScheduler 3.x.

Each process keeps its own in-memory job store (a job store must never be shared between
schedulers); exactly-once delivery comes from the claims in bot/deadlines/reminders.py, not from the
scheduler, so any number of `canweship scheduler`, `run` and `tick` processes may run at once.
The first tick runs at start, which posts (marked late) whatever fell due while all were down.
The list jobs follow the same rule: the sync claims its interval in `sync_state`, and list
changes and list alerts are claimed rows (bot/upkeep/changes.py, bot/lists/alerts.py).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.deadlines.reminders import Notifier, tick
from bot.services import Services
from bot.upkeep.sync import claim_scheduled_sync, list_upkeep, sync, sync_due
from handlers.list_alerts import SlackAlertNotifier

log = logging.getLogger(__name__)


def _tick_job(services: Services, notifier: Notifier) -> None:
    try:
        report = tick(
            engine=services.engine,
            settings=services.settings,
            notifier=notifier,
            owner=services.instance_id,
        )
        if report.claimed:
            log.info("reminder tick: %s", report)
    except Exception:  # the next tick retries; a crash here must not stop the scheduler
        log.exception("reminder tick failed")


def _sync_job(services: Services) -> None:
    """Every minute: download the list if due and no other process is at it (bot/upkeep/sync.py)."""
    settings = services.settings
    try:
        if sync_due(services.engine, settings) and claim_scheduled_sync(
            services.engine,
            url=settings.sync_url,
            owner=services.instance_id,
            now=datetime.now(UTC),
            interval=settings.sync_interval,
        ):
            result = sync(
                engine=services.engine,
                settings=settings,
                screener=services.screener,
                owner=services.instance_id,
            )
            log.info("list sync: %s", result.message)
    except Exception:  # the next interval retries
        log.exception("list sync failed")


def _list_upkeep_job(services: Services, list_notifier: Any) -> None:
    try:
        list_upkeep(
            engine=services.engine,
            settings=services.settings,
            screener=services.screener,
            notifier=list_notifier,
            owner=services.instance_id,
        )
    except Exception:
        log.exception("list upkeep failed")


def list_notifier_for(notifier: Any) -> Any:
    """The reminder notifier's Slack client also posts list alerts (rendered in handlers/)."""
    if hasattr(notifier, "post_alert"):
        return notifier
    client = getattr(notifier, "client", None)
    if client is None:
        return None

    return SlackAlertNotifier(client)


def build_scheduler(services: Services, notifier: Notifier, *, blocking: bool) -> BaseScheduler:
    scheduler: BaseScheduler = (BlockingScheduler if blocking else BackgroundScheduler)(
        timezone=UTC,
        job_defaults={
            "coalesce": True,  # one catch-up run, not one per missed interval
            "max_instances": 1,  # never two ticks at once in one process
            "misfire_grace_time": None,  # a late tick still runs (the default 1 s drops it)
        },
    )
    scheduler.add_job(
        _tick_job,
        IntervalTrigger(seconds=max(1, int(services.settings.tick_interval.total_seconds()))),
        args=(services, notifier),
        id="reminder-tick",
        next_run_time=datetime.now(UTC),
    )
    scheduler.add_job(
        _sync_job,
        IntervalTrigger(
            seconds=max(1, min(60, int(services.settings.sync_interval.total_seconds())))
        ),
        args=(services,),
        id="list-sync",
        next_run_time=datetime.now(UTC),
    )
    scheduler.add_job(
        _list_upkeep_job,
        IntervalTrigger(seconds=max(1, int(services.settings.tick_interval.total_seconds()))),
        args=(services, list_notifier_for(notifier)),
        id="list-upkeep",
        next_run_time=datetime.now(UTC),
    )
    return scheduler
