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
    annual_value: Decimal | None,
    frequency: str,
    failures_running: int,
    already_this_year: Decimal = Decimal("0"),
) -> DeductionCalculation | None:
    """The deduction a failed period attracts, to the penny (half up), or None when the rule is none.

    A contract taken from a published register may not give its annual value (None). A share of the
    period's charge cannot then be worked out, so £0 is proposed and the explanation says why, for
    the commissioner to settle; a fixed or escalating amount is proposed in full, and a cap (a share
    of the annual value) is said to be unapplied rather than guessed.
    """
    if spec.rule == DeductionRule.NONE:
        return None
    annual_value = None if annual_value is None else Decimal(annual_value)
    if spec.rule == DeductionRule.FIXED:
        calculated = Decimal(spec.amount).quantize(PENNY, ROUND_HALF_UP)
        text = f"Fixed {_money(calculated)} for a failed period"
    elif spec.rule == DeductionRule.PERCENT_OF_CHARGE and annual_value is None:
        calculated = Decimal("0.00")
        text = (
            f"{_percent(spec.percent)} of the period's contract charge: not calculated, as the contract's "
            "annual value is not known; record it and decide the amount"
        )
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
    if spec.cap_percent is not None and annual_value is None:
        if calculated:
            text += (
                f"; the cap of {_percent(spec.cap_percent)} of the annual value a financial year is not applied, "
                "as the annual value is not known"
            )
    elif spec.cap_percent is not None:
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


# --- Contract variations (Procurement Act 2023) ------------------------------------------------------

# Procurement Act 2023 s.74-75: a modification is below threshold, and needs no contract change
# notice, only when it changes the value by less than 10% (goods and services; 15% for works) and
# does not extend the term by more than 10%. Golden Thread flags any change of value or term of more
# than 10%, the stricter figure, for the commissioner to decide.
CHANGE_NOTICE_THRESHOLD = Decimal("10")


@dataclass(frozen=True)
class VariationAssessment:
    value_change_percent: Decimal | None
    term_change_percent: Decimal | None
    needs_change_notice: bool
    explanation: str


def _change_percent(before: Decimal | int | None, after: Decimal | int | None) -> Decimal | None:
    """The change from `before` to `after` as a % of `before`, to 0.1; None when either is unknown or before is 0."""
    if before is None or after is None or before == 0:
        return None
    return (Decimal(after - before) * 100 / Decimal(before)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def variation_assessment(
    *,
    total_value_before: Decimal | None,
    total_value_after: Decimal | None,
    start_date,
    end_date_before,
    end_date_after,
) -> VariationAssessment:
    """Whether a change to a contract's whole-life value or term needs a contract change notice.

    The term is measured from the start date to the current end date (after extensions taken), in
    days. A change counts when it is more than 10% either way; an unknown before or after value or
    date cannot be measured and is said to be so.
    """
    value_pct = _change_percent(total_value_before, total_value_after)
    term_pct = None
    if start_date and end_date_before and end_date_after and end_date_before > start_date:
        term_pct = _change_percent((end_date_before - start_date).days, (end_date_after - start_date).days)
    parts = []
    over = []
    if value_pct is not None:
        parts.append(f"value {_money(total_value_before)} to {_money(total_value_after)} ({_signed(value_pct)})")
        if abs(value_pct) > CHANGE_NOTICE_THRESHOLD:
            over.append("value")
    elif total_value_before != total_value_after:
        parts.append("value changed from or to not known (cannot be measured)")
    if term_pct is not None:
        parts.append(f"term to {end_date_after:%-d %B %Y} ({_signed(term_pct)})")
        if abs(term_pct) > CHANGE_NOTICE_THRESHOLD:
            over.append("term")
    elif end_date_before != end_date_after:
        parts.append("term changed from or to not known (cannot be measured)")
    needs = bool(over)
    what = "Changes the " + "; ".join(parts) + "." if parts else "Changes neither value nor term."
    if needs:
        what += (
            f" The {' and '.join(over)} change{'s' if len(over) == 1 else ''} by more than 10%: publish a "
            "contract change notice before the change takes effect (Procurement Act 2023 s.75)."
        )
    return VariationAssessment(value_pct, term_pct, needs, what)


def _signed(percent: Decimal) -> str:
    return f"{'+' if percent > 0 else ''}{percent}%"
