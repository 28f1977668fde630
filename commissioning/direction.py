"""Direction of travel, the way the council reports it: pure rules, no database.

Source: KCC's Strategic Statement Annual Report 2016 (shared/seeds/001, lines 335-390). Each
supporting outcome has a basket of outcome measures; the report shows, for each measure, its
1 year and 3 year direction of travel and its performance against the national average, and for
each supporting outcome a direction "based on the majority performance direction of travel of
the supporting outcome measures", with this key:

- Improving: overall outcome measures are improving;
- Maintaining: overall outcome measures "have not statistically significantly changed";
- Mixed: "for example where 2 of the 4 outcome measures are improving and 2 are not improving";
- Not improving: overall outcome measures are not improving;
- "*": "Based on the single outcome measure available";
- "If 3 year direction of travel is not available, the 2 year is given. If no trend or national
  average is available, 'n/a' is shown."

The rules here:

- A measure's direction over N years compares its latest value with the value about N years
  earlier (by period end, within SLACK_DAYS either side; the nearest wins). The 3 year direction
  falls back to 2 years, as the report does. Too few values: n/a.
- A change smaller than the measure's tolerance (a percentage of the earlier value) is
  Maintaining: the report's "not statistically significantly changed" needs confidence
  intervals the council rarely holds, so the tolerance stands in for them. Otherwise the
  measure's polarity decides Improving or Not improving; a measure whose polarity is not stated
  can only be Maintaining or n/a.
- Where the latest value carries the council's published assessment (imported from a report),
  that assessment wins and is marked as published: it may rest on significance tests these
  rules cannot repeat.
- Against the national average: better than it is Above, within the tolerance In line, worse
  Below (so for infant mortality, where lower is better, a lower rate is Above).
- An outcome's direction is the direction of a strict majority of its measures that have one
  (n/a measures are left out); without a strict majority it is Mixed; with only one measure
  having a direction, that direction marked "*". None at all: n/a.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from dateutil.relativedelta import relativedelta

from commissioning.choices import Direction, NationalComparison

# "About a year earlier": annual figures are not always dated to the day (an academic year, a
# survey month), so a value this many days either side of the exact date still counts.
SLACK_DAYS = 45
DEFAULT_TOLERANCE_PERCENT = Decimal("2")
# The report gives the 2 year direction when the 3 year is not available.
FALLBACK_YEARS = {3: (2,)}


class MeasureValue(Protocol):
    """What the rules read from a value: commissioning.models.OutcomeMeasureValue has it all."""

    period_end: datetime.date
    value: Decimal | None
    national_average: Decimal | None
    dot_1yr: str
    dot_1yr_years: int | None
    dot_3yr: str
    dot_3yr_years: int | None
    vs_national: str


@dataclass(frozen=True)
class Assessment:
    """A measure's direction of travel over `nominal_years` (1 or 3), compared over `years`.

    `published` when it is the council's own assessment recorded on the latest value.
    """

    direction: str
    nominal_years: int
    years: int | None = None
    published: bool = False

    @property
    def label(self) -> str:
        """As the report prints it: "Improving", or "Improving (2 year)" when the span differs."""
        text = Direction(self.direction).label
        if self.years and self.years != self.nominal_years and self.direction != Direction.NOT_AVAILABLE:
            text += f" ({self.years} year)"
        return text

    @property
    def available(self) -> bool:
        return self.direction != Direction.NOT_AVAILABLE


@dataclass(frozen=True)
class Comparison:
    """A measure against the national average: above, in line, below or n/a; `published` as above."""

    result: str
    published: bool = False

    @property
    def label(self) -> str:
        return NationalComparison(self.result).label


@dataclass(frozen=True)
class OutcomeDirection:
    """A supporting outcome's direction from its measures; `single` is the report's "*"."""

    direction: str
    single: bool = False
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return Direction(self.direction).label + ("*" if self.single else "")

    @property
    def measures_counted(self) -> int:
        return sum(self.counts.values())


def change_direction(
    earlier: Decimal, later: Decimal, *, higher_is_better: bool | None, tolerance_percent: Decimal
) -> str:
    """Improving, Maintaining or Not improving from `earlier` to `later`.

    Maintaining when the change is smaller than `tolerance_percent` of the earlier value (from
    zero, only no change at all is Maintaining). A measure whose polarity is not stated can only
    be Maintaining; any larger change is n/a.
    """
    earlier, later = Decimal(earlier), Decimal(later)
    change = later - earlier
    if abs(change) * 100 < abs(earlier) * Decimal(tolerance_percent) or change == 0:
        return Direction.MAINTAINING
    if higher_is_better is None:
        return Direction.NOT_AVAILABLE
    return Direction.IMPROVING if (change > 0) == higher_is_better else Direction.NOT_IMPROVING


def value_about(
    values: Sequence[MeasureValue], target: datetime.date, *, slack_days: int = SLACK_DAYS
) -> MeasureValue | None:
    """The value whose period ended nearest `target`, within `slack_days` either side (a tie goes to
    the later one); None when there is none."""
    best, best_gap = None, None
    for item in values:
        if item.value is None:
            continue
        gap = abs((item.period_end - target).days)
        if gap > slack_days:
            continue
        if best_gap is None or gap < best_gap or (gap == best_gap and item.period_end > best.period_end):
            best, best_gap = item, gap
    return best


def _latest(values: Iterable[MeasureValue], *, with_value: bool) -> MeasureValue | None:
    candidates = [v for v in values if not with_value or v.value is not None]
    return max(candidates, key=lambda v: v.period_end, default=None)


def _published(latest: MeasureValue | None, years: int) -> Assessment | None:
    if latest is None:
        return None
    direction = getattr(latest, f"dot_{years}yr", "")
    if not direction:
        return None
    span = getattr(latest, f"dot_{years}yr_years", None)
    spanned = span or (years if direction != Direction.NOT_AVAILABLE else None)
    return Assessment(direction, nominal_years=years, years=spanned, published=True)


def measure_direction(
    values: Sequence[MeasureValue],
    *,
    years: int,
    higher_is_better: bool | None,
    tolerance_percent: Decimal = DEFAULT_TOLERANCE_PERCENT,
    slack_days: int = SLACK_DAYS,
) -> Assessment:
    """A measure's direction of travel over `years` (1 or 3) from its values (any order).

    The latest value's published assessment wins; otherwise the latest value is compared with
    the one about `years` earlier (falling back to 2 years for the 3 year direction); n/a if
    there is no such pair.
    """
    published = _published(_latest(values, with_value=False), years)
    if published is not None:
        return published
    latest = _latest(values, with_value=True)
    if latest is None:
        return Assessment(Direction.NOT_AVAILABLE, nominal_years=years)
    for span in (years, *FALLBACK_YEARS.get(years, ())):
        earlier = value_about(
            [v for v in values if v.period_end < latest.period_end],
            latest.period_end - relativedelta(years=span),
            slack_days=slack_days,
        )
        if earlier is not None:
            direction = change_direction(
                earlier.value, latest.value, higher_is_better=higher_is_better, tolerance_percent=tolerance_percent
            )
            return Assessment(direction, nominal_years=years, years=span)
    return Assessment(Direction.NOT_AVAILABLE, nominal_years=years)


def national_comparison(
    value: Decimal | None,
    national_average: Decimal | None,
    *,
    higher_is_better: bool | None,
    tolerance_percent: Decimal = DEFAULT_TOLERANCE_PERCENT,
) -> str:
    """Above (better than), In line (within the tolerance of) or Below (worse than) the national
    average; n/a without both figures, or when the measure's polarity is not stated and the value
    is not in line."""
    if value is None or national_average is None:
        return NationalComparison.NOT_AVAILABLE
    value, national_average = Decimal(value), Decimal(national_average)
    gap = value - national_average
    if gap == 0 or abs(gap) * 100 < abs(national_average) * Decimal(tolerance_percent):
        return NationalComparison.IN_LINE
    if higher_is_better is None:
        return NationalComparison.NOT_AVAILABLE
    return NationalComparison.ABOVE if (gap > 0) == higher_is_better else NationalComparison.BELOW


def measure_vs_national(
    values: Sequence[MeasureValue],
    *,
    higher_is_better: bool | None,
    tolerance_percent: Decimal = DEFAULT_TOLERANCE_PERCENT,
) -> Comparison:
    """The latest value against the national average given with it; its published comparison wins."""
    latest = _latest(values, with_value=False)
    if latest is not None and latest.vs_national:
        return Comparison(latest.vs_national, published=True)
    latest = _latest(values, with_value=True)
    if latest is None:
        return Comparison(NationalComparison.NOT_AVAILABLE)
    return Comparison(
        national_comparison(
            latest.value,
            latest.national_average,
            higher_is_better=higher_is_better,
            tolerance_percent=tolerance_percent,
        )
    )


def outcome_direction(directions: Iterable[str]) -> OutcomeDirection:
    """A supporting outcome's direction from its measures' directions, by the report's majority rule.

    n/a measures are left out. One measure left: its direction, marked "*". More: the direction
    held by more than half of them; otherwise Mixed. None: n/a.
    """
    counts = Counter(str(d) for d in directions if d and d != Direction.NOT_AVAILABLE)
    counted = sum(counts.values())
    if not counted:
        return OutcomeDirection(Direction.NOT_AVAILABLE)
    if counted == 1:
        return OutcomeDirection(next(iter(counts)), single=True, counts=dict(counts))
    direction, n = counts.most_common(1)[0]
    if n * 2 > counted:
        return OutcomeDirection(direction, counts=dict(counts))
    return OutcomeDirection(Direction.MIXED, counts=dict(counts))
