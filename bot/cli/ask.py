"""`canweship ask`: a question in plain words, answered exactly as a Slack DM would be.

    canweship ask "can we ship routers to Huawei in Shenzhen?" [--json] [--as-of DATE]
    canweship ask --file QUESTIONS [--format jsonl|text]

A file holds one question a line, or is a CSV with a `question` column. JSON per question:
`question`, `understood`, `verdict` (null when the bot would ask back), `parties` (each with what
was screened and its result, as `screen --json` prints it), `destination`, `item`, `reasons`.
"""

from __future__ import annotations

import argparse
import csv
import getpass
import io
import json
import sys
from datetime import UTC, datetime, time
from typing import TextIO

from bot.answers.ask import ANSWER, Answer, ask
from bot.answers.screener import Requester
from bot.cli.common import UsageError
from bot.cli.screen import print_outcome, read_input
from bot.runtime.store import open_runtime
from bot.runtime.wiring import build_screener
from handlers.markup import to_plain_text

#: Questions in one file at most: the same limit as a batch screen of names.
MAX_QUESTIONS = 100_000


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("ask", help="answer a question in plain words, as the bot would in Slack")
    p.add_argument("text", nargs="?", metavar="TEXT")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    p.add_argument("--file", metavar="FILE", help="one question a line, or CSV with 'question'")
    p.add_argument("--format", choices=("jsonl", "text"), default="jsonl", help="file output")
    p.add_argument("--as-of", metavar="DATE", help="answer as on DATE (YYYY-MM-DD)")
    p.set_defaults(handler=cmd_ask)


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError as exc:
        raise UsageError(f"--as-of {value!r} is not a date (YYYY-MM-DD)") from exc
    return datetime.combine(day, time(12, 0), tzinfo=UTC)


def read_questions(path: str) -> list[str]:
    """The questions in a file: a CSV with a `question` column, else one per line."""
    raw = read_input(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not UTF-8 text (byte {exc.start})") from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, [])
    except csv.Error as exc:
        raise UsageError(f"{path}: line 1: {exc}") from exc
    names = [h.strip().lower() for h in header]
    if "question" in names:
        col = names.index("question")
        out: list[str] = []
        try:
            for row in reader:
                out.append(row[col] if col < len(row) else "")
        except csv.Error as exc:
            raise UsageError(f"{path}: line {reader.line_num}: {exc}") from exc
    else:
        # One question a line: only \n (and \r\n) end a line, never U+2028 or a form feed.
        out = [line.rstrip("\r") for line in text.split("\n")]
        out = [q for q in out if q.strip()]
    if len(out) > MAX_QUESTIONS:
        raise UsageError(f"{path}: {len(out):,} questions; at most {MAX_QUESTIONS:,} per file")
    return out


def cmd_ask(args: argparse.Namespace) -> int:
    if args.file and args.text:
        raise UsageError("give either TEXT or --file, not both")
    if not args.file and not (args.text or "").strip():
        raise UsageError('give a question, e.g. canweship ask "can we ship routers to Acme GmbH?"')
    questions = read_questions(args.file) if args.file else [args.text]
    now = _when(args.as_of)
    runtime = open_runtime()
    screener = build_screener(runtime.settings, runtime.engine)
    requester = Requester(user=getpass.getuser(), kind="cli")
    for q in questions:
        # The same understanding as a Slack DM: Slack markup in the text is read as Slack would.
        answer = ask(screener, to_plain_text(q, lines=True), requester, now=now)
        if (args.file and args.format == "jsonl") or args.json:
            sys.stdout.write(json.dumps(answer.as_json(), ensure_ascii=False) + "\n")
        else:
            print_answer(answer, sys.stdout)
    return 0


def print_answer(answer: Answer, out: TextIO) -> None:
    """The answer as a person reads it on a terminal."""
    if answer.kind != ANSWER or answer.outcome is None:
        out.write(f"ASKED BACK  {answer.problem or ''}\n")
        for guess in answer.guesses:
            out.write(f"  ? screen “{guess}”\n")
        return
    out.write(f"{answer.verdict.upper() if answer.verdict else ''}  {answer.screened_line()}\n")
    for outcome in answer.outcomes:
        print_outcome(outcome, out)
