"""What the download tests of every app share: a small world in which every swept page shows its
tables, reading a download back, and the guard that every table on a page can be downloaded.

The guard (`assert_every_table_downloadable`) reads a page's HTML in order: each <table> must be
followed, before the next <table>, by a downloads element (class "gt-downloads", the
_partials/downloads.html paragraph) whose CSV and Excel links both work and give at least as many
rows as the table shows; a table that is deliberately not downloadable says why in a
`data-no-download="..."` attribute (an import preview describes an upload, not the council's data).
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass
from decimal import Decimal
from html.parser import HTMLParser

from dateutil.relativedelta import relativedelta
from openpyxl import load_workbook

from commissioning.models import SupportingOutcome
from contracts.choices import AssessmentReason, DeductionRule, Location, Sector, SizeBand
from contracts.models import Contract, Deduction, PerformanceAssessment, PerformanceConcern, Provider
from contracts.services import performance_assessment_propose
from social_value.models import SocialValueCommitment
from social_value.services import commitment_create, delivery_return_submit, delivery_return_verify
from tests.contracts.factories import ContractFactory, KPIFactory, kpi_return
from tests.outcomes_link.factories import OutcomeLinkFactory
from tests.social_value.factories import SpendLines, classified_provider, measure

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# ------------------------------------------------------------------ reading a download back


def read_csv(response) -> list[list[str]]:
    """A CSV download's rows (the byte-order mark checked and dropped)."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == CSV_TYPE
    assert response["Content-Disposition"].startswith("attachment; filename=")
    content = response.content
    assert content.startswith(b"\xef\xbb\xbf"), "CSV downloads start with a byte-order mark, for Excel"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def read_xlsx(response) -> list[list]:
    """The first sheet of an Excel download, as rows of cell values."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == XLSX_TYPE
    workbook = load_workbook(io.BytesIO(response.content))
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def row_with(rows: list[list], headings: list, expected: dict) -> list:
    """The first row whose cells under the given headings hold the expected values (Decimal,
    int, date or text), whether read from a CSV (text) or an Excel sheet (typed cells)."""
    missing = [h for h in expected if h not in headings]
    assert not missing, f"no column {missing} in {headings}"
    for row in rows:
        if all(_same(row[headings.index(h)], v) for h, v in expected.items()):
            return row
    raise AssertionError(f"no row with {expected} in {rows[:20]}")


def _same(cell, expected) -> bool:
    if isinstance(expected, Decimal | int) and not isinstance(expected, bool):
        try:
            return Decimal(str(cell)) == Decimal(expected)
        except ArithmeticError:
            return False
    if isinstance(expected, datetime.date):
        if isinstance(cell, datetime.datetime):
            return cell.date() == expected
        return cell == expected or cell == expected.isoformat()
    return ("" if cell is None else str(cell)) == str(expected)


# ------------------------------------------------------------------ the guard


@dataclass
class _Table:
    no_download: str | None
    rows: int = 0


@dataclass
class _Downloads:
    links: list[str]


class _PageParser(HTMLParser):
    """Tables and downloads elements in document order, with each table's body rows of data (a
    row with at least two cells: an empty table's single "No ..." cell is not data)."""

    def __init__(self):
        super().__init__()
        self.items: list[_Table | _Downloads] = []
        self._table: _Table | None = None
        self._in_body = False
        self._cells = 0
        self._downloads: _Downloads | None = None
        self._downloads_tag = ""
        self._downloads_depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._table = _Table(no_download=attrs.get("data-no-download"))
            self.items.append(self._table)
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self._cells = 0
        elif tag in ("td", "th") and self._in_body:
            self._cells += 1
        if self._downloads is not None:
            if tag == self._downloads_tag:
                self._downloads_depth += 1
            if tag == "a" and attrs.get("href"):
                self._downloads.links.append(attrs["href"])
        elif "gt-downloads" in (attrs.get("class") or "").split():
            self._downloads = _Downloads(links=[])
            self._downloads_tag, self._downloads_depth = tag, 1
            self.items.append(self._downloads)

    def handle_endtag(self, tag):
        if tag == "tbody":
            self._in_body = False
        elif tag == "tr" and self._in_body and self._table is not None and self._cells >= 2:
            self._table.rows += 1
        elif tag == "table":
            self._table = None
        if self._downloads is not None and tag == self._downloads_tag:
            self._downloads_depth -= 1
            if not self._downloads_depth:
                self._downloads = None


def _link(page_url: str, href: str) -> str:
    return page_url.split("?")[0] + href if href.startswith("?") else href


def _rows_in(response) -> int:
    """Data rows of a download: its CSV rows less the headings (a file of several tables counts
    its titles and blank lines too, which only makes the guard's bound easier to meet)."""
    return len(read_csv(response)) - 1


def assert_every_table_downloadable(client, url: str, *, expect_tables: int = 1, html: str | None = None) -> int:
    """Render the page (or read `html`, a page already rendered, such as the answer to a POST) and
    check that each of its tables is followed by working CSV and Excel downloads with at least
    the rows the table shows, unless marked data-no-download with a reason. Returns the number of
    downloadable tables found (at least `expect_tables`)."""
    if html is None:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        html = response.content.decode()
    parser = _PageParser()
    parser.feed(html)
    items = parser.items
    assert any(isinstance(item, _Table) for item in items) or not expect_tables, f"{url}: no table on the page"
    found = 0
    for index, item in enumerate(items):
        if not isinstance(item, _Table):
            continue
        if item.no_download is not None:
            assert item.no_download.strip(), f"{url}: a table marked data-no-download must say why"
            continue
        following = items[index + 1] if index + 1 < len(items) else None
        assert isinstance(following, _Downloads), (
            f"{url}: table {index} ({item.rows} rows) is not followed by download links before the next table"
        )
        csv_links = [h for h in following.links if "csv" in h]
        xlsx_links = [h for h in following.links if "xlsx" in h]
        assert csv_links and xlsx_links, f"{url}: table {index} needs both a CSV and an Excel link: {following.links}"
        assert _rows_in(client.get(_link(url, csv_links[0]))) >= item.rows, (
            f"{url}: the CSV under table {index} has fewer rows than the table shows"
        )
        assert read_xlsx(client.get(_link(url, xlsx_links[0]))), f"{url}: empty Excel download"
        found += 1
    assert found >= expect_tables, f"{url}: expected at least {expect_tables} downloadable tables, found {found}"
    return found


# ------------------------------------------------------------------ a world with every table


@dataclass
class World:
    """The objects each swept page is shown for."""

    provider: Provider
    contract: Contract
    ending_soon: Contract
    concern: PerformanceConcern
    deduction: Deduction
    assessment: PerformanceAssessment
    commitment: SocialValueCommitment
    spend: SpendLines


def build_world(*, directorate, commissioner, today: datetime.date) -> World:
    """One provider and contract of the commissioner's directorate with KPIs and returns (a red run
    raising a concern and deductions, a draft), an assessment, an outcome link, social value
    committed and delivered, matched and unmatched spend, and a second contract ending soon."""
    provider = classified_provider("Maidstone Care Ltd", Location.LOCAL, SizeBand.SMALL, Sector.PRIVATE)
    contract = ContractFactory(
        reference="KCC-DL-001",
        title="Home care in Maidstone",
        directorate=directorate,
        commissioner=commissioner,
        provider=provider,
        annual_value=Decimal("1234567.89"),
        total_value=Decimal("6000000.00"),
    )
    OutcomeLinkFactory(contract=contract, supporting_outcome=SupportingOutcome.objects.get(code="1.1"))
    visits = KPIFactory(
        contract=contract,
        code="KPI01",
        name="Visits on time",
        is_key=True,
        deduction_rule=DeductionRule.FIXED,
        deduction_amount=Decimal("500.00"),
    )
    calls = KPIFactory(contract=contract, code="KPI02", name="Calls answered")
    kpi_return(visits, "2024-25 Q1", "70", actor=commissioner, commentary="Staff shortages")
    kpi_return(visits, "2024-25 Q2", "75", actor=commissioner)
    kpi_return(visits, "2024-25 Q3", "92", actor=commissioner)
    kpi_return(visits, "2024-25 Q4", "93", actor=commissioner)
    kpi_return(calls, "2024-25 Q1", "95", actor=commissioner)
    kpi_return(calls, "2024-25 Q2", "88", submit=False, actor=commissioner)
    assessment = performance_assessment_propose(
        contract=contract,
        period_start=datetime.date(2024, 4, 1),
        period_end=datetime.date(2025, 3, 31),
        reason=AssessmentReason.ANNUAL,
    )
    ending_soon = ContractFactory(
        reference="KCC-DL-002",
        title="Day centre in Ashford",
        directorate=directorate,
        commissioner=commissioner,
        start_date=today - relativedelta(years=2),
        end_date=today + relativedelta(months=3),
        extension_months_available=0,
    )

    jobs = measure("LET1", proxies=[("1000.00", datetime.date(2023, 4, 1))])
    commitment = commitment_create(
        contract=contract,
        measure=jobs,
        quantity=Decimal("4"),
        committed_on=datetime.date(2024, 4, 1),
        actor=commissioner,
    )
    verified = delivery_return_submit(
        commitment=commitment,
        period_start=datetime.date(2024, 4, 1),
        period_end=datetime.date(2024, 6, 30),
        quantity=Decimal("1"),
        evidence_note="Payroll extract",
        actor=commissioner,
    )
    delivery_return_verify(delivery=verified, actor=commissioner)
    delivery_return_submit(
        commitment=commitment,
        period_start=datetime.date(2024, 7, 1),
        period_end=datetime.date(2024, 9, 30),
        quantity=Decimal("0.5"),
        evidence_note="Timesheets",
        actor=commissioner,
    )

    spend = SpendLines()
    spend.add(
        "2024-05-15",
        "Maidstone Care Ltd",
        "1500.25",
        provider=provider,
        contract=contract,
        service_area="Adult Social Care",
    )
    spend.add("2024-06-01", "=Bob's Plumbing", "800.00", service_area="Highways")
    return World(
        provider=provider,
        contract=contract,
        ending_soon=ending_soon,
        concern=PerformanceConcern.objects.get(kpi=visits),
        deduction=Deduction.objects.filter(kpi=visits).order_by("kpi_return__period_start").first(),
        assessment=assessment,
        commitment=commitment,
        spend=spend,
    )


def check_download(client, url: str, download: str, expected: dict, query: dict | None = None) -> list[str]:
    """The page's download as CSV and as Excel: the same headings, the same number of rows, and a
    row holding the expected values in each. Returns the headings."""
    query = dict(query or {})
    csv_rows = read_csv(client.get(url, {**query, "download": download, "format": "csv"}))
    headings = csv_rows[0]
    row_with(csv_rows[1:], headings, expected)
    xlsx_rows = read_xlsx(client.get(url, {**query, "download": download, "format": "xlsx"}))
    assert [str(h) for h in xlsx_rows[0]] == headings
    assert len(xlsx_rows) == len(csv_rows)
    row_with(xlsx_rows[1:], headings, expected)
    return headings
