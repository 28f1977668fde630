"""The demo's outcome measures (issue 6): KCC's 73 measures of the Strategic Statement Annual Report
2016 with their published values and directions of travel, and illustrative values for the other
years, loaded by `manage.py demo` after the social value.

- The measures and what the 2016 report published come from commissioning/data/kcc_outcome_measures.csv
  through the same loader as `manage.py load_outcome_measures`.
- Every other year, from 2013-14 (2012-13 where the report gives a 3 year direction over 3
  years) to the last year ended by today, gets an illustrative value, noted as such. The values
  are planned from `random.Random` seeded by the demo's seed, as Decimals, so that the directions
  worked out from them agree with what the report published: the value a year before the 2016
  figure is worse, about the same or better as the published 1 year direction says, and likewise
  three years before (two when the report gives the 2 year direction; none when it gives n/a).
  Where the report published a figure, it is kept; where it did not, the series starts from a
  plausible level for the measure (BASE). After 2016 each measure drifts, mostly improving.
- A national average is given each year where the report compared the measure with it, on the
  side the report puts it (above, in line or below).
- The history is dated by the demo's last step (outcomes_link.demo_history, which dates any model
  with a period end a few weeks after it, and parts of the framework with the framework), so the
  pages as at a past date show the values as they then stood: call this before that step.

Idempotent: a period already recorded for a measure is left alone, so a second run adds nothing.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from commissioning.choices import Direction, NationalComparison
from commissioning.direction import change_direction
from commissioning.models import OutcomeMeasure, OutcomeMeasureValue
from commissioning.selectors import outcome_measure_baskets, outcome_measure_list
from commissioning.services import outcome_measure_value_record, outcome_measures_load
from outcomes_link.demo import DEFAULT_SEED, DemoResult

ILLUSTRATIVE_NOTE = "Illustrative demo value, not published data."
# How the loader notes the values the 2016 report published (commissioning.services._published_note).
PUBLISHED_NOTE = "Published in the "
# A plausible level for each measure the report gave no figure for, in its usual unit
# (rates per 1,000 or 10,000, percentages, counts, weeks). Illustrative only.
BASE: dict[str, str] = {
    "1.11": "3.6",
    "1.12": "52",
    "1.13": "96.5",
    "1.14": "14.5",
    "1.21": "1452",
    "1.22": "22.0",
    "1.23": "78",
    "1.31": "24.5",
    "1.33": "30.2",
    "1.34": "30.5",
    "1.35": "41.0",
    "1.36": "38.5",
    "1.42": "33.0",
    "1.51": "77.2",
    "1.54": "12",
    "1.61": "80",
    "1.62": "58.2",
    "1.64": "88.1",
    "1.72": "1.6",
    "1.75": "5.0",
    "2.11": "171.4",
    "2.12": "42000",
    "2.21": "55",
    "2.22": "20",
    "2.23": "55.1",
    "2.31": "74.0",
    "2.32": "1.5",
    "2.34": "7050",
    "2.35": "43.1",
    "2.36": "535",
    "2.41": "74.5",
    "2.42": "1.5",
    "2.43": "11.0",
    "2.44": "7050",
    "2.51": "5400",
    "2.53": "9.5",
    "2.61": "45",
    "2.63": "79",
    "3.11": "9800",
    "3.21": "60",
    "3.22": "15.2",
    "3.41": "45.3",
    "3.51": "6500",
    "3.52": "310",
    "3.53": "650",
    "3.71": "77.1",
}
# Share of measures drifting each way after 2016, and by how much a year (fractions of the value).
DRIFT = ((Direction.IMPROVING, 70), (Direction.MAINTAINING, 15), (Direction.NOT_IMPROVING, 15))


@dataclass
class PlannedValue:
    code: str
    period: str
    period_end: datetime.date
    value: Decimal
    national_average: Decimal | None


def _places(text_or_value) -> Decimal:
    """The step a measure's values are given to: as its figure is written, at most 2 decimal places."""
    value = Decimal(text_or_value)
    if isinstance(text_or_value, Decimal):
        value = value.normalize()
    exponent = min(max(value.as_tuple().exponent, -2), 0)
    # Small values need a finer step, or rounding would flatten every change into "Maintaining".
    if abs(value) < 10:
        exponent = min(exponent, -2)
    elif abs(value) < 100:
        exponent = min(exponent, -1)
    return Decimal(1).scaleb(exponent)


def _move(value: Decimal, fraction: float, *, better: bool, higher_is_better: bool | None) -> Decimal:
    """`value` made better (or worse) by `fraction` of itself (of 1 when it is near 0)."""
    size = Decimal(str(fraction)) * max(abs(value), Decimal(1))
    up = better == (higher_is_better is not False)
    return value + size if up else value - size


def _earlier(
    anchor: Decimal,
    direction: str,
    measure: OutcomeMeasure,
    rng: random.Random,
    places: Decimal,
    *,
    lo: float,
    hi: float,
) -> Decimal:
    """A value from which `anchor` moved in `direction` (worse before an improvement, about the same
    before maintaining, better before a decline), checked against the rule that will read it."""
    hib = measure.higher_is_better
    fraction = rng.uniform(lo, hi)
    for _ in range(30):
        if direction == Direction.MAINTAINING:
            candidate = anchor * Decimal(str(1 + rng.uniform(-0.006, 0.006)))
        else:
            candidate = _move(anchor, fraction, better=direction == Direction.NOT_IMPROVING, higher_is_better=hib)
        candidate = _clamp(candidate, measure, anchor).quantize(places, rounding=ROUND_HALF_UP)
        worked_out = change_direction(
            candidate, anchor, higher_is_better=hib, tolerance_percent=measure.maintaining_tolerance_percent
        )
        if hib is None or worked_out == direction:
            return candidate
        fraction *= 1.3  # rounding ate the change: a larger one
    return candidate


def _drift(rng: random.Random) -> str:
    return rng.choices([d for d, _ in DRIFT], weights=[w for _, w in DRIFT])[0]


def _label(latest_label: str, period_end: datetime.date) -> str:
    """A period's label in the style of the measure's published latest label."""
    words = latest_label.split()
    if words and words[0] in ("March", "July"):
        return f"{words[0]} {period_end.year}"
    if latest_label.isdigit():
        return str(period_end.year)
    return f"{period_end.year - 1}-{period_end.year % 100:02d}"


def _clamp(value: Decimal, measure: OutcomeMeasure, latest: Decimal) -> Decimal:
    """Keep a percentage between 0 and 100 and a positive series positive."""
    if latest < 0:
        return value
    percent = "%" in measure.unit and "change" not in measure.unit
    if percent or (not measure.unit and latest <= 100):
        return min(max(value, Decimal("0.1")), Decimal("99.9"))
    return max(value, Decimal("0.1"))


def plan_measure_values(
    measure: OutcomeMeasure, published: list[OutcomeMeasureValue], *, rng: random.Random, today: datetime.date
) -> list[PlannedValue]:
    """Illustrative values of one measure for the years the report's rows do not cover, agreeing with
    its published directions (see the module docstring)."""
    latest = max(published, key=lambda v: v.period_end)
    hib = measure.higher_is_better
    if latest.value is not None:
        anchor, places = Decimal(latest.value).normalize(), _places(Decimal(latest.value))
    else:
        anchor, places = Decimal(BASE.get(measure.code, "50")), _places(BASE.get(measure.code, "50"))
    targets: dict[int, Decimal] = {}
    if latest.dot_1yr in (Direction.IMPROVING, Direction.MAINTAINING, Direction.NOT_IMPROVING):
        if not latest.dot_1yr_years:
            targets[-1] = _earlier(anchor, latest.dot_1yr, measure, rng, places, lo=0.03, hi=0.07)
    if latest.dot_3yr in (Direction.IMPROVING, Direction.MAINTAINING, Direction.NOT_IMPROVING):
        span = latest.dot_3yr_years or 3
        targets[-span] = _earlier(anchor, latest.dot_3yr, measure, rng, places, lo=0.06, hi=0.14)
        if span == 3 and -1 in targets:
            # The year between, on the way from three years before to one year before.
            middle = (targets[-3] + targets[-1]) / 2 * Decimal(str(1 + rng.uniform(-0.004, 0.004)))
            targets[-2] = middle.quantize(places, rounding=ROUND_HALF_UP)
    # After the report, spells of improvement, decline or standing still, a few years each; a
    # percentage that would run into 0 or 100 turns back instead.
    drift, step = _drift(rng), rng.uniform(0.025, 0.05)
    value, offset = anchor, 0
    while latest.period_end + relativedelta(years=offset + 1) <= today:
        offset += 1
        if rng.random() < 0.3:
            drift = _drift(rng)
        if drift == Direction.MAINTAINING:
            value = value * Decimal(str(1 + rng.uniform(-0.006, 0.006)))
        else:
            fraction = step * rng.uniform(0.7, 1.3)
            moved = _move(value, fraction, better=drift == Direction.IMPROVING, higher_is_better=hib)
            if _clamp(moved, measure, anchor) != moved:
                drift = Direction.NOT_IMPROVING if drift == Direction.IMPROVING else Direction.IMPROVING
                moved = _move(value, fraction, better=drift == Direction.IMPROVING, higher_is_better=hib)
            value = _clamp(moved, measure, anchor)
        targets[offset] = value.quantize(places, rounding=ROUND_HALF_UP)
    ratio = _national(latest, anchor, rng, hib)
    taken = [v.period_end for v in published]
    planned = []
    for offset in sorted(targets):
        end = latest.period_end + relativedelta(years=offset)
        if any(abs((end - day).days) < 183 for day in taken):
            continue  # the report's own figure for about that time (a baseline) stands
        amount = targets[offset]
        average = None
        if ratio is not None:
            noise = Decimal(str(1 + rng.uniform(-0.004, 0.004)))
            average = (amount * ratio * noise).quantize(places, rounding=ROUND_HALF_UP)
        planned.append(PlannedValue(measure.code, _label(latest.period, end), end, amount, average))
    return planned


def _national(latest: OutcomeMeasureValue, anchor: Decimal, rng: random.Random, hib: bool | None) -> Decimal | None:
    """The national average as a multiple of the council's value, on the side the report puts it."""
    if latest.national_average is not None and anchor:
        return Decimal(latest.national_average) / anchor
    if latest.vs_national in ("", NationalComparison.NOT_AVAILABLE) or hib is None:
        return None
    gap = Decimal(str(rng.uniform(0.04, 0.09)))
    if latest.vs_national == NationalComparison.IN_LINE:
        return Decimal(1)
    council_better = latest.vs_national == NationalComparison.ABOVE
    # The national average is worse than the council's value when the council is above it.
    national_higher = council_better != hib
    return 1 + gap if national_higher else 1 - gap


@transaction.atomic
def demo_measures_load(*, seed: int = DEFAULT_SEED, today: datetime.date | None = None, result: DemoResult) -> None:
    """Load the 73 outcome measures with their published values, then illustrative values for the
    other years (module docstring). Run after outcomes_link.demo.demo_load (it needs the framework)."""
    today = today or timezone.localdate()
    loaded = outcome_measures_load()
    result.created["outcome measures and published values"] += loaded.created
    measures = list(outcome_measure_list().prefetch_related(None))
    by_measure: dict[int, list[OutcomeMeasureValue]] = defaultdict(list)
    for value in OutcomeMeasureValue.objects.filter(measure__in=measures):
        by_measure[value.measure_id].append(value)
    for measure in measures:
        # Planned from the report's rows alone, so a second run plans the same values and skips them.
        published = [v for v in by_measure[measure.pk] if v.note.startswith(PUBLISHED_NOTE)]
        if not published:
            continue
        recorded = {v.period_end for v in by_measure[measure.pk]}
        rng = random.Random(f"{seed}:outcome-measure:{measure.code}")
        for plan in plan_measure_values(measure, published, rng=rng, today=today):
            if plan.period_end in recorded:
                continue
            outcome_measure_value_record(
                measure=measure,
                period=plan.period,
                period_end=plan.period_end,
                value=plan.value,
                national_average=plan.national_average,
                note=ILLUSTRATIVE_NOTE,
                reason="Demo data",
            )
            result.created["illustrative outcome measure values"] += 1


@dataclass
class MeasureFigures:
    measures: int
    values: int
    improving_1yr: int
    improving_3yr: int
    outcomes: int


def measure_figures() -> MeasureFigures:
    """What the demo's outcome measures say today: counts, and how many outcomes are improving."""
    baskets = outcome_measure_baskets()
    return MeasureFigures(
        measures=OutcomeMeasure.objects.count(),
        values=OutcomeMeasureValue.objects.count(),
        improving_1yr=sum(1 for b in baskets.values() if b.dot_1yr.direction == Direction.IMPROVING),
        improving_3yr=sum(1 for b in baskets.values() if b.dot_3yr.direction == Direction.IMPROVING),
        outcomes=len(baskets),
    )
