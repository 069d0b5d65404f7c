"""`canweship ownership import`, `canweship owner add|remove|list`, `canweship policy ...`:
ownership on record and the dated 50% rules (issue 17). CLI twins of `/canweship owner` and
`/canweship policy`; the command line is trusted and audited under the OS user."""

from __future__ import annotations

import argparse
import getpass
import hashlib
import json
import sys
from datetime import UTC, datetime

from bot.cli.common import UsageError

RULE_CHOICES = ("affiliates-rule", "ofac-50")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    own = sub.add_parser("ownership", help="ownership on record: import a CSV")
    own_sub = own.add_subparsers(dest="action", metavar="ACTION", required=True)
    imp = own_sub.add_parser(
        "import", help="load edges from a CSV (owned, owner, percent[, country, cite, as_of])"
    )
    imp.add_argument("file", metavar="FILE.csv")
    imp.add_argument("--json", action="store_true")
    own.set_defaults(handler=cmd_ownership)

    owner = sub.add_parser("owner", help="who owns a party (the 50%% rules)")
    owner_sub = owner.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = owner_sub.add_parser("add", help="record that OWNER holds PERCENT of OWNED")
    add.add_argument("owned", metavar="OWNED")
    add.add_argument("--owner", required=True)
    add.add_argument("--percent", required=True, help="0-100, or 'unknown'")
    add.add_argument("--cite", metavar="TEXT")
    add.add_argument("--as-of", metavar="DATE")
    add.add_argument("--country", metavar="CC")
    add.add_argument("--indirect", action="store_true", help="held through intermediaries")
    rm = owner_sub.add_parser("remove", help="remove the edge between OWNED and --owner")
    rm.add_argument("owned", metavar="OWNED")
    rm.add_argument("--owner", required=True)
    lst = owner_sub.add_parser("list", help="edges on record (of PARTY, as owned or owner)")
    lst.add_argument("party", nargs="?", metavar="PARTY")
    lst.add_argument("--json", action="store_true")
    owner.set_defaults(handler=cmd_owner)

    pol = sub.add_parser("policy", help="the 50%% rules' periods in effect or suspended")
    pol_sub = pol.add_subparsers(dest="rule", metavar="list|RULE", required=True)
    pl = pol_sub.add_parser("list", help="every period on record, today's state, next change")
    pl.add_argument("--json", action="store_true")
    for rule in RULE_CHOICES:
        p = pol_sub.add_parser(rule, help=f"record a period of the {rule}")
        p.add_argument("state", choices=["suspended", "in-effect"])
        p.add_argument("--from", dest="starts", required=True, metavar="DATE")
        p.add_argument("--until", dest="ends", metavar="DATE", help="last day (inclusive)")
        p.add_argument("--cite", metavar="TEXT", help="required: where the period is published")
        p.add_argument("--note", metavar="TEXT")
    pol.set_defaults(handler=cmd_policy)


def _services():  # type: ignore[no-untyped-def]
    # (lazy: a command loads only what it runs)
    from bot.runtime.wiring import build_services

    return build_services()


def _actor():  # type: ignore[no-untyped-def]
    # (lazy: a command loads only what it runs)
    from bot.audit import Actor

    return Actor(user=getpass.getuser(), kind="cli")


def change_key(kind: str, keys: set[str], now: datetime) -> str:
    digest = hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()[:12]
    return f"{kind}:{now.strftime('%Y%m%dT%H%M%S.%f')}:{digest}"


def _rescreen(svc, keys: set[str], why: str, kind: str):  # type: ignore[no-untyped-def]
    # (lazy: a command loads only what it runs)
    from bot.upkeep.ownership import rescreen_owned

    now = datetime.now(UTC)
    return rescreen_owned(
        svc.engine,
        svc.settings,
        svc.screener,
        keys,
        now=now,
        key=change_key(kind, keys, now),
        why=why,
    )


def cmd_ownership(args: argparse.Namespace) -> int:
    # (lazy: a command loads only what it runs)
    from bot.cli.screen import read_input
    from bot.ownership.edges import OwnershipError, import_edges, parse_csv

    raw = read_input(args.file)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{args.file}: not UTF-8 text (byte {exc.start})") from exc
    try:
        edges = parse_csv(text, origin=args.file)
    except OwnershipError as exc:
        raise UsageError(str(exc)) from exc
    svc = _services()
    report = import_edges(svc.engine, edges, actor=_actor(), origin=args.file)
    found = _rescreen(svc, report.owned_keys, f"ownership imported from {args.file}", "import")
    doc = {
        "rows": report.rows,
        "added": report.added,
        "changed": report.changed,
        "unchanged": report.unchanged,
        "rescreened": found.counterparties,
        "findings": len(found.findings),
    }
    if args.json:
        json.dump(doc, sys.stdout, indent=2)
        print()
    else:
        print(
            f"{args.file}: {report.rows:,} rows: {report.added:,} added, {report.changed:,} "
            f"changed, {report.unchanged:,} unchanged; {found.counterparties:,} counterparties "
            f"re-screened, {len(found.findings):,} with a new or stricter answer"
        )
    return 0


def cmd_owner(args: argparse.Namespace) -> int:
    # (lazy: a command loads only what it runs)
    from bot.ownership.edges import (
        OwnershipError,
        add_owner,
        edge_in,
        edge_line,
        list_ownership,
        remove_owner,
    )

    svc = _services()
    try:
        if args.action == "list":
            rows = list_ownership(svc.engine, args.party)
            if args.json:
                json.dump(rows, sys.stdout, indent=2)
                print()
            elif not rows:
                print("no ownership on record" + (f" for {args.party}" if args.party else ""))
            for r in rows if not args.json else ():
                print(edge_line(r))
            return 0
        if args.action == "remove":
            gone = remove_owner(svc.engine, owned=args.owned, owner=args.owner, actor=_actor())
            print(f"removed: {edge_line(gone)}")
            key = gone["owned"]
        else:
            edge = edge_in(
                owned=args.owned,
                owner=args.owner,
                percent=args.percent,
                country=args.country,
                cite=args.cite,
                as_of=args.as_of,
                direct="no" if args.indirect else None,
            )
            shown, state = add_owner(svc.engine, edge, actor=_actor())
            print(f"{state}: {edge_line(shown)}")
            key = edge.owned
    except OwnershipError as exc:
        raise UsageError(f"{exc}; nothing was changed") from exc
    # (lazy: a command loads only what it runs)
    from bot.screening.normalize import normalize_name

    found = _rescreen(svc, {normalize_name(key)}, f"owner {args.action}: {key}", "owner")
    if found.counterparties:
        print(
            f"{found.counterparties} counterparties re-screened, "
            f"{len(found.findings)} with a new or stricter answer"
        )
    return 0


def cmd_policy(args: argparse.Namespace) -> int:
    # (lazy: a command loads only what it runs)
    from bot.ownership.rules import (
        PolicyError,
        describe_today,
        list_periods,
        next_changes,
        record_period,
    )

    svc = _services()
    today = datetime.now(UTC).astimezone(svc.settings.tz).date()
    if args.rule == "list":
        periods = list_periods(svc.engine)
        if args.json:
            json.dump(
                {
                    "periods": [p.as_json() for p in periods],
                    "today": describe_today(periods, today),
                    "next": next_changes(periods, today),
                },
                sys.stdout,
                indent=2,
            )
            print()
            return 0
        for p in periods:
            print(f"#{p.id} {p.rule} {p.status} {p.span()} — {p.cite}")
        print(f"today ({today}):")
        for line in describe_today(periods, today):
            print(f"  {line}")
        for line in next_changes(periods, today):
            print(f"  next: {line}")
        return 0
    try:
        period = record_period(
            svc.engine,
            rule=args.rule,
            status=args.state,
            starts=args.starts,
            ends=args.ends,
            cite=args.cite,
            note=args.note,
            actor=_actor(),
        )
    except PolicyError as exc:
        raise UsageError(f"{exc}; nothing was changed") from exc
    print(f"recorded #{period.id}: {period.rule} {period.status} {period.span()} — {period.cite}")
    return 0
