"""Every table a page shows can be downloaded as CSV and Excel: the one format behind them all.

A page builds its tables as `Table`s (a title, typed columns, rows of plain values) and lists
them in `DownloadsMixin.get_downloads()`; `?download=<name>&format=csv|xlsx` then returns that
table with every row (not just the page shown), filtered and as at the same date as the page.
Reports (social_value.formatters, outcomes_link.reports) write the same Tables. A django-tables2
list page uses `TableDownloadsMixin`, or `tables2_download` for a table it builds itself: the
table's own columns, each cell its plain value (`value_<column>`), every row the filters select.

Downloads are opened in spreadsheets, so every text cell is passed through `neutralise`: a
supplier name or service area that begins with = + - @ (or a tab or carriage return) would
otherwise run as a formula when the file is opened (CSV injection, OWASP). Numbers are written
as numbers: money as Decimal pounds (a numeric cell with a £ format in Excel, a plain number
such as -12.50 in CSV), percentages as Decimal to one place, counts as integers.
"""

from __future__ import annotations

import csv
import datetime
import html
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import django_tables2 as tables2
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import slugify
from django_tables2 import RequestConfig
from django_tables2.utils import signature as tables2_signature

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


# ------------------------------------------------------------------ django-tables2 tables

# What each kind of column must hold once plain: a money, percentage or quantity cell is a
# Decimal (never a float: money is pence-exact), a count an int, a date a date.
_KIND_TYPES: dict[str, tuple[type, ...]] = {
    MONEY: (Decimal, int),
    PERCENT: (Decimal, int),
    QUANTITY: (Decimal, int),
    COUNT: (int,),
    DATE: (datetime.date,),
}


def plain_text(value) -> str:
    """A cell's text without its markup: tags stripped, entities read, white space collapsed
    (a render_<column> method may return a link or a GOV.UK tag)."""
    text = str(value)
    if "<" in text or "&" in text:
        text = html.unescape(strip_tags(text))
    return " ".join(text.split())


def _plain(value, kind: str, where: str):
    if isinstance(value, datetime.datetime):
        # Excel cannot hold a time zone; the council works in UK time.
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date() if kind == DATE else value.replace(tzinfo=None)
    if value is None:
        return None
    if kind == TEXT:
        return value if isinstance(value, datetime.date) else plain_text(value)
    expected = _KIND_TYPES.get(kind, ())
    if isinstance(value, bool) or not isinstance(value, expected) or isinstance(value, float):
        raise TypeError(
            f"{where} is a {kind} column but gave {value!r}; give the table a value_<column> method "
            "returning the plain value (Decimal pounds, an int or a date), not what the page shows."
        )
    return value


def _cell_reader(bound_column) -> Callable[[object, object], object]:
    """How to read one column's export value from (bound row, value): django-tables2's own rule
    (`value_<column>`, else `render_<column>`, else the column's `value`), with the callable's
    arguments worked out once per column rather than once per cell (which made a download of
    tens of thousands of rows take minutes)."""
    column = bound_column.column
    fn = bound_column.value
    plain_column = type(column).value is tables2.Column.value and type(column).render is tables2.Column.render
    if getattr(fn, "__func__", None) is tables2.Column.value and plain_column:
        return lambda _row, value: value
    wanted, catch_all = tables2_signature(fn)

    def read(row, value):
        arguments = row._optional_cell_arguments(bound_column, value)
        if catch_all:
            return fn(**arguments)
        return fn(**{name: arguments[name] for name in wanted if name in arguments})

    return read


def tables2_table(table, *, title: str | None = None) -> Table:
    """A django-tables2 table as a download Table: every row of its data (not one page), in its
    order, each cell the column's plain value rather than the HTML the page shows.

    A cell's value is django-tables2's export value: the table's `value_<column>` method if it
    has one, else its `render_<column>`, else the accessor's value (a choice field's label).
    The table says what kind each column is in `download_kinds` ({column: MONEY, ...}; TEXT
    unless named there); money, counts, percentages and dates must come out as Decimal, int and
    date, or this raises TypeError, so a table cannot download "£1,234.00" as text by mistake.
    Columns with `exclude_from_export=True` (links such as "Change") are left out; columns with
    `visible=False` are downloaded (a way to add what the page shows inside another cell).
    Money headings say their unit, "(£)", as the other downloads do.
    """
    kinds: dict[str, str] = getattr(table, "download_kinds", {})
    bound = [c for c in table.columns.iterall() if not c.column.exclude_from_export]
    columns = []
    for column in bound:
        heading = plain_text(column.header)
        kind = kinds.get(column.name, TEXT)
        if kind == MONEY and "£" not in heading:
            heading += " (£)"
        columns.append(Column(heading, kind))
    name = type(table).__name__
    readers = [(c, _cell_reader(c), col.kind, f"{name}.{c.name}") for c, col in zip(bound, columns, strict=True)]
    rows = []
    for row in table.rows:
        cells = []
        for bound_column, read, kind, where in readers:
            # The accessor's value (or a choice's label), or None when empty, as django-tables2 gives it.
            value = row._get_and_render_with(
                bound_column, render_func=lambda _bc, value=None, read=read, row=row: read(row, value), default=None
            )
            cells.append(_plain(value, kind, where))
        rows.append(cells)
    return Table(title=title or str(getattr(table, "caption", "") or "") or name, columns=columns, rows=rows)


def tables2_download(table_class, data, *, request, title: str | None = None, **table_kwargs) -> Table:
    """`table_class` over `data` (a filtered queryset, every row), sorted as the page is sorted
    (the request's `sort`), as a download Table (see `tables2_table`)."""
    table = table_class(data, **table_kwargs)
    RequestConfig(request, paginate=False).configure(table)
    return tables2_table(table, title=title)


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

    def requested_download(self) -> HttpResponse | None:
        """The download the query string asks for, or None when it asks for the page. For a view
        with its own `get` (which shadows the mixin's): load what the page needs, then
        `return self.requested_download() or <the page>`."""
        name = self.request.GET.get("download")
        if name is None:
            return None
        file_format = self.request.GET.get("format", "csv")
        downloads = self.get_downloads()
        if name not in downloads or file_format not in FORMATS:
            raise Http404("There is no such download on this page.")
        return download_response(downloads[name](), filename=self.get_download_filename(name), file_format=file_format)

    def get(self, request, *args, **kwargs):
        return self.requested_download() or super().get(request, *args, **kwargs)

    def filtered_object_list(self):
        """A list page's rows before pagination, for a download: for django-filter's FilterView,
        filtered exactly as FilterView.get filters them; for a ListView, its queryset."""
        if hasattr(self, "get_filterset_class"):
            self.filterset = self.get_filterset(self.get_filterset_class())
            if not self.filterset.is_bound or self.filterset.is_valid() or not self.get_strict():
                self.object_list = self.filterset.qs
            else:
                self.object_list = self.filterset.queryset.none()
        else:
            self.object_list = self.get_queryset()
        return self.object_list


class TableDownloadsMixin(DownloadsMixin):
    """A django-tables2 list page (SingleTableMixin over a ListView, or django-filter's
    FilterView) whose table downloads as `table_download_name`: every row the page's filters
    select, in the page's sort order, through the same table class (see `tables2_table`).
    Add the page's other tables by extending `get_downloads`.
    """

    table_download_name = "table"

    def get_downloads(self) -> dict[str, Callable[[], Table | Sequence[Table]]]:
        return {**super().get_downloads(), self.table_download_name: self.get_table_download}

    def get_table_download(self) -> Table:
        return tables2_download(
            self.get_table_class(), self.get_download_data(), request=self.request, **self.get_table_kwargs()
        )

    def get_download_data(self):
        """The table's rows before pagination (see `filtered_object_list`)."""
        self.filtered_object_list()
        return self.get_table_data()
