"""The local spend report's figures, exact to the penny, for the small dataset of
tests/social_value/factories.spend_dataset (every case of the annual report's table)."""

from decimal import Decimal

import pytest
from django.http import QueryDict

from commissioning.db import percent_of
from contracts.choices import Location, Sector, SizeBand
from contracts.filtersets import SpendLineFilterSet
from contracts.models import SpendLine
from social_value.reports import LocalSpendReport
from tests.contracts.factories import ContractFactory
from tests.social_value.factories import SpendLines, classified_provider, spend_dataset

pytestmark = pytest.mark.django_db


def report(**filters) -> LocalSpendReport:
    data = QueryDict(mutable=True)
    data.update(filters)
    return LocalSpendReport(SpendLineFilterSet(data, queryset=SpendLine.objects.all()).qs)


def pence(pounds: str) -> int:
    return int(Decimal(pounds) * 100)


@pytest.fixture
def dataset():
    return spend_dataset()


# ------------------------------------------------------------------ percentages


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (1, 16, "6.3"),  # 6.25: half up, not half to even (6.2)
        (3, 16, "18.8"),  # 18.75
        (1, 3, "33.3"),
        (2, 3, "66.7"),
        (0, 5, "0.0"),
        (-1, 16, "-6.3"),
    ],
)
def test_percent_rounds_half_up_to_one_place(part, whole, expected):
    assert percent_of(part, whole) == Decimal(expected)


def test_percent_of_nothing_is_none():
    assert percent_of(5, 0) is None


# ------------------------------------------------------------------ the summary


def test_summary_figures_are_exact(dataset):
    s = report().summary()
    assert s.lines == 11
    assert s.total_spend == pence("18100.00")
    assert s.kent_spend == pence("3400.00")
    assert s.outside_spend == pence("12500.00")
    assert s.unknown_location_spend == pence("1700.00")  # Mystery Ltd's 700 and unmatched Bob's 1,000
    assert s.redacted_spend == pence("500.00")
    assert s.sme_spend == pence("5900.00")  # small 3,000 + micro 400 + medium 2,500
    assert s.kent_sme_spend == pence("3400.00")
    assert s.kent_micro_spend == pence("400.00")  # 500 less a credit of 100
    assert s.unknown_size_spend == pence("1700.00")
    assert s.vcs_spend == pence("2900.00")
    assert s.kent_vcs_spend == pence("400.00")
    assert s.unknown_sector_spend == pence("1700.00")
    assert s.unmatched_spend == pence("1000.00")
    assert str(s.first_payment) == "2024-03-31"
    assert str(s.last_payment) == "2025-04-01"


def test_kent_outside_unknown_and_redacted_add_up_to_the_total(dataset):
    s = report().summary()
    assert s.kent_spend + s.outside_spend + s.unknown_location_spend + s.redacted_spend == s.total_spend


def test_unknown_location_is_never_counted_as_outside_kent(dataset):
    s = report().summary()
    # Bob's Plumbing (unmatched) and Mystery Ltd (location not known) are in neither Kent nor outside.
    assert s.outside_spend == pence("10000.00") + pence("2500.00")
    assert report(location=Location.OUTSIDE).summary().total_spend == s.outside_spend


def test_suppliers_count_a_provider_once_and_redacted_lines_as_no_supplier(dataset):
    s = report().summary()
    # Kent Care (two names), Maidstone Mind, Big Outsourcing, London Charity, Mystery, Bob's Plumbing.
    assert s.suppliers == 6
    assert s.kent_suppliers == 2
    assert s.unknown_location_suppliers == 2
    assert s.kent_supplier_share == Decimal("33.3")


def test_shares_are_of_total_spend_rounded_half_up(dataset):
    s = report().summary()
    assert s.kent_share == Decimal("18.8")  # 3,400 / 18,100 = 18.78%
    assert s.share("unknown_location_spend") == Decimal("9.4")  # 9.39%
    assert s.share("redacted_spend") == Decimal("2.8")  # 2.76%


def test_summary_share_of_an_exact_half_rounds_up():
    kent = classified_provider("Kent Firm", Location.LOCAL, SizeBand.SMALL, Sector.PRIVATE)
    away = classified_provider("Away Firm", Location.OUTSIDE, SizeBand.LARGE, Sector.PRIVATE)
    lines = SpendLines()
    lines.add("2024-05-01", "Kent Firm", "1.00", provider=kent)
    lines.add("2024-05-01", "Away Firm", "15.00", provider=away)
    assert report().summary().kent_share == Decimal("6.3")  # 6.25%


def test_summary_as_json_has_money_as_two_decimal_strings(dataset):
    data = report().summary().as_json()
    assert data["total_spend"] == "18100.00"
    assert data["kent_spend"] == "3400.00"
    assert data["redacted_spend"] == "500.00"
    assert data["kent_share"] == "18.8"
    assert data["suppliers"] == 6


def test_summary_of_no_lines_is_zero_with_no_shares():
    s = LocalSpendReport(SpendLine.objects.none()).summary()
    assert (s.lines, s.total_spend, s.suppliers) == (0, 0, 0)
    assert s.kent_share is None
    assert s.first_payment is None


# ------------------------------------------------------------------ date filters and boundaries


def test_financial_year_runs_1_april_to_31_march(dataset):
    assert report(financial_year="2023").summary().total_spend == pence("1000.00")  # 31 March 2024 only
    assert report(financial_year="2024").summary().total_spend == pence("16900.00")
    assert report(financial_year="2025").summary().total_spend == pence("200.00")  # 1 April 2025


def test_date_range_includes_both_ends(dataset):
    s = report(date_after="2024-04-01", date_before="2025-03-31").summary()
    assert s.total_spend == pence("16900.00")
    assert s.lines == 9
    assert report(date_before="2024-03-31").summary().total_spend == pence("1000.00")
    assert report(date_after="2025-04-01").summary().total_spend == pence("200.00")


def test_date_filters_change_the_suppliers_counted(dataset):
    s = report(date_after="2025-01-01").summary()
    assert s.suppliers == 2  # Mystery Ltd and Bob's Plumbing
    assert s.kent_suppliers == 0
    assert s.kent_supplier_share == Decimal("0.0")


def test_filters_by_service_area_and_capital_or_revenue(dataset):
    assert report(service_area="Adult Social Care").summary().total_spend == pence("3400.00")
    assert report(capital_revenue="capital").summary().total_spend == pence("10000.00")


# ------------------------------------------------------------------ breakdowns


def _totals(rows) -> dict[str, int]:
    return {r.key: r.total_spend for r in rows}


def test_breakdown_by_financial_year_puts_31_march_and_1_april_in_different_years(dataset):
    rows = report().breakdown("financial_year")
    assert [(r.key, r.label) for r in rows] == [("2023", "2023-24"), ("2024", "2024-25"), ("2025", "2025-26")]
    assert _totals(rows) == {"2023": pence("1000"), "2024": pence("16900"), "2025": pence("200")}
    assert sum(r.total_spend for r in rows) == pence("18100")


def test_breakdown_by_quarter_numbers_quarters_from_april(dataset):
    rows = report().breakdown("quarter")
    assert [r.label for r in rows] == [
        "2023-24 Q4",
        "2024-25 Q1",
        "2024-25 Q2",
        "2024-25 Q3",
        "2024-25 Q4",
        "2025-26 Q1",
    ]
    assert _totals(rows) == {
        "2023-Q4": pence("1000"),  # 31 March 2024
        "2024-Q1": pence("12500"),  # 1 April, 15 May, 30 June
        "2024-Q2": pence("400"),  # 1 July credit -100, redacted 400 + 100 in August
        "2024-Q3": pence("2500"),  # 31 December
        "2024-Q4": pence("1500"),  # 1 January, 31 March 2025
        "2025-Q1": pence("200"),  # 1 April 2025
    }


def test_breakdown_rows_split_each_figure(dataset):
    q1 = {r.key: r for r in report().breakdown("quarter")}["2024-Q1"]
    assert q1.lines == 3
    assert q1.kent_spend == pence("2500")
    assert q1.sme_spend == pence("2500")
    assert q1.kent_sme_spend == pence("2500")
    assert q1.vcs_spend == pence("500")
    assert q1.unknown_location_spend == 0
    assert q1.kent_share == Decimal("20.0")
    q2 = {r.key: r for r in report().breakdown("quarter")}["2024-Q2"]
    assert q2.redacted_spend == pence("500")
    assert q2.kent_spend == pence("-100")


def test_breakdown_by_month_is_in_date_order(dataset):
    rows = report().breakdown("month")
    assert [r.key for r in rows] == [
        "2024-03",
        "2024-04",
        "2024-05",
        "2024-06",
        "2024-07",
        "2024-08",
        "2024-12",
        "2025-01",
        "2025-03",
        "2025-04",
    ]
    assert rows[0].label == "Mar 2024"
    assert {r.key: r.total_spend for r in rows}["2024-08"] == pence("500")


def test_breakdown_by_service_area_largest_first_with_blank_as_not_stated(dataset):
    rows = report().breakdown("service_area")
    assert [(r.label, r.total_spend) for r in rows] == [
        ("Highways", pence("10000")),
        ("Not stated", pence("4700")),
        ("Adult Social Care", pence("3400")),
    ]
    not_stated = rows[1]
    assert not_stated.key == ""
    assert not_stated.unknown_location_spend == pence("1700")
    assert not_stated.redacted_spend == pence("500")


def test_breakdown_by_capital_or_revenue_and_expense_type(dataset):
    rows = report().breakdown("capital_revenue")
    assert [(r.key, r.label, r.total_spend) for r in rows] == [
        ("capital", "Capital", pence("10000")),
        ("", "Not stated", pence("5100")),
        ("revenue", "Revenue", pence("3000")),
    ]
    grants = {r.label: r for r in report().breakdown("expense_type")}["Grants"]
    assert grants.total_spend == pence("3000")
    assert grants.vcs_spend == pence("3000")


@pytest.mark.parametrize(
    "dimension", ["financial_year", "quarter", "month", "service_area", "expense_type", "capital_revenue"]
)
def test_breakdown_of_no_lines_is_empty(dimension):
    assert LocalSpendReport(SpendLine.objects.none()).breakdown(dimension) == []


# ------------------------------------------------------------------ suppliers and contracts


def test_top_suppliers_largest_first_a_provider_once_and_no_redacted(dataset):
    rows = report().top_suppliers(20)
    assert [(r.name, r.total_spend, r.lines) for r in rows] == [
        ("Big Outsourcing plc", pence("10000"), 1),
        ("Kent Care Ltd", pence("3000"), 2),
        ("London Charity", pence("2500"), 1),
        ("Bob's Plumbing", pence("1000"), 2),
        ("Mystery Ltd", pence("700"), 1),
        ("Maidstone Mind", pence("400"), 2),
    ]
    bob = rows[3]
    assert bob.provider_id is None
    assert bob.normalised_supplier == "bob s plumbing"
    assert (bob.location, bob.size, bob.sector) == (None, None, None)
    assert rows[1].provider_id == dataset.kent_sme.pk
    assert rows[1].location == Location.LOCAL


def test_top_suppliers_limit(dataset):
    assert [r.name for r in report().top_suppliers(2)] == ["Big Outsourcing plc", "Kent Care Ltd"]


def test_spend_by_contract_counts_only_lines_linked_to_one(dataset):
    contract = ContractFactory(provider=dataset.outside_large, reference="KCC-HW-1", title="Highways maintenance")
    SpendLine.objects.filter(provider=dataset.outside_large).update(contract=contract)
    rows = report().by_contract()
    assert [(r.contract_id, r.reference, r.title, r.provider, r.lines, r.total_spend) for r in rows] == [
        (contract.pk, "KCC-HW-1", "Highways maintenance", "Big Outsourcing plc", 1, pence("10000")),
    ]
    assert rows[0].total == Decimal("10000.00")
