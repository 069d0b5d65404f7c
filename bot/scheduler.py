"""Run reminder ticks on a timer with APScheduler 3.x.

Each process keeps its own in-memory job store (a job store must never be shared between
schedulers); exactly-once delivery comes from the claims in bot/reminders.py, not from the
scheduler, so any number of `canweship scheduler`, `run` and `tick` processes may run at once.
The first tick runs at start, which posts (marked late) whatever fell due while all were down.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.reminders import Notifier, tick
from bot.services import Services

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
    return scheduler
