"""Read a council's contracts register, as councils publish it under the Local Government Transparency
Code 2015 (every contract over £5,000), from CSV or Excel: one contract a row.

Columns are found by their headings (Salford's "Contract Reference", "Supplier Company Name", "Total
Contract Value (including extensions)", ...), or by a mapping a person chose once for the publisher.
Real registers are untidy: "TBC", "-", "N/A" or "Various" where a fact is not known, "2022-09-31" or
"22/04/222" for a date, an end date a day before the start, "CHA1049226" in the company number
column. The rule:

- a row Golden Thread cannot make a contract of (no title, no supplier, a negative value, a text too
  long to keep) is an **error**: the file is refused, every such row and field named, nothing written;
- a fact the register does not give, or gives in a form that is not a value ("TBC", "2022-09-31"),
  is recorded as **not known**; where the register wrote something that is not a placeholder, a
  **warning** names the row, the field and what it said, so nothing is silently dropped.

This module only reads and checks; contracts.services.open_data writes, all or nothing.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from commissioning.postcodes import normalise_postcode, split_postcode
from contracts.choices import DeclaredSize, ProcurementRoute
from contracts.importers.returns import ImportFileError, heading_key, read_sheet
from contracts.importers.spend import column_mapping, parse_amount_pence, parse_spend_date

# The fields of a register row, as named on the command line (--column FIELD=HEADER) and in messages.
FIELDS: dict[str, str] = {
    "reference": "contract reference",
    "title": "title",
    "description": "description",
    "directorate": "directorate",
    "supplier": "supplier",
    "supplier_postcode": "supplier postcode",
    "company_number": "company number",
    "charity_number": "charity number",
    "sme": "SME flag",
    "vcse": "VCSE flag",
    "annual_value": "annual value",
    "total_value": "total value",
    "irrecoverable_vat": "VAT that cannot be recovered",
    "start_date": "start date",
    "end_date": "end date",
    "current_end_date": "current expiry date",
    "review_date": "review date",
    "extension_months": "months of extension available",
    "procurement_route": "procurement route",
}
REQUIRED_FIELDS = ("title", "supplier")

# Headings each field goes by in published registers, compared in lower case with punctuation as spaces.
HEADINGS: dict[str, tuple[str, ...]] = {
    "reference": (
        "contract reference",
        "contract ref",
        "reference",
        "reference number",
        "contract number",
        "contract no",
        "contract id",
        "ref",
    ),
    "title": ("contract title", "title", "title of agreement", "contract name", "name of contract", "contract"),
    "description": (
        "contract description",
        "description",
        "description of goods and services",
        "description of goods and or services",
        "summary",
    ),
    "directorate": (
        "directorate name",
        "directorate",
        "department",
        "department responsible",
        "local authority department responsible",
        "service area",
        "service",
    ),
    "supplier": (
        "supplier company name",
        "supplier name",
        "supplier",
        "contractor",
        "contractor name",
        "provider",
        "provider name",
        "name of supplier",
    ),
    "supplier_postcode": ("supplier postcode", "supplier post code", "postcode", "post code"),
    "company_number": (
        "company number",
        "companies house number",
        "company registration number",
        "supplier company registration number",
        "registered company number",
        "company reg no",
    ),
    "charity_number": ("charity number", "registered charity number", "charity registration number", "charity no"),
    "sme": ("sme supplier", "sme", "is the supplier an sme", "sme flag", "sme status"),
    "vcse": ("vcse", "vcs", "vcse supplier", "vcs supplier", "voluntary or community sector", "vcse flag"),
    "annual_value": ("annual value", "estimated annual value", "annual contract value", "value per annum"),
    "total_value": (
        "total contract value including extensions",
        "total contract value",
        "total value",
        "contract value",
        "whole life value",
        "value",
    ),
    "irrecoverable_vat": ("vat that cannot be recovered", "irrecoverable vat", "non recoverable vat"),
    "start_date": ("start date", "contract start date", "commencement date"),
    "end_date": ("end date", "contract end date", "initial end date", "expiry date"),
    "current_end_date": ("current expiry date", "current end date", "end date including extensions"),
    "review_date": ("review date", "contract review date"),
    "extension_months": ("option to extend months", "extension period months", "extension months", "extension"),
    "procurement_route": ("process used", "procurement route", "procurement process", "procurement method", "route"),
}
_HEADING_FIELD = {heading: name for name, headings in HEADINGS.items() for heading in headings}

# Text that says a fact is not known: recorded as not known without a warning.
_NOT_KNOWN = {"", "n a", "na", "tbc", "tba", "tbd", "unknown", "not known", "none", "nil", "various", "x", "-"}
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "noo"}

# How registers name their procurement routes; anything else is "Other", with a warning.
_ROUTES = {
    "itt": ProcurementRoute.OPEN,
    "invitation to tender": ProcurementRoute.OPEN,
    "open": ProcurementRoute.OPEN,
    "open tender": ProcurementRoute.OPEN,
    "open procedure": ProcurementRoute.OPEN,
    "restricted": ProcurementRoute.RESTRICTED,
    "restricted procedure": ProcurementRoute.RESTRICTED,
    "competitive dialogue": ProcurementRoute.COMPETITIVE_DIALOGUE,
    "competitive flexible": ProcurementRoute.COMPETITIVE_FLEXIBLE,
    "rfq": ProcurementRoute.BELOW_THRESHOLD,
    "request for quotation": ProcurementRoute.BELOW_THRESHOLD,
    "quotation": ProcurementRoute.BELOW_THRESHOLD,
    "quote": ProcurementRoute.BELOW_THRESHOLD,
    "mini comp": ProcurementRoute.FRAMEWORK,
    "mini competition": ProcurementRoute.FRAMEWORK,
    "direct call off": ProcurementRoute.FRAMEWORK,
    "call off": ProcurementRoute.FRAMEWORK,
    "framework": ProcurementRoute.FRAMEWORK,
    "further competition": ProcurementRoute.FRAMEWORK,
    "cso exception": ProcurementRoute.DIRECT_AWARD,
    "exception": ProcurementRoute.DIRECT_AWARD,
    "waiver": ProcurementRoute.DIRECT_AWARD,
    "direct award": ProcurementRoute.DIRECT_AWARD,
    "single tender action": ProcurementRoute.DIRECT_AWARD,
    "grant": ProcurementRoute.GRANT,
    "dps": ProcurementRoute.DYNAMIC_MARKET,
    "dynamic purchasing system": ProcurementRoute.DYNAMIC_MARKET,
    "other": ProcurementRoute.OTHER,
    # Golden Thread's own labels, as its contracts register export writes them.
    **{heading_key(label): route for route, label in ProcurementRoute.choices},
}

_COMPANY = re.compile(r"^([A-Z]{2}\d{6}|\d{8})$")
# England and Wales (1234567, 1234567-1), Scotland (SC012345) and Northern Ireland (NIC101234).
_CHARITY = re.compile(r"^(\d{6,8}(-\d{1,2})?|SC\d{6}|NIC\d{6})$")
_CHARITY_IN_COMPANY = re.compile(r"^(?:CHA|CHC|RCN)\s*(\d{6,8})$")
_LIMITS = {"reference": 50, "title": 300, "supplier": 300, "directorate": 200}


def columns_mapping(pairs) -> dict[str, str]:
    """A person's column mapping for a register, checked as a spend file's is (ValueError says what is wrong)."""
    return column_mapping(pairs, fields=FIELDS, example="title=Contract Name")


# ---------------------------------------------------------------- checked rows


@dataclass(frozen=True)
class RegisterProblem:
    """A row (None for the file), the field and what is wrong or was recorded as not known."""

    row: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"Row {self.row}" if self.row else "File"
        label = FIELDS.get(self.field, self.field)
        return f"{where}, {label}: {self.message}" if self.field else f"{where}: {self.message}"


@dataclass
class RegisterRow:
    """One register row, checked: what the contract and its provider will be."""

    row: int
    reference: str
    title: str
    description: str
    directorate: str
    supplier: str
    supplier_postcode: str
    company_number: str
    charity_number: str
    declared_size: str
    declared_vcse: bool | None
    annual_value: Decimal | None
    total_value: Decimal | None
    irrecoverable_vat: Decimal | None
    start_date: datetime.date | None
    end_date: datetime.date | None
    extension_months_available: int
    extension_months_taken: int
    review_date: datetime.date | None
    procurement_route: str


@dataclass
class RegisterSheet:
    """A register read and checked: its columns, rows, warnings and errors."""

    columns: dict[str, str]
    unused_headings: list[str]
    headings: list[str]
    rows: list[RegisterRow] = field(default_factory=list)
    errors: list[RegisterProblem] = field(default_factory=list)
    warnings: list[RegisterProblem] = field(default_factory=list)
    not_known: Counter = field(default_factory=Counter)


class RegisterFileError(Exception):
    """The register was refused: every problem found, by row and field. `missing` lists required fields
    whose column could not be recognised (a person maps them), with the file's `headings`."""

    def __init__(self, problems: list[RegisterProblem], *, missing: list[str] | None = None, headings=None):
        self.problems = problems
        self.missing = missing or []
        self.headings = headings or []
        shown = "; ".join(str(p) for p in problems[:3])
        more = len(problems) - 3
        super().__init__(shown + (f" (and {more} more)" if more > 0 else ""))

    @property
    def messages(self) -> list[str]:
        return [str(p) for p in self.problems]


def _is_not_known(text: str) -> bool:
    return heading_key(text) in _NOT_KNOWN or text.strip() in _NOT_KNOWN


def read_register(*, content: bytes, filename: str, mapping: dict[str, str] | None = None) -> RegisterSheet:
    """Read and check a contracts register. Raises RegisterFileError when the file cannot be read, a
    required column is missing, or any row has an error; warnings do not stop it."""
    mapping = mapping or {}
    wanted = {heading_key(heading): name for name, heading in mapping.items()}

    def field_of_heading(heading: str) -> str | None:
        key = heading_key(heading)
        if key in wanted:
            return wanted[key]
        name = _HEADING_FIELD.get(key)
        return None if name in mapping else name  # a mapped field is read only from its mapped heading

    try:
        sheet = read_sheet(
            content=content, filename=filename, field_of_heading=field_of_heading, describe=lambda n: FIELDS[n]
        )
    except ImportFileError as exc:
        raise RegisterFileError([RegisterProblem(None, "", m) for m in exc.messages]) from exc
    headings = [h.replace("ï»¿", "").replace("\ufeff", "").strip() for h in sheet.headings]
    problems = [RegisterProblem(None, "", message) for message in sheet.problems]
    for name, heading in mapping.items():
        if heading_key(heading) not in {heading_key(h) for h in headings}:
            problems.append(
                RegisterProblem(
                    None, name, f"there is no column headed '{heading}' (the headings are: {', '.join(headings)})"
                )
            )
    missing = [name for name in REQUIRED_FIELDS if name not in sheet.columns]
    if missing:
        names = " and ".join(FIELDS[m] for m in missing)
        problems.append(
            RegisterProblem(
                None,
                "",
                f"no column recognised for the {names}; the headings are: {', '.join(h for h in headings if h)}. "
                "Say which heading holds each (--column FIELD=HEADER, or on the upload page).",
            )
        )
    if problems:
        raise RegisterFileError(problems, missing=missing, headings=headings)
    try:
        sheet.check()
    except ImportFileError as exc:
        raise RegisterFileError([RegisterProblem(None, "", m) for m in exc.messages]) from exc

    used = set(sheet.columns.values())
    result = RegisterSheet(
        columns={name: headings[i] for name, i in sheet.columns.items()},
        unused_headings=[h for i, h in enumerate(headings) if h and i not in used],
        headings=headings,
    )
    for number, cells in sheet.data:
        row = _check_row(number, {name: sheet.cell(cells, name) for name in sheet.columns}, result)
        if row is not None:
            result.rows.append(row)
    if not result.rows and not result.errors:
        result.errors.append(RegisterProblem(None, "", "the file has headings but no contracts below them"))
    if result.errors:
        raise RegisterFileError(result.errors)
    return result


def _check_row(number: int, cells: dict[str, str], sheet: RegisterSheet) -> RegisterRow | None:
    errors_before = len(sheet.errors)

    def error(name: str, message: str) -> None:
        sheet.errors.append(RegisterProblem(number, name, message))

    def warn(name: str, message: str) -> None:
        sheet.warnings.append(RegisterProblem(number, name, message))

    def text(name: str) -> str:
        value = " ".join(cells.get(name, "").split())
        limit = _LIMITS.get(name)
        if limit and len(value) > limit:
            error(name, f"is longer than {limit} characters")
        return value

    reference = text("reference")
    if _is_not_known(reference):
        reference = ""
    title = text("title")
    if not title:
        error("title", "is blank: every contract needs a title")
    supplier = text("supplier")
    if not supplier:
        error("supplier", "is blank: every contract needs a supplier")

    def money(name: str) -> Decimal | None:
        raw = cells.get(name, "").strip()
        if _is_not_known(raw):
            if name in cells:
                sheet.not_known[name] += 1
            return None
        pence = parse_amount_pence(raw)
        if pence is None:
            warn(name, f"'{raw}' is not an amount of money: recorded as not known")
            sheet.not_known[name] += 1
            return None
        if pence < 0:
            error(name, f"'{raw}' is negative: a contract's value cannot be")
            return None
        return Decimal(pence) / 100

    def date(name: str) -> datetime.date | None:
        raw = cells.get(name, "").strip()
        if _is_not_known(raw):
            if name in cells:
                sheet.not_known[name] += 1
            return None
        value = parse_spend_date(raw)
        if value is None:
            warn(name, f"'{raw}' is not a date: recorded as not known")
            sheet.not_known[name] += 1
        return value

    def months(name: str) -> int:
        raw = cells.get(name, "").strip()
        if _is_not_known(raw):
            return 0
        if not re.fullmatch(r"\d+(\.0+)?", raw):
            warn(name, f"'{raw}' is not a number of months: recorded as none")
            return 0
        return int(Decimal(raw))

    annual_value, total_value = money("annual_value"), money("total_value")
    irrecoverable_vat = money("irrecoverable_vat")
    start_date, end_date = date("start_date"), date("end_date")
    current_end_date, review_date = date("current_end_date"), date("review_date")
    if start_date and end_date and end_date < start_date:
        warn(
            "end_date",
            f"{end_date:%-d %B %Y} is before the start date, {start_date:%-d %B %Y}: the end date is recorded as "
            "not known",
        )
        end_date = None
    if end_date is None and current_end_date and not cells.get("end_date", "").strip() and "end_date" in cells:
        end_date = current_end_date  # no initial end date given: the expiry is the end of the term as it stands
    if start_date and end_date is None and current_end_date and current_end_date < start_date:
        current_end_date = None

    available = months("extension_months")
    taken = 0
    if end_date and current_end_date and current_end_date != end_date:
        if current_end_date < end_date:
            warn(
                "current_end_date",
                f"{current_end_date:%-d %B %Y} is before the end date, {end_date:%-d %B %Y}: no extension recorded",
            )
        else:
            gap = relativedelta(current_end_date, end_date)
            taken = gap.years * 12 + gap.months + (1 if gap.days else 0)
            if gap.days:
                warn(
                    "current_end_date",
                    f"{current_end_date:%-d %B %Y} is not a whole number of months after the end date: recorded "
                    f"as {taken} months' extension, to {end_date + relativedelta(months=taken):%-d %B %Y}",
                )
    if taken > available:
        if available:
            warn(
                "extension_months",
                f"the register gives {available} months of extension but the current expiry date is {taken} months "
                f"after the end date: {taken} months recorded as available and taken",
            )
        available = taken

    company_raw = cells.get("company_number", "").strip()
    company, charity = "", ""
    if company_raw and not _is_not_known(company_raw):
        candidate = re.sub(r"\s+", "", company_raw).upper()
        if candidate.isdigit() and len(candidate) < 8:
            candidate = candidate.zfill(8)
        if _COMPANY.match(candidate):
            company = candidate
        elif m := _CHARITY_IN_COMPANY.match(candidate):
            charity = m[1]
        else:
            warn("company_number", f"'{company_raw}' is not a Companies House number: not recorded")
    charity_raw = cells.get("charity_number", "").strip()
    if charity_raw and not _is_not_known(charity_raw):
        candidate = charity_raw.replace(" ", "").upper()
        if _CHARITY.match(candidate):
            charity = candidate
        else:
            warn("charity_number", f"'{charity_raw}' is not a registered charity number: not recorded")

    postcode_raw = cells.get("supplier_postcode", "").strip()
    postcode = ""
    if postcode_raw and not _is_not_known(postcode_raw):
        if split_postcode(postcode_raw) is None:
            warn("supplier_postcode", f"'{postcode_raw}' is not a UK postcode: not recorded")
        else:
            postcode = normalise_postcode(postcode_raw)

    def flag(name: str) -> bool | None:
        raw = heading_key(cells.get(name, ""))
        if raw in _YES:
            return True
        if raw in _NO:
            return False
        if raw and raw not in _NOT_KNOWN:
            warn(name, f"'{cells[name].strip()}' is not Yes or No: recorded as not known")
        return None

    sme = flag("sme")
    declared_size = {True: DeclaredSize.SME, False: DeclaredSize.LARGE}.get(sme, DeclaredSize.NONE)

    route_raw = cells.get("procurement_route", "").strip()
    route = ProcurementRoute.OTHER
    if route_raw:
        route = _ROUTES.get(heading_key(route_raw))
        if route is None:
            warn(
                "procurement_route", f"'{route_raw}' is not a procurement route Golden Thread knows: recorded as Other"
            )
            route = ProcurementRoute.OTHER

    if len(sheet.errors) > errors_before:
        return None
    return RegisterRow(
        row=number,
        reference=reference,
        title=title,
        description=cells.get("description", "").strip(),
        directorate=text("directorate"),
        supplier=supplier,
        supplier_postcode=postcode,
        company_number=company,
        charity_number=charity,
        declared_size=declared_size,
        declared_vcse=flag("vcse") if "vcse" in cells else None,
        annual_value=annual_value,
        total_value=total_value,
        irrecoverable_vat=irrecoverable_vat,
        start_date=start_date,
        end_date=end_date,
        extension_months_available=available,
        extension_months_taken=taken,
        review_date=review_date,
        procurement_route=route,
    )
