"""Every table on the contracts app's pages downloads as CSV and Excel (issue 6: "Every table shown
can be downloaded as CSV and Excel"): each download's headings and a known row, and the guard that
no table on these pages is left without its links."""

import datetime
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from commissioning import as_at
from commissioning.downloads import tables2_table
from contracts.downloads import spend_lines_table
from contracts.selectors import spend_line_list
from contracts.tables_spend import SpendLineTable
from tests.downloads_testing import assert_every_table_downloadable, build_world, check_download

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def world(directorate, commissioner):
    return build_world(directorate=directorate, commissioner=commissioner, today=as_at.today())


# Each page: (URL name, the object its URL takes, query string).
PAGES = {
    "provider_list": ("contracts:provider_list", None, {}),
    "provider_detail": ("contracts:provider_detail", "provider", {}),
    "kpi_list": ("contracts:kpi_list", "contract", {}),
    "contract_performance": ("contracts:contract_performance", "contract", {}),
    "kpireturn_grid": ("contracts:kpireturn_grid", None, {"quarter": "2024-25 Q2"}),
    "overdue_returns": ("contracts:overdue_returns", None, {}),
    "deduction_list": ("contracts:deduction_list", None, {}),
    "deduction_detail": ("contracts:deduction_detail", "deduction", {}),
    "concern_list": ("contracts:concern_list", None, {}),
    "concern_detail": ("contracts:concern_detail", "concern", {}),
    "assessment_list": ("contracts:assessment_list", None, {}),
    "assessment_detail": ("contracts:assessment_detail", "assessment", {}),
    "supplier_match_list": ("contracts:supplier_match_list", None, {}),
    "spend_import_list": ("contracts:spend_import_list", None, {}),
    "spend_import_detail": ("contracts:spend_import_detail", "spend_import", {}),
    "spend_line_list": ("contracts:spend_line_list", None, {}),
}


def page_url(world, page: str) -> tuple[str, dict]:
    name, obj, query = PAGES[page]
    if obj is None:
        return reverse(name), query
    target = world.spend.spend_import if obj == "spend_import" else getattr(world, obj)
    return reverse(name, args=[target.pk]), query


# (page, download, a row it must hold: heading -> value)
DOWNLOADS = [
    ("provider_list", "providers", {"Provider": "Maidstone Care Ltd", "Location": "Kent-based", "Contracts": 1}),
    ("provider_detail", "contracts", {"Reference": "KCC-DL-001", "Annual value (£)": Decimal("1234567.89")}),
    ("kpi_list", "kpis", {"Code": "KPI01", "Target": Decimal("90"), "Deduction amount (£)": Decimal("500")}),
    ("contract_performance", "quarters", {"Quarter": "2024-25 Q1", "Green": 1, "Red": 1, "Missing": 0}),
    (
        "contract_performance",
        "returns",
        {"KPI code": "KPI01", "Period": "2024-25 Q1", "Actual": Decimal("70"), "Commentary": "Staff shortages"},
    ),
    ("contract_performance", "deductions", {"KPI code": "KPI01", "Period": "2024-25 Q1", "Amount (£)": Decimal(500)}),
    ("kpireturn_grid", "returns", {"Contract": "KCC-DL-001", "KPI code": "KPI02", "Actual": Decimal("88")}),
    (
        "overdue_returns",
        "overdue",
        {"Contract": "KCC-DL-001", "KPI code": "KPI02", "Return so far": "Draft saved, not submitted"},
    ),
    ("deduction_list", "deductions", {"Contract": "KCC-DL-001", "Amount (£)": Decimal("500"), "Status": "Proposed"}),
    ("deduction_list", "totals", {"Contract": "Total", "Proposed (£)": Decimal("1000")}),
    ("concern_list", "concerns", {"Contract": "KCC-DL-001", "KPI": "KPI01 Visits on time", "Status": "Open"}),
    ("concern_detail", "returns", {"Period": "2024-25 Q2", "Actual": Decimal("75"), "Counted": "Yes"}),
    ("assessment_list", "overdue", {"Contract": "KCC-DL-001", "Provider": "Maidstone Care Ltd"}),
    ("assessment_list", "missing-key-kpis", {"Contract": "KCC-DL-001", "Key KPIs": 1}),
    ("assessment_list", "assessments", {"Contract": "KCC-DL-001", "Period from": D(2024, 4, 1), "Status": "Proposed"}),
    ("assessment_detail", "ratings", {"KPI code": "KPI01", "KPI": "Visits on time"}),
    # A supplier name starting with "=" is neutralised: a spreadsheet shows it, never runs it.
    ("supplier_match_list", "suppliers", {"Supplier": "'=Bob's Plumbing", "Total (£)": Decimal("800")}),
    ("spend_import_list", "imports", {"File": "test.csv", "Status": "Imported"}),
    (
        "spend_line_list",
        "lines",
        {"Date": D(2024, 5, 15), "Amount (£)": Decimal("1500.25"), "Contract": "KCC-DL-001", "Redacted": "No"},
    ),
]


@pytest.mark.parametrize(("page", "download", "expected"), DOWNLOADS, ids=[f"{p}-{d}" for p, d, _ in DOWNLOADS])
def test_each_table_downloads_as_csv_and_excel_with_its_headings_and_rows(
    client, commissioner, world, page, download, expected
):
    client.force_login(commissioner)
    url, query = page_url(world, page)

    check_download(client, url, download, expected, query)


@pytest.mark.parametrize("page", list(PAGES))
def test_every_table_on_the_page_is_followed_by_working_download_links(client, member, commissioner, world, page):
    # A member reads every page as a table (a commissioner confirms an assessment in a form);
    # the return-entry grid is the commissioners' own.
    client.force_login(commissioner if page == "kpireturn_grid" else member)
    url, query = page_url(world, page)
    if query:
        url += "?" + urlencode(query)
    # Pages without a table of the council's data: a deduction (a summary list) and an import's
    # record (its columns table describes the uploaded file, marked data-no-download).
    expect = 0 if page in ("deduction_detail", "spend_import_detail") else 1

    assert_every_table_downloadable(client, url, expect_tables=expect)


def test_the_spend_lines_download_has_every_line_the_filters_select_not_one_page(client, member, world):
    for day in range(1, 61):
        world.spend.add(D(2025, 1, 1) + datetime.timedelta(days=day), "Maidstone Care Ltd", "10.00")
    client.force_login(member)
    url = reverse("contracts:spend_line_list")

    headings = check_download(client, url, "lines", {"Amount (£)": Decimal("800")}, {"service_area": "Highways"})
    everything = client.get(url, {"download": "lines", "format": "csv"}).content.decode("utf-8-sig").splitlines()
    filtered = client.get(url, {"download": "lines", "format": "csv", "service_area": "Highways"})

    assert headings[:3] == ["Date", "Supplier", "Amount (£)"]
    assert len(everything) == 1 + 62  # headings, then all 62 lines though the page shows 50
    assert len(filtered.content.decode("utf-8-sig").splitlines()) == 1 + 1


def test_a_deductions_download_follows_the_pages_sort_order(client, member, world):
    client.force_login(member)
    url = reverse("contracts:deduction_list")

    ascending = client.get(url, {"download": "deductions", "format": "csv", "sort": "period"}).content
    descending = client.get(url, {"download": "deductions", "format": "csv", "sort": "-period"}).content
    lines = ascending.decode("utf-8-sig").splitlines()[1:]

    assert ["2024-25 Q1" in lines[0], "2024-25 Q2" in lines[1]] == [True, True]
    assert descending.decode("utf-8-sig").splitlines()[1:] == lines[::-1]


def test_a_download_is_refused_where_the_page_is(client, world, procurement, no_role_user):
    url = reverse("contracts:kpireturn_grid")
    client.force_login(procurement)  # the grid is for commissioners and admin
    assert client.get(url, {"download": "returns", "format": "csv"}).status_code == 403
    client.force_login(no_role_user)
    assert client.get(reverse("contracts:provider_list"), {"download": "providers"}).status_code == 403


def test_a_download_of_an_unknown_contract_is_not_found(client, member, world):
    client.force_login(member)
    response = client.get(reverse("contracts:kpi_list", args=[999999]), {"download": "kpis", "format": "csv"})
    assert response.status_code == 404


def test_spend_lines_download_as_their_table_would_give_them(world):
    world.spend.add("2024-08-10", "Redacted Personal Information", "400.00", redacted=True)
    lines = spend_line_list().order_by("payment_date", "id")

    fast = spend_lines_table(lines)
    through_the_table = tables2_table(SpendLineTable(lines))

    assert fast.headings == through_the_table.headings
    assert [c.kind for c in fast.columns] == [c.kind for c in through_the_table.columns]
    assert fast.rows == through_the_table.rows
    assert len(fast.rows) == 3
