"""KPI charts as plain geometry: the numbers are worked out (and tested) here, the SVG is drawn by
templates/contracts/_kpi_chart.html.

No plotting library and no JavaScript: the same SVG serves the page and a PDF (STYLE.md, "charts
are SVG"). A chart plots the returns that count (submitted and accepted) against the KPI's target
and its amber and red thresholds, over every period from the first counted return to the latest;
a period with no counted return leaves a gap in the line rather than joining across it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

from contracts.choices import COUNTED_RETURN_STATUSES, RAG, Frequency, KPIUnit, Polarity
from contracts.periods import Period, periods_between
from contracts.rules import format_measure
from contracts.selectors import KPISeries

WIDTH = 640
HEIGHT = 260
# Room for the value labels on the left, the threshold labels on the right and period labels below.
MARGIN_LEFT = 72
MARGIN_RIGHT = 104
MARGIN_TOP = 16
MARGIN_BOTTOM = 40
# Points sit this far in from the axes, so the first and last are not drawn on them.
INSET = 16
# Period labels need about this much room each; fewer are shown when the periods are many.
X_LABEL_SPACE = 92
# Threshold labels on the right are pushed apart when their lines are closer than this.
LINE_LABEL_GAP = 14


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    period: str
    value: Decimal
    text: str
    rag: str


@dataclass(frozen=True)
class ChartLine:
    """A horizontal line: the target or a threshold, with its label placed at `label_y` on the right."""

    kind: str  # "target", "amber" or "red"
    y: float
    label_y: float
    value: Decimal
    label: str


@dataclass(frozen=True)
class ChartBand:
    """A shaded zone of the plot where a value would be green, amber or red."""

    rag: str
    y: float
    height: float


@dataclass(frozen=True)
class AxisTick:
    position: float
    label: str


@dataclass
class KPIChart:
    kpi_code: str
    title: str
    description: str
    width: int = WIDTH
    height: int = HEIGHT
    left: float = MARGIN_LEFT
    top: float = MARGIN_TOP
    right: float = WIDTH - MARGIN_RIGHT
    bottom: float = HEIGHT - MARGIN_BOTTOM
    y_min: Decimal = Decimal(0)
    y_max: Decimal = Decimal(1)
    points: list[ChartPoint] = field(default_factory=list)
    segments: list[str] = field(default_factory=list)
    lines: list[ChartLine] = field(default_factory=list)
    bands: list[ChartBand] = field(default_factory=list)
    y_ticks: list[AxisTick] = field(default_factory=list)
    x_ticks: list[AxisTick] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.points

    @property
    def plot_width(self) -> float:
        return self.right - self.left

    @property
    def plot_height(self) -> float:
        return self.bottom - self.top

    @property
    def label_x(self) -> float:
        return self.right + 6

    @property
    def y_label_x(self) -> float:
        return self.left - 6

    @property
    def x_label_y(self) -> float:
        return self.bottom + 20


def nice_step(span: Decimal, intervals: int = 4) -> Decimal:
    """A round step (1, 2 or 5 × a power of ten) giving about `intervals` ticks over `span`."""
    if span <= 0:
        return Decimal(1)
    raw = span / intervals
    exponent = math.floor(math.log10(raw))
    base = Decimal(10) ** exponent
    for multiple in (1, 2, 5, 10):
        if raw <= base * multiple:
            return base * multiple
    return base * 10  # pragma: no cover - the loop always returns


def value_range(values: list[Decimal], unit: str) -> tuple[Decimal, Decimal, Decimal]:
    """The y axis: (lowest, highest, step), on round numbers that include every value given.

    A single value gets room either side; a percentage axis never goes below 0 or above 100
    unless a value does.
    """
    lo, hi = min(values), max(values)
    if lo == hi:
        pad = abs(lo) / 10 if lo else Decimal(1)
        lo, hi = lo - pad, hi + pad
    step = nice_step(hi - lo)
    low = (lo / step).to_integral_value(rounding="ROUND_FLOOR") * step
    high = (hi / step).to_integral_value(rounding="ROUND_CEILING") * step
    if unit == KPIUnit.PERCENT:
        low = max(low, min(Decimal(0), min(values)))
        high = min(high, max(Decimal(100), max(values)))
    return low, high, step


def _tick_label(value: Decimal, unit: str) -> str:
    if unit == KPIUnit.MONEY:
        return f"£{value.normalize():,f}" if value == value.to_integral_value() else format_measure(value, unit)
    if unit == KPIUnit.DAYS:
        return format_measure(value, KPIUnit.COUNT, exact=True)
    return format_measure(value, unit, exact=True)


def _short_period(period: Period) -> str:
    if period.frequency == Frequency.MONTHLY:
        return f"{period.start:%b %Y}"
    return period.label


def _spread(positions: list[float], gap: float, low: float, high: float) -> list[float]:
    """Move label positions apart so none is closer than `gap` to the next, keeping them in [low, high]."""
    order = sorted(range(len(positions)), key=lambda i: positions[i])
    placed = [positions[i] for i in order]
    for i in range(1, len(placed)):
        placed[i] = max(placed[i], placed[i - 1] + gap)
    overflow = placed[-1] - high if placed else 0
    if overflow > 0:
        placed = [p - overflow for p in placed]
        for i in range(len(placed) - 2, -1, -1):
            placed[i] = min(placed[i], placed[i + 1] - gap)
    placed = [max(p, low) for p in placed]
    out = [0.0] * len(positions)
    for slot, i in enumerate(order):
        out[i] = round(placed[slot], 1)
    return out


def kpi_chart(series: KPISeries, *, width: int = WIDTH, height: int = HEIGHT) -> KPIChart:
    """The chart of one KPI: its counted returns over time against its target and thresholds."""
    kpi = series.kpi
    unit = kpi.unit
    higher = kpi.polarity == Polarity.HIGHER
    side = "below" if higher else "above"
    counted = {
        r.period_start: r for r in series.returns if r.status in COUNTED_RETURN_STATUSES and r.actual is not None
    }
    target_text = format_measure(kpi.target, unit, exact=True)
    amber_text = format_measure(kpi.amber_threshold, unit, exact=True)
    red_text = format_measure(kpi.red_threshold, unit, exact=True)
    title = f"{kpi.code} {kpi.name}: actual against target"
    standard = (
        f"{Polarity(kpi.polarity).label}. Target {target_text}; amber {side} {amber_text}, red {side} {red_text}."
    )
    chart = KPIChart(
        kpi_code=kpi.code,
        title=title,
        description="",
        width=width,
        height=height,
        right=width - MARGIN_RIGHT,
        bottom=height - MARGIN_BOTTOM,
    )
    if not counted:
        chart.description = f"{kpi.code} {kpi.name}. {standard} No submitted returns yet."
        return chart

    first = Period(min(counted), kpi.frequency)
    last = Period(max(counted), kpi.frequency)
    periods = periods_between(first, last.end)
    values = [Decimal(r.actual) for r in counted.values()]
    low, high, step = value_range([*values, kpi.target, kpi.amber_threshold, kpi.red_threshold], unit)
    chart.y_min, chart.y_max = low, high
    top, bottom = float(chart.top), float(chart.bottom)
    span = high - low

    def y_of(value: Decimal) -> float:
        value = min(max(Decimal(value), low), high)
        return round(bottom - float((value - low) / span) * (bottom - top), 1)

    x0, x1 = chart.left + INSET, chart.right - INSET

    def x_of(index: int) -> float:
        if len(periods) == 1:
            return round((x0 + x1) / 2, 1)
        return round(x0 + index * (x1 - x0) / (len(periods) - 1), 1)

    run: list[str] = []
    described = []
    for index, period in enumerate(periods):
        ret = counted.get(period.start)
        if ret is None:
            if run:
                chart.segments.append(" ".join(run))
                run = []
            described.append(f"{period.label}: no return")
            continue
        text = format_measure(ret.actual, unit)
        rag_label = RAG(ret.rag).label.lower() if ret.rag else "not rated"
        point = ChartPoint(x_of(index), y_of(ret.actual), period.label, Decimal(ret.actual), text, ret.rag)
        chart.points.append(point)
        run.append(f"{point.x},{point.y}")
        described.append(f"{period.label}: {text} ({rag_label})")
    if run:
        chart.segments.append(" ".join(run))

    kinds = [
        ("target", kpi.target, f"Target {target_text}"),
        ("amber", kpi.amber_threshold, f"Amber {amber_text}"),
        ("red", kpi.red_threshold, f"Red {red_text}"),
    ]
    ys = [y_of(value) for _, value, _ in kinds]
    label_ys = _spread([y + 4 for y in ys], LINE_LABEL_GAP, top + 4, bottom + 4)
    chart.lines = [
        ChartLine(kind, y, label_y, Decimal(value), label)
        for (kind, value, label), y, label_y in zip(kinds, ys, label_ys, strict=True)
    ]

    amber_y, red_y = y_of(kpi.amber_threshold), y_of(kpi.red_threshold)
    if higher:  # better is up: green above the amber line, red below the red line
        zones = [(RAG.GREEN, top, amber_y), (RAG.AMBER, amber_y, red_y), (RAG.RED, red_y, bottom)]
    else:  # better is down: green below the amber line, red above the red line
        zones = [(RAG.RED, top, red_y), (RAG.AMBER, red_y, amber_y), (RAG.GREEN, amber_y, bottom)]
    chart.bands = [ChartBand(str(rag), y1, round(y2 - y1, 1)) for rag, y1, y2 in zones if y2 > y1]

    tick = low
    while tick <= high:
        chart.y_ticks.append(AxisTick(y_of(tick), _tick_label(tick, unit)))
        tick += step
    every = max(1, math.ceil(len(periods) / max(1, int((x1 - x0 + INSET * 2) // X_LABEL_SPACE))))
    chart.x_ticks = [
        AxisTick(x_of(index), _short_period(period)) for index, period in enumerate(periods) if index % every == 0
    ]
    chart.description = f"{kpi.code} {kpi.name}. {standard} " + "; ".join(described) + "."
    return chart
