"""The contract performance rules at their boundaries, for both polarities. Pure functions: no database."""

from decimal import Decimal

import pytest

from contracts.choices import RAG, ConcernRule, DeductionRule, Direction, Frequency, PerformanceRating
from contracts.rules import (
    DeductionRuleSpec,
    Thresholds,
    concern_rule_for,
    consecutive_failures,
    deduction_for,
    direction_for,
    format_measure,
    rag_for,
    rating_for,
)

# Higher is better: % of visits on time, target 90, amber below 85, red below 80.
HIGHER = Thresholds("percent", "higher", Decimal("90"), Decimal("85"), Decimal("80"), Decimal("0.5"))
# Lower is better: days to assess, target 10, amber above 15, red above 20.
LOWER = Thresholds("days", "lower", Decimal("10"), Decimal("15"), Decimal("20"), Decimal("1"))

GREEN, AMBER, RED = str(RAG.GREEN), str(RAG.AMBER), str(RAG.RED)


@pytest.mark.parametrize(
    ("actual", "rag"),
    [
        ("95", GREEN),
        ("90", GREEN),
        ("85.01", GREEN),
        ("85", GREEN),  # exactly at the amber threshold
        ("84.99", AMBER),  # a hair below it
        ("80.01", AMBER),
        ("80", AMBER),  # exactly at the red threshold
        ("79.99", RED),  # a hair below it
        ("0", RED),
    ],
)
def test_rag_when_higher_is_better(actual, rag):
    assert rag_for(HIGHER, Decimal(actual))[0] == rag


@pytest.mark.parametrize(
    ("actual", "rag"),
    [
        ("3", GREEN),
        ("10", GREEN),
        ("14.99", GREEN),
        ("15", GREEN),  # exactly at the amber threshold
        ("15.01", AMBER),  # a hair above it
        ("19.99", AMBER),
        ("20", AMBER),  # exactly at the red threshold
        ("20.01", RED),  # a hair above it
        ("100", RED),
    ],
)
def test_rag_when_lower_is_better(actual, rag):
    assert rag_for(LOWER, Decimal(actual))[0] == rag


def test_kpi_return_exactly_at_red_threshold_is_amber_when_higher_is_better():
    assert rag_for(HIGHER, Decimal("80"))[0] == AMBER


def test_kpi_return_exactly_at_red_threshold_is_amber_when_lower_is_better():
    assert rag_for(LOWER, Decimal("20"))[0] == AMBER


def test_kpi_return_exactly_at_amber_threshold_is_green_for_both_polarities():
    assert rag_for(HIGHER, Decimal("85"))[0] == GREEN
    assert rag_for(LOWER, Decimal("15"))[0] == GREEN


def test_rag_explanation_names_the_value_target_and_thresholds():
    assert rag_for(HIGHER, Decimal("82"))[1] == "82.0% against a target of 90%; amber below 85%, red below 80%."
    assert (
        rag_for(LOWER, Decimal("21"))[1]
        == "21 days against a target of 10 days; amber above 15 days, red above 20 days."
    )


def test_rag_explanation_never_rounds_a_value_across_a_threshold():
    rag, explanation = rag_for(HIGHER, Decimal("84.95"))
    assert rag == AMBER
    assert explanation.startswith("84.95% against")


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        ("82", "percent", "82.0%"),
        ("82.25", "percent", "82.25%"),
        ("1250", "money", "£1,250.00"),
        ("1250.005", "money", "£1,250.01"),
        ("12", "days", "12 days"),
        ("1", "days", "1 day"),
        ("1234567", "count", "1,234,567"),
        ("1.25", "ratio", "1.25"),
        (None, "percent", "no value"),
    ],
)
def test_format_measure_as_the_council_writes_it(value, unit, text):
    assert format_measure(None if value is None else Decimal(value), unit) == text


# --- Direction of travel ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "earlier", "direction"),
    [
        ("85", "80", Direction.IMPROVING),
        ("80.51", "80", Direction.IMPROVING),  # a hair over the tolerance
        ("80.5", "80", Direction.NO_CHANGE),  # change == tolerance
        ("80", "80", Direction.NO_CHANGE),
        ("79.5", "80", Direction.NO_CHANGE),  # change == -tolerance
        ("79.49", "80", Direction.DECLINING),
        ("70", "80", Direction.DECLINING),
    ],
)
def test_direction_of_travel_when_higher_is_better(actual, earlier, direction):
    assert direction_for(HIGHER, Decimal(actual), Decimal(earlier), "2025-26 Q1")[0] == direction


@pytest.mark.parametrize(
    ("actual", "earlier", "direction"),
    [
        ("10", "15", Direction.IMPROVING),
        ("13.99", "15", Direction.IMPROVING),  # a hair over the tolerance, down
        ("14", "15", Direction.NO_CHANGE),  # change == tolerance
        ("16", "15", Direction.NO_CHANGE),
        ("16.01", "15", Direction.DECLINING),
        ("25", "15", Direction.DECLINING),
    ],
)
def test_direction_of_travel_when_lower_is_better(actual, earlier, direction):
    assert direction_for(LOWER, Decimal(actual), Decimal(earlier), "2025-26 Q1")[0] == direction


def test_direction_of_travel_with_no_tolerance_counts_any_change():
    strict = Thresholds("count", "higher", Decimal("10"), Decimal("8"), Decimal("5"), Decimal("0"))
    assert direction_for(strict, Decimal("10.0001"), Decimal("10"), "May 2025")[0] == Direction.IMPROVING
    assert direction_for(strict, Decimal("10"), Decimal("10"), "May 2025")[0] == Direction.NO_CHANGE


def test_direction_of_travel_with_no_earlier_value_is_blank_and_says_why():
    assert direction_for(HIGHER, Decimal("82"), None, "2024-25 Q2") == ("", "No return for 2024-25 Q2 to compare with.")


def test_direction_of_travel_explanation():
    _, text = direction_for(HIGHER, Decimal("82"), Decimal("80"), "2025-26 Q1")
    assert text == "Improving: 82.0% against 80.0% in 2025-26 Q1 (changes within 0.5% count as no change)."


# --- Performance concern ----------------------------------------------------------------

R, G = True, False


@pytest.mark.parametrize(
    ("reds", "rule"),
    [
        ([G, R, R], ConcernRule.TWO_RUNNING),
        ([R, R], ConcernRule.TWO_RUNNING),
        ([R, G, R, G, G, R], ConcernRule.THREE_OF_SIX),  # 3 of the last 6, with gaps
        ([G, G, G, R, G, R, G, R], ConcernRule.THREE_OF_SIX),
    ],
)
def test_concern_is_raised_when_the_rule_is_met(reds, rule):
    assert concern_rule_for(reds)[0] == rule


@pytest.mark.parametrize(
    "reds",
    [
        [],
        [R],
        [G, G, R],
        [R, G, G, G, G, R],  # only 2 of 6
        [R, G, R, G, G, G, G, R],  # 3 reds, but only 1 in the last 6
        [R, R, R, R, G],  # a green latest never raises
        [R, G, R, G, R, G],
    ],
)
def test_concern_is_not_raised(reds):
    assert concern_rule_for(reds) is None


def test_concern_explanation_counts_the_reds():
    assert concern_rule_for([R, G, R, G, R])[1] == "Red in 3 of the last 5 periods."
    assert concern_rule_for([G, R, R])[1] == "Red in 2 periods running."


@pytest.mark.parametrize(
    ("reds", "running"), [([], 0), ([G], 0), ([R], 1), ([R, R, G], 0), ([G, R, R], 2), ([R, G, R, R, R], 3)]
)
def test_consecutive_failures_end_with_the_latest_period(reds, running):
    assert consecutive_failures(reds) == running


# --- Deductions -------------------------------------------------------------------------


def _deduct(
    rule, *, amount=None, percent=None, cap=None, annual="100000.00", frequency=Frequency.QUARTERLY, n=1, already="0"
):
    spec = DeductionRuleSpec(
        rule,
        None if amount is None else Decimal(amount),
        None if percent is None else Decimal(percent),
        None if cap is None else Decimal(cap),
    )
    return deduction_for(
        spec, annual_value=Decimal(annual), frequency=frequency, failures_running=n, already_this_year=Decimal(already)
    )


def test_no_deduction_rule_gives_none():
    assert _deduct(DeductionRule.NONE) is None


def test_fixed_deduction_is_the_amount_per_failed_period():
    calc = _deduct(DeductionRule.FIXED, amount="1250", n=3)
    assert (calc.calculated, calc.amount) == (Decimal("1250.00"), Decimal("1250.00"))
    assert calc.explanation == "Fixed £1,250.00 for a failed period."


@pytest.mark.parametrize(
    ("annual", "frequency", "percent", "expected"),
    [
        ("120000.00", Frequency.MONTHLY, "5", "500.00"),  # charge 10,000.00
        ("120000.00", Frequency.QUARTERLY, "5", "1500.00"),  # charge 30,000.00
        ("120000.00", Frequency.ANNUAL, "5", "6000.00"),
        ("100000.01", Frequency.QUARTERLY, "2.5", "625.00"),  # charge 25,000.0025 -> 25,000.00
        ("100000.02", Frequency.MONTHLY, "2.5", "208.33"),  # charge 8,333.335 -> 8,333.34 (half up); 208.3335 -> 208.33
        ("1000.02", Frequency.QUARTERLY, "10", "25.00"),  # charge 250.005 -> 250.01; 25.001 -> 25.00
        ("1000.20", Frequency.QUARTERLY, "1", "2.50"),  # charge 250.05; 2.5005 -> 2.50
        ("2010.00", Frequency.QUARTERLY, "1", "5.03"),  # charge 502.50; 5.025 -> 5.03 (half up, not to even)
    ],
)
def test_percent_of_charge_deduction_is_pence_exact_half_up(annual, frequency, percent, expected):
    calc = _deduct(DeductionRule.PERCENT_OF_CHARGE, percent=percent, annual=annual, frequency=frequency)
    assert calc.amount == Decimal(expected)
    assert calc.amount.as_tuple().exponent == -2


def test_percent_of_charge_explanation_shows_the_sum():
    calc = _deduct(DeductionRule.PERCENT_OF_CHARGE, percent="2.5", annual="100000.01")
    assert calc.explanation == (
        "2.5% of the period's contract charge £25,000.00 (annual value £100,000.01 ÷ 4) = £625.00."
    )
    annual = _deduct(DeductionRule.PERCENT_OF_CHARGE, percent="5", annual="120000", frequency=Frequency.ANNUAL)
    assert "(annual value £120,000.00) = £6,000.00" in annual.explanation


@pytest.mark.parametrize(
    ("running", "expected", "words"),
    [
        (0, "500.00", "× 1 (first failed period running)"),
        (1, "500.00", "× 1 (first failed period running)"),
        (2, "1000.00", "× 2 (second failed period running)"),
        (3, "1500.00", "× 3 (third failed period running)"),
        (11, "5500.00", "× 11 (11th failed period running)"),
        (21, "10500.00", "× 21 (21st failed period running)"),
    ],
)
def test_escalating_deduction_multiplies_by_failures_running(running, expected, words):
    calc = _deduct(DeductionRule.ESCALATING, amount="500", n=running)
    assert calc.amount == Decimal(expected)
    assert words in calc.explanation


@pytest.mark.parametrize(
    ("already", "calculated", "amount", "capped"),
    [
        ("0", "1000.00", "1000.00", False),
        ("4000.00", "1000.00", "1000.00", False),  # reaches the cap exactly: not capped
        ("4500.00", "1000.00", "500.00", True),  # partly
        ("4999.99", "1000.00", "0.01", True),
        ("5000.00", "1000.00", "0.00", True),  # already exhausted
        ("6000.00", "1000.00", "0.00", True),  # over (e.g. applied before the cap was set)
    ],
)
def test_deduction_cap_per_financial_year(already, calculated, amount, capped):
    # Cap 5% of £100,000 = £5,000 a financial year.
    calc = _deduct(DeductionRule.FIXED, amount="1000", cap="5", already=already)
    assert (calc.calculated, calc.amount) == (Decimal(calculated), Decimal(amount))
    assert ("capped at" in calc.explanation) is capped


def test_capped_deduction_explains_the_cap():
    calc = _deduct(DeductionRule.FIXED, amount="1000", cap="5", already="4500")
    assert calc.explanation == (
        "Fixed £1,000.00 for a failed period; capped at £500.00: the cap is 5% of the annual value (£5,000.00) "
        "a financial year and £4,500.00 is already deducted or proposed this year."
    )


def test_cap_is_pence_exact():
    # 2.5% of £100,000.10 = £2,500.0025 -> £2,500.00
    calc = _deduct(DeductionRule.FIXED, amount="3000", cap="2.5", annual="100000.10")
    assert calc.amount == Decimal("2500.00")


# --- Procurement Act ratings ------------------------------------------------------------


@pytest.mark.parametrize(
    ("kpi", "value", "rating"),
    [
        (HIGHER, "95", PerformanceRating.GOOD),
        (HIGHER, "90", PerformanceRating.GOOD),  # exactly at target
        (HIGHER, "89.99", PerformanceRating.APPROACHING),
        (HIGHER, "85", PerformanceRating.APPROACHING),
        (HIGHER, "84.99", PerformanceRating.REQUIRES_IMPROVEMENT),
        (HIGHER, "80", PerformanceRating.REQUIRES_IMPROVEMENT),
        (HIGHER, "79.99", PerformanceRating.INADEQUATE),
        (LOWER, "5", PerformanceRating.GOOD),
        (LOWER, "10", PerformanceRating.GOOD),  # exactly at target
        (LOWER, "10.01", PerformanceRating.APPROACHING),
        (LOWER, "15", PerformanceRating.APPROACHING),
        (LOWER, "15.01", PerformanceRating.REQUIRES_IMPROVEMENT),
        (LOWER, "20", PerformanceRating.REQUIRES_IMPROVEMENT),
        (LOWER, "20.01", PerformanceRating.INADEQUATE),
    ],
)
def test_rating_for_both_polarities(kpi, value, rating):
    assert rating_for(kpi, Decimal(value), returns=4)[0] == rating


def test_rating_is_other_with_no_returns():
    assert rating_for(HIGHER, None) == (PerformanceRating.OTHER, "No submitted returns in the period to assess.")
    assert rating_for(LOWER, None)[0] == PerformanceRating.OTHER


def test_rating_explanation_and_mean_rounded_as_shown():
    assert (
        rating_for(HIGHER, Decimal("90"), returns=1)[1] == "Good: average 90.0% over 1 return against a target of 90%."
    )
    # The mean of 89.99, 90, 90 is 89.99666...: rated as shown, 90.00, so Good.
    rating, text = rating_for(HIGHER, (Decimal("89.99") + 90 + 90) / 3, returns=3)
    assert rating == PerformanceRating.GOOD
    assert "average 90.0% over 3 returns" in text
    rating, text = rating_for(LOWER, Decimal("37") / 3, returns=3)
    assert (rating, text) == (
        PerformanceRating.APPROACHING,
        "Approaching target: average 12.33 days over 3 returns against a target of 10 days.",
    )
