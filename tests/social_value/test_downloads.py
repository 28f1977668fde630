"""Every table on the social value and local spend pages downloads as CSV and Excel (issue 6):
each download's headings and a known row, and the guard that no table is left without its links.
Import results and previews describe an uploaded file, not the council's data, and are marked
data-no-download instead."""

import datetime
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from commissioning import as_at
from contracts.services.providers import normalise_provider_name
from social_value.services.catalogue import DEFAULT_CATALOGUE_FILE
from tests.downloads_testing import assert_every_table_downloadable, build_world, check_download

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def world(directorate, commissioner):
    return build_world(directorate=directorate, commissioner=commissioner, today=as_at.today())


PAGES = {
    "measure_list": ("social_value:measure_list", None, {}),
    "commitment_detail": ("social_value:commitment_detail", "commitment", {}),
    "contract_social_value": ("social_value:contract_social_value", "contract", {}),
    "delivery_return_list": ("social_value:delivery_return_list", None, {"status": "submitted"}),
    "dashboard": ("social_value:dashboard", None, {}),
    "local_spend": ("social_value:local_spend", None, {}),
    "spend_supplier": ("social_value:spend_supplier", None, {"provider_id": "provider"}),
    "spend_supplier_unmatched": (
        "social_value:spend_supplier",
        None,
        {"supplier": normalise_provider_name("=Bob's Plumbing")},
    ),
}


def page_url(world, page: str) -> tuple[str, dict]:
    name, obj, query = PAGES[page]
    query = {k: (str(world.provider.pk) if v == "provider" else v) for k, v in query.items()}
    return (reverse(name) if obj is None else reverse(name, args=[getattr(world, obj).pk])), query


DOWNLOADS = [
    ("measure_list", "measures", {"Measure code": "LET1", "Proxy value (£ per unit)": Decimal("1000")}),
    ("commitment_detail", "returns", {"Period from": D(2024, 4, 1), "Quantity": Decimal("1"), "Status": "Verified"}),
    ("contract_social_value", "commitments", {"Measure code": "LET1", "Committed (£)": Decimal("4000")}),
    ("contract_social_value", "commitments", {"Measure code": "Total", "Delivered (£)": Decimal("1000")}),
    ("contract_social_value", "awaiting", {"Contract": "KCC-DL-001", "Quantity": Decimal("0.5")}),
    ("delivery_return_list", "returns", {"Contract": "KCC-DL-001", "Period from": D(2024, 7, 1)}),
    ("dashboard", "top-contracts", {"Contract": "KCC-DL-001", "Delivered, verified (£)": Decimal("1000")}),
    ("dashboard", "lagging-contracts", {"Rank": 1, "Contract": "KCC-DL-001", "Committed (£)": Decimal("4000")}),
    ("local_spend", "summary", {"Figure": "Total spend", "Spend (£)": Decimal("2300.25")}),
    ("local_spend", "trend", {"Lines": 1, "Total (£)": Decimal("1500.25"), "Kent-based (£)": Decimal("1500.25")}),
    ("local_spend", "by-financial_year", {"Financial year": "2024-25", "Total spend (£)": Decimal("2300.25")}),
    ("local_spend", "by-quarter", {"Lines": 2, "Total spend (£)": Decimal("2300.25")}),
    ("local_spend", "by-month", {"Lines": 1, "Total spend (£)": Decimal("800")}),
    ("local_spend", "by-service_area", {"Total spend (£)": Decimal("800"), "Kent spend (£)": Decimal("0")}),
    ("local_spend", "by-expense_type", {"Lines": 2}),
    ("local_spend", "by-capital_revenue", {"Lines": 2}),
    ("local_spend", "suppliers", {"Supplier": "Maidstone Care Ltd", "Spend (£)": Decimal("1500.25")}),
    ("local_spend", "contracts", {"Contract reference": "KCC-DL-001", "Spend (£)": Decimal("1500.25")}),
    ("spend_supplier", "by-financial_year", {"Financial year": "2024-25", "Total spend (£)": Decimal("1500.25")}),
    ("spend_supplier", "by-month", {"Lines": 1, "Total spend (£)": Decimal("1500.25")}),
    ("spend_supplier", "by-service_area", {"Service area or directorate": "Adult Social Care"}),
    ("spend_supplier", "contracts", {"Contract reference": "KCC-DL-001", "Lines": 1}),
    ("spend_supplier_unmatched", "by-month", {"Total spend (£)": Decimal("800")}),
]


@pytest.mark.parametrize(("page", "download", "expected"), DOWNLOADS, ids=[f"{p}-{d}" for p, d, _ in DOWNLOADS])
def test_each_table_downloads_as_csv_and_excel_with_its_headings_and_rows(
    client, member, world, page, download, expected
):
    client.force_login(member)
    url, query = page_url(world, page)

    check_download(client, url, download, expected, query)


@pytest.mark.parametrize("page", list(PAGES))
def test_every_table_on_the_page_is_followed_by_working_download_links(client, member, world, page):
    client.force_login(member)
    url, query = page_url(world, page)
    if query:
        url += "?" + urlencode(query)

    assert_every_table_downloadable(client, url)


def test_a_local_spend_download_keeps_the_pages_filters(client, member, world):
    client.force_login(member)
    url = reverse("social_value:local_spend")

    check_download(
        client, url, "summary", {"Figure": "Total spend", "Spend (£)": Decimal("800")}, {"service_area": "Highways"}
    )


def test_the_whole_local_spend_report_still_downloads_as_one_file(client, member, world):
    client.force_login(member)
    response = client.get(reverse("social_value:local_spend_download", args=["csv"]))
    assert response.status_code == 200
    assert b"Spend per contract" in response.content


def test_downloads_of_an_invalid_query_are_not_found(client, member, world):
    client.force_login(member)
    response = client.get(reverse("social_value:dashboard"), {"on": "yesterday", "download": "top-contracts"})
    assert response.status_code == 404


def test_an_import_result_says_why_its_tables_are_not_downloadable(client, admin_user, kcc_framework):
    client.force_login(admin_user)
    url = reverse("social_value:catalogue_import")
    with open(DEFAULT_CATALOGUE_FILE, "rb") as handle:
        response = client.post(url, {"file": handle, "check_only": "on"})
    html = response.content.decode()

    assert response.status_code == 200 and 'data-no-download="import result' in html
    assert assert_every_table_downloadable(client, url, expect_tables=0, html=html) == 0
