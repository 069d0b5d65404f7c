"""Read a customer or supplier list (CSV or Excel .xlsx) into rows to screen.

People hand compliance the spreadsheet sales keeps, not a file made for the bot: the party
column may be "Firma", "Customer Name" or "Razón social", the country "País" or "Ship-to
country". Columns are found by their header, case, accents and language forgiven. A file that
cannot be screened whole is refused with one message naming the problem and the row (`BadFile`):
nothing is screened from it, so no half answer is ever given.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field

MAX_ROWS = 50_000
MAX_BYTES = 40 * 1024 * 1024  # a 50,000-row sheet is a few MB; more is not a customer list

CSV, XLSX = "csv", "xlsx"

# Header words, normalised (lower case, no accents). A header naming the party whole ("Firma")
# or a name-ish phrase ("Customer Name") is the name column; country and item likewise.
_NAME_WORDS = {
    "name", "names", "company", "companies", "party", "parties", "customer", "customers",
    "client", "clients", "entity", "organisation", "organization", "firm", "firma", "nombre",
    "razon", "empresa", "cliente", "kunde", "kundin", "unternehmen", "nom", "societe",
    "raison", "azienda", "ragione", "denominazione", "denominacion", "naam", "bedrijf",
    "supplier", "vendor", "consignee", "buyer", "counterparty", "partner", "account",
    "lieferant", "proveedor", "fournisseur", "fornitore", "nome",
    "名称", "公司", "客户", "企业", "会社", "社名", "顧客",
}  # fmt: skip
_COUNTRY_WORDS = {
    "country", "countries", "destination", "pais", "land", "pays", "paese", "nation",
    "nacion", "staat", "bestimmungsland", "zielland", "destino", "iso", "国家", "国", "国名",
}  # fmt: skip
_ITEM_WORDS = {
    "item", "items", "product", "products", "goods", "commodity", "article", "articles",
    "producto", "productos", "produit", "produits", "artikel", "articulo", "prodotto",
    "ware", "waren", "material", "eccn", "sku", "description", "descripcion", "產品",
    "产品", "商品", "品目",
}  # fmt: skip
# A header with one of these is about the party but is not its name ("Customer ID").
_NOT_A_NAME = {
    "id", "no", "nr", "number", "num", "code", "email", "mail", "phone", "tel", "address",
    "adresse", "direccion", "street", "city", "ciudad", "stadt", "zip", "postal", "vat",
    "tax", "type", "status", "contact", "owner", "rep", "manager", "date", "fecha", "datum",
    "numero", "nummer", "codigo", "ref", "reference",
}  # fmt: skip


class BadFile(ValueError):
    """The file cannot be screened; the message says why and where, in one line."""


@dataclass
class Sheet:
    """A read file: its header and rows as text, and which columns hold name, country, item."""

    format: str  # CSV | XLSX
    header: list[str]
    rows: list[list[str]]
    name_col: int
    country_col: int | None = None
    item_col: int | None = None
    sheet_title: str | None = None
    #: The first data row's number as people see it (2 below a header row).
    first_row: int = 2
    dialect: dict[str, str] = field(default_factory=dict)

    def columns_found(self) -> str:
        """“name ← Firma, country ← País”: what the bot took each column to be."""
        parts = [f"name ← {self.header[self.name_col]}"]
        if self.country_col is not None:
            parts.append(f"country ← {self.header[self.country_col]}")
        if self.item_col is not None:
            parts.append(f"item ← {self.header[self.item_col]}")
        return ", ".join(parts)


def file_format(filename: str, data: bytes) -> str:
    """CSV or XLSX, by name and content; BadFile for anything else (old .xls, PDF, images…)."""
    lower = filename.lower()
    if data[:4] == b"PK\x03\x04":
        if lower.endswith((".xlsx", ".xlsm")):
            return XLSX
        raise BadFile(
            f"{filename} is a zip archive, not a CSV or an Excel .xlsx workbook; "
            "send the list as .csv or .xlsx"
        )
    if lower.endswith((".xls", ".xlsb", ".ods", ".numbers")) or data[:4] == b"\xd0\xcf\x11\xe0":
        raise BadFile(
            f"{filename} is not a CSV or .xlsx file (old .xls, .ods and .numbers are not "
            "read); save it as .xlsx or .csv and send it again"
        )
    if lower.endswith((".xlsx", ".xlsm")):
        raise BadFile(f"{filename} is not a readable .xlsx workbook (the file is damaged)")
    if lower.endswith((".csv", ".tsv", ".txt")):
        return CSV
    raise BadFile(f"{filename} is not a CSV or Excel (.xlsx) file; send the list as .csv or .xlsx")


def _words(header: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", header.casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return [w for w in re.split(r"[^\w]+|_", plain) if w]


def _role(header: str) -> tuple[str, int] | None:
    """(role, strength) of one header: 2 when the header is just that word, 1 when it has it."""
    words = _words(header)
    if not words:
        return None
    joined = "".join(words)
    for role, vocab in (("country", _COUNTRY_WORDS), ("item", _ITEM_WORDS)):
        if joined in vocab or (len(words) == 1 and words[0] in vocab):
            return role, 2
    if joined in _NAME_WORDS:
        return "name", 2
    for role, vocab in (("country", _COUNTRY_WORDS), ("item", _ITEM_WORDS)):
        if any(w in vocab for w in words):
            return role, 1
    if any(w in _NAME_WORDS for w in words) and not any(w in _NOT_A_NAME for w in words):
        return "name", 1
    return None


def find_columns(header: list[str]) -> tuple[int | None, int | None, int | None]:
    """(name, country, item) column indexes; for each role the strongest header, leftmost."""
    best: dict[str, tuple[int, int]] = {}
    for i, h in enumerate(header):
        found = _role(h or "")
        if found is None:
            continue
        role, strength = found
        if role not in best or strength > best[role][0]:
            best[role] = (strength, i)
    pick = {role: i for role, (_, i) in best.items()}
    return pick.get("name"), pick.get("country"), pick.get("item")


def _no_name_column(filename: str, header: list[str]) -> BadFile:
    shown = ", ".join(f"“{h}”" for h in header if h.strip())[:300] or "no headers"
    return BadFile(
        f"{filename}: row 1 has no column for the party's name (found {shown}); name one "
        "column Name, Company, Party or Customer (optional: Country, Item)"
    )


def _formula(filename: str, row: int, column: str) -> BadFile:
    return BadFile(
        f"{filename}: row {row}, column “{column}” holds a formula; paste the values "
        "(Paste special → Values) and send the file again"
    )


def read_sheet(filename: str, data: bytes, *, max_rows: int = MAX_ROWS) -> Sheet:
    """The file as a `Sheet`, or BadFile naming the problem and the row."""
    if len(data) > MAX_BYTES:
        raise BadFile(
            f"{filename} is {len(data) / 1e6:.0f} MB; the most I screen from one file is "
            f"{MAX_BYTES // (1024 * 1024)} MB ({max_rows:,} rows)"
        )
    if not data.strip():
        raise BadFile(f"{filename} is empty")
    kind = file_format(filename, data)
    sheet = (
        _read_xlsx(filename, data, max_rows)
        if kind == XLSX
        else _read_csv(filename, data, max_rows)
    )
    if not sheet.rows:
        raise BadFile(f"{filename} has a header row but no parties below it")
    return sheet


def _too_many(filename: str, max_rows: int) -> BadFile:
    return BadFile(
        f"{filename} has more than {max_rows:,} rows; split it into files of at most "
        f"{max_rows:,} parties"
    )


def _read_csv(filename: str, data: bytes, max_rows: int) -> Sheet:
    raw = data.removeprefix(b"\xef\xbb\xbf")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise BadFile(
            f"{filename}: row {line} is not UTF-8 text; save the file as “CSV UTF-8” and send "
            "it again"
        ) from exc
    if "\x00" in text:
        raise BadFile(f"{filename} is not a text file (it holds binary data)")
    sample = text[:20_000]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = "\t" if filename.lower().endswith(".tsv") else ","
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [_cell(h) for h in next(reader, [])]
    except csv.Error as exc:
        raise BadFile(f"{filename}: row 1 cannot be read ({exc})") from exc
    name_col, country_col, item_col = find_columns(header)
    if name_col is None:
        raise _no_name_column(filename, header)
    watched = [c for c in (name_col, country_col, item_col) if c is not None]
    rows: list[list[str]] = []
    number = 1
    try:
        for row in reader:
            number += 1
            if not any(cell.strip() for cell in row):
                rows.append(row)
                continue
            if len(rows) >= max_rows:
                raise _too_many(filename, max_rows)
            if len(row) > len(header) and any(c.strip() for c in row[len(header) :]):
                raise BadFile(
                    f"{filename}: row {number} has {len(row)} cells where the header has "
                    f"{len(header)}; quote cells that contain “{delimiter}”"
                )
            for c in watched:
                if c < len(row) and _is_formula(row[c]):
                    raise _formula(filename, number, header[c])
            rows.append(row)
    except csv.Error as exc:
        raise BadFile(f"{filename}: row {number} cannot be read ({exc})") from exc
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    return Sheet(
        format=CSV,
        header=header,
        rows=rows,
        name_col=name_col,
        country_col=country_col,
        item_col=item_col,
        dialect={"delimiter": delimiter},
    )


_FORMULA = re.compile(r"^\s*=\s*[A-Za-z_$][\w.$]*\s*[(!:]|^\s*=\s*\$?[A-Za-z]{1,3}\$?\d+")


def _is_formula(text: str) -> bool:
    """A spreadsheet formula written into a CSV cell ("=HYPERLINK(…)", "=A2")."""
    return bool(_FORMULA.match(text or ""))


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _read_xlsx(filename: str, data: bytes, max_rows: int) -> Sheet:
    # Imported here: openpyxl is large and only Excel files need it.
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise BadFile(f"{filename} is not a readable .xlsx workbook ({exc})") from exc
    try:
        ws = book.worksheets[0] if book.worksheets else None
        if ws is None:
            raise BadFile(f"{filename} has no worksheet")
        cells = ws.iter_rows()
        try:
            first = next(cells, ())
        except Exception as exc:  # a damaged sheet XML surfaces on the first read
            raise BadFile(f"{filename}: row 1 cannot be read ({exc})") from exc
        header = [_cell(c.value) for c in first]
        while header and not header[-1]:
            header.pop()
        name_col, country_col, item_col = find_columns(header)
        if name_col is None:
            raise _no_name_column(filename, header)
        rows: list[list[str]] = []
        number = 1
        for row in cells:
            number += 1
            values: list[str] = []
            for c in row:
                value = c.value
                if getattr(c, "data_type", None) == "f" or (
                    isinstance(value, str) and value.startswith("=") and c.data_type == "f"
                ):
                    column = header[c.column - 1] if c.column - 1 < len(header) else c.coordinate
                    raise _formula(filename, number, column or c.coordinate)
                values.append(_cell(value))
            if not any(values):
                rows.append(values)
                continue
            if len(rows) >= max_rows:
                raise _too_many(filename, max_rows)
            rows.append(values)
        while rows and not any(rows[-1]):
            rows.pop()
        return Sheet(
            format=XLSX,
            header=header,
            rows=rows,
            name_col=name_col,
            country_col=country_col,
            item_col=item_col,
            sheet_title=ws.title,
        )
    finally:
        book.close()
