"""Import officers' values of outcome measures from CSV (UTF-8, with or without a BOM, or Windows
cp1252) or Excel (.xlsx, first sheet), one value a row (issue 6: "values over time entered or
imported by officers").

Columns, found by their headings whatever their case, spaces or punctuation: measure code
("Measure code", "Measure"; e.g. 1.11), period ("Period"; the label, e.g. 2016-17), period end
("Period end"; 2017-03-31 or 31/03/2017), value ("Value"; 82, 82.5%, 1,250 or (5) for minus 5)
and, if given, national average ("National average") and note ("Note"). Other columns are ignored.

All or nothing: every problem is reported by its row as the spreadsheet shows it (the headings
are row 1) and its column, and nothing is saved while any remains. Importing the same file
again adds nothing: a measure has one value a period end, changed in place when the file
differs (commissioning.services.outcome_measure_values_save_many). A dry run checks and
previews, writing nothing.

This lives in outcomes_link, not beside the models in commissioning, because it reuses the KPI
returns importer's readers (contracts.importers.returns: encodings, delimiters, Excel cells as
typed), and commissioning may not import contracts (STYLE.md, "Layout").
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from commissioning.models import Framework
from commissioning.selectors import outcome_measure_list
from commissioning.services import (
    MeasureValueBatchError,
    MeasureValueEntry,
    MeasureValueSaved,
    outcome_measure_values_save_many,
)
from contracts.importers.returns import (
    ImportFileError,
    RowError,
    heading_key,
    parse_value,
    read_sheet,
)
from contracts.importers.spend import parse_spend_date

# Each field and the headings that name it (compared as heading_key gives them).
COLUMNS: dict[str, tuple[str, ...]] = {
    "measure_code": ("measure code", "measure", "code", "measure ref", "measure reference"),
    "period": ("period", "period label", "year"),
    "period_end": ("period end", "period ending", "period end date", "end of period"),
    "value": ("value", "figure", "result", "actual"),
    "national_average": ("national average", "national", "england average"),
    "note": ("note", "notes", "comment", "comments"),
}
REQUIRED = ("measure_code", "period", "period_end", "value")
# How each field is named in messages and in the template's headings.
COLUMN_NAMES = {
    "measure_code": "measure code",
    "period": "period",
    "period_end": "period end",
    "value": "value",
    "national_average": "national average",
    "note": "note",
}
TEMPLATE_HEADINGS = ["Measure code", "Period", "Period end", "Value", "National average", "Note"]
TEMPLATE_EXAMPLE = ["1.41", "2016-17", "2017-08-31", "75.3", "70.7", "Foundation Stage profile, DfE"]
ERRORS_SHOWN = 100

_FIELD_OF_HEADING = {heading: name for name, headings in COLUMNS.items() for heading in headings}


@dataclass
class MeasureImportResult:
    """What an import did (or, in a dry run, would do), or every problem that stopped it."""

    file_name: str
    dry_run: bool
    rows: list[MeasureValueSaved] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def saved(self) -> bool:
        return not self.errors and not self.dry_run

    @property
    def summary(self) -> str:
        new, changed, unchanged = self.count("new"), self.count("changed"), self.count("unchanged")
        verb = "would be" if self.dry_run else ("were" if new + changed != 1 else "was")
        text = (
            f"{new} new value{'s' if new != 1 else ''} and {changed} change{'s' if changed != 1 else ''} {verb} saved"
        )
        if unchanged:
            text += f"; {unchanged} row{'s' if unchanged != 1 else ''} already recorded as given"
        return text + "."

    @property
    def errors_shown(self) -> list[RowError]:
        return self.errors[:ERRORS_SHOWN]

    @property
    def errors_not_shown(self) -> int:
        return max(len(self.errors) - ERRORS_SHOWN, 0)


def read_measure_values_file(*, content: bytes, filename: str) -> list[tuple[int, dict[str, str]]]:
    """The file's rows as (row number, {field: text}). Raises ImportFileError if it cannot be read."""
    sheet = read_sheet(
        content=content,
        filename=filename,
        field_of_heading=lambda heading: _FIELD_OF_HEADING.get(heading_key(heading)),
        describe=lambda name: COLUMN_NAMES[name],
    )
    for name in REQUIRED:
        if name not in sheet.columns:
            heading = COLUMN_NAMES[name].capitalize()
            sheet.problems.append(
                f"Row {sheet.heading_row}: there is no {COLUMN_NAMES[name]} column: head it '{heading}'."
            )
    sheet.check()
    return [(number, {name: sheet.cell(cells, name) for name in COLUMNS}) for number, cells in sheet.data]


def _entries(rows: list[tuple[int, dict[str, str]]], measures: dict, errors: list[RowError]) -> list[MeasureValueEntry]:
    entries = []
    for number, row in rows:
        problems: list[RowError] = []
        measure = measures.get(row["measure_code"])
        if not row["measure_code"]:
            problems.append(RowError(number, "measure code", "the measure code is missing."))
        elif measure is None:
            problems.append(
                RowError(
                    number, "measure code", f"there is no outcome measure '{row['measure_code']}' in the framework."
                )
            )
        if not row["period"]:
            problems.append(RowError(number, "period", "the period is missing: label it, e.g. 2016-17."))
        elif len(row["period"]) > 40:
            problems.append(RowError(number, "period", "the period must be 40 characters or fewer."))
        period_end = parse_spend_date(row["period_end"]) if row["period_end"] else None
        if period_end is None:
            text = row["period_end"]
            message = (
                f"'{text}' is not a date: write it as 2017-03-31 or 31/03/2017."
                if text
                else "the period end is missing: write it as 2017-03-31 or 31/03/2017."
            )
            problems.append(RowError(number, "period end", message))
        values = {}
        for name in ("value", "national_average"):
            try:
                values[name] = parse_value(row[name])
            except ValueError as exc:
                problems.append(RowError(number, COLUMN_NAMES[name], str(exc)))
                values[name] = None
        if not row["value"]:
            problems.append(RowError(number, "value", "the value is missing."))
        if len(row["note"]) > 500:
            problems.append(RowError(number, "note", "the note must be 500 characters or fewer."))
        if problems:
            errors.extend(problems)
            continue
        entries.append(
            MeasureValueEntry(
                row=number,
                measure=measure,
                period=row["period"],
                period_end=period_end,
                value=values["value"],
                national_average=values["national_average"],
                note=row["note"],
            )
        )
    return entries


def measure_values_import(
    *,
    content: bytes,
    filename: str,
    actor=None,
    reason: str = "",
    dry_run: bool = False,
    framework: Framework | None = None,
) -> MeasureImportResult:
    """Check a file of outcome measure values and, unless a dry run or any row is wrong, save them all."""
    result = MeasureImportResult(file_name=Path(filename or "file").name, dry_run=dry_run)
    try:
        rows = read_measure_values_file(content=content, filename=filename)
    except ImportFileError as exc:
        result.errors = [RowError(None, "file", message) for message in exc.messages]
        return result
    measures = {m.code: m for m in outcome_measure_list(framework=framework).prefetch_related(None)}
    errors: list[RowError] = []
    entries = _entries(rows, measures, errors)
    if errors:
        result.errors = errors
        return result
    try:
        result.rows = outcome_measure_values_save_many(
            entries=entries, actor=actor, reason=reason or "Values imported", dry_run=dry_run
        )
    except MeasureValueBatchError as exc:
        result.errors = [
            RowError(e.row, COLUMN_NAMES.get(e.field, e.field.replace("_", " ") or "row"), e.message)
            for e in exc.errors
        ]
    return result


def template_csv() -> bytes:
    """A CSV file with the import's headings and one example row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(TEMPLATE_HEADINGS)
    writer.writerow(TEMPLATE_EXAMPLE)
    return buffer.getvalue().encode("utf-8-sig")
