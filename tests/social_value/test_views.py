"""Procurement's local spend pages: the annual report's table, breakdowns, suppliers, downloads."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from contracts.choices import Location, Sector, SizeBand
from contracts.models import SpendLine
from tests.contracts.factories import ContractFactory
from tests.social_value.factories import SpendLines, classified_provider, spend_dataset

pytestmark = pytest.mark.django_db

ROLES = ["member", "commissioner", "procurement", "admin_user"]


@pytest.fixture
def dataset():
    return spend_dataset()


def page(client, user, **params):
    client.force_login(user)
    return client.get(reverse("social_value:local_spend"), params)


def download(client, user, fmt, **params):
    client.force_login(user)
    return client.get(reverse("social_value:local_spend_download", args=[fmt]), params)


def supplier_page(client, user, **params):
    client.force_login(user)
    return client.get(reverse("social_value:spend_supplier"), params)


def text(response) -> str:
    return response.content.decode()


# ------------------------------------------------------------------ access


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("social_value:local_spend", []),
        ("social_value:local_spend_download", ["csv"]),
        ("social_value:spend_supplier", []),
    ],
)
def test_anonymous_is_sent_to_sign_in(client, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_user_without_a_role_is_refused(client, no_role_user):
    assert page(client, no_role_user).status_code == 403
    assert download(client, no_role_user, "csv").status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_page_and_downloads(client, request, dataset, role):
    user = request.getfixturevalue(role)
    response = page(client, user)
    assert response.status_code == 200
    assert "£18,100.00" in text(response)
    assert download(client, user, "csv").status_code == 200
    assert supplier_page(client, user, provider_id=dataset.kent_sme.pk).status_code == 200


def test_nav_has_local_spend_for_a_signed_in_role(client, member):
    client.force_login(member)
    response = client.get(reverse("outcomes_link:home"))
    assert f'href="{reverse("social_value:local_spend")}"' in text(response)
    assert ">Local spend<" in text(response)


def test_nav_marks_local_spend_as_the_current_section(client, member, dataset):
    body = text(page(client, member))
    assert '<strong class="govuk-service-navigation__active-fallback">Local spend</strong>' in body


# ------------------------------------------------------------------ empty state


def test_empty_state_offers_procurement_the_upload(client, procurement):
    body = text(page(client, procurement))
    assert "No spend imported yet" in body
    assert reverse("contracts:spend_import_add") in body


def test_empty_state_without_the_right_to_upload(client, member):
    body = text(page(client, member))
    assert "No spend imported yet" in body
    assert reverse("contracts:spend_import_add") not in body
    assert "Procurement officers upload the spend files" in body


# ------------------------------------------------------------------ the table


def test_summary_is_laid_out_as_the_annual_report(client, member, dataset):
    response = page(client, member)
    body = text(response)
    labels = [row.label for row in response.context["summary_rows"]]
    assert labels == [
        "Total spend",
        "Kent spend",
        "Spend with suppliers outside Kent",
        "Spend whose supplier's location is not known",
        "Redacted spend (payments to individuals)",
        "Suppliers",
        "Kent-based suppliers",
        "Spend with SMEs",
        "Spend directly with Kent-based SMEs",
        "Spend with Kent-based micro enterprises",
        "Spend with VCS organisations",
        "Spend with Kent-based VCS organisations",
    ]
    for figure in ("£18,100.00", "£3,400.00", "18.8%", "£5,900.00", "£2,900.00", "33.3%"):
        assert figure in body
    assert "11 spend lines paid from 31 March 2024 to 1 April 2025" in body


def test_unknowns_are_shown_beside_the_figures_and_never_as_not_local(client, member, dataset):
    body = text(page(client, member))
    assert "never counted as not local" in body
    assert 'Location not known: <span class="gt-nowrap">£1,700.00</span>' in body
    assert 'Of the not known, unmatched suppliers: <span class="gt-nowrap">£1,000.00</span>' in body
    assert 'Suppliers whose location is not known: <span class="gt-nowrap">2</span>' in body


def test_the_total_is_shown_to_add_up(client, member, dataset):
    response = page(client, member)
    assert response.context["reconciliation"] == {
        "kent_spend": pytest.approx(3400),
        "outside_spend": pytest.approx(12500),
        "unknown_location_spend": pytest.approx(1700),
        "redacted_spend": pytest.approx(500),
        "total_spend": pytest.approx(18100),
    }
    body = " ".join(text(response).split())
    assert (
        "Kent-based £3,400.00 + outside Kent £12,500.00 + location not known £1,700.00 + redacted £500.00 "
        "= total spend <strong>£18,100.00</strong>" in body
    )


def test_filters_narrow_every_figure_and_carry_to_the_line_list(client, member, dataset):
    response = page(client, member, financial_year="2024")
    assert response.context["summary"].total_spend == 1_690_000
    body = text(response)
    assert f'{reverse("contracts:spend_line_list")}?financial_year=2024"' in body
    assert f'{reverse("social_value:local_spend_download", args=["csv"])}?financial_year=2024"' in body
    assert "filtered by financial year 2024-25" in body


def test_date_filters_are_inclusive(client, member, dataset):
    response = page(client, member, date_after="2024-03-31", date_before="2024-04-01")
    assert response.context["summary"].total_spend == 300_000


def test_only_the_page_filters_are_offered(client, member, dataset):
    fields = list(page(client, member).context["filter"].form.fields)
    assert fields == [
        "date_after",
        "date_before",
        "financial_year",
        "publisher_id",
        "service_area",
        "expense_type",
        "capital_revenue",
    ]


def test_invalid_filters_show_errors_not_figures(client, member, dataset):
    response = page(client, member, date_after="not a date")
    assert response.status_code == 200
    assert "Correct the filters to see the figures" in text(response)
    assert "summary" not in response.context


def test_filters_matching_nothing_say_so(client, member, dataset):
    body = text(page(client, member, service_area="Nothing here"))
    assert "No spend matches these filters" in body


def test_breakdowns_link_each_row_to_its_lines_within_the_filters(client, member, dataset):
    response = page(client, member, date_after="2024-05-01")
    tabs = {b["dimension"]: b for b in response.context["breakdowns"]}
    assert list(tabs) == ["financial_year", "quarter", "month", "service_area", "expense_type", "capital_revenue"]
    year = tabs["financial_year"]["rows"][0]
    assert year.row.label == "2024-25"
    # The year's lines, from the filter's first day (not 1 April) to 31 March.
    assert year.lines_query == "date_after=2024-05-01&date_before=2025-03-31"
    quarter = {line.row.label: line for line in tabs["quarter"]["rows"]}["2024-25 Q4"]
    assert quarter.lines_query == "date_after=2025-01-01&date_before=2025-03-31"
    areas = {line.row.label: line for line in tabs["service_area"]["rows"]}
    assert areas["Highways"].lines_query == "date_after=2024-05-01&service_area=Highways"
    assert areas["Not stated"].lines_query is None  # a blank service area cannot be filtered
    body = text(response)
    assert 'href="#by-quarter"' in body
    assert f"{reverse('contracts:spend_line_list')}?date_after=2024-05-01&amp;service_area=Highways" in body


def test_top_suppliers_link_to_their_pages(client, member, dataset):
    response = page(client, member)
    rows = response.context["top_suppliers"]
    assert [s.row.name for s in rows][:2] == ["Big Outsourcing plc", "Kent Care Ltd"]
    body = text(response)
    assert f'{reverse("social_value:spend_supplier")}?provider_id={dataset.outside_large.pk}"' in body
    assert f'{reverse("social_value:spend_supplier")}?supplier=bob+s+plumbing"' in body
    bob = next(s for s in rows if s.row.provider_id is None)
    assert (bob.location, bob.size, bob.sector) == ("Not known (unmatched)",) * 3


def test_spend_per_contract_links_to_the_contract(client, member, dataset):
    contract = ContractFactory(provider=dataset.outside_large, reference="KCC-HW-1")
    SpendLine.objects.filter(provider=dataset.outside_large).update(contract=contract)
    body = text(page(client, member))
    assert f'href="{reverse("outcomes_link:contract_detail", args=[contract.pk])}">KCC-HW-1</a>' in body


def test_procurement_links(client, procurement, member, dataset):
    body = text(page(client, procurement))
    for name in ("contracts:spend_import_list", "contracts:supplier_match_list", "contracts:spend_import_add"):
        assert f'href="{reverse(name)}"' in body
    assert f'href="{reverse("contracts:spend_line_list")}"' in body
    assert f'href="{reverse("contracts:spend_import_add")}"' not in text(page(client, member))


def test_trend_charts_with_a_text_alternative(client, member, dataset):
    response = page(client, member)
    body = text(response)
    assert body.count('role="img"') == 2
    assert "Spend by month, by supplier location" in body
    assert "Kent share of spend by month" in body
    assert "The charts&#x27; figures as a table" in body or "The charts' figures as a table" in body
    months = [m.label for m in response.context["trend"]]
    assert months[0] == "Mar 2024" and months[-1] == "Apr 2025" and len(months) == 14


# ------------------------------------------------------------------ downloads


def test_csv_download_has_the_summary_and_breakdowns_with_the_filters(client, member, dataset):
    response = download(client, member, "csv", financial_year="2024", service_area="Adult Social Care")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="local-spend-')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert ["Financial year", "2024-25"] in rows
    assert ["Service area or directorate", "Adult Social Care"] in rows
    total = next(r for r in rows if r and r[0] == "Total spend")
    assert total[1] == "2400.00"  # 2,000 + 500 - 100 in 2024-25 for Adult Social Care
    assert ["By quarter"] in rows


def test_xlsx_download_has_numeric_money(client, member, dataset):
    response = download(client, member, "xlsx")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.content))
    summary = book["Local spend summary"]
    assert summary["A2"].value == "Total spend"
    assert summary["B2"].value == 18100
    assert summary["B2"].data_type == "n"


def test_download_neutralises_formulas_from_the_filters_and_data(client, member):
    SpendLines().add("2024-05-01", '=HYPERLINK("http://evil")', "10.00", service_area="=1+1")
    response = download(client, member, "csv", service_area="=1+1")
    content = response.content.decode("utf-8-sig")
    assert "'=HYPERLINK" in content
    assert "'=1+1" in content
    assert ",=" not in content and "\n=" not in content


def test_download_of_an_unknown_format_is_not_found(client, member):
    assert download(client, member, "pdf").status_code == 404


def test_download_with_invalid_filters_is_refused(client, member):
    response = download(client, member, "csv", date_before="31st of never")
    assert response.status_code == 400


# ------------------------------------------------------------------ one supplier


def test_provider_page_shows_its_classification_with_reasons(client, member, dataset):
    response = supplier_page(client, member, provider_id=dataset.kent_sme.pk)
    body = text(response)
    assert "Kent Care Ltd" in body
    assert "Kent-based" in body and "Test: local" in body
    assert "Small (under 50 staff) (SME)" in body and "Test: small" in body
    assert response.context["summary"].total_spend == 300_000  # both names of the provider
    years = {line.row.label: line.row.total_spend for line in response.context["breakdowns"][0]["rows"]}
    assert years == {"2023-24": 100_000, "2024-25": 200_000}
    assert f'{reverse("contracts:spend_line_list")}?provider_id={dataset.kent_sme.pk}"' in body
    assert f'href="{reverse("contracts:provider_detail", args=[dataset.kent_sme.pk])}"' in body


def test_unmatched_supplier_page_says_its_classification_is_not_known(client, member, dataset):
    response = supplier_page(client, member, supplier="bob s plumbing")
    body = text(response)
    assert "Unmatched: location, size and sector not known" in body
    assert response.context["name"] == "Bob's Plumbing"
    assert response.context["summary"].total_spend == 100_000
    months = [line.row.label for line in response.context["breakdowns"][1]["rows"]]
    assert months == ["Mar 2025", "Apr 2025"]
    assert "supplier=bob+s+plumbing" in response.context["lines_query"]
    assert "matched=false" in response.context["lines_query"]


def test_supplier_page_keeps_the_page_filters(client, member, dataset):
    response = supplier_page(client, member, supplier="bob s plumbing", financial_year="2025")
    assert response.context["summary"].total_spend == 20_000
    body = text(response)
    # Clearing the filters keeps the supplier.
    assert f'href="{reverse("social_value:spend_supplier")}?supplier=bob+s+plumbing"' in body
    assert 'type="hidden" name="supplier" value="bob s plumbing"' in body


def test_supplier_page_shows_its_contracts_spend(client, member, dataset):
    contract = ContractFactory(provider=dataset.outside_large, reference="KCC-HW-2")
    SpendLine.objects.filter(provider=dataset.outside_large).update(contract=contract)
    body = text(supplier_page(client, member, provider_id=dataset.outside_large.pk))
    assert f'href="{reverse("outcomes_link:contract_detail", args=[contract.pk])}">KCC-HW-2</a>' in body


@pytest.mark.parametrize("params", [{}, {"provider_id": "999999"}, {"provider_id": "abc"}])
def test_supplier_page_needs_a_supplier(client, member, params):
    assert supplier_page(client, member, **params).status_code == 404


# ------------------------------------------------------------------ query counts


def _spend_with_suppliers(count: int) -> None:
    """`count` suppliers, half matched to providers (with a contract) and half unmatched, each
    paid in two months; plus a redacted line."""
    lines = SpendLines()
    for i in range(count):
        day = f"2024-{4 + i % 9:02d}-15"
        if i % 2:
            provider = classified_provider(f"Provider {i}", Location.LOCAL, SizeBand.SMALL, Sector.VCS)
            contract = ContractFactory(provider=provider) if i < 4 else None
            lines.add(day, f"Provider {i}", "100.00", provider=provider, contract=contract, service_area=f"Area {i}")
            lines.add("2025-01-10", f"Provider {i}", "50.00", provider=provider, expense_type=f"Type {i}")
        else:
            lines.add(day, f"Unmatched {i}", "75.00", service_area=f"Area {i}")
            lines.add("2025-02-10", f"Unmatched {i}", "25.00", capital_revenue="revenue")
    lines.add("2024-08-01", "REDACTED", "10.00", redacted=True)


@pytest.mark.parametrize("count", [2, 12])
def test_local_spend_page_queries_do_not_grow_with_suppliers(client, procurement, django_assert_max_num_queries, count):
    _spend_with_suppliers(count)
    client.force_login(procurement)
    url = reverse("social_value:local_spend")
    with django_assert_max_num_queries(16):
        response = client.get(url, {"financial_year": "2024"})
    assert len(response.context["top_suppliers"]) == count


@pytest.mark.parametrize("count", [2, 12])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_download_queries_do_not_grow_with_suppliers(client, procurement, django_assert_max_num_queries, count, fmt):
    _spend_with_suppliers(count)
    client.force_login(procurement)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("social_value:local_spend_download", args=[fmt]))
    assert response.status_code == 200


@pytest.mark.parametrize("count", [2, 12])
def test_supplier_page_queries_do_not_grow_with_lines(client, procurement, django_assert_max_num_queries, count):
    provider = classified_provider("Busy Ltd", Location.LOCAL, SizeBand.MICRO, Sector.PRIVATE)
    contract = ContractFactory(provider=provider)
    lines = SpendLines()
    for i in range(count):
        lines.add(
            f"2024-{4 + i % 9:02d}-{1 + i:02d}",
            "Busy Ltd",
            "10.00",
            provider=provider,
            contract=contract if i % 2 else None,
            service_area=f"Area {i}",
        )
    client.force_login(procurement)
    with django_assert_max_num_queries(13):
        response = client.get(reverse("social_value:spend_supplier"), {"provider_id": provider.pk})
    assert response.context["summary"].lines == count
