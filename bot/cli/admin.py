"""CLI twins of the admin slash commands, plus `tick`, `scheduler`, `seed` and `deadlines`."""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import sys
from datetime import UTC, date, datetime

from sqlmodel import Session

from bot.cli.common import UsageError
from bot.config import Settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    ext = sub.add_parser("extension", help="extensions (e.g. a Temporary General License)")
    ext_sub = ext.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = ext_sub.add_parser("add", help="record a new extension")
    add.add_argument("name")
    add.add_argument("--expires", required=True, metavar="DATE")
    add.add_argument("--effective", metavar="DATE")
    add.add_argument("--cite", metavar="TEXT")
    add.add_argument("--party", action="append", default=[], metavar="NAME")
    add.add_argument("--activity", action="append", default=[], metavar="TEXT")
    extend = ext_sub.add_parser("extend", help="record a new expiry (a new rule)")
    extend.add_argument("name")
    extend.add_argument("--expires", required=True, metavar="DATE")
    extend.add_argument("--effective", metavar="DATE")
    extend.add_argument("--cite", metavar="TEXT")
    for action, text in (
        ("remove", "withdraw it"),
        ("lapse", "stop reminders; covers until expiry"),
    ):
        p = ext_sub.add_parser(action, help=text)
        p.add_argument("name")
    lst = ext_sub.add_parser("list", help="extensions on record")
    lst.add_argument("--json", action="store_true")
    lst.add_argument("--history", action="store_true", help="include superseded rules")
    ext.set_defaults(handler=cmd_extension)

    dl = sub.add_parser("deadlines", help="upcoming deadlines with days left")
    dl.add_argument("--json", action="store_true")
    dl.set_defaults(handler=cmd_deadlines)

    tick = sub.add_parser(
        "tick", help="run one reminder tick now and exit (no SLACK_BOT_TOKEN: only show it)"
    )
    tick.set_defaults(handler=cmd_tick)
    sched = sub.add_parser("scheduler", help="run reminder ticks forever (Procfile clock:)")
    sched.set_defaults(handler=cmd_scheduler)

    seed = sub.add_parser("seed", help="load a worked example")
    seed.add_argument("example", choices=["huawei-tgl", "huawei-affiliates"])
    seed.add_argument(
        "--as-of", metavar="DATE", help="record what was known on DATE (default today)"
    )
    seed.set_defaults(handler=cmd_seed)


def _services():  # type: ignore[no-untyped-def]
    # (lazy: a command loads only what it runs)
    from bot.runtime.wiring import build_services

    return build_services()


def _actor():  # type: ignore[no-untyped-def]
    # (lazy: a command loads only what it runs)
    from bot.audit import Actor

    return Actor(user=getpass.getuser(), kind="cli")


def cmd_extension(args: argparse.Namespace) -> int:
    # (lazy: a command loads only what it runs)
    from bot.licensing.extension_text import extension_json, extension_line
    from bot.licensing.extensions import ExtensionError

    svc = _services()
    ext = svc.extensions
    now = datetime.now(UTC)
    try:
        if args.action == "list":
            rows = ext.list(include_history=args.history)
            if args.json:
                json.dump(
                    [extension_json(r, now=now, settings=svc.settings) for r in rows],
                    sys.stdout,
                    indent=2,
                )
                print()
            else:
                for r in rows:
                    print(extension_line(r, now=now, settings=svc.settings))
                if not rows:
                    print("no extensions on record")
            return 0
        if args.action == "add":
            row = ext.add(
                name=args.name,
                expires=args.expires,
                effective=args.effective,
                cite=args.cite,
                parties=args.party,
                activities=args.activity,
                actor=_actor(),
            )
        elif args.action == "extend":
            row = ext.extend(
                name=args.name,
                expires=args.expires,
                effective=args.effective,
                cite=args.cite,
                actor=_actor(),
            )
        elif args.action == "lapse":
            row = ext.lapse(name=args.name, actor=_actor())
        else:
            row = ext.remove(name=args.name, actor=_actor())
    except ExtensionError as exc:
        raise UsageError(f"{exc}; nothing was changed") from exc
    print(extension_line(row, now=now, settings=svc.settings))
    return 0


def cmd_deadlines(args: argparse.Namespace) -> int:
    # (lazy: a command loads only what it runs)
    from bot.deadlines.schedule import days_left, upcoming
    from bot.licensing.extension_text import deadline_line

    svc = _services()
    now = datetime.now(UTC)
    with Session(svc.engine) as session:
        rows = upcoming(session, today=now.astimezone(svc.settings.tz).date())
    if args.json:
        json.dump(
            [
                {
                    "kind": d.kind,
                    "title": d.title,
                    "due": d.due.isoformat(),
                    "days_left": days_left(d.due, now=now, tz=svc.settings.tz),
                }
                for d in rows
            ],
            sys.stdout,
            indent=2,
        )
        print()
    else:
        for d in rows:
            print(deadline_line(d, now=now, settings=svc.settings))
        if not rows:
            print("no upcoming deadlines")
    return 0


def make_notifier(settings: Settings):  # type: ignore[no-untyped-def]
    """The Slack notifier. Without a token, tick/scheduler print instead (bot/cli/local.py) and
    reminders stay pending (never 'sent')."""
    if not settings.slack_bot_token:
        raise UsageError(
            "SLACK_BOT_TOKEN is not set, so reminders cannot be posted; they stay "
            "pending until a process with Slack credentials ticks"
        )
    if not settings.alert_channel:
        raise UsageError("CANWESHIP_ALERT_CHANNEL is not set: reminders have nowhere to go")
    # (lazy: a command loads only what it runs)
    from bot.runtime.app import make_client
    from handlers.reminders import SlackNotifier

    return SlackNotifier(
        make_client(settings.slack_bot_token, settings.slack_api_url), settings.timezone
    )


def cmd_tick(args: argparse.Namespace) -> int:
    # (lazy: a command loads only what it runs)
    from bot.deadlines.reminders import tick

    svc = _services()
    if not svc.settings.slack_bot_token:
        # (lazy: a command loads only what it runs)
        from bot.cli.local import cmd_local_tick

        return cmd_local_tick(svc)
    notifier = make_notifier(svc.settings)
    report = tick(
        engine=svc.engine, settings=svc.settings, notifier=notifier, owner=svc.instance_id
    )
    print(
        f"claimed {report.claimed}, posted {report.posted} ({report.late} late), "
        f"skipped {report.skipped}, cancelled {report.cancelled}, failed {report.failed}"
    )
    return 0


def cmd_scheduler(args: argparse.Namespace) -> int:
    # (lazy: a command loads only what it runs)
    from bot.runtime.scheduler import build_scheduler

    svc = _services()
    if not svc.settings.slack_bot_token:
        # (lazy: a command loads only what it runs)
        from bot.cli.local import cmd_local_scheduler

        return cmd_local_scheduler(svc)
    notifier = make_notifier(svc.settings)
    scheduler = build_scheduler(svc, notifier, blocking=True)
    print(
        f"scheduler {svc.instance_id}: ticking every {svc.settings.tick_interval}", file=sys.stderr
    )
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    # (lazy: a command loads only what it runs)
    from bot.licensing import huawei_tgl as tgl
    from bot.licensing.extensions import ExtensionError

    svc = _services()
    if args.example == "huawei-affiliates":
        return _seed_affiliates(svc)
    try:
        as_of = date.fromisoformat(args.as_of) if args.as_of else datetime.now(UTC).date()
    except ValueError as exc:
        raise UsageError(f"--as-of {args.as_of!r} is not a date (YYYY-MM-DD)") from exc
    try:
        steps = tgl.seed(svc.extensions, actor=_actor(), as_of=as_of)
    except (ValueError, ExtensionError) as exc:
        raise UsageError(str(exc)) from exc
    print(f"{tgl.NAME}, as known on {as_of}:")
    for step in steps:
        print(f"  {step}")
    return 0


def _seed_affiliates(svc) -> int:  # type: ignore[no-untyped-def]
    # (lazy: a command loads only what it runs)
    from bot.cli.ownership import _rescreen
    from bot.ownership import seed as example

    report, lines = example.seed(svc.engine, actor=_actor())
    print("ILLUSTRATIVE ownership (fictional companies, real listed Huawei owners):")
    for line in lines:
        print(f"  {line}")
    print(f"{report.added} added, {report.changed} changed, {report.unchanged} unchanged")
    _rescreen(svc, report.owned_keys, "seed huawei-affiliates", "seed")
    return 0
