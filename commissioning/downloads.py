"""Every table a page shows can be downloaded as CSV and Excel: the one format behind them all.

A page builds its tables as `Table`s (a title, typed columns, rows of plain values) and lists
them in `DownloadsMixin.get_downloads()`; `?download=<name>&format=csv|xlsx` then returns that
table with every row (not just the page shown), filtered and as at the same date as the page.
Reports (social_value.formatters, outcomes_link.reports) write the same Tables.

Downloads are opened in spreadsheets, so every text cell is passed through `neutralise`: a
supplier name or service area that begins with = + - @ (or a tab or carriage return) would
otherwise run as a formula when the file is opened (CSV injection, OWASP). Numbers are written
as numbers: money as Decimal pounds (a numeric cell with a £ format in Excel, a plain number
such as -12.50 in CSV), percentages as Decimal to one place, counts as integers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import Http404, HttpResponse
from django.utils.text import slugify

from commissioning import as_at

# Characters that make a spreadsheet treat a cell as a formula (or smuggle one in after a tab
# or carriage return).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

MONEY = "money"
COUNT = "count"
PERCENT = "percent"
TEXT = "text"
DATE = "date"
# Units delivered can be part units (12.5 hours), so they keep two decimal places in Excel.
QUANTITY = "quantity"

MONEY_FORMAT = '"£"#,##0.00;-"£"#,##0.00'
COUNT_FORMAT = "#,##0"
PERCENT_FORMAT = "0.0"


def neutralise(value):
    """A text value safe to put in a spreadsheet cell: text starting with = + - @, a tab or a
    carriage return gets a leading apostrophe, so it is shown as text and never run as a
    formula. Anything that is not text (numbers, dates, None) is returned unchanged, so a
    credit of -12.50 stays a number."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


# ------------------------------------------------------------------ tables


@dataclass
class Column:
    heading: str
    kind: str = TEXT


@dataclass
class Table:
    """One section of a download: a title, its columns and rows of plain values."""

    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)

    @property
    def headings(self) -> list[str]:
        return [c.heading for c in self.columns]


# ------------------------------------------------------------------ CSV


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return neutralise(value)


def tables_csv(tables: Sequence[Table], *, bom: bool = True) -> bytes:
    """Tables as one CSV file, each under its title and headings, a blank row between them.

    UTF-8 with a byte-order mark by default, so Excel reads the £ signs in the headings."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for index, table in enumerate(tables):
        if len(tables) > 1:
            if index:
                writer.writerow([])
            writer.writerow([neutralise(table.title)])
        writer.writerow([neutralise(h) for h in table.headings])
        for row in table.rows:
            writer.writerow([_csv_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig" if bom else "utf-8")


# ------------------------------------------------------------------ Excel

_SHEET_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})
_NUMBER_FORMATS = {MONEY: MONEY_FORMAT, COUNT: COUNT_FORMAT, PERCENT: PERCENT_FORMAT, QUANTITY: "#,##0.00"}


def _sheet_title(title: str, used: set[str]) -> str:
    base = title.translate(_SHEET_FORBIDDEN).strip("'")[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def tables_xlsx(tables: Sequence[Table]) -> bytes:
    """Tables as an Excel workbook, one sheet each. Money is a numeric cell (Decimal, never
    float) formatted in pounds; text cells are neutralised."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    bold = Font(bold=True)
    for table in tables:
        sheet = workbook.create_sheet(_sheet_title(table.title, used))
        sheet.append([neutralise(h) for h in table.headings])
        for cell in sheet[1]:
            cell.font = bold
        sheet.freeze_panes = "A2"
        for row in table.rows:
            sheet.append([neutralise(v) for v in row])
        for index, column in enumerate(table.columns, start=1):
            letter = sheet.cell(row=1, column=index).column_letter
            number_format = _NUMBER_FORMATS.get(column.kind)
            if number_format:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = number_format
            width = max([len(column.heading), *(len(str(r[index - 1] or "")) for r in table.rows)])
            sheet.column_dimensions[letter].width = min(max(width + 2, 10), 60)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ------------------------------------------------------------------ pages


FORMATS = {
    "csv": ("text/csv; charset=utf-8", tables_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", tables_xlsx),
}


def download_response(tables: Table | Sequence[Table], *, filename: str, file_format: str) -> HttpResponse:
    """An attachment of one or more tables as CSV or Excel; `filename` without its extension."""
    if isinstance(tables, Table):
        tables = [tables]
    content_type, render = FORMATS[file_format]
    response = HttpResponse(render(list(tables)), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{slugify(filename) or "table"}.{file_format}"'
    return response


class DownloadsMixin:
    """A page whose tables can be downloaded: `?download=<name>&format=csv|xlsx`.

    `get_downloads()` maps each table's name to a callable giving its Table (or Tables) with
    every row, built from the same filtered selector as the page; the template shows the links
    with `{% include "_partials/downloads.html" with name="<name>" %}`. An unknown name or format
    is a 404, never the page. Permissions are the page's own (the mixin runs inside `get`).
    """

    download_filename = ""

    def get_downloads(self) -> dict[str, Callable[[], Table | Sequence[Table]]]:
        return {}

    def get_download_filename(self, name: str) -> str:
        stamp = as_at.today().isoformat()
        return f"{self.download_filename or name}-{name}-{stamp}" if self.download_filename else f"{name}-{stamp}"

    def get(self, request, *args, **kwargs):
        name = request.GET.get("download")
        if name is None:
            return super().get(request, *args, **kwargs)
        file_format = request.GET.get("format", "csv")
        downloads = self.get_downloads()
        if name not in downloads or file_format not in FORMATS:
            raise Http404("There is no such download on this page.")
        return download_response(downloads[name](), filename=self.get_download_filename(name), file_format=file_format)
