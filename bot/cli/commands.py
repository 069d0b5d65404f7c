"""Sub-commands of `canweship` that manage the store and the list."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime, time
from typing import Any

from bot.cli.common import UsageError
from bot.cli.progress import progress_bar
from bot.config import Settings
from bot.deadlines.schedule import pending_count
from bot.lists.status import human_age, read_list_status
from bot.ownership.rules import (
    RULES,
    describe_today,
    in_effect,
    load_periods,
    next_changes,
    state_on,
)
from bot.runtime.store import open_runtime
from bot.screening.normalize import NORMALIZER_VERSION, normalize_name
from storage.csl import ListFormatError, ParsedList
from storage.db import current_revision, session_scope
from storage.importer import (
    ListSourceError,
    apply_list,
    current_snapshot,
    first_seen,
    load_list,
    record_failure,
    shrink_refusal,
)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = db_sub.add_parser("upgrade", help="apply pending migrations (the bot also does on start)")
    up.set_defaults(handler=cmd_db_upgrade)

    imp = sub.add_parser("import", help="load a CSL file (JSON or CSV, gzip ok) from a path or URL")
    imp.add_argument("source", metavar="PATH_OR_URL")
    imp.add_argument("--json", action="store_true", help="print the report as JSON")
    imp.add_argument(
        "--force",
        action="store_true",
        help="apply even a list far smaller than the one in use (audited as forced)",
    )
    imp.add_argument(
        "--published",
        metavar="DATE",
        help="the file's publication date (YYYY-MM-DD), when the file does not state one; the "
        "list's age counts from it",
    )
    imp.set_defaults(handler=cmd_import)

    status = sub.add_parser("status", help="the list in use, its age, pending reminders, the store")
    status.add_argument("--json", action="store_true")
    status.set_defaults(handler=cmd_status)

    # (lazy: a command loads only what it runs)
    from bot.cli import admin as cli_admin
    from bot.cli import ask as cli_ask
    from bot.cli import licenses as cli_licenses
    from bot.cli import ownership as cli_ownership
    from bot.cli import reviews as cli_reviews
    from bot.cli import run as cli_run
    from bot.cli import screen as cli_screen
    from bot.cli import sync as cli_sync

    for module in (
        cli_screen,
        cli_ask,
        cli_run,
        cli_admin,
        cli_licenses,
        cli_sync,
        cli_reviews,
        cli_ownership,
    ):
        module.register(sub)


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    runtime = open_runtime()
    print(f"schema at revision {current_revision(runtime.engine)} ({runtime.store_location})")
    return 0


def _stated(args: argparse.Namespace, parsed: ParsedList) -> datetime | None:
    """The publication date given with --published, else the one the file states."""
    if args.published:
        try:
            day = date.fromisoformat(args.published)
        except ValueError:
            raise UsageError(f"--published {args.published!r} is not a date (YYYY-MM-DD)") from None
        return datetime.combine(day, time(), tzinfo=UTC)
    return parsed.published


def cmd_import(args: argparse.Namespace) -> int:
    runtime = open_runtime()
    normalize, version = normalize_name, NORMALIZER_VERSION
    try:
        parsed = load_list(args.source)
    except (ListFormatError, ListSourceError) as exc:
        record_failure(engine=runtime.engine, origin=args.source, error=str(exc))
        raise
    stated = _stated(args, parsed)
    with session_scope(runtime.engine) as session:
        in_use = current_snapshot(session)
        # The list's age counts from when it was known to be current: its stated publication
        # date; else, for a local file, when that same file was first seen (re-importing an old
        # file never freshens it); else now (a download vouches for itself).
        as_of = stated
        if as_of is None and "://" not in args.source:
            as_of = first_seen(session, parsed.file_sha256)
    reason = shrink_refusal(
        parsed, in_use, ratio=runtime.settings.min_record_ratio, origin=args.source
    )
    if reason is not None and not args.force:
        record_failure(engine=runtime.engine, origin=args.source, error=reason)
        raise UsageError(f"{reason}; the list in use was kept (--force applies it anyway)")
    with progress_bar(f"importing {len(parsed.records):,} records") as update:
        report = apply_list(
            engine=runtime.engine,
            parsed=parsed,
            origin=args.source,
            normalize=normalize,
            normalizer_version=version,
            keep_snapshots=runtime.settings.keep_snapshots,
            progress=update,
            forced=reason if args.force else None,
            published_at=stated,
            as_of=as_of,
        )
    totals = report.totals()
    if args.json:
        json.dump(
            {
                "status": report.status,
                "origin": report.origin,
                "layout": report.layout,
                "records": report.record_count,
                "version": report.version,
                "previous_version": report.previous_version,
                "totals": totals,
                "by_source": report.by_source,
            },
            sys.stdout,
            indent=2,
        )
        print()
        return 0
    verb = "applied as" if report.status == "applied" else "unchanged; still"
    print(
        f"{report.origin}: {report.record_count:,} records ({report.layout}), {verb} list "
        f"{report.version}"
    )
    print(f"{'source':<8}{'added':>9}{'removed':>9}{'changed':>9}{'unchanged':>11}")
    for source, c in report.by_source.items():
        print(
            f"{source:<8}{c['added']:>9,}{c['removed']:>9,}{c['changed']:>9,}{c['unchanged']:>11,}"
        )
    print(
        f"{'total':<8}{totals['added']:>9,}{totals['removed']:>9,}{totals['changed']:>9,}"
        f"{totals['unchanged']:>11,}"
    )
    return 0


def status_document(settings: Settings, now: datetime | None = None) -> dict[str, Any]:
    runtime = open_runtime(settings)
    now = now or datetime.now(UTC)
    with session_scope(runtime.engine) as session:
        st = read_list_status(
            session, now=now, stale_after=settings.stale_after, include_last_run=True
        )
        pending = pending_count(session)
        periods = load_periods(session)
    today = now.astimezone(settings.tz).date()
    snap = st.snapshot
    doc: dict[str, Any] = {
        "store": {
            "backend": runtime.backend,
            "location": runtime.store_location,
            "schema_revision": current_revision(runtime.engine),
        },
        "list": None,
        "problem": st.problem,
        "reminders": {"pending": pending, "alert_channel": settings.alert_channel},
        "rules": {
            rule: {
                "in_effect": in_effect(periods, rule, today),
                "period": p.as_json() if (p := state_on(periods, rule, today)) else None,
            }
            for rule in RULES
        },
        "rules_today": describe_today(periods, today),
        "rules_next": next_changes(periods, today),
    }
    if snap is not None:
        doc["list"] = {
            "version": snap.version,
            "snapshot_id": snap.id,
            "origin": snap.origin,
            "layout": snap.layout,
            "imported_at": snap.imported_at.isoformat(),
            "imported_by": snap.imported_by,
            "checked_at": st.checked_at.isoformat() if st.checked_at else None,
            "age_seconds": int(st.age.total_seconds()) if st.age else None,
            "age": human_age(st.age),
            "stale": st.stale,
            "stale_after_seconds": int(settings.stale_after.total_seconds()),
            "records": snap.record_count,
            "names": snap.names_count,
            "records_by_source": dict(sorted(snap.counts.items())),
            "file_sha256": snap.file_sha256,
            "content_sha256": snap.content_sha256,
        }
    if st.last_run is not None:
        run = st.last_run
        doc["last_import"] = {
            "status": run.status,
            "origin": run.origin,
            "at": (run.finished_at or run.started_at).isoformat(),
            "by": run.actor,
            "error": run.error,
        }
    return doc


def cmd_status(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    doc = status_document(settings)
    if args.json:
        json.dump(doc, sys.stdout, indent=2)
        print()
        return 0
    store = doc["store"]
    print(f"store: {store['backend']} at {store['location']} (schema {store['schema_revision']})")
    lst = doc["list"]
    if lst is None:
        print("list: none loaded")
    else:
        print(
            f"list: {lst['version']} from {lst['origin']} ({lst['layout']}), "
            f"{lst['records']:,} records, imported {lst['imported_at']} by {lst['imported_by']}, "
            f"age {lst['age']}{' (STALE)' if lst['stale'] else ''}"
        )
        print(
            "  per source: " + ", ".join(f"{s} {n:,}" for s, n in lst["records_by_source"].items())
        )
    if doc.get("last_import") and doc["last_import"]["status"] == "failed":
        last = doc["last_import"]
        print(f"last import FAILED at {last['at']}: {last['error']}")
    if doc["problem"]:
        print(f"problem: {doc['problem']}")
    reminders = doc["reminders"]
    where = reminders["alert_channel"] or "nowhere: CANWESHIP_ALERT_CHANNEL is not set"
    print(f"reminders: {reminders['pending']} pending, posted to {where}")
    for line in doc["rules_today"]:
        print(f"rule: {line}")
    for line in doc["rules_next"]:
        print(f"next rule change: {line}")
    return 0
