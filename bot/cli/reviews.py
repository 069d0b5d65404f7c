"""`canweship cases`, `canweship adjudications` and `canweship reviewers`: CLI twins of the
review-case buttons and `/canweship cases` (the command line is trusted and audited under the
OS user, like every admin command)."""

from __future__ import annotations

import argparse
import csv
import getpass
import json
import sys
from datetime import UTC, date, datetime

from bot.cli.common import UsageError

FIELDS = (
    "id",
    "party",
    "record",
    "record_name",
    "decision",
    "reason",
    "expires",
    "decided_by",
    "decided_at",
    "status",
    "case",
    "list_version",
    "fingerprint",
    "ended_why",
)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    cases = sub.add_parser("cases", help="review cases: uncertain answers for compliance")
    cases_sub = cases.add_subparsers(dest="action", metavar="ACTION", required=True)
    lst = cases_sub.add_parser("list", help="cases, oldest first")
    lst.add_argument("--open", action="store_true", help="only open cases")
    lst.add_argument("--json", action="store_true")
    dec = cases_sub.add_parser("decide", help="decide one record of a case")
    dec.add_argument("case", metavar="CASE", type=int)
    dec.add_argument("--record", required=True, metavar="SOURCE:ID")
    dec.add_argument("--decision", required=True, choices=["not-match", "match", "license-check"])
    dec.add_argument("--reason", required=True, metavar="TEXT")
    dec.add_argument("--expires", metavar="DATE", help="YYYY-MM-DD; the decision lapses then")
    cases.set_defaults(handler=cmd_cases)

    adj = sub.add_parser("adjudications", help="reviewers' decisions, remembered")
    adj_sub = adj.add_subparsers(dest="action", metavar="ACTION", required=True)
    for action, text in (
        ("list", "decisions in force (--all: every one)"),
        ("export", "every decision, for the auditors"),
    ):
        p = adj_sub.add_parser(action, help=text)
        p.add_argument("--json", action="store_true")
        p.add_argument("--csv", action="store_true")
        p.add_argument("--all", action="store_true", help="include lapsed and superseded")
    adj.set_defaults(handler=cmd_adjudications)

    rev = sub.add_parser("reviewers", help="who may decide review cases (besides admins)")
    rev_sub = rev.add_subparsers(dest="action", metavar="ACTION", required=True)
    for action in ("add", "remove"):
        rev_sub.add_parser(action).add_argument("user", metavar="USER_ID")
    rev_sub.add_parser("list")
    rev.set_defaults(handler=cmd_reviewers)


def _services():  # type: ignore[no-untyped-def]
    # (lazy: a command loads only what it runs)
    from bot.runtime.wiring import build_services

    return build_services()


def _actor():  # type: ignore[no-untyped-def]
    # (lazy: a command loads only what it runs)
    from bot.audit import Actor

    return Actor(user=getpass.getuser(), kind="cli")


def cmd_cases(args: argparse.Namespace) -> int:
    # (lazy: a command loads only what it runs)
    from bot.reviews.cases import AlreadyDecided, ReviewError, decide, list_cases, notify_outcomes
    from bot.reviews.keys import parse_record
    from bot.reviews.text import case_line

    svc = _services()
    now = datetime.now(UTC)
    if args.action == "list":
        rows = list_cases(svc.engine, open_only=args.open)
        if args.json:
            json.dump(rows, sys.stdout, indent=2)
            print()
        elif not rows:
            print("no open cases" if args.open else "no cases")
        for c in rows if not args.json else ():
            print(case_line(c, now))
        return 0
    try:
        source, record_id = parse_record(args.record)
        expires = date.fromisoformat(args.expires) if args.expires else None
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    try:
        done = decide(
            svc.engine,
            svc.settings,
            case_id=args.case,
            record=f"{source}:{record_id}",
            decision=args.decision,
            reason=args.reason,
            expires=expires,
            actor=_actor(),
            now=now,
        )
    except (ReviewError, AlreadyDecided) as exc:
        raise UsageError(str(exc)) from exc
    told = notify_outcomes(svc.engine, svc.settings, svc.screener, now=now) if done.closed else 0
    state = "case decided" if done.closed else "more records of the case to decide"
    print(
        f"case {done.case_id}: {done.record} {done.decision} recorded; {state}"
        + (f"; {told} asker thread(s) will be told" if told else "")
    )
    return 0


def cmd_adjudications(args: argparse.Namespace) -> int:
    # (lazy: a command loads only what it runs)
    from bot.reviews.cases import list_adjudications
    from bot.reviews.text import adjudication_line

    svc = _services()
    rows = list_adjudications(svc.engine, all_rows=args.all or args.action == "export")
    if args.json:
        json.dump(rows, sys.stdout, indent=2)
        print()
    elif args.csv or args.action == "export":
        out = csv.DictWriter(sys.stdout, fieldnames=FIELDS, extrasaction="ignore")
        out.writeheader()
        out.writerows(rows)
    elif not rows:
        print("no decisions in force")
    else:
        for a in rows:
            print(adjudication_line(a))
    return 0


def cmd_reviewers(args: argparse.Namespace) -> int:
    # (lazy: a command loads only what it runs)
    from bot.authz import BadUserId
    from bot.reviews.reviewers import add_reviewer, list_reviewers, remove_reviewer

    svc = _services()
    try:
        if args.action == "add":
            added = add_reviewer(svc.engine, svc.settings, user=args.user, by=_actor())
            print(f"{args.user} is {'now' if added else 'already'} a reviewer")
        elif args.action == "remove":
            gone = remove_reviewer(svc.engine, svc.settings, user=args.user, by=_actor())
            print(f"{args.user} {'removed' if gone else 'was not a reviewer'}")
        else:
            for user in list_reviewers(svc.engine):
                print(user)
    except BadUserId as exc:
        raise UsageError(str(exc)) from exc
    return 0
