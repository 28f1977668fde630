"""The contract performance rules, as plain functions of values: no database.

Each returns its answer with the sentence a user is shown, so the page can always say why
a return is amber, a KPI is declining or a deduction is £1,250.00.

- RAG: green when at or better than the amber threshold, amber when worse than the amber
  threshold but not worse than the red threshold, red when worse than the red threshold.
  "Better" follows the KPI's polarity (higher or lower is better).
- Direction of travel: against the previous period and the same period a year earlier;
  a change no bigger than the KPI's tolerance is "no change".
- Performance concern: a red return that makes 2 red periods running, or 3 red in the
  last 6 periods (the current one included; a period with no return is not red).
- Deductions (service credits): fixed £ per failed period; a % of the period's contract
  charge (annual value × months in the period ÷ 12); or escalating (the £ amount × the
  number of consecutive failed periods); then capped at a % of the annual value per
  financial year, counting what is already proposed, applied or disputed that year.
- Procurement Act rating (s.71 assessments): Good when the target is met, Approaching
  target when green but short of target, Requires improvement when amber, Inadequate
  when red, Other when there is nothing to assess.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from commissioning.db import PENNY
from contracts.choices import (
    RAG,
    ConcernRule,
    DeductionRule,
    Direction,
    Frequency,
    KPIUnit,
    PerformanceRating,
    Polarity,
)

ONE_DECIMAL = Decimal("0.1")


def format_measure(value: Decimal | None, unit: str, *, exact: bool = False) -> str:
    """A KPI value as the council writes it: 82.0%, £1,250.00, 12 days, 1.25, 37.

    Percentages are shown to at least one decimal place, and with every further significant
    digit they have, so 84.95% is never shown as 85.0% beside "amber below 85%". `exact`
    drops the trailing ".0" (used for targets and thresholds, so "90%" is not written "90.0%").
    """
    if value is None:
        return "no value"
    value = Decimal(value)
    if unit == KPIUnit.MONEY:
        return f"£{value.quantize(PENNY, ROUND_HALF_UP):,}"
    if exact or unit != KPIUnit.PERCENT or value != value.quantize(ONE_DECIMAL, ROUND_HALF_UP):
        text = _plain(value)
    else:
        text = f"{value.quantize(ONE_DECIMAL, ROUND_HALF_UP)}"
    if unit == KPIUnit.PERCENT:
        return f"{text}%"
    if unit == KPIUnit.DAYS:
        return f"{text} day" if value == 1 else f"{text} days"
    return text


def _plain(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    if "." in text:
        whole, frac = text.split(".")
        return f"{int(whole):,}.{frac}" if whole.lstrip("-").isdigit() else text
    return f"{int(text):,}"


@dataclass(frozen=True)
class Thresholds:
    """What the rules need of a KPI; a KPI model instance has all of these attributes."""

    unit: str
    polarity: str
    target: Decimal
    amber_threshold: Decimal
    red_threshold: Decimal
    tolerance: Decimal = Decimal("0")


def _worse(polarity: str, value: Decimal, than: Decimal) -> bool:
    return value < than if polarity == Polarity.HIGHER else value > than


def rag_for(kpi: Thresholds, actual: Decimal) -> tuple[str, str]:
    """RAG of an actual value and the sentence explaining it.

    >>> rag_for(Thresholds("percent", "higher", Decimal(90), Decimal(85), Decimal(80)), Decimal("82"))
    ('amber', '82.0% against a target of 90%; amber below 85%, red below 80%.')
    """
    if _worse(kpi.polarity, actual, kpi.red_threshold):
        rag = RAG.RED
    elif _worse(kpi.polarity, actual, kpi.amber_threshold):
        rag = RAG.AMBER
    else:
        rag = RAG.GREEN
    side = "below" if kpi.polarity == Polarity.HIGHER else "above"
    explanation = (
        f"{format_measure(actual, kpi.unit)} against a target of {format_measure(kpi.target, kpi.unit, exact=True)}; "
        f"amber {side} {format_measure(kpi.amber_threshold, kpi.unit, exact=True)}, "
        f"red {side} {format_measure(kpi.red_threshold, kpi.unit, exact=True)}."
    )
    return str(rag), explanation


def direction_for(kpi: Thresholds, actual: Decimal, earlier: Decimal | None, earlier_label: str) -> tuple[str, str]:
    """Direction of travel from an earlier value, polarity-aware, with the KPI's tolerance.

    Returns ("", reason) when there is nothing to compare with.
    """
    if earlier is None:
        return "", f"No return for {earlier_label} to compare with."
    change = actual - earlier
    tolerance = kpi.tolerance or Decimal("0")
    if abs(change) <= tolerance:
        direction = Direction.NO_CHANGE
    elif (change > 0) == (kpi.polarity == Polarity.HIGHER):
        direction = Direction.IMPROVING
    else:
        direction = Direction.DECLINING
    explanation = (
        f"{Direction(direction).label}: {format_measure(actual, kpi.unit)} against "
        f"{format_measure(earlier, kpi.unit)} in {earlier_label}"
    )
    if tolerance:
        explanation += f" (changes within {format_measure(tolerance, kpi.unit, exact=True)} count as no change)"
    return str(direction), explanation + "."


def concern_rule_for(reds: Sequence[bool]) -> tuple[str, str] | None:
    """Whether the latest period raises a performance concern.

    `reds` is one flag per period, oldest first, ending with the period just returned, with
    False for a period that has no counted return. Only a red latest period raises a concern.
    """
    if not reds or not reds[-1]:
        return None
    if len(reds) >= 2 and reds[-2]:
        return str(ConcernRule.TWO_RUNNING), "Red in 2 periods running."
    last_six = list(reds[-6:])
    if sum(last_six) >= 3:
        return str(ConcernRule.THREE_OF_SIX), f"Red in {sum(last_six)} of the last {len(last_six)} periods."
    return None


def consecutive_failures(reds: Sequence[bool]) -> int:
    """How many periods running, ending with the latest, were red."""
    count = 0
    for red in reversed(reds):
        if not red:
            break
        count += 1
    return count


@dataclass(frozen=True)
class DeductionRuleSpec:
    rule: str
    amount: Decimal | None = None
    percent: Decimal | None = None
    cap_percent: Decimal | None = None


@dataclass(frozen=True)
class DeductionCalculation:
    calculated: Decimal
    amount: Decimal
    explanation: str


def _money(value: Decimal) -> str:
    return f"£{value.quantize(PENNY, ROUND_HALF_UP):,}"


def _percent(value: Decimal) -> str:
    return f"{_plain(Decimal(value))}%"


_PERIODS_PER_YEAR = {Frequency.MONTHLY: 12, Frequency.QUARTERLY: 4, Frequency.ANNUAL: 1}
_ORDINAL = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth"}


def _ordinal(n: int) -> str:
    if n in _ORDINAL:
        return _ORDINAL[n]
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def deduction_for(
    spec: DeductionRuleSpec,
    *,
    annual_value: Decimal,
    frequency: str,
    failures_running: int,
    already_this_year: Decimal = Decimal("0"),
) -> DeductionCalculation | None:
    """The deduction a failed period attracts, to the penny (half up), or None when the rule is none."""
    if spec.rule == DeductionRule.NONE:
        return None
    annual_value = Decimal(annual_value)
    if spec.rule == DeductionRule.FIXED:
        calculated = Decimal(spec.amount).quantize(PENNY, ROUND_HALF_UP)
        text = f"Fixed {_money(calculated)} for a failed period"
    elif spec.rule == DeductionRule.PERCENT_OF_CHARGE:
        per_year = _PERIODS_PER_YEAR[frequency]
        charge = (annual_value / per_year).quantize(PENNY, ROUND_HALF_UP)
        calculated = (charge * Decimal(spec.percent) / 100).quantize(PENNY, ROUND_HALF_UP)
        divided = f" ÷ {per_year}" if per_year > 1 else ""
        text = (
            f"{_percent(spec.percent)} of the period's contract charge {_money(charge)} "
            f"(annual value {_money(annual_value)}{divided}) = {_money(calculated)}"
        )
    elif spec.rule == DeductionRule.ESCALATING:
        n = max(failures_running, 1)
        base = Decimal(spec.amount).quantize(PENNY, ROUND_HALF_UP)
        calculated = base * n
        nth = _ordinal(n)
        text = f"{_money(base)} × {n} ({nth} failed period running) = {_money(calculated)}"
    else:
        raise ValueError(f"Unknown deduction rule {spec.rule!r}")

    amount = calculated
    if spec.cap_percent is not None:
        cap = (annual_value * Decimal(spec.cap_percent) / 100).quantize(PENNY, ROUND_HALF_UP)
        remaining = max(cap - Decimal(already_this_year), Decimal("0.00"))
        if calculated > remaining:
            amount = remaining
            text += (
                f"; capped at {_money(amount)}: the cap is {_percent(spec.cap_percent)} of the annual value "
                f"({_money(cap)}) a financial year and {_money(Decimal(already_this_year))} is already "
                "deducted or proposed this year"
            )
    return DeductionCalculation(calculated=calculated, amount=amount.quantize(PENNY), explanation=text + ".")


def rating_for(kpi: Thresholds, value: Decimal | None, *, returns: int = 0) -> tuple[str, str]:
    """Procurement Act 2023 rating of a key KPI from the mean of its returns over the assessment period.

    The mean is rated as shown: rounded half up to 2 decimal places.
    """
    if value is None:
        return str(PerformanceRating.OTHER), "No submitted returns in the period to assess."
    value = Decimal(value).quantize(PENNY, ROUND_HALF_UP)
    rag, _ = rag_for(kpi, value)
    if not _worse(kpi.polarity, value, kpi.target):
        rating = PerformanceRating.GOOD
    elif rag == RAG.GREEN:
        rating = PerformanceRating.APPROACHING
    elif rag == RAG.AMBER:
        rating = PerformanceRating.REQUIRES_IMPROVEMENT
    else:
        rating = PerformanceRating.INADEQUATE
    noun = "return" if returns == 1 else "returns"
    explanation = (
        f"{PerformanceRating(rating).label}: average {format_measure(value, kpi.unit)} over {returns} {noun} "
        f"against a target of {format_measure(kpi.target, kpi.unit, exact=True)}."
    )
    return str(rating), explanation
