"""The download mechanism (commissioning.downloads): django-tables2 tables as plain values, and
`?download=<name>&format=csv|xlsx` on a page through DownloadsMixin and TableDownloadsMixin.

The pages' own downloads are tested in each app's test_downloads.py; here, what every download
shares: unknown names and formats, the byte-order mark and neutralised text, Excel's numeric
cells and formats, the page's permissions, filters and as-at day, and a fixed number of queries.
"""

import datetime
import io
from decimal import Decimal

import django_tables2 as tables
import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from commissioning import as_at
from commissioning.downloads import (
    COUNT_FORMAT,
    DATE,
    MONEY,
    MONEY_FORMAT,
    TEXT,
    plain_text,
    tables2_download,
    tables2_table,
)
from commissioning.models import SupportingOutcome
from contracts.choices import DeductionRule
from contracts.models import Contract, Deduction, SpendLine
from contracts.services import contract_update
from contracts.tables_performance import DeductionTable
from outcomes_link.selectors import contract_register_with_outcomes
from outcomes_link.tables import ContractRegisterTable
from tests.contracts.factories import ContractFactory, KPIFactory, ProviderFactory, kpi_return
from tests.downloads_testing import read_csv, read_xlsx
from tests.outcomes_link.factories import OutcomeLinkFactory
from tests.social_value.factories import SpendLines

pytestmark = pytest.mark.django_db

PAST = datetime.date(2025, 3, 31)


def _request(query: str = ""):
    return RequestFactory().get("/" + (f"?{query}" if query else ""))


# ------------------------------------------------------------------ django-tables2 tables


def test_a_tables2_table_downloads_plain_values_not_what_the_page_shows(directorate):
    contract = ContractFactory(
        reference="KCC-1", title="Care & support", directorate=directorate, annual_value=Decimal("1234.50")
    )
    OutcomeLinkFactory(
        contract=contract, supporting_outcome=SupportingOutcome.objects.get(code="2.3"), contribution_share=60
    )
    OutcomeLinkFactory(
        contract=contract,
        supporting_outcome=SupportingOutcome.objects.get(code="1.1"),
        contribution_share=40,
        is_primary=True,
    )

    table = tables2_download(ContractRegisterTable, contract_register_with_outcomes(), request=_request())

    assert table.headings == [
        "Reference",
        "Title",
        "Provider",
        "Directorate",
        "Status",
        "Annual value (£)",
        "Ends",
        "Outcomes",
    ]
    assert [c.kind for c in table.columns] == [TEXT, TEXT, TEXT, TEXT, TEXT, MONEY, DATE, TEXT]
    [row] = table.rows
    assert row == [
        "KCC-1",
        "Care & support",
        contract.provider.name,
        directorate.name,
        "Active",
        Decimal("1234.50"),
        contract.current_end_date,
        "1.1 40% (primary); 2.3 60%",
    ]


def test_a_tables2_table_strips_markup_from_rendered_cells_and_keeps_download_only_columns(directorate):
    contract = ContractFactory(reference="KCC-2", directorate=directorate)
    kpi = KPIFactory(contract=contract, code="KPI01", deduction_rule=DeductionRule.FIXED, deduction_amount=500)
    kpi_return(kpi, "2024-25 Q1", "70")

    table = tables2_table(DeductionTable(Deduction.objects.all()))

    # "Decided by" is not a column of the page (visible=False) but is of the download.
    assert table.headings[-2:] == ["Decided", "Decided by"]
    [row] = table.rows
    values = dict(zip(table.headings, row, strict=True))
    assert values["Contract"] == "KCC-2"
    assert values["KPI"] == f"KPI01 {kpi.name}"  # render_kpi's "code name", without markup
    assert values["Period"] == "2024-25 Q1"  # value_period: no visually hidden text
    assert values["Amount (£)"] == Decimal("500.00")
    assert values["Status"] == "Proposed"
    assert values["Decided"] is None
    assert not any("<" in str(v) for v in row)


class _BadMoneyTable(tables.Table):
    amount = tables.Column()
    download_kinds = {"amount": MONEY}

    def render_amount(self, value) -> str:
        return f"£{value:,.2f}"


class _ExportTable(tables.Table):
    name = tables.Column(verbose_name="Name")
    when = tables.Column(verbose_name="When")
    link = tables.Column(verbose_name="Change", exclude_from_export=True, empty_values=())
    download_kinds = {"when": DATE}

    def render_name(self, value) -> str:
        return f'<a class="govuk-link" href="/x">{value}</a> <strong class="govuk-tag">New &amp; shiny</strong>'

    def render_link(self) -> str:
        return "Change"


def test_a_money_column_that_gives_text_is_refused_rather_than_downloaded_as_text():
    with pytest.raises(TypeError, match="_BadMoneyTable.amount is a money column"):
        tables2_table(_BadMoneyTable([{"amount": Decimal("12.50")}]))


def test_export_only_values_dates_in_uk_time_and_columns_left_out_of_exports():
    late_evening = timezone.make_aware(datetime.datetime(2025, 6, 30, 23, 30), datetime.UTC)

    table = tables2_table(_ExportTable([{"name": "Kent Care", "when": late_evening}]), title="Things")

    assert table.title == "Things"
    assert table.headings == ["Name", "When"]
    # 23:30 UTC is 00:30 on 1 July in the UK (BST): the council's day.
    assert table.rows == [["Kent Care New & shiny", datetime.date(2025, 7, 1)]]


def test_plain_text_reads_entities_and_collapses_white_space():
    assert plain_text('<strong class="x">A &amp; B</strong>\n   <br>C') == "A & B C"


# ------------------------------------------------------------------ the mixin on a page


@pytest.fixture
def register(directorate, other_directorate):
    ContractFactory(reference="KCC-A", title='=HYPERLINK("http://evil")', directorate=directorate)
    ContractFactory(reference="KCC-B", title="Roads", directorate=other_directorate, annual_value=Decimal("99.99"))
    return reverse("outcomes_link:contract_list")


@pytest.mark.parametrize("query", [{"download": "nothing"}, {"download": "contracts", "format": "pdf"}])
def test_an_unknown_download_or_format_is_not_found(client, member, register, query):
    client.force_login(member)
    assert client.get(register, query).status_code == 404


def test_the_page_is_shown_when_no_download_is_asked_for(client, member, register):
    client.force_login(member)
    response = client.get(register)
    assert response.status_code == 200
    assert b"gt-downloads" in response.content
    assert b"?download=contracts&amp;format=csv" in response.content


def test_csv_has_a_byte_order_mark_neutralised_text_and_a_dated_file_name(client, member, register):
    client.force_login(member)
    response = client.get(register, {"download": "contracts"})  # CSV unless told otherwise

    rows = read_csv(response)
    assert response["Content-Disposition"] == f'attachment; filename="contracts-{as_at.today().isoformat()}.csv"'
    assert rows[0][:2] == ["Reference", "Title"]
    titles = {row[0]: row[1] for row in rows[1:]}
    assert titles["KCC-A"] == '\'=HYPERLINK("http://evil")'
    assert rows[2][5] == "99.99"


def test_excel_cells_are_numbers_and_dates_with_formats_and_text_is_neutralised(client, member, register):
    client.force_login(member)
    response = client.get(register, {"download": "contracts", "format": "xlsx"})

    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    header = [c.value for c in sheet[1]]
    money, ends, title = (sheet.cell(row=3, column=header.index(h) + 1) for h in ("Annual value (£)", "Ends", "Title"))
    assert money.data_type == "n" and Decimal(str(money.value)) == Decimal("99.99")
    assert money.number_format == MONEY_FORMAT
    assert (
        isinstance(ends.value, datetime.datetime)
        and ends.value.date() == Contract.objects.get(reference="KCC-B").current_end_date
    )
    assert sheet.cell(row=2, column=header.index("Title") + 1).value == '\'=HYPERLINK("http://evil")'
    assert title.value == "Roads"


def test_counts_in_excel_have_the_count_format(client, member, directorate):
    ContractFactory(directorate=directorate)
    client.force_login(member)
    sheet = load_workbook(
        io.BytesIO(client.get(reverse("contracts:provider_list"), {"download": "providers", "format": "xlsx"}).content)
    ).worksheets[0]
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("Contracts") + 1)
    assert cell.value == 1 and cell.number_format == COUNT_FORMAT


def test_a_download_keeps_the_pages_permissions(client, no_role_user, register):
    url = f"{register}?download=contracts&format=csv"
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    client.force_login(no_role_user)
    assert client.get(url).status_code == 403


def test_a_download_has_the_pages_filters_and_sort_order(client, member, register, directorate):
    ContractFactory(reference="KCC-C", title="Also care", directorate=directorate)
    client.force_login(member)

    rows = read_csv(
        client.get(register, {"directorate_id": directorate.pk, "sort": "-reference", "download": "contracts"})
    )

    assert [row[0] for row in rows[1:]] == ["KCC-C", "KCC-A"]


def test_a_download_is_of_every_row_not_the_page_shown(client, member, directorate):
    for n in range(55):
        ContractFactory(reference=f"KCC-{n:03d}", directorate=directorate)
    client.force_login(member)
    url = reverse("outcomes_link:contract_list")

    assert len(client.get(url).context["table"].page.object_list) == 50
    assert len(read_csv(client.get(url, {"download": "contracts", "page": "2"}))) == 1 + 55


def test_a_download_as_at_a_past_day_shows_the_data_as_it_then_stood(client, member, directorate, backdate):
    contract = ContractFactory(reference="KCC-OLD", title="Home care north", directorate=directorate)
    backdate(PAST - datetime.timedelta(days=10))
    contract_update(contract=contract, data={"title": "Retitled later"}, reason="Varied")
    ContractFactory(reference="KCC-NEW", directorate=directorate)
    client.force_login(member)
    url = reverse("outcomes_link:contract_list")

    past = client.get(url, {"as_at": PAST.isoformat(), "download": "contracts"})
    live = read_csv(client.get(url, {"download": "contracts"}))

    assert [row[:2] for row in read_csv(past)[1:]] == [["KCC-OLD", "Home care north"]]
    assert past["Content-Disposition"] == f'attachment; filename="contracts-{PAST.isoformat()}.csv"'
    assert sorted(row[0] for row in live[1:]) == ["KCC-NEW", "KCC-OLD"]


# ------------------------------------------------------------------ query counts


def _contracts_with_everything(directorate, start: int, count: int) -> None:
    """Contracts each with a provider, an outcome link, a KPI with a red run (a deduction and a
    concern) and a spend line: every list below grows by `count` rows."""
    outcome = SupportingOutcome.objects.get(code="1.1")
    spend = SpendLines()
    for n in range(start, start + count):
        provider = ProviderFactory(name=f"Provider {n}")
        contract = ContractFactory(reference=f"KCC-Q{n:03d}", directorate=directorate, provider=provider)
        OutcomeLinkFactory(contract=contract, supporting_outcome=outcome)
        kpi = KPIFactory(contract=contract, deduction_rule=DeductionRule.FIXED, deduction_amount=100)
        kpi_return(kpi, "2024-25 Q1", "70")
        kpi_return(kpi, "2024-25 Q2", "70")
        spend.add("2024-05-01", provider.name, "10.00", provider=provider, contract=contract)


QUERY_COUNTED = [
    ("outcomes_link:contract_list", "contracts"),
    ("outcomes_link:rag_matrix", "matrix"),
    ("contracts:provider_list", "providers"),
    ("contracts:deduction_list", "deductions"),
    ("contracts:deduction_list", "totals"),
    ("contracts:concern_list", "concerns"),
    ("contracts:overdue_returns", "overdue"),
    ("contracts:spend_line_list", "lines"),
    ("social_value:local_spend", "suppliers"),
]


@pytest.mark.parametrize(("url_name", "download"), QUERY_COUNTED, ids=[d for _, d in QUERY_COUNTED])
def test_a_download_runs_a_fixed_number_of_queries_whatever_the_number_of_rows(
    client, member, directorate, url_name, download
):
    _contracts_with_everything(directorate, 0, 2)
    client.force_login(member)
    url = reverse(url_name)
    query = {"download": download, "format": "xlsx"}
    client.get(url, query)  # sessions, content types and the like, read once

    with CaptureQueriesContext(connection) as two:
        small = read_xlsx(client.get(url, query))
    _contracts_with_everything(directorate, 2, 10)
    with CaptureQueriesContext(connection) as twelve:
        large = read_xlsx(client.get(url, query))

    assert len(large) > len(small)
    assert len(twelve.captured_queries) == len(two.captured_queries)


def test_spend_lines_are_counted_in_pence_in_the_download(client, member, directorate):
    # SQLite keeps decimals as floats; the download works from integer pence, so no float creeps in.
    SpendLines().add("2024-05-01", "Kent Care", "0.10")
    SpendLines().add("2024-05-02", "Kent Care", "0.20")
    client.force_login(member)
    rows = read_csv(client.get(reverse("contracts:spend_line_list"), {"download": "lines"}))
    assert sorted(row[2] for row in rows[1:]) == ["0.10", "0.20"]
    assert SpendLine.objects.count() == 2
