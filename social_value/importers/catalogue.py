"""Read a social value measures catalogue: the default one (social_value/data/default_catalogue.csv)
or a council's own, for example a National TOMs catalogue under the council's own licence.

The file is CSV (UTF-8, with or without a byte-order mark, or Windows cp1252 as Excel saves "CSV"
on a UK PC) or an Excel workbook (.xlsx, first sheet), with a row of headings then one row per
measure and proxy version:

    theme_code, theme, theme_source, outcome_code, outcome, measure_code, measure, unit,
    council_area, supporting_outcomes, description, proxy_value, proxy_source, proxy_year,
    proxy_valid_from

A measure may appear on several rows, one for each version of its proxy value; a measure without
a proxy value has one row with the four proxy columns blank. A proxy value is recorded only where
a public source is cited (issue 5), so a row giving a value needs its source, year and the day it
applies from. `supporting_outcomes` lists codes of the default outcomes framework separated by ";".

This module only reads and checks: every problem is named by its row (as a spreadsheet numbers
it, the headings being row 1) and its column. social_value.services.catalogue writes.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from contracts.importers.returns import (
    ALLOWED_EXTENSIONS,
    MAX_FILE_BYTES,
    ImportFileError,
    csv_rows,
    heading_key,
    xlsx_rows,
)
from social_value.models import CouncilArea, MeasureUnit

MAX_ROWS = 5000

COLUMNS = (
    "theme_code",
    "theme",
    "theme_source",
    "outcome_code",
    "outcome",
    "measure_code",
    "measure",
    "unit",
    "council_area",
    "supporting_outcomes",
    "description",
    "proxy_value",
    "proxy_source",
    "proxy_year",
    "proxy_valid_from",
)
REQUIRED_COLUMNS = ("theme_code", "theme", "outcome_code", "outcome", "measure_code", "measure", "unit")
PROXY_COLUMNS = ("proxy_value", "proxy_source", "proxy_year", "proxy_valid_from")

# Lengths of the catalogue's fields (social_value.models), checked here so that a long cell is
# reported by its row and column rather than failing when it is saved.
MAX_LENGTHS = {
    "theme_code": 20,
    "theme": 200,
    "theme_source": 500,
    "outcome_code": 20,
    "outcome": 300,
    "measure_code": 20,
    "measure": 300,
    "proxy_source": 500,
}

# Units as catalogues write them, lower case; the model's values and labels are added below.
UNIT_SPELLINGS: dict[str, str] = {
    "£": MeasureUnit.POUNDS,
    "gbp": MeasureUnit.POUNDS,
    "pound": MeasureUnit.POUNDS,
    "pounds": MeasureUnit.POUNDS,
    "£s": MeasureUnit.POUNDS,
    "people": MeasureUnit.PEOPLE,
    "person": MeasureUnit.PEOPLE,
    "persons": MeasureUnit.PEOPLE,
    "no. people": MeasureUnit.PEOPLE,
    "no people": MeasureUnit.PEOPLE,
    "number of people": MeasureUnit.PEOPLE,
    "fte": MeasureUnit.PEOPLE,
    "headcount": MeasureUnit.PEOPLE,
    "hours": MeasureUnit.HOURS,
    "hour": MeasureUnit.HOURS,
    "hrs": MeasureUnit.HOURS,
    "hr": MeasureUnit.HOURS,
    "weeks": MeasureUnit.WEEKS,
    "week": MeasureUnit.WEEKS,
    "wks": MeasureUnit.WEEKS,
    "tco2e": MeasureUnit.TONNES_CO2E,
    "t co2e": MeasureUnit.TONNES_CO2E,
    "tonnes co2e": MeasureUnit.TONNES_CO2E,
    "tonnes_co2e": MeasureUnit.TONNES_CO2E,
    "tonnes of co2e": MeasureUnit.TONNES_CO2E,
    "tonnes": MeasureUnit.TONNES,
    "tonne": MeasureUnit.TONNES,
    "wellbys": MeasureUnit.WELLBYS,
    "wellby": MeasureUnit.WELLBYS,
    "number": MeasureUnit.NUMBER,
    "no.": MeasureUnit.NUMBER,
    "no": MeasureUnit.NUMBER,
    "count": MeasureUnit.NUMBER,
    "%": MeasureUnit.PERCENT,
    "percent": MeasureUnit.PERCENT,
    "percentage": MeasureUnit.PERCENT,
    "organisations": MeasureUnit.ORGANISATIONS,
    "organisation": MeasureUnit.ORGANISATIONS,
    "organizations": MeasureUnit.ORGANISATIONS,
    "orgs": MeasureUnit.ORGANISATIONS,
}
for _unit in MeasureUnit:
    UNIT_SPELLINGS.setdefault(_unit.value, _unit.value)
    UNIT_SPELLINGS.setdefault(str(_unit.label).lower(), _unit.value)
UNIT_HINT = "people, hours, weeks, £, tonnes CO2e, tonnes, organisations, %, WELLBYs or number"

AREA_SPELLINGS: dict[str, str] = {}
for _area in CouncilArea:
    AREA_SPELLINGS[_area.value] = _area.value
    AREA_SPELLINGS[str(_area.label).lower()] = _area.value
AREA_HINT = ", ".join(f"'{a.value}' ({a.label})" for a in CouncilArea)

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d %b %Y", "%d %B %Y", "%d-%b-%Y")


class CatalogueFileError(Exception):
    """The file cannot be read as a catalogue at all (wrong type, unreadable, missing headings)."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class CatalogueError:
    """One problem, by row (None for the whole file) and column."""

    row: int | None
    field: str
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message[:1].upper() + self.message[1:]
        return f"Row {self.row}, {self.field}: {self.message}"


@dataclass(frozen=True)
class ProxyRow:
    value: Decimal
    source: str
    year: int
    valid_from: datetime.date


@dataclass(frozen=True)
class CatalogueRow:
    """One checked row: a measure, its place in the catalogue and (optionally) one proxy version."""

    row: int
    theme_code: str
    theme: str
    theme_source: str
    outcome_code: str
    outcome: str
    measure_code: str
    measure: str
    unit: str
    council_area: str
    supporting_outcomes: tuple[str, ...]
    description: str
    proxy: ProxyRow | None


@dataclass
class CatalogueRead:
    """The rows of a file, checked: every row that is right, and every problem found."""

    rows: list[CatalogueRow] = field(default_factory=list)
    errors: list[CatalogueError] = field(default_factory=list)


# --------------------------------------------------------------------------- reading the file


def _rows(content: bytes, extension: str) -> list[tuple[int, list[str]]]:
    """The shared spreadsheet readers (contracts.importers.returns), with their problems as ours."""
    try:
        return csv_rows(content) if extension == ".csv" else xlsx_rows(content)
    except ImportFileError as exc:
        raise CatalogueFileError(exc.messages) from exc


def _heading_key(text: str) -> str:
    return heading_key(text).replace(" ", "_")


def read_catalogue_file(*, content: bytes, file_name: str) -> list[tuple[int, dict[str, str]]]:
    """The file's rows as text by column, with their row numbers. Raises CatalogueFileError."""
    extension = Path(file_name or "").suffix.lower()
    if extension not in ALLOWED_EXTENSIONS:
        raise CatalogueFileError(["The file must be a CSV file (.csv) or an Excel workbook (.xlsx)."])
    if len(content) > MAX_FILE_BYTES:
        raise CatalogueFileError(["The file must be smaller than 5 MB."])
    raw = _rows(content, extension)
    raw = [(number, cells) for number, cells in raw if any(cells)]
    if not raw:
        raise CatalogueFileError(["The file is empty."])
    (heading_row, headings), data = raw[0], raw[1:]
    columns: dict[str, int] = {}
    problems = []
    for index, heading in enumerate(headings):
        key = _heading_key(heading)
        if key not in COLUMNS:
            continue  # other columns (a council's own notes) are ignored
        if key in columns:
            problems.append(f"Row {heading_row}: two columns are headed '{key}': keep one.")
            continue
        columns[key] = index
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        problems.append(
            f"Row {heading_row}: the headings {', '.join(missing)} are missing. The columns are: {', '.join(COLUMNS)}."
        )
    if problems:
        raise CatalogueFileError(problems)
    if not data:
        raise CatalogueFileError(["The file has headings but no measures."])
    if len(data) > MAX_ROWS:
        raise CatalogueFileError([f"The file has {len(data):,} rows: a catalogue has at most {MAX_ROWS:,}."])

    def cell(cells: list[str], column: str) -> str:
        index = columns.get(column)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    return [(number, {column: cell(cells, column) for column in COLUMNS}) for number, cells in data]


# --------------------------------------------------------------------------- checking the rows


def parse_unit(text: str) -> str:
    """A unit as catalogues write it ("hrs", "tonnes CO2e", "£") as a MeasureUnit value. Raises ValueError."""
    key = " ".join((text or "").lower().split())
    if key in UNIT_SPELLINGS:
        return UNIT_SPELLINGS[key]
    raise ValueError(f"'{text}' is not a unit; use one of {UNIT_HINT}.")


def parse_area(text: str) -> str:
    """A council area by its value or label, or blank. Raises ValueError."""
    key = " ".join((text or "").lower().split())
    if not key:
        return ""
    if key in AREA_SPELLINGS:
        return AREA_SPELLINGS[key]
    raise ValueError(f"'{text}' is not one of the council's areas; use {AREA_HINT}, or leave it blank.")


def parse_money(text: str) -> Decimal:
    """A proxy value in £ ("8.72", "£1,000"), above zero, to at most a penny. Raises ValueError."""
    cleaned = text.replace("£", "").replace(",", "").replace("\u00a0", "").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"'{text}' is not an amount in pounds; write it like 8.72 or 1,000.00.") from None
    if not value.is_finite() or value <= 0:
        raise ValueError(f"'{text}' must be more than £0.")
    if value.as_tuple().exponent < -2:
        raise ValueError(f"'{text}' has more than two decimal places; give it to the penny.")
    if value >= Decimal("1e12"):
        raise ValueError(f"'{text}' is too large.")
    return value.quantize(Decimal("0.01"))


def parse_year(text: str) -> int:
    try:
        year = int(Decimal(text.strip()))
    except (InvalidOperation, ValueError):
        raise ValueError(f"'{text}' is not a year; write it like 2024.") from None
    if not 1900 <= year <= 2200 or Decimal(text.strip()) != year:
        raise ValueError(f"'{text}' is not a year; write it like 2024.")
    return year


def parse_date(text: str) -> datetime.date:
    value = text.strip()
    for pattern in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"'{text}' is not a date; write it like 2024-04-01 or 01/04/2024.")


def parse_codes(text: str) -> tuple[str, ...]:
    """Supporting outcome codes, separated by ";" (or ","), each once, in the order given."""
    seen: dict[str, None] = {}
    for part in re.split(r"[;,]", text or ""):
        code = part.strip()
        if code:
            seen[code] = None
    return tuple(seen)


def _check_row(number: int, cells: dict[str, str], known_outcomes: Collection[str]) -> tuple[CatalogueRow | None, list]:
    errors: list[CatalogueError] = []
    for column in REQUIRED_COLUMNS:
        if not cells[column]:
            errors.append(CatalogueError(number, column, "this is missing."))
    for column, limit in MAX_LENGTHS.items():
        if len(cells[column]) > limit:
            errors.append(CatalogueError(number, column, f"this is {len(cells[column])} characters; at most {limit}."))

    unit = ""
    if cells["unit"]:
        try:
            unit = parse_unit(cells["unit"])
        except ValueError as exc:
            errors.append(CatalogueError(number, "unit", str(exc)))
    area = ""
    try:
        area = parse_area(cells["council_area"])
    except ValueError as exc:
        errors.append(CatalogueError(number, "council_area", str(exc)))

    codes = parse_codes(cells["supporting_outcomes"])
    unknown = [code for code in codes if code not in known_outcomes]
    if unknown:
        listed = ", ".join(sorted(known_outcomes, key=_code_key)) or "none: load the outcomes framework first"
        named = ", ".join(f"'{code}'" for code in unknown)
        verb = "is not a supporting outcome" if len(unknown) == 1 else "are not supporting outcomes"
        errors.append(
            CatalogueError(
                number,
                "supporting_outcomes",
                f"{named} {verb} of the council's framework (its supporting outcomes: {listed}).",
            )
        )

    proxy = None
    given = [column for column in PROXY_COLUMNS if cells[column]]
    if given:
        parsed: dict[str, object] = {}
        for column in PROXY_COLUMNS:
            if cells[column]:
                continue
            if column == "proxy_source":
                message = "a proxy value needs the public source it comes from; give the source, or no proxy value."
            else:
                message = "this is missing: a proxy value needs its value, source, year and the day it applies from."
            errors.append(CatalogueError(number, column, message))
        parsers = {"proxy_value": parse_money, "proxy_year": parse_year, "proxy_valid_from": parse_date}
        for column, parse in parsers.items():
            if cells[column]:
                try:
                    parsed[column] = parse(cells[column])
                except ValueError as exc:
                    errors.append(CatalogueError(number, column, str(exc)))
        if not errors:
            proxy = ProxyRow(
                value=parsed["proxy_value"],
                source=cells["proxy_source"],
                year=parsed["proxy_year"],
                valid_from=parsed["proxy_valid_from"],
            )
    if errors:
        return None, errors
    row = CatalogueRow(
        row=number,
        theme_code=cells["theme_code"],
        theme=cells["theme"],
        theme_source=cells["theme_source"],
        outcome_code=cells["outcome_code"],
        outcome=cells["outcome"],
        measure_code=cells["measure_code"],
        measure=cells["measure"],
        unit=unit,
        council_area=area,
        supporting_outcomes=codes,
        description=cells["description"],
        proxy=proxy,
    )
    return row, []


def _code_key(code: str) -> tuple:
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", code))


# What the repeated rows of one theme, outcome or measure must agree on: (column, value of a row).
_THEME_FIELDS = (("theme", lambda r: r.theme), ("theme_source", lambda r: r.theme_source))
_OUTCOME_FIELDS = (("outcome", lambda r: r.outcome), ("theme_code", lambda r: r.theme_code))
_MEASURE_FIELDS = (
    ("outcome_code", lambda r: r.outcome_code),
    ("measure", lambda r: r.measure),
    ("unit", lambda r: r.unit),
    ("council_area", lambda r: r.council_area),
    ("supporting_outcomes", lambda r: frozenset(r.supporting_outcomes)),
    ("description", lambda r: r.description),
)


def _shown(value) -> str:
    if isinstance(value, frozenset):
        return ";".join(sorted(value, key=_code_key)) or "(none)"
    return value or "(blank)"


def _agree(rows: list[CatalogueRow], key, fields, what: str, errors: list[CatalogueError]) -> None:
    """Every row of the same theme/outcome/measure gives the same values as its first row."""
    first: dict[str, CatalogueRow] = {}
    for row in rows:
        code = key(row)
        if code not in first:
            first[code] = row
            continue
        base = first[code]
        for column, value in fields:
            if value(row) != value(base):
                errors.append(
                    CatalogueError(
                        row.row,
                        column,
                        f"{what} {code} has '{_shown(value(row))}' here but '{_shown(value(base))}' in row "
                        f"{base.row}; the rows of one {what} must agree.",
                    )
                )


def check_catalogue_rows(rows: list[tuple[int, dict[str, str]]], *, known_outcomes: Collection[str]) -> CatalogueRead:
    """Check every row on its own, then that the rows agree with each other: a theme's, an
    outcome's and a measure's repeated rows give the same values; a measure's proxy versions start
    on different days; and a measure either has proxy values on every row or on none."""
    read = CatalogueRead()
    for number, cells in rows:
        row, errors = _check_row(number, cells, known_outcomes)
        read.errors.extend(errors)
        if row is not None:
            read.rows.append(row)
    checked = read.rows
    _agree(checked, lambda r: r.theme_code, _THEME_FIELDS, "theme", read.errors)
    _agree(checked, lambda r: r.outcome_code, _OUTCOME_FIELDS, "outcome", read.errors)
    _agree(checked, lambda r: r.measure_code, _MEASURE_FIELDS, "measure", read.errors)

    by_measure: dict[str, list[CatalogueRow]] = {}
    for row in checked:
        by_measure.setdefault(row.measure_code, []).append(row)
    for code, measure_rows in by_measure.items():
        with_proxy = [r for r in measure_rows if r.proxy is not None]
        if with_proxy and len(with_proxy) < len(measure_rows):
            others = ("rows " if len(with_proxy) > 1 else "row ") + ", ".join(str(r.row) for r in with_proxy)
            for r in measure_rows:
                if r.proxy is None:
                    read.errors.append(
                        CatalogueError(
                            r.row,
                            "proxy_value",
                            f"measure {code} has proxy values in {others}; give one here too, or remove this row.",
                        )
                    )
        seen: dict[datetime.date, int] = {}
        for r in with_proxy:
            if r.proxy.valid_from in seen:
                read.errors.append(
                    CatalogueError(
                        r.row,
                        "proxy_valid_from",
                        f"measure {code} already has a proxy value from {r.proxy.valid_from:%d/%m/%Y} in row "
                        f"{seen[r.proxy.valid_from]}.",
                    )
                )
            else:
                seen[r.proxy.valid_from] = r.row
    read.errors.sort(key=lambda e: (e.row or 0, COLUMNS.index(e.field) if e.field in COLUMNS else 99))
    return read


def read_catalogue(*, content: bytes, file_name: str, known_outcomes: Collection[str]) -> CatalogueRead:
    """Read and check a catalogue file; a file that cannot be read is reported as errors without a row."""
    try:
        rows = read_catalogue_file(content=content, file_name=file_name)
    except CatalogueFileError as exc:
        return CatalogueRead(errors=[CatalogueError(None, "file", message) for message in exc.messages])
    return check_catalogue_rows(rows, known_outcomes=known_outcomes)
