"""The arithmetic of social value: proxy versions, committed £, and the straight-line profile."""

import datetime
from decimal import Decimal

import pytest

from social_value import rules
from social_value.rules import ProfileStatus, Proxy

D = datetime.date
START, DUE = D(2025, 4, 1), D(2027, 4, 1)  # 730 days


def test_proxy_in_force_is_the_latest_version_started_on_or_before_the_day():
    versions = [
        Proxy(Decimal("10.00"), "Source A 2023", D(2023, 4, 1)),
        Proxy(Decimal("12.50"), "Source A 2025", D(2025, 4, 1)),
    ]
    assert rules.proxy_in_force(versions, D(2025, 3, 31)).value == Decimal("10.00")
    assert rules.proxy_in_force(versions, D(2025, 4, 1)).value == Decimal("12.50")
    assert rules.proxy_in_force(versions, D(2023, 3, 31)) is None


def test_social_value_is_quantity_times_proxy_to_the_penny_half_up():
    assert rules.social_value(Decimal("3"), Decimal("0.335")) == Decimal("1.01")  # 1.005 rounds up
    assert rules.social_value(Decimal("12.5"), Decimal("1234.56")) == Decimal("15432.00")
    assert rules.social_value(Decimal("10"), None) == Decimal("0.00")


def test_a_yearly_commitment_totals_its_quantity_over_the_contract_years():
    assert rules.contract_years(START, DUE) == Decimal("2.00")
    assert rules.total_quantity(Decimal("5"), per_year=True, start=START, due=DUE) == Decimal("10.00")
    assert rules.total_quantity(Decimal("5"), per_year=False, start=START, due=DUE) == Decimal("5")


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (D(2025, 3, 1), Decimal("0")),  # before the start nothing is expected
        (START, Decimal("0")),
        (D(2026, 4, 1), Decimal("50")),  # half way (365 of 730 days)
        (DUE, Decimal("100")),
        (D(2030, 1, 1), Decimal("100")),  # after the due date the whole commitment
    ],
)
def test_the_straight_line_profile_expects_delivery_to_grow_evenly(on, expected):
    assert rules.expected_by(Decimal("100"), start=START, due=DUE, on=on) == expected


@pytest.mark.parametrize(
    ("delivered", "status"),
    [
        (Decimal("50"), ProfileStatus.ON_TRACK),  # exactly the expected 50
        (Decimal("49.99"), ProfileStatus.AT_RISK),
        (Decimal("40"), ProfileStatus.AT_RISK),  # exactly 80% of the expected
        (Decimal("39.99"), ProfileStatus.BEHIND),
        (Decimal("0"), ProfileStatus.BEHIND),
    ],
)
def test_profile_status_at_its_boundaries(delivered, status):
    on = D(2026, 4, 1)  # 50 of 100 expected
    assert rules.profile_status(delivered, Decimal("100"), start=START, due=DUE, on=on) == status


def test_a_commitment_not_yet_started_is_on_track():
    assert rules.profile_status(Decimal("0"), Decimal("100"), start=START, due=DUE, on=D(2025, 1, 1)) == (
        ProfileStatus.ON_TRACK
    )


def test_share_delivered_and_shortfall():
    assert rules.delivered_share(Decimal("33"), Decimal("120")) == Decimal("27.5")
    assert rules.delivered_share(Decimal("1"), Decimal("0")) is None
    assert rules.shortfall(Decimal("30"), Decimal("100"), start=START, due=DUE, on=D(2026, 4, 1)) == Decimal("20.00")
    assert rules.shortfall(Decimal("60"), Decimal("100"), start=START, due=DUE, on=D(2026, 4, 1)) == Decimal("0.00")
