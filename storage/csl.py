"""Read the Consolidated Screening List in either official layout into canonical records.

The JSON layout has structured addresses and ids; the CSV layout joins multi-valued cells with
"; " and addresses as "street, city, state, postal, CC". Both are reduced to one canonical form, so
that the same list read from either file gives the same records and the same fingerprints.

Why one module (~420 lines): the JSON and CSV readers must reduce to the same canonical
`CslRecord`, and the fingerprint is computed over that canonical form. Keeping both layouts' readers
beside the record and the cleaning helpers they share is what keeps them in step: a change to how
one layout is read is reviewed next to the other.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# Scalar CSL fields, in the official CSV column order.
SCALAR_FIELDS = (
    "entity_number",
    "type",
    "title",
    "federal_register_notice",
    "start_date",
    "end_date",
    "standard_order",
    "license_requirement",
    "license_policy",
    "call_sign",
    "vessel_type",
    "gross_tonnage",
    "gross_registered_tonnage",
    "vessel_flag",
    "vessel_owner",
    "remarks",
    "source_list_url",
    "source_information_url",
)
LIST_FIELDS = (
    "programs",
    "alt_names",
    "citizenships",
    "dates_of_birth",
    "nationalities",
    "places_of_birth",
)
MULTI_SEPARATOR = "; "
_ID_PARTS = ("type", "number", "country", "issue_date", "expiration_date")
_ADDRESS_PARTS = ("address", "city", "state", "postal_code", "country")
_SOURCE_CODE = re.compile(r"\(([^)]+)\)")
_ISO2 = re.compile(r"^[A-Z]{2}$")
KNOWN_SOURCES = ("EL", "DPL", "UVL", "MEU", "ISN", "DTC", "SDN", "SSI", "FSE", "PLC", "CAP", "CMIC")

#: The lists of the Consolidated Screening List by source code, as people name them.
LIST_NAMES = {
    "EL": "Entity List",
    "MEU": "Military End-User List",
    "DPL": "Denied Persons List",
    "UVL": "Unverified List",
    "SDN": "Specially Designated Nationals List",
    "ISN": "Nonproliferation Sanctions",
    "DTC": "ITAR Debarred List",
    "SSI": "Sectoral Sanctions Identifications List",
    "FSE": "Foreign Sanctions Evaders List",
    "PLC": "Palestinian Legislative Council List",
    "CAP": "Correspondent Account or Payable-Through Account Sanctions (CAPTA) List",
    "CMIC": "Non-SDN Chinese Military-Industrial Complex Companies List",
    "MBS": "Non-SDN Menu-Based Sanctions List",
}


class ListFormatError(ValueError):
    """The file is not a usable CSL; the message names the file and the record or line at fault."""


@dataclass
class CslRecord:
    """One record in canonical form. Empty values are None; multi-valued fields are lists."""

    source: str  # short code
    source_name: str
    list_id: str
    name: str
    scalars: dict[str, str | None] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)
    addresses: list[dict[str, str | None]] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    _fingerprint: str | None = field(default=None, repr=False, compare=False)

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.list_id)

    @property
    def alt_names(self) -> list[str]:
        return self.lists.get("alt_names", [])

    @property
    def countries(self) -> list[str]:
        """ISO-2 codes gathered from addresses, nationalities and citizenships, in order seen."""
        found: list[str] = []
        for code in (
            [a.get("country") for a in self.addresses]
            + self.lists.get("nationalities", [])
            + self.lists.get("citizenships", [])
        ):
            code = (code or "").strip().upper()
            if _ISO2.match(code) and code not in found:
                found.append(code)
        return found

    def fingerprint(self) -> str:
        """Checksum of everything published about the record, identical for JSON and CSV."""
        if self._fingerprint is None:
            self._fingerprint = self._compute_fingerprint()
        return self._fingerprint

    def _compute_fingerprint(self) -> str:
        canonical = {
            "source": self.source_name,
            "id": self.list_id,
            "name": self.name,
            **{k: self.scalars.get(k) for k in SCALAR_FIELDS},
            **{k: _joined(self.lists.get(k, [])) for k in LIST_FIELDS},
            "addresses": _joined(a["text"] or "" for a in self.addresses),
            "ids": _joined(self.ids),
        }
        blob = json.dumps(canonical, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()


_AROUND_SEMICOLON = re.compile(r"[\s,]*;[\s,]*")


def _joined(values: Iterable[str]) -> str:
    """Multi-valued cell as one string, blind to how each layout split values containing ";".

    The CSV layout cannot tell "a; b" inside one value from two values, so both layouts are
    compared on the joined text with the separators' spacing removed.
    """
    return _AROUND_SEMICOLON.sub(";", MULTI_SEPARATOR.join(values))


@dataclass
class ParsedList:
    layout: str  # "json" | "csv"
    file_sha256: str
    records: list[CslRecord]
    published: datetime | None = None  # the file's own publication date, where it carries one

    def content_sha256(self) -> str:
        digest = hashlib.sha256()
        for key, fp in sorted((r.key, r.fingerprint()) for r in self.records):
            digest.update(f"{key[0]}\x1f{key[1]}\x1f{fp}\n".encode())
        return digest.hexdigest()


def source_code(source_name: str) -> str:
    """`Entity List (EL) - Bureau of Industry and Security` → `EL`; `(NS-MBS List)` → `MBS`."""
    match = _SOURCE_CODE.search(source_name or "")
    code = (match.group(1) if match else source_name or "").strip().upper()
    if "MBS" in code:
        return "MBS"
    return code.replace(" LIST", "").strip()


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _split(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [t for t in (_clean(v) for v in value) if t]
    return [t for t in (_clean(v) for v in str(value).split(MULTI_SEPARATOR)) if t]


def _comma_parts(text: str) -> str:
    """Canonical comma-joined text: the layouts differ in spacing and empty parts around commas."""
    return ", ".join(p.strip() for p in text.split(",") if p.strip())


def _address_from_text(text: str, country: str | None = None) -> dict[str, str | None]:
    text = _comma_parts(text)
    last = text.rsplit(", ", 1)[-1]
    if _ISO2.match(last):
        country = last
    return {"text": text, "country": country}


def _address_from_json(obj: Any) -> dict[str, str | None]:
    if isinstance(obj, str):
        return _address_from_text(obj.strip())
    if not isinstance(obj, dict):
        raise TypeError("address is neither an object nor text")
    parts = [_clean(obj.get(k)) for k in _ADDRESS_PARTS]
    country = _clean(obj.get("country"))
    return _address_from_text(
        ", ".join(p for p in parts if p), country.upper() if country else None
    )


def _id_from_json(obj: Any) -> str:
    if isinstance(obj, str):
        return _comma_parts(obj)
    if not isinstance(obj, dict):
        raise TypeError("id document is neither an object nor text")
    return _comma_parts(", ".join(p for p in (_clean(obj.get(k)) for k in _ID_PARTS) if p))


def _record(raw: dict[str, Any], *, list_id: Any, where: str) -> CslRecord:
    source_name = _clean(raw.get("source"))
    name = _clean(raw.get("name"))
    if not source_name:
        raise ListFormatError(f"{where}: no source")
    if not name:
        raise ListFormatError(f"{where}: no name")
    lid = _clean(list_id)
    if not lid:
        # Not seen in official files; a stable id keeps diffs meaningful if it ever happens.
        lid = "h" + hashlib.sha1(f"{source_name}|{name}".encode()).hexdigest()[:23]
    return CslRecord(
        source=source_code(source_name),
        source_name=source_name,
        list_id=lid,
        name=name,
        scalars={k: _clean(raw.get(k)) for k in SCALAR_FIELDS},
        lists={k: _split(raw.get(k)) for k in LIST_FIELDS},
    )


def read_bytes(data: bytes, *, origin: str) -> ParsedList:
    """Parse a CSL file's bytes (gzip accepted), detecting JSON or CSV by content."""
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (EOFError, OSError, gzip.BadGzipFile) as exc:
            raise ListFormatError(
                f"{origin}: broken gzip data ({exc}); truncated download?"
            ) from exc
    file_sha = hashlib.sha256(data).hexdigest()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ListFormatError(
            f"{origin}: not UTF-8 text (byte {exc.start}); is this a CSL file?"
        ) from exc
    stripped = text.lstrip()
    if not stripped:
        raise ListFormatError(f"{origin}: the file is empty")
    published = None
    if stripped[0] in "{[":
        records, published = _read_json(text, origin=origin)
        layout = "json"
    else:
        records = _read_csv(text, origin=origin)
        layout = "csv"
    if not records:
        raise ListFormatError(f"{origin}: the file holds no records")
    return ParsedList(
        layout=layout, file_sha256=file_sha, records=_dedupe(records), published=published
    )


# Top-level keys under which list files state when they were published or extracted.
_PUBLISHED_KEYS = (
    "published",
    "publication_date",
    "last_updated",
    "search_performed_at",
    "extracted",
    "as_of",
)


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def published_date(doc: Any) -> datetime | None:
    """The publication date a JSON list file states, or None (the CSL files state none today).

    A top-level date key, else the newest `source_last_updated` of the older CSL API's
    `sources_used` entries.
    """
    if not isinstance(doc, dict):
        return None
    for key in _PUBLISHED_KEYS:
        if (moment := _when(doc.get(key))) is not None:
            return moment
    sources = doc.get("sources_used")
    dates = (
        [
            moment
            for s in sources
            if isinstance(s, dict)
            if (moment := _when(s.get("source_last_updated"))) is not None
        ]
        if isinstance(sources, list)
        else []
    )
    return max(dates) if dates else None


def _dedupe(records: list[CslRecord]) -> list[CslRecord]:
    """Keep every record: a repeated (source, id) with different content gets a suffix."""
    seen: dict[tuple[str, str], str] = {}
    out: list[CslRecord] = []
    for record in records:
        fp = record.fingerprint()
        if record.key in seen:
            if seen[record.key] == fp:
                continue
            n = 2
            while (record.source, f"{record.list_id}#{n}") in seen:
                n += 1
            record.list_id = f"{record.list_id}#{n}"
            record._fingerprint = None
            fp = record.fingerprint()
        seen[record.key] = fp
        out.append(record)
    return out


def _read_json(text: str, *, origin: str) -> tuple[list[CslRecord], datetime | None]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        hint = " (the file ends early: truncated?)" if exc.pos >= len(text.rstrip()) else ""
        raise ListFormatError(
            f"{origin}: bad JSON at line {exc.lineno} column {exc.colno}: {exc.msg}{hint}"
        ) from exc
    results = doc.get("results") if isinstance(doc, dict) else doc
    if not isinstance(results, list):
        raise ListFormatError(f'{origin}: JSON has no "results" list; is this a CSL file?')
    records: list[CslRecord] = []
    for n, raw in enumerate(results, start=1):
        where = f"{origin}: record {n}"
        if not isinstance(raw, dict):
            raise ListFormatError(f"{where}: not a JSON object")
        list_id = raw.get("id", raw.get("_id"))
        if list_id is not None:
            where += f" (id {list_id})"
        record = _record(raw, list_id=list_id, where=where)
        try:
            record.addresses = [_address_from_json(a) for a in raw.get("addresses") or []]
            record.ids = [i for i in (_id_from_json(x) for x in raw.get("ids") or []) if i]
        except TypeError as exc:
            raise ListFormatError(f"{where}: {exc}") from exc
        records.append(record)
    return records, published_date(doc)


def _read_csv(text: str, *, origin: str) -> list[CslRecord]:
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = reader.fieldnames or []
    except csv.Error as exc:
        raise ListFormatError(f"{origin}: line 1: unreadable CSV header ({exc})") from exc
    header = [h.strip() for h in header]
    reader.fieldnames = header
    missing = [c for c in ("name", "source") if c not in header]
    if missing:
        raise ListFormatError(
            f"{origin}: line 1: CSV header has no {' or '.join(repr(m) for m in missing)} column;"
            " is this a CSL file?"
        )
    records: list[CslRecord] = []
    record_no = 0
    next_line = 2  # where the next record starts (a record may span lines)
    try:
        for row in reader:
            record_no += 1
            line = next_line
            next_line = reader.line_num + 1
            if None in row or any(v is None for v in row.values()):
                raise ListFormatError(
                    f"{origin}: line {line} (record {record_no}): expected {len(header)} fields,"
                    f" found {len([v for v in row.values() if v is not None])}"
                    + (" (truncated?)" if line >= text.count("\n") else "")
                )
            where = f"{origin}: line {line} (record {record_no}"
            where += f", id {row.get('_id')})" if row.get("_id") else ")"
            record = _record(row, list_id=row.get("_id") or row.get("id"), where=where)
            record.addresses = [_address_from_text(a) for a in _split(row.get("addresses"))]
            record.ids = [_comma_parts(i) for i in _split(row.get("ids"))]
            records.append(record)
    except csv.Error as exc:
        raise ListFormatError(
            f"{origin}: line {next_line} (record {record_no + 1}): {exc} (truncated?)"
        ) from exc
    if not text.endswith("\n") and records:
        raise ListFormatError(
            f"{origin}: line {reader.line_num} (record {record_no}): the file does not end with a"
            " newline; truncated?"
        )
    return records


def iter_names(record: CslRecord) -> Iterator[tuple[str, bool]]:
    """The primary name and each distinct alias of a record, as (name, is_primary)."""
    yield record.name, True
    seen = {record.name.casefold()}
    for alias in record.alt_names:
        if alias.casefold() not in seen:
            seen.add(alias.casefold())
            yield alias, False
