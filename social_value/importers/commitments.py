"""Read providers' social value plans (commitments) and quarterly delivery returns from CSV
(UTF-8, with or without a BOM, or Windows cp1252) or Excel (.xlsx, first sheet), one a row.

A file holds either commitments or delivery returns, told apart by its headings (a commitments
file has `committed_on`, a returns file `period_start` and `period_end`), or as the user says.
Headings are matched without regard to case, spaces or underscores ("Contract reference",
"contract_reference", "CONTRACTREFERENCE").

- Commitments: contract_reference, measure_code, quantity, basis (total or per year; blank is
  total), committed_on, and optionally start_date, due_date, notes.
- Delivery returns: contract_reference, measure_code, period_start, period_end, quantity,
  evidence_note, and optionally status (submitted or verified) and commitment_id (needed when
  the contract has more than one commitment of the measure).

Dates are ISO (2025-04-01) or day first (01/04/2025); quantities are decimals, with commas as
thousands separators if you like. This module only reads and checks the values of each row,
naming the row (as the spreadsheet shows it: the headings are row 1) and the field of every
problem; what needs the database (contracts, measures, the directorate rule, duplicates) and
the writing is social_value.services.imports'.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal

# The KPI returns importer's readers are generic (encoding, delimiter, Excel cells as typed).
from contracts.importers.returns import (
    ImportFileError,
    RowError,
    heading_key,
    read_sheet,
)
from contracts.importers.spend import parse_spend_date
from social_value.models import CommitmentBasis, DeliveryStatus

COMMITMENTS, RETURNS = "commitments", "returns"
KIND_LABELS = {COMMITMENTS: "commitments", RETURNS: "delivery returns"}

# Each field and the headings that name it (compared in lower case, without spaces or punctuation).
HEADINGS: dict[str, tuple[str, ...]] = {
    "contract_reference": ("contract reference", "contract ref", "contract"),
    "measure_code": ("measure code", "measure"),
    "quantity": ("quantity",),
    "basis": ("basis",),
    "committed_on": ("committed on",),
    "start_date": ("start date",),
    "due_date": ("due date",),
    "notes": ("notes",),
    "period_start": ("period start",),
    "period_end": ("period end",),
    "evidence_note": ("evidence note", "evidence"),
    "status": ("status",),
    "commitment_id": ("commitment id",),
}
REQUIRED = {
    COMMITMENTS: ("contract_reference", "measure_code", "quantity", "committed_on"),
    RETURNS: ("contract_reference", "measure_code", "period_start", "period_end", "quantity", "evidence_note"),
}
OPTIONAL = {
    COMMITMENTS: ("basis", "start_date", "due_date", "notes"),
    RETURNS: ("status", "commitment_id"),
}
# The order fields are reported in within a row.
FIELD_ORDER = tuple(HEADINGS)

# What goes in the templates (social_value.views.imports): the headings and one example row.
TEMPLATES: dict[str, tuple[list[str], list[str]]] = {
    COMMITMENTS: (
        [*REQUIRED[COMMITMENTS][:3], "basis", "committed_on", "start_date", "due_date", "notes"],
        ["KCC-00001", "SV2.1.2", "4", "per year", "01/04/2025", "", "", "Apprenticeships from the tender response"],
    ),
    RETURNS: (
        [*REQUIRED[RETURNS], "status", "commitment_id"],
        ["KCC-00001", "SV2.1.2", "01/04/2025", "30/06/2025", "2", "Two apprentices started: contracts seen", "", ""],
    ),
}


def _key(text: str) -> str:
    return heading_key(text).replace(" ", "")


_FIELD_OF_HEADING = {_key(heading): name for name, headings in HEADINGS.items() for heading in headings}


@dataclass
class CommitmentRow:
    """A commitment as the file gives it; a field it gets wrong is None (and named in `errors`)."""

    row: int
    contract_reference: str
    measure_code: str
    quantity: Decimal | None
    basis: str | None
    committed_on: datetime.date | None
    start_date: datetime.date | None = None
    due_date: datetime.date | None = None
    notes: str = ""


@dataclass
class ReturnRow:
    """A delivery return as the file gives it; a field it gets wrong is None (and named in `errors`)."""

    row: int
    contract_reference: str
    measure_code: str
    period_start: datetime.date | None
    period_end: datetime.date | None
    quantity: Decimal | None
    evidence_note: str
    status: str | None = DeliveryStatus.SUBMITTED
    commitment_id: int | None = None


@dataclass
class ParsedFile:
    """A file's rows, typed, and every problem found in their values."""

    kind: str
    rows: list[CommitmentRow | ReturnRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def bad_rows(self) -> set[int]:
        return {error.row for error in self.errors if error.row is not None}


# --- The values -----------------------------------------------------------------------------------

# Commas only as thousands separators ("1,250.5"), so "1,2" is not silently read as 12.
_QUANTITY = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?$|^\.(\d+)$")
_MAX_WHOLE_DIGITS = 12  # the models' quantities: 14 digits, 2 after the point


def parse_quantity(text: str, *, positive: bool = False) -> Decimal:
    """A quantity as typed: "4", "12.5", "1,250". Never negative, at most 2 decimal places;
    `positive` refuses 0 too. Raises ValueError saying what is wrong."""
    raw = (text or "").strip()
    if not raw:
        raise ValueError("the quantity is missing.")
    cleaned = raw.replace("\u00a0", "").replace(" ", "").replace("£", "").replace("\u2212", "-")
    if cleaned.startswith("-") or (cleaned.startswith("(") and cleaned.endswith(")")):
        raise ValueError(f"'{raw}' is negative: a quantity must be 0 or more.")
    cleaned = cleaned.removeprefix("+")
    match = _QUANTITY.match(cleaned)
    if not match:
        raise ValueError(f"'{raw}' is not a number: write it like 4, 12.5 or 1,250.")
    places = match[1] or match[2] or ""
    value = Decimal(cleaned.replace(",", ""))
    if len(places.rstrip("0")) > 2:
        raise ValueError(f"'{raw}' has more than 2 decimal places.")
    if value >= 10**_MAX_WHOLE_DIGITS:
        raise ValueError(f"'{raw}' is too large.")
    if positive and value == 0:
        raise ValueError("a commitment must be for more than 0.")
    return value.quantize(Decimal("0.01"))


def parse_date(text: str, *, required: bool = True) -> datetime.date | None:
    """A date as 2025-04-01 or 01/04/2025 (day first, as in the UK). Blank is None when not
    required. Raises ValueError saying what is wrong."""
    raw = (text or "").strip()
    if not raw:
        if required:
            raise ValueError("the date is missing.")
        return None
    day = parse_spend_date(raw)
    if day is None:
        raise ValueError(f"'{raw}' is not a date: write it as 2025-04-01 or 01/04/2025.")
    return day


_BASES = {
    "": CommitmentBasis.BY_DATE,
    "total": CommitmentBasis.BY_DATE,
    "in total": CommitmentBasis.BY_DATE,
    "by date": CommitmentBasis.BY_DATE,
    "per year": CommitmentBasis.PER_CONTRACT_YEAR,
    "per contract year": CommitmentBasis.PER_CONTRACT_YEAR,
    "each year": CommitmentBasis.PER_CONTRACT_YEAR,
    "each contract year": CommitmentBasis.PER_CONTRACT_YEAR,
    "per annum": CommitmentBasis.PER_CONTRACT_YEAR,
    "yearly": CommitmentBasis.PER_CONTRACT_YEAR,
    "annual": CommitmentBasis.PER_CONTRACT_YEAR,
}


def parse_basis(text: str) -> str:
    """'total' (or blank) for a commitment in total by its due date; 'per year' for each contract year."""
    basis = _BASES.get(heading_key(text))
    if basis is None:
        raise ValueError(f"'{text.strip()}' is not a basis: write 'total' or 'per year' (blank means total).")
    return basis


def parse_status(text: str) -> str:
    """A return is imported submitted (the default) or, by someone who may verify it, verified."""
    status = {"": DeliveryStatus.SUBMITTED, "submitted": DeliveryStatus.SUBMITTED}.get(heading_key(text))
    if status is None and heading_key(text) == "verified":
        status = DeliveryStatus.VERIFIED
    if status is None:
        raise ValueError(f"'{text.strip()}' is not a status: write 'submitted' or 'verified' (blank means submitted).")
    return status


def parse_commitment_id(text: str) -> int | None:
    raw = (text or "").strip()
    if not raw:
        return None
    cleaned = raw.removesuffix(".0")  # Excel keeps whole numbers as floats
    if not cleaned.isdigit():
        raise ValueError(f"'{raw}' is not a commitment id: give the number shown on the commitment.")
    return int(cleaned)


# --- The file -------------------------------------------------------------------------------------


def _detect_kind(found: set[str]) -> str | None:
    commitments = "committed_on" in found
    returns = "period_start" in found or "period_end" in found
    if commitments == returns:
        return None
    return COMMITMENTS if commitments else RETURNS


def read_social_value_file(*, content: bytes, file_name: str, kind: str | None = None) -> ParsedFile:
    """The rows of a commitments or returns file, typed and checked value by value.

    Raises ImportFileError when the file cannot be read as either (wrong type, too big, no
    headings, a required column missing, the kind not told by the headings).
    """
    if kind is not None and kind not in KIND_LABELS:
        raise ImportFileError([f"'{kind}' is not a kind of file: choose commitments or returns."])
    sheet = read_sheet(
        content=content,
        filename=file_name,
        field_of_heading=lambda heading: _FIELD_OF_HEADING.get(_key(heading)),
        describe=lambda name: name,
    )
    kind = kind or _detect_kind(set(sheet.columns))
    if kind is None:
        sheet.problems.append(
            f"Row {sheet.heading_row}: the headings do not say whether the file holds commitments (with a committed_on "
            "column) or delivery returns (with period_start and period_end columns): correct them or choose the kind."
        )
    else:
        for name in REQUIRED[kind]:
            if name not in sheet.columns:
                sheet.problems.append(
                    f"Row {sheet.heading_row}: there is no {name} column, which a file of {KIND_LABELS[kind]} needs."
                )
    sheet.check()

    parsed = ParsedFile(kind=kind)
    read_row = _commitment_row if kind == COMMITMENTS else _return_row
    for number, cells in sheet.data:

        def cell(name: str, cells=cells) -> str:
            return sheet.cell(cells, name)

        parsed.rows.append(read_row(number, cell, parsed.errors))
    return parsed


class _Row:
    """Collects a row's problems while its values are parsed."""

    def __init__(self, number: int, cell, errors: list[RowError]):
        self.number, self.cell, self.errors = number, cell, errors

    def text(self, name: str, *, required: bool = False, what: str = "") -> str:
        value = self.cell(name)
        if required and not value:
            self.errors.append(RowError(self.number, name, f"the {what or name.replace('_', ' ')} is missing."))
        return value

    def value(self, name: str, parse, **kwargs):
        try:
            return parse(self.cell(name), **kwargs)
        except ValueError as exc:
            self.errors.append(RowError(self.number, name, str(exc)))
            return None


def _commitment_row(number: int, cell, errors: list[RowError]) -> CommitmentRow:
    r = _Row(number, cell, errors)
    row = CommitmentRow(
        row=number,
        contract_reference=r.text("contract_reference", required=True),
        measure_code=r.text("measure_code", required=True),
        quantity=r.value("quantity", parse_quantity, positive=True),
        basis=r.value("basis", parse_basis),
        committed_on=r.value("committed_on", parse_date),
        start_date=r.value("start_date", parse_date, required=False),
        due_date=r.value("due_date", parse_date, required=False),
        notes=r.text("notes"),
    )
    if row.start_date and row.due_date and row.due_date <= row.start_date:
        errors.append(RowError(number, "due_date", f"{row.due_date:%d/%m/%Y} is not after the start date."))
    return row


def _return_row(number: int, cell, errors: list[RowError]) -> ReturnRow:
    r = _Row(number, cell, errors)
    row = ReturnRow(
        row=number,
        contract_reference=r.text("contract_reference", required=True),
        measure_code=r.text("measure_code", required=True),
        period_start=r.value("period_start", parse_date),
        period_end=r.value("period_end", parse_date),
        quantity=r.value("quantity", parse_quantity),
        evidence_note=r.text("evidence_note", required=True, what="evidence (what shows it was delivered)"),
        status=r.value("status", parse_status),
        commitment_id=r.value("commitment_id", parse_commitment_id),
    )
    if row.period_start and row.period_end and row.period_end < row.period_start:
        errors.append(
            RowError(
                number,
                "period_end",
                f"{row.period_end:%d/%m/%Y} is before the period start ({row.period_start:%d/%m/%Y}).",
            )
        )
    return row


def template_csv(kind: str) -> bytes:
    """The headings of a file of this kind and one example row, as CSV in UTF-8 with a BOM (so
    Excel shows accented names correctly when it opens it)."""
    headings, example = TEMPLATES[kind]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headings)
    writer.writerow(example)
    return out.getvalue().encode("utf-8-sig")
