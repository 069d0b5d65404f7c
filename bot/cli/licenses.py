"""CLI twins of `/canweship license|admins|watch|unwatch|country|audit` (trusted, audited as the
OS user)."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from bot.cli.common import UsageError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    for name in ("license", "licenses"):
        lic = sub.add_parser(name, help="license decisions on record")
        lic_sub = lic.add_subparsers(dest="action", metavar="ACTION", required=True)
        add = lic_sub.add_parser("add", help="record a license decision")
        add.add_argument("number")
        add.add_argument(
            "--decision", default="granted", choices=["granted", "denied", "returned", "revoked"]
        )
        add.add_argument("--party")
        add.add_argument("--scope")
        add.add_argument("--destination", metavar="CC")
        add.add_argument("--from", dest="valid_from", metavar="DATE")
        add.add_argument("--until", dest="valid_until", metavar="DATE")
        add.add_argument("--condition", action="append", default=[])
        add.add_argument(
            "--replace",
            action="store_true",
            help="replace the license already on record under this number (fields left out "
            "are cleared)",
        )
        show = lic_sub.add_parser("show", help="one license and its history")
        show.add_argument("number")
        show.add_argument("--json", action="store_true")
        lst = lic_sub.add_parser("list", help="licenses on record")
        lst.add_argument("--json", action="store_true")
        lst.add_argument("--all", action="store_true", help="include withdrawn records")
        revoke = lic_sub.add_parser("revoke", help="mark a license revoked")
        revoke.add_argument("number")
        lic.set_defaults(handler=cmd_license)

    admins = sub.add_parser("admins", help="who may change data")
    admins.add_argument("action", choices=["add", "remove", "list"])
    admins.add_argument("users", nargs="*", metavar="USER_ID")
    admins.set_defaults(handler=cmd_admins)

    for name in ("watch", "unwatch"):
        w = sub.add_parser(name, help=f"{name} a channel for license announcements")
        w.add_argument("channel", metavar="CHANNEL_ID")
        w.set_defaults(handler=cmd_watch, on=name == "watch")

    country = sub.add_parser("country", help="destination policies")
    c_sub = country.add_subparsers(dest="action", metavar="ACTION", required=True)
    cset = c_sub.add_parser("set", help="set a destination policy")
    cset.add_argument("code", metavar="CC")
    cset.add_argument("policy", choices=["embargoed", "license_required", "review", "none"])
    cset.add_argument("reason")
    cset.add_argument("cite", nargs="?")
    c_sub.add_parser("list", help="destination policies on record")
    country.set_defaults(handler=cmd_country)

    audit = sub.add_parser("audit", help="the audit log")
    a_sub = audit.add_subparsers(dest="action", metavar="ACTION", required=True)
    export = a_sub.add_parser("export", help="write the audit log as CSV")
    export.add_argument(
        "since", nargs="*", metavar="[since] YYYY-MM-DD", help="only rows from this date (UTC)"
    )
    export.add_argument("--output", "-o", metavar="FILE", help="default: standard output")
    audit.set_defaults(handler=cmd_audit)


def _svc():  # type: ignore[no-untyped-def]
    # (lazy: a command loads only what it runs)
    from bot.runtime.wiring import build_services

    return build_services()


def _date(text: str | None, flag: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--{flag} {text!r} is not a date (YYYY-MM-DD)") from None


def _license_json(row: Any) -> dict[str, Any]:
    # (lazy: a command loads only what it runs)
    from bot.licensing.licenses import snapshot

    doc = snapshot(row) or {}
    doc["id"] = row.id
    doc["recorded_at"] = row.recorded_at.isoformat()
    doc["updated_at"] = row.updated_at.isoformat()
    return doc


def cmd_license(args: argparse.Namespace) -> int:
    # (lazy: a command loads only what it runs)
    from bot.licensing.licenses import LicenseError, LicenseExists, Source
    from bot.screening.country_field import country_code

    svc = _svc()
    lic = svc.licenses
    source = Source(user=getpass.getuser(), kind="cli")
    try:
        if args.action == "list":
            rows = lic.list(include_withdrawn=args.all)
            if args.json:
                json.dump([_license_json(r) for r in rows], sys.stdout, indent=2)
                print()
            else:
                for r in rows:
                    until = f" until {r.valid_until}" if r.valid_until else ""
                    print(
                        f"{r.number} {r.decision} [{r.status}] {r.party or '-'}: "
                        f"{r.scope or '-'}{until}"
                    )
                if not rows:
                    print("no licenses on record")
            return 0
        if args.action == "show":
            row = lic.get(args.number)
            if row is None:
                raise UsageError(f"no license {args.number} on record")
            doc = _license_json(row)
            doc["history"] = [
                {"at": e.at.isoformat(), "action": e.action, "actor": e.actor, "detail": e.detail}
                for e in lic.history(args.number)
            ]
            json.dump(doc, sys.stdout, indent=2)
            print()
            return 0
        if args.action == "add":
            code = country_code(args.destination) if args.destination else None
            if args.destination and code is None:
                raise UsageError(f"--destination: unknown country {args.destination!r}")
            try:
                added = lic.add(
                    number=args.number,
                    decision=args.decision,
                    source=source,
                    party=args.party,
                    scope=args.scope,
                    destination=code,
                    valid_from=_date(args.valid_from, "from"),
                    valid_until=_date(args.valid_until, "until"),
                    conditions=args.condition,
                    replace=args.replace,
                )
            except LicenseExists as exc:
                changes = "".join(f"\n  {d}" for d in exc.differences)
                raise UsageError(
                    f"license {exc.number} is already on record; replacing it would change:"
                    f"{changes}\nrun again with --replace to replace it (fields you leave out "
                    "are cleared); nothing was changed"
                ) from exc
            for warning in added.warnings:
                print(f"warning: {warning}", file=sys.stderr)
            for change in added.differences:
                print(f"changed {change}", file=sys.stderr)
            verb = (
                "recorded" if added.created else ("replaced" if added.differences else "unchanged")
            )
            print(f"{verb} " + json.dumps(_license_json(added.row)))
            return 0
        row = lic.revoke(number=args.number, source=source)
        print(f"revoked {row.number}")
        return 0
    except LicenseError as exc:
        raise UsageError(f"{exc}; nothing was changed") from exc


def cmd_admins(args: argparse.Namespace) -> int:
    # (lazy: a command loads only what it runs)
    from bot.authz import BadUserId, NotAdmin, add_admin, admin_ids, remove_admin, user_id_from

    if args.action == "add":
        try:
            args.users = [user_id_from(u) for u in args.users]
        except BadUserId as exc:
            raise UsageError(f"{exc}; nothing was changed") from exc
    svc = _svc()
    if args.action == "list":
        for user in sorted(admin_ids(svc.engine, svc.settings)):
            print(user)
        return 0
    if not args.users:
        raise UsageError(f"give the Slack user id(s) to {args.action}, e.g. U0123ABCD")
    for user in args.users:
        try:
            if args.action == "add":
                changed = add_admin(svc.engine, user=user, by=getpass.getuser(), by_kind="cli")
            else:
                changed = remove_admin(
                    svc.engine, svc.settings, user=user, by=getpass.getuser(), by_kind="cli"
                )
        except NotAdmin as exc:
            raise UsageError(str(exc)) from exc
        print(f"{args.action} {user}: {'done' if changed else 'no change'}")
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    # (lazy: a command loads only what it runs)
    import re

    from bot.announcements.watch import set_watched

    if not re.fullmatch(r"[CG][A-Z0-9]{2,}", args.channel):
        raise UsageError(f"{args.channel!r} is not a Slack channel id (e.g. C0123ABCD)")
    svc = _svc()
    changed = set_watched(
        svc.engine, channel=args.channel, on=args.on, by=getpass.getuser(), by_kind="cli"
    )
    print(
        f"{'watching' if args.on else 'not watching'} {args.channel}"
        + ("" if changed else " (no change)")
    )
    return 0


def cmd_country(args: argparse.Namespace) -> int:
    # (lazy: a command loads only what it runs)
    from bot.licensing.destinations import PolicyError, list_policies, set_policy

    svc = _svc()
    if args.action == "list":
        for row in list_policies(svc.engine):
            print(f"{row.code}\t{row.policy}\t{row.reason}\t{row.cite or ''}")
        return 0
    try:
        row = set_policy(
            svc.engine,
            code=args.code,
            policy=args.policy,
            reason=args.reason,
            cite=args.cite,
            by=getpass.getuser(),
            by_kind="cli",
        )
    except PolicyError as exc:
        raise UsageError(f"{exc}; nothing was changed") from exc
    print(f"{row.code}: {row.policy} — {row.reason}" + (f" ({row.cite})" if row.cite else ""))
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    # (lazy: a command loads only what it runs)
    from bot.audit import export_csv, parse_since_words

    try:
        since = parse_since_words(args.since)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    svc = _svc()
    text, count = export_csv(svc.engine, since=since)
    if args.output:
        Path(args.output).write_text(text)
        print(f"wrote {count} audit rows to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
