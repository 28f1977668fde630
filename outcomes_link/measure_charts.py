"""An outcome measure's values over time as plain geometry: the numbers are worked out (and tested)
here, the SVG is drawn by templates/outcomes_link/_measure_chart.html.

As contracts.charts and social_value.charts do: no plotting library and no JavaScript, so the
same SVG serves the page and a PDF (STYLE.md, "charts are SVG"). The x axis is time (each value
placed at its period end, so an uneven series such as 2012, 2015, 2016 is not drawn as evenly
spaced); the y axis is the measure's own scale. The national average, where given, is a second,
dashed line with square points, so colour is never the only cue. Values with no figure (a
published assessment alone) are not plotted.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from commissioning.selectors import MeasureRow
from contracts.charts import value_range

WIDTH = 640
HEIGHT = 260
MARGIN_LEFT = 64
MARGIN_RIGHT = 24
MARGIN_TOP = 16
MARGIN_BOTTOM = 40
# Points sit this far in from the axes, so the first and last are not drawn on them.
INSET = 16
# Period labels need about this much room each; fewer are shown when the periods are many.
X_LABEL_SPACE = 76


def format_value(value: Decimal) -> str:
    """A measure's value as written on the page: thousands separated, no trailing zeros (74.8, 1,250)."""
    value = Decimal(value).normalize()
    if value == value.to_integral_value():
        value = value.quantize(Decimal(1))
    return f"{value:,f}"


@dataclass(frozen=True)
class AxisTick:
    position: float
    label: str


@dataclass(frozen=True)
class MeasurePoint:
    x: float
    y: float
    period: str
    value: Decimal
    text: str

    @property
    def box_x(self) -> float:
        return round(self.x - 4, 1)

    @property
    def box_y(self) -> float:
        return round(self.y - 4, 1)


@dataclass
class MeasureLine:
    kind: str  # "value" or "national"
    label: str
    points: list[MeasurePoint] = field(default_factory=list)

    @property
    def path(self) -> str:
        return " ".join(f"{p.x},{p.y}" for p in self.points)


@dataclass
class MeasureChart:
    title: str
    description: str
    width: int = WIDTH
    height: int = HEIGHT
    left: float = MARGIN_LEFT
    top: float = MARGIN_TOP
    right: float = WIDTH - MARGIN_RIGHT
    bottom: float = HEIGHT - MARGIN_BOTTOM
    lines: list[MeasureLine] = field(default_factory=list)
    y_ticks: list[AxisTick] = field(default_factory=list)
    x_ticks: list[AxisTick] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(line.points for line in self.lines)

    @property
    def has_national(self) -> bool:
        return any(line.kind == "national" and line.points for line in self.lines)

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


def measure_chart(row: MeasureRow, *, width: int = WIDTH, height: int = HEIGHT) -> MeasureChart:
    """The chart of one measure: its values (and the national average, where given) over time."""
    measure = row.measure
    unit = f" ({measure.unit})" if measure.unit else ""
    chart = MeasureChart(
        title=f"{measure.code} {measure.name}: values over time",
        description="",
        width=width,
        height=height,
        right=width - MARGIN_RIGHT,
        bottom=height - MARGIN_BOTTOM,
    )
    valued = [v for v in row.values if v.value is not None]
    if not valued:
        chart.description = f"{measure.code} {measure.name}. No values recorded yet."
        return chart
    dates = [v.period_end for v in valued]
    numbers = [Decimal(v.value) for v in valued] + [
        Decimal(v.national_average) for v in valued if v.national_average is not None
    ]
    low, high, step = value_range(numbers, "")
    span = high - low
    top, bottom = float(chart.top), float(chart.bottom)

    def y_of(value: Decimal) -> float:
        return round(bottom - float((Decimal(value) - low) / span) * (bottom - top), 1)

    x0, x1 = chart.left + INSET, chart.right - INSET
    first, last = min(dates), max(dates)
    days = (last - first).days

    def x_of(day: datetime.date) -> float:
        if not days:
            return round((x0 + x1) / 2, 1)
        return round(x0 + (day - first).days * (x1 - x0) / days, 1)

    values_line = MeasureLine("value", measure.name)
    national_line = MeasureLine("national", "National average")
    described = []
    for v in valued:
        text = format_value(v.value)
        values_line.points.append(MeasurePoint(x_of(v.period_end), y_of(v.value), v.period, Decimal(v.value), text))
        said = f"{v.period}: {text}"
        if v.national_average is not None:
            national = format_value(v.national_average)
            national_line.points.append(
                MeasurePoint(
                    x_of(v.period_end), y_of(v.national_average), v.period, Decimal(v.national_average), national
                )
            )
            said += f" (national average {national})"
        described.append(said)
    chart.lines = [line for line in (values_line, national_line) if line.points]

    tick = low
    while tick <= high:
        chart.y_ticks.append(AxisTick(y_of(tick), format_value(tick)))
        tick += step
    room = max(int((x1 - x0) // X_LABEL_SPACE), 1)
    every = max(-(-len(valued) // room), 1)
    shown = valued[::every]
    if valued[-1] not in shown:
        shown = shown[:-1] + [valued[-1]] if len(shown) > 1 else shown + [valued[-1]]
    chart.x_ticks = [AxisTick(x_of(v.period_end), v.period) for v in shown]
    direction = "higher is better" if measure.higher_is_better else "lower is better"
    if measure.higher_is_better is None:
        direction = "whether higher is better is not stated"
    chart.description = f"{measure.code} {measure.name}{unit}, {direction}. " + "; ".join(described) + "."
    return chart
