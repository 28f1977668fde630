"""Import KPI returns from the files providers send: CSV (UTF-8, with or without a BOM, or Windows cp1252)
or Excel (.xlsx), one return a row.

Columns are found by their headings, whatever their case: the contract reference ("Contract ref",
"Contract reference"), the KPI by code or by name ("KPI", "KPI code", "Indicator"; "KPI name"),
the period ("Period", "Quarter", "Month"), the value ("Value", "Actual", "Result") and, if given,
the commentary ("Comments", "Commentary"). Values are read as they are typed: "82", "82.5%",
"£1,250", "(5)" for -5.

An import is all or nothing (contracts.services.kpi_returns_save_many): every problem is reported
by its row number as the spreadsheet shows it (the heading row is row 1) and the column, and
nothing is saved while any remains. Importing the same file again adds nothing: each KPI has one
return a period, changed in place, and rows that would change nothing are left alone (and
reported unchanged). A dry run checks and previews everything, writing nothing.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction

from commissioning.permissions import can_write_in_directorate
from contracts.choices import COUNTED_RETURN_STATUSES, ReturnStatus
from contracts.models import KPI, Contract, KPIReturn
from contracts.periods import Period, parse_period
from contracts.rules import format_measure
from contracts.selectors import contracts_by_reference, kpis_for_import
from contracts.services import ReturnBatchError, ReturnEntry, kpi_returns_save_many

ALLOWED_EXTENSIONS = (".csv", ".xlsx")
MAX_FILE_BYTES = 5 * 1024 * 1024
# A quarter's returns for a whole directorate are a few hundred rows; the cap keeps a checked
# file small enough to hold in the session between "Check" and "Import" (contracts.views.imports).
MAX_ROWS = 5000

# The columns, and the headings that name each (compared in lower case, punctuation as spaces).
COLUMNS: dict[str, tuple[str, ...]] = {
    "contract": (
        "contract ref",
        "contract reference",
        "contract",
        "contract no",
        "contract number",
        "contract id",
    ),
    "kpi": ("kpi", "kpi code", "kpi ref", "kpi reference", "kpi id", "indicator", "indicator code"),
    "kpi_name": ("kpi name", "indicator name", "kpi title", "kpi description"),
    "period": ("period", "quarter", "month", "reporting period", "period code", "year"),
    "value": ("value", "actual", "result", "actual value", "score", "figure"),
    "commentary": ("comments", "comment", "commentary", "notes", "narrative"),
}
# How each column is named in messages, and what to call it if it is missing.
COLUMN_NAMES = {
    "contract": "contract",
    "kpi": "KPI",
    "kpi_name": "KPI",
    "period": "period",
    "value": "value",
    "commentary": "commentary",
}
_MISSING_COLUMN = {
    "contract": "there is no contract reference column: head it 'Contract reference'",
    "kpi": "there is no KPI column: head it 'KPI code' (or 'KPI name')",
    "period": "there is no period column: head it 'Period' (or 'Quarter' or 'Month')",
    "value": "there is no value column: head it 'Value' (or 'Actual' or 'Result')",
}


class ImportFileError(Exception):
    """The file cannot be read as returns at all (wrong type, no headings); `messages` say why."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


@dataclass
class ImportRow:
    """One row of the file as text, with its row number as the spreadsheet shows it."""

    row: int
    contract: str = ""
    kpi: str = ""
    kpi_name: str = ""
    period: str = ""
    value: str = ""
    commentary: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class RowError:
    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message[:1].upper() + self.message[1:]
        return f"Row {self.row}, {self.column}: {self.message}"


@dataclass
class PreviewRow:
    """What importing a row does (or did): a new return, a change, or nothing; and the RAG it gets."""

    row: int
    kpi: KPI
    period: Period
    actual: Decimal | None
    commentary: str
    outcome: str  # "new", "changed" or "unchanged"
    rag: str = ""
    rag_explanation: str = ""

    @property
    def contract(self) -> Contract:
        return self.kpi.contract

    @property
    def actual_display(self) -> str:
        return format_measure(self.actual, self.kpi.unit) if self.actual is not None else "No value"


@dataclass
class ImportResult:
    rows: list[PreviewRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    submit: bool = True

    @property
    def saved(self) -> bool:
        return not self.dry_run and not self.errors

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(row.outcome for row in self.rows)
        return {outcome: counted.get(outcome, 0) for outcome in ("new", "changed", "unchanged")}

    def summary(self) -> str:
        c = self.counts
        verb = "would be" if self.dry_run else "were"
        what = "submitted" if self.submit else "saved as drafts"
        return (
            f"{len(self.rows)} row{'s' if len(self.rows) != 1 else ''}: {c['new']} new, {c['changed']} changed "
            f"and {c['unchanged']} unchanged returns {verb} {what}."
        )


# --- Reading the file -----------------------------------------------------------------------------


# The readers below are shared by every importer of small spreadsheets (KPI returns, social value
# commitments and returns, the social value catalogue): CSV in UTF-8 or cp1252 with its delimiter
# taken from the heading row, or the first sheet of an .xlsx with cells as Excel shows them.


def heading_key(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", str(text or "").lower()).split())


_HEADINGS = {heading: column for column, headings in COLUMNS.items() for heading in headings}


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        # Decimal(str()) keeps what Excel shows (82.5), not the binary float's expansion.
        return str(Decimal(str(value)).normalize()) if value == value else ""
    return str(value).strip()


def _excel_value(cell) -> str:
    value = cell.value
    if isinstance(value, int | float) and not isinstance(value, bool) and "%" in (cell.number_format or ""):
        # A cell formatted as a percentage holds 0.825 and shows 82.5%: the provider means 82.5.
        return f"{(Decimal(str(value)) * 100).normalize():f}%"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{Decimal(str(value)).normalize():f}"
    return _cell_text(value)


def _decode(content: bytes) -> str:
    """UTF-8 (a BOM is dropped), else Windows-1252: what Excel writes when it saves "CSV" on a UK PC."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            ["The file's characters cannot be read: save it as 'CSV UTF-8' or as an Excel workbook (.xlsx)."]
        ) from exc


def csv_rows(content: bytes) -> list[tuple[int, list[str]]]:
    text = _decode(content)
    # The heading row says how cells are separated: commas, or semicolons or tabs from some exports.
    # (csv.Sniffer guesses from the data too, where a comment full of semicolons can mislead it.)
    heading = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=lambda d: (heading.count(d), d == ","))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        # Row numbers count records, as a spreadsheet shows them (a cell may span lines in the file).
        return [(number, [cell.strip() for cell in record]) for number, record in enumerate(reader, start=1)]
    except csv.Error as exc:
        raise ImportFileError([f"The file is not a readable CSV file: {exc}."]) from exc


def xlsx_rows(content: bytes) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or mislabelled file
        raise ImportFileError(["The file is not a readable Excel workbook (.xlsx). Save it again from Excel."]) from exc
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for number, cells in enumerate(sheet.iter_rows(), start=1):
            rows.append((number, [_excel_value(cell) for cell in cells]))
            if len(rows) > MAX_ROWS + 100:
                break
        return rows
    finally:
        workbook.close()


@dataclass
class Sheet:
    """A spreadsheet's rows read by their headings: which column holds each field, and the rows
    below the heading row. Problems with the headings are collected for the caller to add to."""

    heading_row: int
    headings: list[str]
    columns: dict[str, int]
    data: list[tuple[int, list[str]]]
    problems: list[str] = field(default_factory=list)

    def cell(self, cells: list[str], name: str) -> str:
        index = self.columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    def check(self) -> None:
        """Raise every heading problem at once, or refuse a file with more than MAX_ROWS rows."""
        if self.problems:
            raise ImportFileError(self.problems)
        if len(self.data) > MAX_ROWS:
            raise ImportFileError([f"The file has {len(self.data):,} rows: import at most {MAX_ROWS:,} at a time."])


def read_sheet(
    *, content: bytes, filename: str, field_of_heading: Callable[[str], str | None], describe: Callable[[str], str]
) -> Sheet:
    """A CSV file or the first sheet of an .xlsx workbook, its blank rows dropped, the first row
    taken as headings. `field_of_heading` names the field a heading holds (None: not one we read);
    `describe` says a field in words for the message when two columns hold it. Raises
    ImportFileError when the file is of the wrong type, too big or empty; the caller adds its
    required-column problems and calls `Sheet.check()`. Every importer of the project reads files
    this one way, so they all accept and refuse the same files."""
    extension = Path(filename or "").suffix.lower()
    if extension not in ALLOWED_EXTENSIONS:
        raise ImportFileError(["The file must be a CSV file (.csv) or an Excel workbook (.xlsx)."])
    if len(content) > MAX_FILE_BYTES:
        raise ImportFileError(["The file must be smaller than 5 MB."])
    raw = csv_rows(content) if extension == ".csv" else xlsx_rows(content)
    raw = [(number, cells) for number, cells in raw if any(cell for cell in cells)]
    if not raw:
        raise ImportFileError(["The file is empty."])
    (heading_row, headings), data = raw[0], raw[1:]
    sheet = Sheet(heading_row=heading_row, headings=headings, columns={}, data=data)
    for index, heading in enumerate(headings):
        name = field_of_heading(heading)
        if name is None:
            continue  # other columns (notes for the council, a measure's name) are ignored
        if name in sheet.columns:
            sheet.problems.append(
                f"Two columns give the {describe(name)} ('{headings[sheet.columns[name]]}' and '{heading}'): keep one."
            )
            continue
        sheet.columns[name] = index
    return sheet


def read_returns_file(*, content: bytes, filename: str) -> list[ImportRow]:
    """The rows of a returns file as text, by their headings. Raises ImportFileError if it cannot be read."""
    sheet = read_sheet(
        content=content,
        filename=filename,
        field_of_heading=lambda heading: _HEADINGS.get(heading_key(heading)),
        describe=lambda column: COLUMN_NAMES[column],
    )
    columns = sheet.columns
    if "kpi_name" in columns and "kpi" not in columns:
        columns["kpi"] = columns.pop("kpi_name")
    for column, message in _MISSING_COLUMN.items():
        if column not in columns:
            sheet.problems.append(f"Row {sheet.heading_row}: {message}.")
    sheet.check()
    return [
        ImportRow(row=number, **{column: sheet.cell(cells, column) for column in COLUMNS if column in columns})
        for number, cells in sheet.data
    ]


# --- Checking the rows and importing them -----------------------------------------------------------


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def parse_value(text: str) -> Decimal | None:
    """A value as typed: "82", "82.5%", "£1,250", "(5)" (= -5), "−3". Blank is None. Raises ValueError."""
    raw = (text or "").strip()
    if not raw:
        return None
    cleaned = raw.replace("\u2212", "-").replace("£", "").replace(",", "").replace(" ", "").replace("\u00a0", "")
    negative = cleaned.startswith("(") and cleaned.endswith(")")
    if negative:
        cleaned = cleaned[1:-1]
    cleaned = cleaned.removesuffix("%")
    if cleaned.startswith("-£") or cleaned.startswith("£-"):
        cleaned = "-" + cleaned[2:]
    if not _NUMBER.match(cleaned):
        raise ValueError(f"'{raw}' is not a number: write it like 82, 82.5%, £1,250 or (5) for minus 5.")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:  # pragma: no cover - the pattern above admits only numbers
        raise ValueError(f"'{raw}' is not a number.") from exc
    return -value if negative else value


def _kpi_lookup(kpis: list[KPI]) -> tuple[dict, dict]:
    by_code: dict[tuple[int, str], KPI] = {}
    by_name: dict[tuple[int, str], list[KPI]] = {}
    for kpi in kpis:
        by_code[(kpi.contract_id, kpi.code.upper())] = kpi
        by_name.setdefault((kpi.contract_id, " ".join(kpi.name.lower().split())), []).append(kpi)
    return by_code, by_name


def _outcome(existing: KPIReturn | None, actual, commentary: str, submit: bool) -> str:
    if existing is None:
        return "new"
    same_status = (existing.status in COUNTED_RETURN_STATUSES) if submit else existing.status == ReturnStatus.DRAFT
    if existing.actual == actual and (existing.commentary or "") == commentary and same_status:
        return "unchanged"
    return "changed"


def returns_import(
    *,
    rows: list[ImportRow],
    actor,
    submit: bool = True,
    dry_run: bool = False,
    reason: str = "",
) -> ImportResult:
    """Check every row and, unless `dry_run`, save them all (or none, when any is wrong).

    A commissioner imports only their own directorate's returns. A dry run goes through the very
    same service inside a transaction that is rolled back, so its preview (and the RAG each return
    would get) is what a real import would do, and nothing is written.
    """
    result = ImportResult(dry_run=dry_run, submit=submit)
    references = {r.contract.strip() for r in rows if r.contract.strip()}
    contracts = {c.reference.upper(): c for c in contracts_by_reference(references=references)}
    kpis = list(kpis_for_import(contract_references=references))
    by_code, by_name = _kpi_lookup(kpis)
    codes_of: dict[int, list[str]] = {}
    for kpi in kpis:
        codes_of.setdefault(kpi.contract_id, []).append(kpi.code)

    parsed: list[tuple[ImportRow, KPI, Period, Decimal | None, str]] = []
    first_row_of: dict[tuple[int, datetime.date], int] = {}
    errors = result.errors
    for row in rows:
        n = row.row
        reference = row.contract.strip()
        if not reference:
            errors.append(RowError(n, "contract", "the contract reference is missing."))
            continue
        contract = contracts.get(reference.upper())
        if contract is None:
            errors.append(RowError(n, "contract", f"there is no contract '{reference}'."))
            continue
        if actor is not None and not can_write_in_directorate(actor, contract.directorate_id):
            errors.append(
                RowError(
                    n,
                    "contract",
                    f"{contract.reference} is a contract of {contract.directorate.name}: you can only import "
                    "returns for your own directorate's contracts.",
                )
            )
            continue
        kpi = _find_kpi(row, contract, by_code, by_name, codes_of, errors)
        if kpi is None:
            continue
        try:
            period = parse_period(row.period, kpi.frequency)
        except ValueError as exc:
            errors.append(RowError(n, "period", str(exc)))
            continue
        try:
            actual = parse_value(row.value)
        except ValueError as exc:
            errors.append(RowError(n, "value", str(exc)))
            continue
        key = (kpi.pk, period.start)
        if key in first_row_of:
            errors.append(RowError(n, "period", f"{kpi.code} {period.label} is also given in row {first_row_of[key]}."))
            continue
        first_row_of[key] = n
        parsed.append((row, kpi, period, actual, (row.commentary or "").strip()))
    if errors:
        return result

    existing = {
        (r.kpi_id, r.period_start): r
        for r in KPIReturn.objects.filter(
            kpi__in={kpi.pk for _, kpi, *_ in parsed}, period_start__in={p.start for _, _, p, *_ in parsed}
        )
    }
    entries: list[ReturnEntry] = []
    previews: dict[str, PreviewRow] = {}
    for row, kpi, period, actual, commentary in parsed:
        current = existing.get((kpi.pk, period.start))
        outcome = _outcome(current, actual, commentary, submit)
        if outcome == "unchanged" or (current is None and actual is None and not commentary):
            if current is not None:
                result.rows.append(
                    PreviewRow(row.row, kpi, period, actual, commentary, outcome, current.rag, current.rag_explanation)
                )
            continue  # nothing to write (an empty row with nothing recorded is not a return)
        label = f"Row {row.row}"
        preview = PreviewRow(row.row, kpi, period, actual, commentary, outcome)
        previews[label] = preview
        result.rows.append(preview)
        entries.append(ReturnEntry(kpi=kpi, period=period, actual=actual, commentary=commentary, label=label))

    rows_of = {f"Row {row.row}": row.row for row, *_ in parsed}
    try:
        with transaction.atomic():
            # The user's own reason only: the service takes any reason as leave to change accepted returns.
            saved = kpi_returns_save_many(entries=entries, submit=submit, actor=actor, reason=reason)
            for ret in saved:
                for preview in previews.values():
                    if preview.kpi.pk == ret.kpi_id and preview.period.start == ret.period_start:
                        preview.rag, preview.rag_explanation = ret.rag, ret.rag_explanation
            if dry_run:
                transaction.set_rollback(True)
    except ReturnBatchError as exc:
        for label, name, message in exc.errors:
            errors.append(RowError(rows_of.get(label), _column_name(name), message))
    result.rows.sort(key=lambda p: p.row)
    return result


def _column_name(name: str) -> str:
    return {"actual": "value", "kpi": "KPI", "__all__": "value"}.get(name, name)


def _find_kpi(row: ImportRow, contract: Contract, by_code, by_name, codes_of, errors: list[RowError]) -> KPI | None:
    n = row.row
    code, name = row.kpi.strip(), " ".join(row.kpi_name.lower().split())
    if not code and not name:
        errors.append(RowError(n, "KPI", "the KPI code or name is missing."))
        return None
    kpi = by_code.get((contract.pk, code.upper())) if code else None
    if kpi is None:
        # The KPI column may hold a name rather than a code; or only a name column is given.
        wanted = " ".join(code.lower().split()) if code else name
        found = by_name.get((contract.pk, wanted), [])
        if not found and code and name:
            found = by_name.get((contract.pk, name), [])
        if len(found) > 1:
            errors.append(
                RowError(
                    n,
                    "KPI",
                    f"{contract.reference} has more than one KPI called '{row.kpi or row.kpi_name}': give its code.",
                )
            )
            return None
        kpi = found[0] if found else None
    if kpi is None:
        known = ", ".join(codes_of.get(contract.pk, [])) or "none yet"
        errors.append(
            RowError(n, "KPI", f"{contract.reference} has no KPI '{code or row.kpi_name}' (its KPIs: {known}).")
        )
        return None
    if not kpi.is_active:
        errors.append(RowError(n, "KPI", f"{kpi.code} of {contract.reference} is retired: it takes no more returns."))
        return None
    return kpi


def returns_import_file(
    *, content: bytes, filename: str, actor, submit: bool = True, dry_run: bool = False, reason: str = ""
) -> ImportResult:
    """Read a file and import it; a file that cannot be read is reported as errors without a row."""
    try:
        rows = read_returns_file(content=content, filename=filename)
    except ImportFileError as exc:
        return ImportResult(errors=[RowError(None, "file", m) for m in exc.messages], dry_run=dry_run, submit=submit)
    return returns_import(rows=rows, actor=actor, submit=submit, dry_run=dry_run, reason=reason)


# --- A template to fill in ------------------------------------------------------------------------

TEMPLATE_HEADINGS = ["Contract reference", "KPI code", "KPI name", "Period", "Value", "Commentary"]


def returns_template_rows(due) -> list[list[str]]:
    """One row per KPI period due (contracts.selectors.returns_due_in_quarter), value and commentary blank."""
    return [[d.kpi.contract.reference, d.kpi.code, d.kpi.name, d.period.label, "", ""] for d in due]


def returns_template_csv(due) -> bytes:
    """CSV in UTF-8 with a BOM, so Excel shows '£' and accented names correctly when it opens it."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(TEMPLATE_HEADINGS)
    writer.writerows(returns_template_rows(due))
    return out.getvalue().encode("utf-8-sig")


def returns_template_xlsx(due, *, title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(TEMPLATE_HEADINGS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for values in returns_template_rows(due):
        sheet.append(values)
    for letter, width in zip("ABCDEF", (20, 12, 45, 14, 12, 50), strict=True):
        sheet.column_dimensions[letter].width = width
    # Periods are text ("2025-26 Q2"); Excel would otherwise guess some are dates.
    for (cell,) in sheet.iter_rows(min_row=2, min_col=4, max_col=4):
        cell.number_format = "@"
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
