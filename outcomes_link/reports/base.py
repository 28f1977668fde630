"""What every PDF report shares: the as-at stamp, the contents, tables, and rendering with WeasyPrint.

Oscar's split (STYLE.md, "Reports and analytics"): a report class chooses its data through
selectors into plain values (dataclasses, `commissioning.downloads.Table`s); its template under
templates/reports/ lays them out with one print stylesheet (templates/reports/print.css), and
WeasyPrint renders the HTML as a PDF. Nothing here writes.

The as-at date (commissioning.as_at): a report reads `as_at.today()` and the ORM as they stand
while it renders, so the caller wraps rendering in `with as_at.as_at(day):` (`manage.py report
--as-at` does; a web request with `?as_at=` already runs inside it). A report shown as at a past
day says "As at 31 March 2026" on its cover and in its running header; one of today's data says
"As at 24 November 2026, data live at 07:20", because the data may change within the day.

Accessibility: the PDF is written as PDF/UA-1 (`pdf_variant="pdf/ua-1"`, which WeasyPrint 70
supports; it turns tagging on and writes the PDF/UA identification in the XMP metadata), with a
document language (en-GB), a title shown in the viewer's title bar, an author (the council), tagged
headings, lists, tables (header cells linked to data cells by `scope`), links and figures (an SVG
chart's <title> becomes its alternate text). What WeasyPrint does not do, and so these reports do
not claim: running headers and page numbers are left out of the structure tree rather than marked
as artifacts (PDF/UA-1 has no way to say so in WeasyPrint's writer), and an SVG's <desc> is not
carried into the PDF, so every chart's figures are also given in a table beside it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from commissioning import as_at
from commissioning.downloads import COUNT, DATE, MONEY, PERCENT, QUANTITY, Column, Table
from commissioning.templatetags.gt import money, percent

# A column of RAG ratings: written as the word (Green, Amber, Red), coloured as well.
RAG = "rag"
PDF_VARIANT = "pdf/ua-1"
TEMPLATE_DIR = Path(settings.BASE_DIR) / "templates" / "reports"
NONE = "–"


class ReportOptionError(ValueError):
    """A report cannot be made with these options; `option` names the one at fault (e.g. "quarter")."""

    def __init__(self, option: str, message: str):
        super().__init__(message)
        self.option = option
        self.message = message


# ------------------------------------------------------------------ the as-at stamp


@dataclass(frozen=True)
class AsAtStamp:
    """The day a report's data stands at, and whether it is today's live data (then, read when)."""

    day: datetime.date
    read_at: datetime.datetime | None = None

    @classmethod
    def now(cls) -> AsAtStamp:
        """The stamp of the report being rendered: the as-at day in force, or today's data read now."""
        day = as_at.as_at_date()
        if day is not None:
            return cls(day)
        return cls(as_at.today(), timezone.localtime())

    @property
    def label(self) -> str:
        """For the cover and running header: "As at 31 March 2026" or "As at 24 November 2026, data live at 07:20"."""
        text = f"As at {self.day:%-d %B %Y}"
        return f"{text}, data live at {self.read_at:%H:%M}" if self.read_at else text

    @property
    def statement(self) -> str:
        """What the figures are, in a sentence for the cover."""
        if self.read_at:
            return (
                f"The figures are today's data, read at {self.read_at:%H:%M} on {self.day:%-d %B %Y}; "
                "they may change later in the day."
            )
        return f"The figures are the data as it stood at the end of {self.day:%-d %B %Y}."


# ------------------------------------------------------------------ contents


@dataclass(frozen=True)
class ContentsEntry:
    """One line of the contents page: a heading's anchor, its words and its level (1 or 2)."""

    anchor: str
    title: str
    level: int = 1


# ------------------------------------------------------------------ tables


@dataclass(frozen=True)
class Cell:
    """A table cell as printed: its text, whether it is a number (right-aligned) and any style class."""

    text: str
    numeric: bool = False
    css: str = ""


_NUMERIC = {MONEY, COUNT, PERCENT, QUANTITY}


def format_value(value: Any, kind: str) -> str:
    """A value as the pages write it: £12,345.67, 54.0%, 1,204, 31 March 2026, Red."""
    if value is None or value == "":
        return NONE
    if kind == MONEY:
        return money(value)
    if kind == PERCENT:
        return percent(value)
    if kind == COUNT:
        return f"{int(value):,}"
    if kind == QUANTITY:
        return f"{Decimal(value).normalize():,f}"
    if kind == DATE and isinstance(value, datetime.date):
        return f"{value:%-d %B %Y}"
    if kind == RAG:
        return str(value).capitalize()
    return str(value)


def cell(value: Any, kind: str) -> Cell:
    if isinstance(value, Cell):
        return value
    css = f"rag rag--{value}" if kind == RAG and value else ""
    return Cell(format_value(value, kind), kind in _NUMERIC, css)


@dataclass
class ReportTable:
    """A `commissioning.downloads.Table` as a report prints it: a caption, headings, and the first
    column as each row's header (`row_headers`). A cell may be given ready made as a `Cell`."""

    table: Table
    caption: str = ""
    row_headers: bool = True
    empty: str = "None."
    note: str = ""
    # A class for the table: "numbers" when the first column is a short label (a year) among many figures.
    css: str = ""

    @property
    def title(self) -> str:
        return self.caption or self.table.title

    @property
    def head(self) -> list[Cell]:
        return [Cell(c.heading, c.kind in _NUMERIC) for c in self.table.columns]

    @property
    def body(self) -> list[list[Cell]]:
        return [[cell(v, c.kind) for v, c in zip(row, self.table.columns, strict=True)] for row in self.table.rows]

    def __len__(self) -> int:
        return len(self.table.rows)


def report_table(
    title: str, columns: Sequence[tuple[str, str]], rows: Iterable[Sequence], **options: Any
) -> ReportTable:
    """A ReportTable from (heading, kind) pairs and rows of plain values."""
    table = Table(title=title, columns=[Column(h, k) for h, k in columns], rows=[list(r) for r in rows])
    return ReportTable(table, **options)


# ------------------------------------------------------------------ rendering


@dataclass(frozen=True)
class RenderedReport:
    """A report as a PDF, with its page count and the file name it is offered as."""

    content: bytes
    pages: int
    filename: str

    @property
    def size(self) -> int:
        return len(self.content)


def _local_only(url: str, *args, **kwargs):
    """WeasyPrint's URL fetcher, refusing anything but files on this machine: a report never
    reaches the internet, whatever text the data holds."""
    from weasyprint.urls import default_url_fetcher

    if not url.startswith(("file:", "data:")):
        raise ValueError(f"Reports load nothing from the network: {url}")
    return default_url_fetcher(url, *args, **kwargs)


class PdfReport:
    """A committee-ready PDF report. Subclasses set `code`, `title` and `template_name`, and choose
    their data in `get_context()`; `render_pdf()` gives the PDF's bytes.

    Render it inside the as-at block it is to be shown as at (see the module's docstring).
    """

    code: ClassVar[str] = ""
    title: ClassVar[str] = ""
    template_name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    # The options the report takes (contract, directorate, quarter, financial_year), as from_options names them.
    options: ClassVar[tuple[str, ...]] = ()
    # Set when the report renders: the day (and time) its data stands at.
    stamp: AsAtStamp | None = None

    @classmethod
    def from_options(cls, **options: str | None) -> PdfReport:
        """The report for options given as text (by the command or a page's query string), looked up
        as the data stands; ReportOptionError naming the option at fault."""
        return cls(**options)

    # -- what a report says about itself

    def get_subtitle(self) -> str:
        """What this copy of the report is about (a contract, a directorate and quarter), if anything."""
        return ""

    def get_slug(self) -> str:
        """The file name's stem before the as-at day: the code, plus what the report is about."""
        return self.code

    def filename(self) -> str:
        """`<name>-<as-at day>.pdf`, e.g. golden-thread-2026-03-31.pdf."""
        return f"{slugify(self.get_slug())}-{as_at.today().isoformat()}.pdf"

    # -- data

    def get_context(self) -> dict[str, Any]:
        """The report's own data, chosen through selectors into plain values."""
        raise NotImplementedError

    def get_contents(self, context: dict[str, Any]) -> list[ContentsEntry]:
        """The contents page's entries, in the order the sections appear."""
        return []

    # -- rendering

    def render_html(self) -> str:
        self.stamp = AsAtStamp.now()
        context = self.get_context()
        subtitle = self.get_subtitle()
        context.update(
            report=self,
            report_title=self.title,
            subtitle=subtitle,
            full_title=f"{self.title}: {subtitle}" if subtitle else self.title,
            stamp=self.stamp,
            council_name=settings.COUNCIL_NAME,
            contents=self.get_contents(context),
        )
        return render_to_string(self.template_name, context)

    def render(self) -> RenderedReport:
        import weasyprint

        html = self.render_html()
        document = weasyprint.HTML(
            string=html, base_url=str(TEMPLATE_DIR), url_fetcher=_local_only, media_type="print"
        ).render()
        content = document.write_pdf(pdf_variant=PDF_VARIANT)
        return RenderedReport(content=content, pages=len(document.pages), filename=self.filename())

    def render_pdf(self) -> bytes:
        return self.render().content
