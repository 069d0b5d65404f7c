"""Screen every row of a customer file and write the results in the file's own format.

The engine behind files shared with the bot in Slack and `:upload` in the local shell; no Slack
here. Rows are screened through the same batch path as `canweship screen --file`
(`Screener.screen_batch`: the same decision, audit rows written a chunk per transaction, review
cases opened for uncertain rows by the screener's hooks). Each row's audit subject names the
file, its sha256 and the row, so an auditor can find every answer a file produced; one more
audit row (`screen_file`) records the file as a whole with its counts.
"""

from __future__ import annotations

import csv
import hashlib
import io
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePath

from sqlmodel import Session

from bot.answers.screener import Outcome, Requester, Screener, ScreeningRequest
from bot.answers.verdicts import (
    AUTHORIZED,
    CLEAR,
    LICENSE_REQUIRED,
    PROHIBITED,
    REVIEW,
    UNAVAILABLE,
)
from bot.audit import record_audit
from bot.files.sheet import CSV, XLSX, BadFile, Sheet, read_sheet
from bot.screening.country_field import country_code
from storage.db import writer

#: Columns added to every row of the results, in this order.
RESULT_COLUMNS = ("verdict", "best match", "list", "score", "reasons", "list version")
#: Verdicts that stop a shipment: listed row by row in the summary.
BLOCKED = (PROHIBITED, LICENSE_REQUIRED)
ORDER = (PROHIBITED, LICENSE_REQUIRED, REVIEW, UNAVAILABLE, AUTHORIZED, CLEAR)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Progress = Callable[[int, int], None]


@dataclass
class BlockedRow:
    row: int  # as people see it in the file (the header is row 1)
    party: str
    verdict: str
    match: str


@dataclass
class FileResult:
    """What screening a file produced: the results file, and what the summary says."""

    filename: str  # of the results
    content: bytes
    content_type: str
    source_name: str
    sha256: str
    screened: int
    counts: Counter[str]
    blocked: list[BlockedRow]
    columns: str  # which header became name / country / item
    list_version: str | None
    seconds: float
    outcomes: list[Outcome] = field(default_factory=list, repr=False)

    def summary(self, limit: int = 20) -> str:
        """Counts per verdict and the blocked rows, as plain text (handlers add markup)."""
        counts = ", ".join(
            f"{self.counts[v]:,} {v.replace('_', ' ')}" for v in ORDER if self.counts.get(v)
        )
        lines = [
            f"Screened {self.screened:,} parties from {self.source_name} "
            f"(list {self.list_version or 'none'}; columns: {self.columns}): {counts}."
        ]
        if self.blocked:
            lines.append(f"Blocked rows ({len(self.blocked):,}):")
            for b in self.blocked[:limit]:
                lines.append(
                    f"• row {b.row}: {b.party} — {b.verdict.replace('_', ' ')}"
                    + (f" ({b.match})" if b.match else "")
                )
            if len(self.blocked) > limit:
                lines.append(f"…and {len(self.blocked) - limit:,} more in the results file.")
        else:
            lines.append("No row is prohibited or needs a license.")
        if self.counts.get(REVIEW):
            n = self.counts[REVIEW]
            lines.append(
                f"{n:,} {'row needs' if n == 1 else 'rows need'} review: "
                "their cases went to compliance."
            )
        if self.counts.get(UNAVAILABLE):
            n = self.counts[UNAVAILABLE]
            lines.append(
                f"{n:,} {'row' if n == 1 else 'rows'} could not be screened (see the reasons "
                "column); do not ship on them."
            )
        return "\n".join(lines)


def results_name(filename: str, fmt: str) -> str:
    stem = PurePath(filename).stem or "parties"
    return f"{stem}-screened.{'xlsx' if fmt == XLSX else 'csv'}"


def parse_rows(sheet: Sheet, filename: str) -> list[ScreeningRequest | None]:
    """One request per row (None for a blank row); BadFile for a country no one knows."""
    out: list[ScreeningRequest | None] = []
    for offset, row in enumerate(sheet.rows):
        number = sheet.first_row + offset
        if not any(cell.strip() for cell in row):
            out.append(None)
            continue

        def cell(col: int | None, row: list[str] = row) -> str:
            return " ".join(row[col].split()) if col is not None and col < len(row) else ""

        name = cell(sheet.name_col)
        where = cell(sheet.country_col)
        code = country_code(where) if where else None
        if where and code is None:
            raise BadFile(
                f"{filename}: row {number}: unknown country “{where[:60]}” (use an ISO code "
                "such as CN, or the country's name)"
            )
        out.append(
            ScreeningRequest(
                party=name or None,
                country=code,
                item=cell(sheet.item_col) or None,
                text=name,
            )
        )
    return out


def screen_file(
    screener: Screener,
    filename: str,
    data: bytes,
    requester: Requester,
    *,
    progress: Progress | None = None,
    on_read: Callable[[int], None] | None = None,
    now: datetime | None = None,
) -> FileResult:
    """Read, screen and write back a whole file. BadFile (nothing screened) when it cannot be
    read; `on_read(count)` is called once the rows are known, `progress(done, total)` per chunk."""
    started = time.monotonic()
    sha = hashlib.sha256(data).hexdigest()
    sheet = read_sheet(filename, data)
    parsed = parse_rows(sheet, filename)
    numbered = [(sheet.first_row + i, r) for i, r in enumerate(parsed) if r is not None]
    if on_read is not None:
        on_read(len(numbered))
    tag = f"{filename} (sha256 {sha[:16]})"
    requests = [
        ScreeningRequest(
            party=r.party,
            country=r.country,
            item=r.item,
            text=f"{tag} row {n}: {r.party or '(no name)'}",
        )
        for n, r in numbered
    ]
    outcomes = screener.screen_batch(requests, requester, now=now, progress=progress)
    by_row = {n: o for (n, _), o in zip(numbered, outcomes, strict=True)}
    counts: Counter[str] = Counter(o.decision.verdict for o in outcomes)
    blocked = [
        BlockedRow(
            row=n,
            party=o.request.party or "(no name)",
            verdict=o.decision.verdict,
            match=_best(o),
        )
        for n, o in by_row.items()
        if o.decision.verdict in BLOCKED
    ]
    version = next((o.decision.list_version for o in outcomes if o.decision.list_version), None)
    content = _write_xlsx(sheet, by_row) if sheet.format == XLSX else _write_csv(sheet, by_row)
    result = FileResult(
        filename=results_name(filename, sheet.format),
        content=content,
        content_type=XLSX_TYPE if sheet.format == XLSX else "text/csv",
        source_name=filename,
        sha256=sha,
        screened=len(outcomes),
        counts=counts,
        blocked=blocked,
        columns=sheet.columns_found(),
        list_version=version,
        seconds=time.monotonic() - started,
        outcomes=outcomes,
    )
    _audit_file(screener, result, requester, now or datetime.now(UTC))
    return result


def _audit_file(
    screener: Screener, result: FileResult, requester: Requester, now: datetime
) -> None:
    """One row for the file as a whole: its name, sha256, counts and the rows' audit ids."""
    ids = [o.audit_id for o in result.outcomes if o.audit_id is not None]
    with Session(writer(screener.engine)) as session:
        record_audit(
            session,
            requester,
            "screen_file",
            subject=result.source_name,
            detail={
                "file": result.source_name,
                "sha256": result.sha256,
                "rows": result.screened,
                "counts": dict(result.counts),
                "blocked_rows": [b.row for b in result.blocked],
                "audit_ids": [min(ids), max(ids)] if ids else [],
                "results_file": result.filename,
            },
            list_version=result.list_version,
            at=now,
        )
        session.commit()


def _best(o: Outcome) -> str:
    top = o.decision.top
    return f"{top.name} [{top.source}]" if top else ""


def _added(o: Outcome | None) -> list[str]:
    if o is None:
        return [""] * len(RESULT_COLUMNS)
    d = o.decision
    top = d.top
    return [
        d.verdict,
        top.name if top else "",
        top.source if top else "",
        f"{top.score:.0f}" if top else "",
        " | ".join(d.reasons + d.notes),
        d.list_version or "",
    ]


def _safe(text: str) -> str:
    """A cell that a spreadsheet would run as a formula is written as text (OWASP CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _header(sheet: Sheet) -> list[str]:
    taken = {h.casefold() for h in sheet.header}
    return [
        *sheet.header,
        *(c if c.casefold() not in taken else f"canweship {c}" for c in RESULT_COLUMNS),
    ]


def _write_csv(sheet: Sheet, by_row: dict[int, Outcome]) -> bytes:
    out = io.StringIO(newline="")
    writer_ = csv.writer(out, delimiter=sheet.dialect.get("delimiter", ","), lineterminator="\r\n")
    width = len(sheet.header)
    writer_.writerow(_header(sheet))
    for offset, row in enumerate(sheet.rows):
        cells = (row + [""] * width)[:width]
        writer_.writerow(cells + [_safe(c) for c in _added(by_row.get(sheet.first_row + offset))])
    return out.getvalue().encode("utf-8")


def _write_xlsx(sheet: Sheet, by_row: dict[int, Outcome]) -> bytes:
    import openpyxl  # only Excel files need it (large import)

    book = openpyxl.Workbook(write_only=True)
    ws = book.create_sheet(title=(sheet.sheet_title or "Sheet1")[:31])
    width = len(sheet.header)
    ws.append(_header(sheet))
    for offset, row in enumerate(sheet.rows):
        cells = (row + [""] * width)[:width]
        added = _added(by_row.get(sheet.first_row + offset))
        # openpyxl writes a string starting with "=" as a formula: keep the input's text as text.
        ws.append([("'" + c if c[:1] == "=" else c) for c in cells] + [_safe(c) for c in added])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


__all__ = ["CSV", "RESULT_COLUMNS", "XLSX", "BadFile", "FileResult", "screen_file"]
