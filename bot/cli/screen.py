"""`canweship screen`: one party, or a CSV file of them, against the list in use."""

from __future__ import annotations

import argparse
import csv
import getpass
import io
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from bot.answers.screener import Outcome, Requester, ScreeningRequest
from bot.answers.verdicts import unavailable
from bot.cli.common import UsageError
from bot.cli.progress import progress_bar
from bot.runtime.store import open_runtime
from bot.runtime.wiring import build_screener
from bot.screening.country_field import country_code

CSV_COLUMNS = (
    "name",
    "country",
    "item",
    "verdict",
    "top_match",
    "top_source",
    "top_score",
    "top_entry_id",
    "federal_register_notice",
    "list_version",
    "reasons",
)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("screen", help="screen a party name (or a CSV file of them)")
    p.add_argument("name", nargs="?", metavar="NAME")
    p.add_argument("--country", metavar="CC", help="destination: ISO code or country name")
    p.add_argument("--item", metavar="TEXT", help="what would be shipped")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    p.add_argument("--file", metavar="FILE.csv", help="batch: columns name, country, item")
    p.add_argument("--format", choices=("jsonl", "csv"), default="jsonl", help="batch output")
    p.set_defaults(handler=cmd_screen)


def _country(value: str | None, *, where: str) -> str | None:
    if value is None or not value.strip():
        return None
    code = country_code(value)
    if code is None:
        raise UsageError(
            f"{where}: unknown country {value!r} (use an ISO code such as CN, or a name)"
        )
    return code


def cmd_screen(args: argparse.Namespace) -> int:
    if args.file and args.name:
        raise UsageError("give either NAME or --file, not both")
    if args.file:
        return _batch(args)
    if not args.name or not args.name.strip():
        raise UsageError('give a party name, e.g. canweship screen "Acme GmbH" --country DE')
    request = ScreeningRequest(
        party=args.name.strip(),
        country=_country(args.country, where="--country"),
        item=(args.item or "").strip() or None,
        text=args.name.strip(),
    )
    runtime = open_runtime()
    screener = build_screener(runtime.settings, runtime.engine)
    outcome = screener.screen(request, Requester(user=getpass.getuser(), kind="cli"))
    if args.json:
        json.dump(outcome.as_json(), sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        print_outcome(outcome, sys.stdout)
    return 0


_HEADER_WORDS = {"name", "country", "item", "company", "party", "entity", "destination"}


def _cell(text: str | None) -> str:
    """A cell as one line: quoted newlines (Excel Alt+Enter) and other separators become spaces."""
    return " ".join((text or "").split())


def read_input(path: str) -> bytes:
    """The bytes of an input file, or a one-line UsageError saying why it cannot be read."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise UsageError(f"{path}: no such file") from exc
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc})") from exc


def _read_batch(path: str) -> list[ScreeningRequest | str]:
    """One entry per input row, in order: a request, or why the row cannot be read.

    The whole file goes through the csv module (``newline=""``), so U+2028, U+0085 or a form
    feed inside a cell never starts a new row. A file without a ``name`` header is a plain
    list, one name a line. A row with more cells than the header, or bytes that are not
    UTF-8, is reported for that row instead of shifting the rows after it.
    """
    raw = read_input(path)
    text = raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="surrogateescape")
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        first = next(reader, None)
    except csv.Error as exc:
        raise UsageError(f"{path}: line 1: {exc}") from exc
    if first is None:
        return []
    header = [h.strip().lower() for h in first]
    plain = "name" not in header
    if plain and any(h in _HEADER_WORDS for h in header):
        raise UsageError(f"{path}: line 1: the CSV needs a 'name' column (optional: country, item)")
    out: list[ScreeningRequest | str] = []
    number = 0

    def add(row: list[str], line: int) -> None:
        nonlocal number
        number += 1
        where = f"{path}: line {line}"
        if any("\udc80" <= c <= "\udcff" for cell in row for c in cell):
            out.append(f"Row {number} (line {line}) cannot be read: it is not UTF-8 text.")
            return
        if plain:
            name, country, item = _cell(",".join(row)), None, None
        else:
            if len(row) > len(header):
                out.append(
                    f"Row {number} (line {line}) cannot be read: {len(row)} cells where the "
                    f"header has {len(header)}; quote cells that contain commas."
                )
                return
            cells = dict(zip(header, row, strict=False))
            name = _cell(cells.get("name"))
            country = _country(_cell(cells.get("country")), where=where)
            item = _cell(cells.get("item")) or None
        out.append(ScreeningRequest(party=name or None, country=country, item=item, text=name))

    if plain:
        add(first, reader.line_num)
    try:
        for row in reader:
            add(row, reader.line_num)
    except csv.Error as exc:
        raise UsageError(f"{path}: line {reader.line_num}: {exc}") from exc
    return out


def _batch(args: argparse.Namespace) -> int:
    read = _read_batch(args.file)
    runtime = open_runtime()
    screener = build_screener(runtime.settings, runtime.engine)
    requests = [r for r in read if isinstance(r, ScreeningRequest)]
    with progress_bar(f"screening {len(requests):,} names") as update:
        screened = iter(
            screener.screen_batch(
                requests, Requester(user=getpass.getuser(), kind="cli"), progress=update
            )
        )
    now = datetime.now(UTC)
    outcomes = [
        next(screened)
        if isinstance(r, ScreeningRequest)
        else Outcome(
            request=ScreeningRequest(party=None), decision=unavailable(r), audit_id=None, at=now
        )
        for r in read
    ]
    if args.format == "jsonl":
        for outcome in outcomes:
            sys.stdout.write(json.dumps(outcome.as_json(), ensure_ascii=False) + "\n")
    else:
        writer = csv.DictWriter(sys.stdout, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for outcome in outcomes:
            writer.writerow(_csv_row(outcome))
    return 0


def _csv_row(outcome: Outcome) -> dict[str, Any]:
    top = outcome.decision.top
    return {
        "name": outcome.request.party or "",
        "country": outcome.request.country or "",
        "item": outcome.request.item or "",
        "verdict": outcome.decision.verdict,
        "top_match": top.name if top else "",
        "top_source": top.source if top else "",
        "top_score": f"{top.score:.1f}" if top else "",
        "top_entry_id": top.entry_id if top else "",
        "federal_register_notice": (top.federal_register_notice or "") if top else "",
        "list_version": outcome.decision.list_version or "",
        "reasons": " | ".join(outcome.decision.reasons + outcome.decision.notes),
    }


def print_outcome(outcome: Outcome, out: TextIO) -> None:
    d = outcome.decision
    req = outcome.request
    where = f" → {req.country}" if req.country else ""
    out.write(f"{d.verdict.upper()}  {req.party or '(no party)'}{where}\n")
    for reason in d.reasons + d.notes:
        out.write(f"  - {reason}\n")
    if d.matches:
        out.write("matches:\n")
        for n, m in enumerate(d.matches, start=1):
            cite = f", {m.federal_register_notice}" if m.federal_register_notice else ""
            alias = f' (as "{m.matched_name}")' if m.matched_name != m.name else ""
            out.write(
                f"  {n}. {m.name}{alias} [{m.source} {m.entry_id}{cite}] score {m.score:.0f}"
                f", countries {','.join(m.countries) or '-'}\n"
            )
    if d.authorization:
        a = d.authorization
        out.write(f"authorized by: {a['kind']} {a['reference']} until {a.get('expires')}\n")
    out.write(f"list {d.list_version or 'none'}, age {d.list_age or 'unknown'}\n")
