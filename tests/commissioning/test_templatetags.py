"""Numbers as the council writes them (commissioning/templatetags/gt.py)."""

from decimal import Decimal

import pytest
from django.template import Context, Template

from commissioning.templatetags.gt import money, money_short, percent, share


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("12345.67"), "£12,345.67"),
        (Decimal("0"), "£0.00"),
        (Decimal("1000000"), "£1,000,000.00"),
        (Decimal("0.005"), "£0.01"),  # half up, not to even
        (Decimal("2.675"), "£2.68"),  # float 2.675 would round to 2.67
        (Decimal("-1234.5"), "-£1,234.50"),
        ("99.9", "£99.90"),
        (7, "£7.00"),
    ],
)
def test_money_shows_pounds_and_pence(value, shown):
    assert money(value) == shown


@pytest.mark.parametrize("value", [None, ""])
def test_money_shows_a_dash_when_there_is_no_value(value):
    assert money(value) == "–"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1190000000, "£1.19bn"),
        (Decimal("1190000000"), "£1.19bn"),
        (639640000, "£639.64m"),
        (Decimal("639644999.99"), "£639.64m"),
        (Decimal("639645000"), "£639.65m"),  # half up at the boundary
        (1000000000, "£1.00bn"),
        (999999, "£1.00m"),  # rounds up into the next unit rather than showing £1000.0k
        (Decimal("999995000"), "£1.00bn"),
        (Decimal("999994999.99"), "£999.99m"),
        (Decimal("999.50"), "£1.0k"),
        (Decimal("999.49"), "£999"),
        (Decimal("1500000000000"), "£1500.00bn"),
        (45200, "£45.2k"),
        (1000, "£1.0k"),
        (950, "£950"),
        (Decimal("949.50"), "£950"),
        (0, "£0"),
        (-639640000, "-£639.64m"),
        (Decimal("-1190000000"), "-£1.19bn"),
        (-950, "-£950"),
    ],
)
def test_money_short_uses_the_annual_report_style(value, shown):
    assert money_short(value) == shown


def test_money_short_shows_a_dash_for_none():
    assert money_short(None) == "–"


@pytest.mark.parametrize(
    ("value", "places", "shown"),
    [
        (Decimal("54"), 1, "54.0%"),
        (Decimal("33.333"), 1, "33.3%"),
        (Decimal("12.345"), 2, "12.35%"),
        (Decimal("-5.55"), 1, "-5.6%"),
    ],
)
def test_percent_rounds_half_up_to_the_places_asked(value, places, shown):
    assert percent(value, places) == shown


def test_percent_shows_a_dash_for_none():
    assert percent(None) == "–"


@pytest.mark.parametrize(
    ("value", "shown"),
    [(Decimal("40.00"), "40%"), (Decimal("100"), "100%"), (Decimal("33.33"), "33.33%"), (Decimal("12.5"), "12.50%")],
)
def test_share_drops_zero_pence_of_a_whole_percentage(value, shown):
    assert share(value) == shown


def test_share_shows_a_dash_for_none():
    assert share(None) == "–"


def test_filters_are_available_in_templates():
    rendered = Template("{% load gt %}{{ a|money_short }} {{ b|money }} {{ c|share }} {{ d|money }}").render(
        Context({"a": 639640000, "b": Decimal("-3.5"), "c": Decimal("60.00"), "d": None})
    )
    assert rendered == "£639.64m -£3.50 60% –"
