"""`canweship sync` and `canweship counterparty ...`: keep the list fresh from the command line.

The command line is trusted (it runs on the bot's machine) and audited under the OS user.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from bot.cli.common import UsageError
from bot.config import Settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sync = sub.add_parser("sync", help="fetch the official list now (conditional GET) and apply it")
    sync.add_argument("--url", help="download from here instead of CANWESHIP_SYNC_URL")
    sync.add_argument("--json", action="store_true")
    sync.set_defaults(handler=cmd_sync)

    cp = sub.add_parser("counterparty", help="parties re-screened whenever the list changes")
    cp_sub = cp.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = cp_sub.add_parser("add", help="register a counterparty (screened now)")
    add.add_argument("name")
    add.add_argument("--country", metavar="CC")
    rm = cp_sub.add_parser("remove", help="forget a counterparty")
    rm.add_argument("name")
    lst = cp_sub.add_parser("list", help="counterparties with their last known result")
    lst.add_argument("--json", action="store_true")
    imp = cp_sub.add_parser("import", help="register every row of a CSV: name[,country]")
    imp.add_argument("file", metavar="FILE.csv")
    cp.set_defaults(handler=cmd_counterparty)


def _services():  # type: ignore[no-untyped-def]
    # (lazy: a command loads only what it runs)
    from bot.runtime.wiring import build_services

    return build_services()


def _alert_notifier(settings: Settings) -> Any:
    """Post alerts now when this process can reach Slack; otherwise they wait in the outbox."""
    if not (settings.slack_bot_token and settings.alert_channel):
        return None
    # (lazy: a command loads only what it runs)
    from bot.runtime.app import make_client
    from handlers.list_alerts import SlackAlertNotifier

    return SlackAlertNotifier(make_client(settings.slack_bot_token, settings.slack_api_url))


def cmd_sync(args: argparse.Namespace) -> int:
    # (lazy: a command loads only what it runs)
    from bot.lists.alerts import deliver
    from bot.upkeep.sync import sync

    url = args.url
    if url is not None and not url.startswith(("http://", "https://")):
        raise UsageError(f"--url {url!r} is not an http(s) URL; load files with `canweship import`")
    svc = _services()
    result = sync(
        engine=svc.engine,
        settings=svc.settings,
        screener=svc.screener,
        url=url,
        actor=getpass.getuser(),
        owner=svc.instance_id,
    )
    notifier = _alert_notifier(svc.settings)
    delivered = (
        deliver(svc.engine, svc.settings, notifier, owner=svc.instance_id) if notifier else None
    )
    if args.json:
        doc: dict[str, Any] = {
            "status": result.status,
            "url": result.url,
            "message": result.message,
        }
        if result.report is not None:
            doc.update(version=result.report.version, totals=result.report.totals())
        if result.changes:
            doc["rescreen"] = result.changes
        json.dump(doc, sys.stdout, indent=2)
        print()
    elif result.status in ("applied", "unchanged", "not_modified"):
        print(result.message)
        if result.report is not None and result.report.status == "applied":
            t = result.report.totals()
            print(f"added {t['added']}, removed {t['removed']}, changed {t['changed']}")
        for change in result.changes or []:
            print(
                f"re-screened {change['candidates']} of {change['counterparties']} "
                f"counterparties: {change['findings']} with a new or stronger hit"
            )
    if delivered is None and result.status in ("failed", "quarantined", "applied"):
        print("alerts queued; a process with Slack credentials will post them", file=sys.stderr)
    if result.status in ("failed", "quarantined"):
        raise UsageError(f"{result.message}; the list in use was kept")
    return 0


def cmd_counterparty(args: argparse.Namespace) -> int:
    # (lazy: a command loads only what it runs)
    from bot.audit import Actor
    from bot.counterparties import registry as cps
    from bot.screening.country_field import country_code

    actor = Actor(user=getpass.getuser(), kind="cli")
    svc = _services()
    try:
        if args.action == "list":
            rows = cps.list_counterparties(svc.engine)
            if args.json:
                json.dump([counterparty_json(r) for r in rows], sys.stdout, indent=2)
                print()
            else:
                for r in rows:
                    print(counterparty_line(r))
                if not rows:
                    print("no counterparties on record")
            return 0
        if args.action == "add":
            code = country_code(args.country)
            if args.country and code is None:
                raise UsageError(f"unknown country {args.country!r}; use an ISO code such as DE")
            row, created = cps.register(
                svc.engine, svc.screener, name=args.name, country=code, actor=actor
            )
            print(("added: " if created else "already on record: ") + counterparty_line(row))
            return 0
        if args.action == "remove":
            row = cps.remove(svc.engine, name=args.name, actor=actor)
            print(f"removed: {row.name}")
            return 0
        # (lazy: a command loads only what it runs)
        from bot.cli.progress import progress_bar

        rows_in = cps.read_csv(Path(args.file), country_code)
        with progress_bar(f"screening {len(rows_in):,} counterparties") as update:
            summary = cps.import_rows(
                svc.engine, svc.screener, rows_in, actor=actor, source=args.file, progress=update
            )
        print(
            f"{args.file}: {summary.rows:,} rows: {summary.added:,} added, "
            f"{summary.updated:,} updated, {summary.unchanged:,} unchanged"
        )
        return 0
    except cps.CounterpartyError as exc:
        raise UsageError(f"{exc}; nothing was changed") from exc


def counterparty_json(row: Any) -> dict[str, Any]:
    return {
        "name": row.name,
        "country": row.country,
        "origins": list(row.origins),
        "last_verdict": row.last_verdict,
        "last_score": row.last_score,
        "last_match": (
            {"source": row.last_source, "entry_id": row.last_list_id, "name": row.last_entry_name}
            if row.last_source
            else None
        ),
        "last_list_version": row.last_list_version,
        "last_screened_at": row.last_screened_at.isoformat() if row.last_screened_at else None,
    }


def counterparty_line(row: Any) -> str:
    place = f" ({row.country})" if row.country else ""
    match = (
        f", best match {row.last_source} {row.last_entry_name!s} ({row.last_score:.0f})"
        if row.last_source and row.last_score is not None
        else ""
    )
    return (
        f"{row.name}{place} [{', '.join(row.origins)}]: {row.last_verdict or 'not screened'}{match}"
    )
