"""Charts as plain geometry: the numbers are worked out (and tested) here, the SVG is drawn by
templates/social_value/_spend_chart.html, templates/_partials/line_chart.html and the social
value dashboard's bar chart templates.

As contracts.charts does for KPIs: no plotting library and no JavaScript, so the same SVG serves
the page and a PDF (STYLE.md, "charts are SVG"). Two charts from the monthly breakdown of
social_value.reports.LocalSpendReport:

- monthly spend as stacked bars: Kent-based, outside Kent, location not known and redacted
  (the four parts that add up to the total, so unknown spend is drawn, never dropped); credits
  that make a part negative are drawn below the zero line;
- the Kent share of each month's spend (and the share whose location is not known) as lines
  on a 0 to 100% axis; a month with no spend (or a net credit) leaves a gap.

Every month between the first and the last with spend is on the axis, so a month with no
lines shows as an empty slot rather than being closed up.

The line chart is generic (LineChart, LineSeries, plot_lines, thinned_ticks, describe): the
Kent share chart here and outcomes_link.measure_charts (an outcome measure's values over time)
are both drawn with it and with the one template.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from commissioning.db import pence_to_pounds, percent_of
from commissioning.templatetags.gt import money, money_short
from contracts.charts import nice_step
from social_value.reports import BreakdownRow

WIDTH = 640
HEIGHT = 280
MARGIN_LEFT = 72
MARGIN_RIGHT = 16
MARGIN_TOP = 16
MARGIN_BOTTOM = 40
# Month labels need about this much room each; fewer are labelled when the months are many.
X_LABEL_SPACE = 72
# Bars take this share of their slot; the rest is the gap between them.
BAR_FILL = 0.7

# GOV.UK Design System colours for lines: a solid line in colour, a dashed one in grey.
GREEN = "#00703c"
BLUE = "#1d70b8"
GREY = "#505a5f"

KENT = "Kent-based suppliers"
UNKNOWN = "Location not known"
# The parts of a month's spend, bottom to top: together they are the month's total.
PARTS = [
    ("kent", KENT),
    ("outside", "Suppliers outside Kent"),
    ("unknown", UNKNOWN),
    ("redacted", "Redacted"),
]


@dataclass(frozen=True)
class AxisTick:
    position: float
    label: str


@dataclass(frozen=True)
class BarPart:
    kind: str
    label: str
    y: float
    height: float
    value: Decimal
    text: str


@dataclass
class Bar:
    month: str
    x: float
    width: float
    total: Decimal
    text: str
    parts: list[BarPart] = field(default_factory=list)


@dataclass(frozen=True)
class LegendItem:
    kind: str
    label: str


@dataclass
class MonthTrend:
    """One month of the trend, as the text alternative (a table) shows it."""

    key: str
    label: str
    lines: int
    total: Decimal
    kent: Decimal
    outside: Decimal
    unknown: Decimal
    redacted: Decimal
    kent_share: Decimal | None
    unknown_share: Decimal | None


@dataclass
class Chart:
    title: str
    description: str
    width: int = WIDTH
    height: int = HEIGHT
    left: float = MARGIN_LEFT
    top: float = MARGIN_TOP
    right: float = WIDTH - MARGIN_RIGHT
    bottom: float = HEIGHT - MARGIN_BOTTOM
    zero_y: float = HEIGHT - MARGIN_BOTTOM
    y_ticks: list[AxisTick] = field(default_factory=list)
    x_ticks: list[AxisTick] = field(default_factory=list)
    legend: list[LegendItem] = field(default_factory=list)

    @property
    def plot_width(self) -> float:
        return self.right - self.left

    @property
    def plot_height(self) -> float:
        return self.bottom - self.top

    @property
    def y_label_x(self) -> float:
        return self.left - 6

    @property
    def x_label_y(self) -> float:
        return self.bottom + 20


@dataclass
class SpendChart(Chart):
    bars: list[Bar] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.bars


@dataclass(frozen=True)
class LinePoint:
    x: float
    y: float
    label: str  # its place on the x axis: a month, a period
    value: Decimal
    text: str  # the value as written
    title: str  # what its marker says when pointed at

    @property
    def box_x(self) -> float:
        # A square marker centred on the point (a dashed line's).
        return round(self.x - 4, 1)

    @property
    def box_y(self) -> float:
        return round(self.y - 4, 1)


@dataclass
class Line:
    kind: str
    label: str  # as the key names it
    colour: str
    # Dashed lines have square points, solid ones round points, so colour is never the only cue.
    dashed: bool = False
    points: list[LinePoint] = field(default_factory=list)
    segments: list[str] = field(default_factory=list)  # SVG polyline points, one a run without a gap


@dataclass
class LineChart(Chart):
    lines: list[Line] = field(default_factory=list)
    empty_text: str = "Nothing to chart"

    @property
    def empty(self) -> bool:
        return not any(line.points for line in self.lines)


@dataclass(frozen=True)
class LineSeries:
    """One line to plot: a value for each place on the x axis, None where there is none."""

    kind: str
    label: str
    colour: str
    values: Sequence[Decimal | None]
    dashed: bool = False
    # What a point's title says between its place and its value ("national average ").
    named: str = ""
    # A missing value breaks the line (a month with no spend); False joins the points either side.
    breaks: bool = True


# ------------------------------------------------------------------ months


def _month_start(key: str) -> datetime.date:
    year, month = key.split("-")
    return datetime.date(int(year), int(month), 1)


def _next_month(day: datetime.date) -> datetime.date:
    return day.replace(year=day.year + 1, month=1) if day.month == 12 else day.replace(month=day.month + 1)


def monthly_trend(rows: Sequence[BreakdownRow]) -> list[MonthTrend]:
    """Every month from the first to the last with spend, in order, with its four parts in pounds
    (Kent + outside + location not known + redacted = total) and its shares."""
    by_key = {row.key: row for row in rows}
    if not by_key:
        return []
    month, last = _month_start(min(by_key)), _month_start(max(by_key))
    months = []
    while month <= last:
        key = f"{month:%Y-%m}"
        row = by_key.get(key)
        total = row.total_spend if row else 0
        kent = row.kent_spend if row else 0
        unknown = row.unknown_location_spend if row else 0
        redacted = row.redacted_spend if row else 0
        outside = total - kent - unknown - redacted
        months.append(
            MonthTrend(
                key=key,
                label=f"{month:%b %Y}",
                lines=row.lines if row else 0,
                total=pence_to_pounds(total),
                kent=pence_to_pounds(kent),
                outside=pence_to_pounds(outside),
                unknown=pence_to_pounds(unknown),
                redacted=pence_to_pounds(redacted),
                # A share of a net credit (or of nothing) means nothing, so it is left out.
                kent_share=percent_of(kent, total) if total > 0 else None,
                unknown_share=percent_of(unknown, total) if total > 0 else None,
            )
        )
        month = _next_month(month)
    return months


# ------------------------------------------------------------------ geometry


def _axis(low: Decimal, high: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """Round numbers for an axis that includes zero and every value."""
    low, high = min(low, Decimal(0)), max(high, Decimal(0))
    if low == high:
        high = Decimal(1)
    step = nice_step(high - low)
    return (
        (low / step).to_integral_value(rounding="ROUND_FLOOR") * step,
        (high / step).to_integral_value(rounding="ROUND_CEILING") * step,
        step,
    )


def _x_positions(chart: Chart, count: int) -> tuple[list[float], float]:
    slot = chart.plot_width / count
    return [round(chart.left + slot * (i + 0.5), 1) for i in range(count)], slot


def thinned_ticks(
    xs: Sequence[float], labels: Sequence[str], *, room: float, space: float = X_LABEL_SPACE, keep_last: bool = False
) -> list[AxisTick]:
    """The x axis labels: every place's while they fit in `room` at `space` each, otherwise every
    second, third, ... place's from the first; with keep_last the last place is always labelled
    (in the place of the last one chosen)."""
    every = max(1, math.ceil(len(xs) / max(1, int(room // space))))
    chosen = list(range(0, len(xs), every))
    if keep_last and chosen and chosen[-1] != len(xs) - 1:
        chosen = chosen[:-1] + [len(xs) - 1] if len(chosen) > 1 else chosen + [len(xs) - 1]
    return [AxisTick(xs[i], labels[i]) for i in chosen]


def _axis_ticks(
    position_of: Callable[[Decimal], float], low: Decimal, high: Decimal, step: Decimal, label: Callable[[Decimal], str]
) -> list[AxisTick]:
    ticks = []
    tick = low
    while tick <= high:
        ticks.append(AxisTick(position_of(tick), label(tick)))
        tick += step
    return ticks


def describe(intro: str, parts: Sequence[str]) -> str:
    """A chart's text alternative: what it shows, then every figure, so a screen reader hears the data."""
    return f"{intro} " + "; ".join(parts) + "."


def _y_scale(chart: Chart, low: Decimal, high: Decimal):
    top, bottom = float(chart.top), float(chart.bottom)
    span = high - low

    def y_of(value: Decimal) -> float:
        value = min(max(Decimal(value), low), high)
        return round(bottom - float((value - low) / span) * (bottom - top), 1)

    return y_of


def plot_lines(
    chart: LineChart,
    *,
    xs: Sequence[float],
    x_labels: Sequence[str],
    series: Sequence[LineSeries],
    axis: tuple[Decimal, Decimal, Decimal],
    text: Callable[[Decimal], str],
) -> LineChart:
    """Plot each series on a y axis from low to high (axis: low, high, step), the value for
    x_labels[i] at xs[i]: its points, the runs of line between gaps, and the y axis ticks, values
    and ticks written by `text`. A series with no values is left out, so the key names only what
    is drawn. The x axis labels and the description are the caller's (thinned_ticks, describe)."""
    low, high, step = axis
    y_of = _y_scale(chart, low, high)
    chart.zero_y = y_of(low)
    for spec in series:
        line = Line(spec.kind, spec.label, spec.colour, spec.dashed)
        run: list[str] = []
        for x, label, value in zip(xs, x_labels, spec.values, strict=True):
            if value is None:
                if run and spec.breaks:
                    line.segments.append(" ".join(run))
                    run = []
                continue
            value = Decimal(value)
            written = text(value)
            point = LinePoint(x, y_of(value), label, value, written, f"{label}: {spec.named}{written}")
            line.points.append(point)
            run.append(f"{point.x},{point.y}")
        if run:
            line.segments.append(" ".join(run))
        if line.points:
            chart.lines.append(line)
    chart.y_ticks = _axis_ticks(y_of, low, high, step, text)
    return chart


def monthly_spend_chart(
    rows: Sequence[BreakdownRow], *, width: int = WIDTH, height: int = HEIGHT
) -> tuple[SpendChart, list[MonthTrend]]:
    """Stacked bars of each month's spend by supplier location, and the months they show."""
    months = monthly_trend(rows)
    chart = SpendChart(
        title="Spend by month, by supplier location",
        description="",
        width=width,
        height=height,
        right=width - MARGIN_RIGHT,
        bottom=height - MARGIN_BOTTOM,
        zero_y=height - MARGIN_BOTTOM,
        legend=[LegendItem(kind, label) for kind, label in PARTS],
    )
    if not months:
        chart.description = "No spend to chart."
        return chart, months

    # The stack's extent: positive parts rise from zero, negative parts (credits) fall from it.
    def parts(m: MonthTrend) -> list[tuple[str, str, Decimal]]:
        return [(kind, label, getattr(m, kind)) for kind, label in PARTS]

    highs = [sum((v for _, _, v in parts(m) if v > 0), Decimal(0)) for m in months]
    lows = [sum((v for _, _, v in parts(m) if v < 0), Decimal(0)) for m in months]
    low, high, step = _axis(min(lows), max(highs))
    y_of = _y_scale(chart, low, high)
    chart.zero_y = y_of(Decimal(0))
    xs, slot = _x_positions(chart, len(months))
    bar_width = round(slot * BAR_FILL, 1)
    described = []
    for m, x in zip(months, xs, strict=True):
        bar = Bar(month=m.label, x=round(x - bar_width / 2, 1), width=bar_width, total=m.total, text=money(m.total))
        up = down = Decimal(0)
        for kind, label, value in parts(m):
            if not value:
                continue
            if value > 0:
                y0, y1 = y_of(up + value), y_of(up)
                up += value
            else:
                y0, y1 = y_of(down), y_of(down + value)
                down += value
            bar.parts.append(BarPart(kind, label, y0, round(y1 - y0, 1), value, money(value)))
        chart.bars.append(bar)
        if not m.lines:
            described.append(f"{m.label}: no spend")
            continue
        described.append(
            f"{m.label}: {money(m.total)} (Kent {money(m.kent)}, outside Kent {money(m.outside)}, "
            f"location not known {money(m.unknown)}, redacted {money(m.redacted)})"
        )
    chart.y_ticks = _axis_ticks(y_of, low, high, step, money_short)
    chart.x_ticks = thinned_ticks(xs, [m.label for m in months], room=chart.plot_width)
    chart.description = describe("Spend each month by supplier location.", described)
    return chart, months


def kent_share_chart(rows: Sequence[BreakdownRow], *, width: int = WIDTH, height: int = HEIGHT) -> LineChart:
    """Lines of the Kent share of each month's spend, and the share whose location is not known."""
    months = monthly_trend(rows)
    chart = LineChart(
        title="Kent share of spend by month",
        description="",
        width=width,
        height=height,
        right=width - MARGIN_RIGHT,
        bottom=height - MARGIN_BOTTOM,
        empty_text="No spend to chart",
    )
    if not months:
        chart.description = "No spend to chart."
        return chart
    xs, _slot = _x_positions(chart, len(months))
    labels = [m.label for m in months]
    plot_lines(
        chart,
        xs=xs,
        x_labels=labels,
        series=[
            LineSeries("kent", KENT, GREEN, [m.kent_share for m in months], named=f"{KENT} "),
            LineSeries("unknown", UNKNOWN, GREY, [m.unknown_share for m in months], dashed=True, named=f"{UNKNOWN} "),
        ],
        axis=(Decimal(0), Decimal(100), Decimal(25)),
        text=lambda share: f"{share}%",
    )
    chart.x_ticks = thinned_ticks(xs, labels, room=chart.plot_width)
    described = [
        f"{m.label}: "
        + (
            f"Kent {m.kent_share}%, location not known {m.unknown_share}%"
            if m.kent_share is not None
            else ("no spend" if not m.lines else "no share (a net credit)")
        )
        for m in months
    ]
    chart.description = describe("Kent share of each month's spend.", described)
    return chart


# ------------------------------------------------------------------ social value dashboard (issue 5)
#
# Horizontal bars, one group under another, so a long group name (a supporting outcome's title)
# sits on its own line above its bars instead of being cut short on an axis. Built from
# (label, figures) pairs, the figures being social_value.selectors.SocialValueFigures.

SV_MARGIN_LEFT = 24  # room for the "£0" centred under the axis
SV_MARGIN_RIGHT = 88  # room for the value written after the longest bar
SV_MARGIN_TOP = 8
SV_MARGIN_BOTTOM = 32
SV_LABEL_HEIGHT = 20
SV_BAR_HEIGHT = 14
SV_BAR_GAP = 2
SV_GROUP_GAP = 14

SV_SERIES = [("committed", "Committed"), ("delivered", "Delivered (verified)")]
SV_STATUSES = [("on_track", "On track"), ("at_risk", "At risk"), ("behind", "Behind")]


@dataclass(frozen=True)
class HorizontalBar:
    kind: str
    label: str
    x: float
    y: float
    width: float
    height: float
    value: Decimal
    text: str

    @property
    def end(self) -> float:
        return round(self.x + self.width, 1)

    @property
    def text_x(self) -> float:
        return round(self.x + self.width + 4, 1)

    @property
    def text_y(self) -> float:
        return round(self.y + self.height - 3, 1)


@dataclass
class BarGroup:
    label: str
    label_y: float
    bars: list[HorizontalBar] = field(default_factory=list)
    summary: str = ""


@dataclass
class GroupBarChart(Chart):
    groups: list[BarGroup] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.groups

    @property
    def label_x(self) -> float:
        return self.left


def _group_chart(title: str, count: int, width: int, bars_per_group: int, legend) -> GroupBarChart:
    slot = SV_LABEL_HEIGHT + bars_per_group * (SV_BAR_HEIGHT + SV_BAR_GAP) + SV_GROUP_GAP
    bottom = SV_MARGIN_TOP + max(count, 1) * slot
    return GroupBarChart(
        title=title,
        description="",
        width=width,
        height=int(bottom + SV_MARGIN_BOTTOM),
        left=SV_MARGIN_LEFT,
        top=SV_MARGIN_TOP,
        right=width - SV_MARGIN_RIGHT,
        bottom=bottom,
        zero_y=bottom,
        legend=[LegendItem(kind, label) for kind, label in legend],
    )


def _slot_top(index: int, bars_per_group: int) -> float:
    return SV_MARGIN_TOP + index * (SV_LABEL_HEIGHT + bars_per_group * (SV_BAR_HEIGHT + SV_BAR_GAP) + SV_GROUP_GAP)


def committed_delivered_chart(rows: Sequence[tuple], *, grouped_by: str = "group", width: int = WIDTH) -> GroupBarChart:
    """For each (label, figures) pair, a bar of the committed £ and one of the delivered £
    (verified), on one £ axis starting at zero; the description gives every group's figures."""
    chart = _group_chart(f"Committed and delivered social value by {grouped_by}", len(rows), width, 2, SV_SERIES)
    if not rows:
        chart.description = "No social value commitments to chart."
        return chart
    high = max(max(f.committed_value, f.delivered_value) for _, f in rows)
    low, high, step = _axis(Decimal(0), high)
    span = float(high - low)

    def x_of(value: Decimal) -> float:
        return round(chart.left + float(value - low) / span * chart.plot_width, 1)

    described = []
    for index, (label, f) in enumerate(rows):
        top = _slot_top(index, 2)
        group = BarGroup(label=str(label), label_y=round(top + SV_LABEL_HEIGHT - 6, 1))
        for position, (kind, series) in enumerate(SV_SERIES):
            value = f.committed_value if kind == "committed" else f.delivered_value
            y = round(top + SV_LABEL_HEIGHT + position * (SV_BAR_HEIGHT + SV_BAR_GAP), 1)
            group.bars.append(
                HorizontalBar(kind, series, chart.left, y, round(x_of(value) - chart.left, 1), SV_BAR_HEIGHT,
                              value, money_short(value))
            )  # fmt: skip
        share = f"{f.delivered_share}%" if f.delivered_share is not None else "no share"
        group.summary = f"committed {money(f.committed_value)}, delivered {money(f.delivered_value)} ({share})"
        chart.groups.append(group)
        described.append(f"{label}: {group.summary}")
    chart.x_ticks = _axis_ticks(x_of, low, high, step, money_short)
    chart.description = describe(f"Committed and delivered social value by {grouped_by}.", described)
    return chart


def status_chart(rows: Sequence[tuple], *, grouped_by: str = "group", width: int = WIDTH) -> GroupBarChart:
    """For each (label, figures) pair, one bar split into its commitments on track, at risk and
    behind against the straight-line profile, as shares of its commitments (0 to 100%)."""
    chart = _group_chart(f"Commitments by status, by {grouped_by}", len(rows), width, 1, SV_STATUSES)
    if not rows:
        chart.description = "No social value commitments to chart."
        return chart

    def x_of(share: Decimal) -> float:
        return round(chart.left + float(share) / 100 * chart.plot_width, 1)

    described = []
    for index, (label, f) in enumerate(rows):
        top = _slot_top(index, 1)
        group = BarGroup(label=str(label), label_y=round(top + SV_LABEL_HEIGHT - 6, 1))
        counts = [(kind, name, getattr(f, kind)) for kind, name in SV_STATUSES]
        done = 0
        for kind, name, count in counts:
            if not count:
                continue
            x0 = x_of(Decimal(done) * 100 / f.commitments)
            done += count
            x1 = x_of(Decimal(done) * 100 / f.commitments)
            group.bars.append(
                HorizontalBar(kind, name, x0, round(top + SV_LABEL_HEIGHT, 1), round(x1 - x0, 1), SV_BAR_HEIGHT,
                              Decimal(count), f"{name}: {count}")
            )  # fmt: skip
        group.summary = ", ".join(f"{count} {name.lower()}" for _kind, name, count in counts)
        chart.groups.append(group)
        described.append(f"{label}: {group.summary}")
    for tick in range(0, 101, 25):
        chart.x_ticks.append(AxisTick(x_of(Decimal(tick)), f"{tick}%"))
    chart.description = describe(
        f"Commitments on track, at risk and behind the straight-line profile, by {grouped_by}.", described
    )
    return chart
