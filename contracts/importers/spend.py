"""Read the spend files councils publish under the Local Government Transparency Code 2015.

Files come as councils really publish them: CSV (UTF-8, UTF-8 with a byte-order mark, even a
BOM mangled into "ï»¿" by a second encoding, or Windows cp1252 with £ signs) or Excel (.xlsx);
any column naming; dates as ISO, DD/MM/YYYY, 01-Apr-2015 or Excel serial numbers; amounts with
£, thousands separators, credits in brackets or with a minus sign; separate Gross, VAT and Net
columns (the amount is the net, net of recoverable VAT); rows with an extra trailing empty or
#N/A cell. This module only reads: it streams checked lines, a row at a time, so memory stays
bounded whatever the file's size. contracts.services.spend_file_import writes them, all or
nothing.

Rows are numbered as a spreadsheet shows them: the heading row is row 1 when it is the first.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import functools
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from contracts.models.spend import CapitalRevenue

ALLOWED_EXTENSIONS = (".csv", ".xlsx")
MAX_PROBLEMS_SHOWN = 100

# The fields a spend line has, as named on the command line (--column FIELD=HEADER) and in
# messages. Date, supplier and amount are required; the rest are read where the file has them.
FIELDS: dict[str, str] = {
    "date": "date",
    "supplier": "supplier",
    "amount": "amount",
    "transaction_number": "transaction number",
    "service_area": "service area or directorate",
    "expense_type": "expense type",
    "capital_revenue": "capital or revenue",
    "company_number": "company number",
    "charity_number": "charity number",
    "vat_number": "VAT number",
    "vcse_flag": "VCSE flag",
}
REQUIRED_FIELDS = ("date", "supplier", "amount")


def column_mapping(pairs, *, fields: dict[str, str] = FIELDS, example: str = "supplier=Payee") -> dict[str, str]:
    """A person's column mapping, checked: a dict of field to heading, or FIELD=HEADER texts (the
    command line's --column, the API's repeated `columns`). ValueError says what is wrong. `fields`
    are the fields of the file being read (a spend file's by default; a contracts register has its own)."""
    items = pairs.items() if isinstance(pairs, dict) else [_column_pair(text, example) for text in pairs]
    mapping = {}
    for name, heading in items:
        name = str(name).strip().lower()
        if name not in fields:
            raise ValueError(f"'{name}' is not a field. The fields are: {', '.join(fields)}.")
        if not isinstance(heading, str) or not heading.strip():
            raise ValueError(f"give the heading for {name}: write it as FIELD=HEADER, for example {example}.")
        mapping[name] = heading.strip()
    return mapping


def _column_pair(text: str, example: str) -> tuple[str, str]:
    name, sep, heading = str(text).partition("=")
    if not sep or not name.strip() or not heading.strip():
        raise ValueError(f"{text!r}: write it as FIELD=HEADER, for example {example}.")
    return name, heading


# The headings each field goes by in published files, best first (compared in lower case with
# punctuation as spaces). "gross" and "vat" are read only to work out a net amount where a file
# gives gross and VAT but no net; "publisher" names the council that published the file.
HEADINGS: dict[str, tuple[str, ...]] = {
    "date": (
        "payment date",
        "date of payment",
        "invoice payment date",
        "date paid",
        "paid date",
        "transaction date",
        "payment run date",
        "posting date",
        "effective date",
        "date",
        "invoice date",
    ),
    "supplier": (
        "supplier name",
        "supplier beneficiary name",
        "supplier",
        "vendor name",
        "vendor",
        "beneficiary name",
        "beneficiary",
        "payee name",
        "payee",
        "creditor name",
        "creditor",
        "merchant name",
        "supplier vendor name",
        "recipient",
    ),
    "amount": (
        "net amount",
        "net",
        "net value",
        "amount excluding vat",
        "amount excl vat",
        "amount ex vat",
        "net amount gbp",
        "amount",
        "amount gbp",
        "amount paid",
        "payment amount",
        "transaction amount",
        "line amount",
        "value",
        "total",
        "spend",
    ),
    "gross": ("gross", "gross amount", "amount including vat", "amount inc vat", "gross value", "total inc vat"),
    "vat": ("vat", "vat amount", "recoverable vat"),
    "transaction_number": (
        "transaction number",
        "transaction no",
        "transaction id",
        "transaction reference",
        "transaction ref",
        "internal ref number",
        "internal reference",
        "documentno",
        "document number",
        "document no",
        "payment reference",
        "payment number",
        "reference",
        "invoice number",
        "invoice no",
    ),
    "service_area": (
        "service area",
        "directorate",
        "service",
        "department",
        "service label",
        "service division",
        "expense area",
        "service area categorisation",
        "portfolio",
        "cost centre description",
        "cost centre name",
    ),
    "expense_type": (
        "expense type",
        "expenses type",
        "expenditure type",
        "expense category",
        "expenditure category",
        "expense description",
        "expenditure description",
        "subjective description",
        "account description",
        "gl description",
        "procurement classification council s procurement category name",
        "procurement category",
        "purpose of spend",
        "purpose of spend summary",
        "expenditure code",
    ),
    "capital_revenue": (
        "capital revenue",
        "capital or revenue",
        "revenue capital",
        "cap rev",
        "capital revenue indicator",
    ),
    "company_number": (
        "supplier registered company number",
        "company number",
        "company registration number",
        "registered company number",
        "companies house number",
        "company reg no",
        "company no",
    ),
    "charity_number": (
        "supplier registered charity number",
        "charity number",
        "registered charity number",
        "charity registration number",
        "charity no",
    ),
    "vat_number": ("vat registration number", "vat number", "vat reg no", "vat no", "supplier vat number"),
    "vcse_flag": (
        "voluntary community and social enterprise supplier",
        "vcse",
        "vcse flag",
        "vcse supplier",
        "vcs",
        "voluntary sector",
        "vcse indicator",
    ),
    "publisher": (
        "body name",
        "organisation name",
        "authority name",
        "council name",
        "local authority",
        "organisation",
        "council",
        "body",
    ),
}

_PLACEHOLDERS = {"", "n a", "na", "none", "nil", "null", "not applicable", "not known", "unknown", "0", "n"}
_REDACTED = re.compile(
    r"\bredact(ed|ion)\b|\bwithheld\b|personal (information|data|details)|data protection|sensitive information",
    re.I,
)
_TRAILING_JUNK = {"", "#n/a", "n/a"}


def heading_key(text: str) -> str:
    """A heading as compared: no BOM (even a mangled one), lower case, punctuation as spaces."""
    text = (text or "").replace("\ufeff", "").replace("ï»¿", "")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


# ---------------------------------------------------------------- problems


@dataclass(frozen=True)
class SpendProblem:
    """One thing wrong with a file: the row (None for the file as a whole), the field and why."""

    row: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"Row {self.row}" if self.row else "File"
        label = FIELDS.get(self.field, self.field)
        return f"{where}, {label}: {self.message}" if self.field else f"{where}: {self.message}"


class SpendFileError(Exception):
    """The file was rejected. `problems` holds the first 100; `more` counts the rest."""

    def __init__(self, problems: list[SpendProblem], more: int = 0):
        self.problems = problems
        self.more = more
        hidden = len(problems[3:]) + more
        super().__init__("; ".join(str(p) for p in problems[:3]) + (f" (and {hidden} more)" if hidden else ""))

    @property
    def messages(self) -> list[str]:
        return [str(p) for p in self.problems]


class SpendColumnsMissing(SpendFileError):
    """Required columns could not be recognised: a person maps them once for this publisher."""

    def __init__(self, missing: list[str], headings: list[str]):
        self.missing = missing
        self.headings = headings
        labels = [FIELDS[f] for f in missing]
        names = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"
        super().__init__(
            [
                SpendProblem(
                    None,
                    "",
                    f"no column recognised for the {names}; the headings are: {', '.join(h for h in headings if h)}. "
                    "Say which heading holds each (--column FIELD=HEADER, or on the upload page).",
                )
            ]
        )


# ---------------------------------------------------------------- reading the file


def _sniff_encoding(handle: BinaryIO) -> str:
    """UTF-8 (with or without a BOM) when every byte decodes as UTF-8, else Windows cp1252.

    Reads the file once in chunks with an incremental decoder, so a £ sign a million rows in is
    still noticed without holding the file in memory.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    handle.seek(0)
    try:
        while chunk := handle.read(1 << 20):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        encoding = "utf-8-sig"
    except UnicodeDecodeError:
        encoding = "cp1252"
    handle.seek(0)
    return encoding


def _looks_binary(sample: bytes) -> bool:
    return b"\x00" in sample


@dataclass
class SpendFile:
    """An opened spend file: its kind, encoding and a stream of (row number, cells)."""

    kind: str  # "csv" or "xlsx"
    encoding: str
    _rows: Iterator[tuple[int, list[str]]]

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        return self._rows


def _csv_rows(handle: BinaryIO, encoding: str) -> Iterator[tuple[int, list[str]]]:
    text = io.TextIOWrapper(handle, encoding=encoding, newline="", errors="strict")
    # strict: a file cut off inside a quoted field is an error, not a silently merged last row.
    reader = csv.reader(text, strict=True)
    number = 0
    try:
        for cells in reader:
            number += 1
            yield number, cells
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            message = (
                'the file ends inside a quoted value (a " with no closing "): was it cut off? Upload the whole file'
            )
        else:
            message = f"the file cannot be read as CSV from here ({exc})"
        raise SpendFileError([SpendProblem(number + 1, "", message)]) from exc
    except UnicodeDecodeError as exc:
        raise SpendFileError([SpendProblem(number + 1, "", "the file is not readable text")]) from exc
    finally:
        try:
            text.detach()  # leave the caller's file open: it is theirs to close
        except ValueError:
            pass  # they closed it first (a file abandoned after the headings were refused)


def _excel_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        # As Excel shows it (15 significant digits, no exponent): a cached formula result of
        # 0.1 + 0.2 is 0.3, not 0.30000000000000004 (which would be a fraction of a penny),
        # and a transaction number stored as 1700133305.0 reads as in the CSV, 1700133305.
        return format(Decimal(f"{value:.15g}"), "f")
    return str(value)


def _xlsx_rows(handle: BinaryIO) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook  # noqa: PLC0415 - only Excel uploads need it

    try:
        book = load_workbook(handle, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise SpendFileError(
            [SpendProblem(None, "", "the Excel file cannot be opened: it is damaged or not an Excel workbook")]
        ) from exc
    number = 0
    try:
        if not book.worksheets:
            raise SpendFileError([SpendProblem(None, "", "the Excel file has no worksheet")])
        sheet = book.worksheets[0]
        # Read every row actually there: some systems write a wrong size ("A1") into the sheet,
        # and read-only mode would otherwise trust it and return one cell.
        sheet.reset_dimensions()
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_excel_text(v) for v in values]
    except SpendFileError:
        raise
    except Exception as exc:  # a damaged sheet fails part-way, with whatever openpyxl or XML raises
        raise SpendFileError(
            [SpendProblem(number + 1, "", "the Excel sheet cannot be read from here: the file is damaged")]
        ) from exc
    finally:
        book.close()


def open_spend_file(handle: BinaryIO, file_name: str) -> SpendFile:
    """Open a spend file by its content (an .xlsx is a zip), checking what it is first."""
    handle.seek(0)
    head = handle.read(8192)
    handle.seek(0)
    if not head:
        raise SpendFileError([SpendProblem(None, "", "the file is empty")])
    if head.startswith(b"PK\x03\x04"):
        return SpendFile("xlsx", "", _xlsx_rows(handle))
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise SpendFileError(
            [
                SpendProblem(
                    None, "", "this is an Excel 97-2003 (.xls) workbook: save it as .xlsx or CSV and upload that"
                )
            ]
        )
    suffix = Path(file_name).suffix.lower()
    if suffix == ".xls":
        raise SpendFileError(
            [
                SpendProblem(
                    None, "", "Excel 97-2003 (.xls) files cannot be read: save it as .xlsx or CSV and upload that"
                )
            ]
        )
    if suffix == ".xlsx":
        raise SpendFileError([SpendProblem(None, "", "the file is named .xlsx but is not an Excel workbook")])
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise SpendFileError(
            [
                SpendProblem(
                    None, "", 'the file is saved as UTF-16 ("Unicode Text"): save it as CSV (UTF-8) and upload that'
                )
            ]
        )
    if _looks_binary(head):
        raise SpendFileError([SpendProblem(None, "", "the file is not text: upload a CSV or an Excel (.xlsx) file")])
    encoding = _sniff_encoding(handle)
    return SpendFile("csv", encoding, _csv_rows(handle, encoding))


# ---------------------------------------------------------------- the columns


@dataclass
class ColumnPlan:
    """Which column holds each field: recognised from the headings, or mapped by a person."""

    heading_row: int
    headings: list[str]
    index: dict[str, int] = field(default_factory=dict)

    @property
    def columns(self) -> dict[str, str]:
        """Field to the heading it is read from, for the import record and the preview."""
        return {name: self.headings[i] for name, i in self.index.items()}

    @property
    def unused_headings(self) -> list[str]:
        used = set(self.index.values())
        return [h for i, h in enumerate(self.headings) if h and i not in used]

    @functools.cached_property
    def positions(self) -> dict[str, int]:
        """Every field's column; a field the file lacks points one past the last column, where
        read_row puts an empty cell, so each row reads its cells by plain indexing."""
        width = len(self.headings)
        return {name: self.index.get(name, width) for name in (*HEADINGS, *FIELDS)}


_HEADING_FIELD: dict[str, list[tuple[int, str]]] = {}
for _field, _names in HEADINGS.items():
    for _rank, _name in enumerate(_names):
        _HEADING_FIELD.setdefault(_name, []).append((_rank, _field))


def plan_columns(headings: list[str], heading_row: int, mapping: dict[str, str] | None = None) -> ColumnPlan:
    """Match headings to fields. `mapping` (field to heading, from a person) wins over recognition.

    Raises SpendFileError for a mapping naming a heading the file does not have, and
    SpendColumnsMissing when date, supplier or amount cannot be found.
    """
    keys = [heading_key(h) for h in headings]
    plan = ColumnPlan(heading_row=heading_row, headings=[h.replace("\ufeff", "").replace("ï»¿", "") for h in headings])
    problems = []
    for name, heading in (mapping or {}).items():
        if name not in FIELDS:
            problems.append(SpendProblem(None, "", f"'{name}' is not a field; the fields are {', '.join(FIELDS)}"))
            continue
        wanted = heading_key(heading)
        if wanted not in keys:
            problems.append(
                SpendProblem(
                    None,
                    name,
                    f"there is no column headed '{heading}' (the headings are: "
                    f"{', '.join(h for h in plan.headings if h)})",
                )
            )
            continue
        plan.index[name] = keys.index(wanted)
    if problems:
        raise SpendFileError(problems)
    taken = set(plan.index.values())
    best: dict[str, tuple[int, int]] = {}
    for position, key in enumerate(keys):
        if position in taken:
            continue
        for rank, name in _HEADING_FIELD.get(key, []):
            if name in plan.index:
                continue
            if name not in best or rank < best[name][0]:
                best[name] = (rank, position)
    for name, (_rank, position) in sorted(best.items(), key=lambda item: item[1][0]):
        if position not in plan.index.values():
            plan.index[name] = position
    missing = [
        name
        for name in REQUIRED_FIELDS
        if name not in plan.index and not (name == "amount" and {"gross", "vat"} <= set(plan.index))
    ]
    if missing:
        raise SpendColumnsMissing(missing, plan.headings)
    return plan


def find_heading_row(rows: Iterator[tuple[int, list[str]]], mapping: dict[str, str] | None = None):
    """The heading row: the first of the first ten non-blank rows naming two known fields (or a
    mapped heading); preamble rows above it (a title, "Spend over £500") are skipped. Returns
    (row number, headings) or None for a file with no rows, and leaves `rows` after the headings.

    When no row qualifies, the columns must be mapped by a person, so the row offered as the
    headings is the widest of those read (the first if several): a title row above unfamiliar
    headings must not hide them."""
    mapped = {heading_key(h) for h in (mapping or {}).values() if h}
    widest = None
    widest_count = 0
    seen = 0
    for number, cells in rows:
        count = sum(1 for c in cells if c.strip())
        if not count:
            continue
        seen += 1
        if count > widest_count:
            widest, widest_count = (number, cells), count
        keys = {heading_key(c) for c in cells}
        known = {f for k in keys for _r, f in _HEADING_FIELD.get(k, [])}
        if len(known & set(FIELDS)) >= 2 or (mapped and mapped & keys):
            return number, cells
        if seen >= 10:
            break
    return widest


# ---------------------------------------------------------------- the values

_ISO = re.compile(r"^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?:[ T][\d:.]+)?$")
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})(?: [\d:.]+)?$")
_D_MON_Y = re.compile(r"^(\d{1,2})[\- ]([A-Za-z]{3,9})[\- ,]*(\d{4}|\d{2})$")
_YMD8 = re.compile(r"^(20\d{2}|19\d{2})(\d{2})(\d{2})$")
_SERIAL = re.compile(r"^(\d{5})(?:\.\d*)?$")  # the fraction is the time of day
_MONTHS = {
    m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)
}
_EXCEL_EPOCH = datetime.date(1899, 12, 30)


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if year < 100 else year


def parse_spend_date(text: str) -> datetime.date | None:
    """A payment date as published: 2015-04-01 (or 2015/04/01), 01/04/2015 (day first, as in the UK),
    01-Apr-2015, 20150401, or an Excel serial number (42095, or 42095.5 with a time of day). None
    when it is none of these or not a real date."""
    text = text.strip()
    try:
        if m := _ISO.match(text):
            return datetime.date(int(m[1]), int(m[3]), int(m[4]))
        if m := _DMY.match(text):
            return datetime.date(_year(m[3]), int(m[2]), int(m[1]))
        if m := _D_MON_Y.match(text):
            month = _MONTHS.get(m[2][:3].lower())
            if month is None or (len(m[2]) > 3 and m[2].lower() not in _FULL_MONTHS and m[2][:4].lower() != "sept"):
                return None
            return datetime.date(_year(m[3]), month, int(m[1]))
        if m := _YMD8.match(text):
            return datetime.date(int(m[1]), int(m[2]), int(m[3]))
        if m := _SERIAL.match(text):
            serial = int(m[1])
            # 1990 to 2100: a five-digit number outside that is not a date anyone published.
            if 32874 <= serial <= 73415:
                return _EXCEL_EPOCH + datetime.timedelta(days=serial)
    except ValueError:
        return None
    return None


_FULL_MONTHS = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december",
}  # fmt: skip

_AMOUNT = re.compile(r"^(\d+)(?:\.(\d*))?$|^\.(\d+)$")


def parse_amount_pence(text: str) -> int | None:
    """An amount as published, in whole pence: "1,234.50", "£1234.5", "(250.00)" and "-250" and
    "250.00-" and "250 CR" for credits. None when it is not an amount or has fractions of a penny."""
    t = text.strip().replace("£", "").replace(",", "").replace(" ", "").replace("\u00a0", "")
    if t.upper().startswith("GBP"):
        t = t[3:]
    negative = False
    if t.startswith("(") and t.endswith(")"):
        negative, t = True, t[1:-1]
    if t.upper().endswith("CR"):
        negative, t = not negative, t[:-2]
    if t.startswith("-") or t.startswith("+"):
        negative, t = (t[0] == "-") != negative, t[1:]
    elif t.endswith("-"):
        negative, t = not negative, t[:-1]
    t = t.lstrip("£")
    m = _AMOUNT.match(t)
    if not m:
        return None
    whole = m[1] or "0"
    fraction = (m[2] if m[1] is not None else m[3]) or ""
    if len(fraction) > 2:
        if fraction[2:].strip("0"):
            return None
        fraction = fraction[:2]
    pence = int(whole) * 100 + int((fraction + "00")[:2])
    return -pence if negative else pence


def _cp1252_char(code: int) -> str:
    try:
        return bytes([code]).decode("cp1252")
    except UnicodeDecodeError:
        return ""


# A cp1252 file once read as Latin-1 and saved as UTF-8 carries its dashes and quotes as C1
# control characters: Harrogate's "REDACTED \x96 PERSONAL DATA" is "REDACTED – PERSONAL DATA".
_C1_TO_CP1252 = {code: _cp1252_char(code) for code in range(0x80, 0xA0)}


def _clean(text: str) -> str:
    if not text.isascii():
        text = text.translate(_C1_TO_CP1252)
    return " ".join(text.split())


def _placeholder(text: str) -> bool:
    return not text or _value_key(text) in _PLACEHOLDERS


def _value_key(text: str) -> str:
    """heading_key for a cell: the same few values (R, C, Y, N/A) fill millions of rows."""
    key = _key_cache.get(text)
    if key is None:
        key = heading_key(text)
        if len(_key_cache) < 10_000:
            _key_cache[text] = key
    return key


def _normalised_supplier(name: str) -> str | None:
    """normalise_provider_name, or None for a redacted name; once per name, as a file names
    each supplier on many lines."""
    try:
        return _name_cache[name]
    except KeyError:
        normalised = None if _REDACTED.search(name) else normalise_provider_name(name)[:300]
        if len(_name_cache) < 50_000:
            _name_cache[name] = normalised
        return normalised


_CAPITAL = {"c": CapitalRevenue.CAPITAL, "capital": CapitalRevenue.CAPITAL, "cap": CapitalRevenue.CAPITAL}
_REVENUE = {"r": CapitalRevenue.REVENUE, "revenue": CapitalRevenue.REVENUE, "rev": CapitalRevenue.REVENUE}
_YES = {"y", "yes", "true", "1", "vcse", "vcs"}
_NO = {"n", "no", "false", "0"}
_COMPANY = re.compile(r"^([A-Z]{2}\d{6}|\d{8})$")
# England and Wales (1234567, 1234567-1), Scotland (SC012345) and Northern Ireland (NIC101234, 101234).
_CHARITY = re.compile(r"^(\d{6,8}(-\d{1,2})?|SC\d{6}|NIC\d{6})$")
_FRACTION_OF_PENNY = re.compile(r"\.\d{3,}")


@dataclass(slots=True)
class SpendRow:
    """One checked line, ready to stage."""

    row_number: int
    transaction_number: str
    payment_date: datetime.date
    supplier_name: str
    normalised_supplier: str
    amount_pence: int
    service_area: str
    expense_type: str
    capital_revenue: str
    company_number: str
    charity_number: str
    vat_number: str
    vcse_flag: bool | None
    redacted: bool


def _amount_problem(raw: str) -> str:
    """Why `raw` is not an amount, in words a person can act on."""
    text = raw.strip()
    if not text:
        return "is blank"
    if _FRACTION_OF_PENNY.search(text) and parse_amount_pence(re.sub(r"(\.\d\d)\d+", r"\1", text)) is not None:
        return f"'{text}' has fractions of a penny (use pounds and pence, such as 1234.56)"
    return f"'{text}' is not an amount of money in pounds and pence (such as 1234.56, £1,234.56 or (1,234.56))"


def _text(cells: list[str], plan: ColumnPlan, name: str) -> str:
    i = plan.index.get(name)
    if i is None or i >= len(cells):
        return ""
    return cells[i]


def read_row(number: int, cells: list[str], plan: ColumnPlan, problems: list[SpendProblem]) -> SpendRow | None:
    """Check one data row; add what is wrong to `problems` (by row and field) and return None."""
    width = len(plan.headings)
    if len(cells) > width:
        extra = cells[width:]
        if all(c.strip().lower() in _TRAILING_JUNK for c in extra):
            cells = cells[:width]
        else:
            problems.append(
                SpendProblem(
                    number,
                    "",
                    f"has {len(cells)} values but the heading row has {width} columns "
                    "(a value containing a comma must be in double quotes)",
                )
            )
            return None
    start = len(problems)
    # Pad short rows (trailing empty cells left off) and add the empty cell missing fields read.
    cells = [*cells, *[""] * (width - len(cells) + 1)]
    at = plan.positions

    raw_date = cells[at["date"]].strip()
    payment_date = _date_cache.get(raw_date)
    if payment_date is None:
        payment_date = parse_spend_date(raw_date)
        if payment_date is None:
            message = "is blank" if not raw_date else f"'{raw_date}' is not a date (use 31/03/2016 or 2016-03-31)"
            problems.append(SpendProblem(number, "date", message))
        elif len(_date_cache) < 10_000:
            _date_cache[raw_date] = payment_date

    supplier = _clean(cells[at["supplier"]])
    if not supplier:
        problems.append(SpendProblem(number, "supplier", "is blank"))
    elif len(supplier) > 300:
        problems.append(SpendProblem(number, "supplier", "is longer than 300 characters"))

    amount = None
    if "amount" in plan.index:
        raw = cells[at["amount"]]
        amount = parse_amount_pence(raw) if raw.strip() else None
        if amount is None:
            problems.append(SpendProblem(number, "amount", _amount_problem(raw)))
    else:
        # No net column: the net is the gross less the (recoverable) VAT.
        gross_raw, vat_raw = cells[at["gross"]], cells[at["vat"]]
        gross = parse_amount_pence(gross_raw) if gross_raw.strip() else None
        vat = 0 if _placeholder(vat_raw) else parse_amount_pence(vat_raw)
        if gross is None:
            problems.append(SpendProblem(number, "amount", f"gross amount {_amount_problem(gross_raw)}"))
        if vat is None:
            problems.append(SpendProblem(number, "amount", f"VAT {_amount_problem(vat_raw)}"))
        if gross is not None and vat is not None:
            amount = gross - vat

    capital_text = cells[at["capital_revenue"]]
    capital_raw = _value_key(capital_text)
    capital_revenue = _CAPITAL.get(capital_raw) or _REVENUE.get(capital_raw) or ""
    if capital_raw and not capital_revenue and capital_raw not in _PLACEHOLDERS:
        problems.append(
            SpendProblem(
                number,
                "capital_revenue",
                f"'{capital_text.strip()}' is not Capital or Revenue (C or R, or leave it blank)",
            )
        )

    company = cells[at["company_number"]].strip()
    company = "" if _placeholder(company) else normalise_company_number(company)
    if company and not _COMPANY.match(company):
        problems.append(
            SpendProblem(
                number,
                "company_number",
                f"'{company}' is not a Companies House number (8 characters, such as 01234567 or SC123456)",
            )
        )

    charity_text = cells[at["charity_number"]].strip()
    charity = "" if _placeholder(charity_text) else charity_text.replace(" ", "").upper()
    if charity and not _CHARITY.match(charity):
        problems.append(
            SpendProblem(
                number,
                "charity_number",
                f"'{charity_text}' is not a registered charity number (such as 1234567, SC012345 or NIC101234)",
            )
        )

    vat_number = cells[at["vat_number"]].strip().upper().replace(" ", "")
    vat_number = "" if _placeholder(vat_number) else vat_number
    if len(vat_number) > 20:
        problems.append(SpendProblem(number, "vat_number", "is longer than 20 characters"))

    flag_text = cells[at["vcse_flag"]]
    flag_raw = _value_key(flag_text)
    vcse_flag = True if flag_raw in _YES else False if flag_raw in _NO else None
    if flag_raw and vcse_flag is None and flag_raw not in _PLACEHOLDERS:
        problems.append(SpendProblem(number, "vcse_flag", f"'{flag_text.strip()}' is not Y or N (or blank)"))

    transaction = _clean(cells[at["transaction_number"]])
    service_area = _clean(cells[at["service_area"]])
    expense_type = _clean(cells[at["expense_type"]])
    for name, value, limit in (
        ("transaction_number", transaction, 100),
        ("service_area", service_area, 300),
        ("expense_type", expense_type, 300),
    ):
        if len(value) > limit:
            problems.append(SpendProblem(number, name, f"is longer than {limit} characters"))

    if len(problems) > start:
        return None
    normalised = _normalised_supplier(supplier)
    redacted = normalised is None
    return SpendRow(
        row_number=number,
        transaction_number=transaction,
        payment_date=payment_date,
        supplier_name=supplier,
        normalised_supplier=normalised or "",
        amount_pence=amount,
        service_area=service_area,
        expense_type=expense_type,
        capital_revenue=capital_revenue,
        company_number=company,
        charity_number=charity,
        vat_number=vat_number,
        vcse_flag=vcse_flag,
        redacted=redacted,
    )


# Published files hold a few hundred distinct dates, a few thousand suppliers and a handful of
# codes; working each out once keeps a million-row file fast. Bounded, so memory stays bounded.
_date_cache: dict[str, datetime.date] = {}
_key_cache: dict[str, str] = {}
_name_cache: dict[str, str] = {}


def publisher_column(headings: list[str]) -> int | None:
    """The column naming the publishing body ("Body Name", "Organisation Name"), best name first."""
    found = [
        (rank, position)
        for position, heading in enumerate(headings)
        for rank, name in _HEADING_FIELD.get(heading_key(heading), [])
        if name == "publisher"
    ]
    return min(found)[1] if found else None


def publisher_from_row(cells: list[str], plan: ColumnPlan) -> str:
    """The publishing body named in a data row ("Body Name"), ignoring URIs such as Calderdale's."""
    value = _clean(_text(cells, plan, "publisher"))
    return "" if value.lower().startswith("http") else value[:200]


# Last, on purpose: importing contracts.services imports contracts.services.spend, which imports
# this module's names; they exist by now, so this module can be imported first (a command, a test).
from contracts.services.providers import normalise_company_number, normalise_provider_name  # noqa: E402
