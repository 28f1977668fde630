"""Bar charts for the reports as plain geometry: worked out (and tested) here, drawn as SVG by
templates/reports/_bar_chart.html.

As contracts.charts and social_value.charts do: no plotting library and no JavaScript, so the
chart is SVG that WeasyPrint draws in the PDF (STYLE.md, "charts are SVG"). Where the pages have a
chart of the same figures (a KPI's returns, monthly local spend, social value committed against
delivered), the reports use that chart and its template instead; this module draws the ones only
the reports have: contracts by RAG in a quarter, and contract value attributed by outcome.

Each bar has its label on its own line above it (supporting outcomes have long names) and its
value written after it, so colour is never the only cue; the chart's <title> is the PDF figure's
alternate text and its <desc> gives every figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from contracts.charts import nice_step

WIDTH = 640
MARGIN_LEFT = 8
MARGIN_RIGHT = 96  # room for the value written after the longest bar
MARGIN_TOP = 4
MARGIN_BOTTOM = 28  # room for the axis labels
LABEL_HEIGHT = 16
BAR_HEIGHT = 14
GAP = 8
# Kinds a bar can be drawn as; the template gives each a colour (and "none" a hatching).
KINDS = ("green", "amber", "red", "none", "value")


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal
    text: str
    kind: str
    y: float
    width: float
    label_y: float
    x: float = MARGIN_LEFT

    @property
    def text_x(self) -> float:
        return round(self.x + self.width + 4, 1)

    @property
    def text_y(self) -> float:
        return round(self.y + BAR_HEIGHT - 3, 1)


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass
class BarChart:
    title: str
    description: str
    width: int = WIDTH
    height: int = 0
    left: float = MARGIN_LEFT
    right: float = WIDTH - MARGIN_RIGHT
    top: float = MARGIN_TOP
    bottom: float = 0
    bars: list[Bar] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.bars

    @property
    def tick_label_y(self) -> float:
        return self.bottom + 16


def bar_chart(
    title: str,
    rows: Sequence[tuple[str, Decimal | int, str, str]],
    *,
    tick_label=str,
    whole_numbers: bool = False,
    width: int = WIDTH,
) -> BarChart:
    """Horizontal bars from zero, one per (label, value, text written after it, kind) row, on one axis
    of round numbers (whole ones for counts). Negative values are drawn as zero (no chart here has any)."""
    slot = LABEL_HEIGHT + BAR_HEIGHT + GAP
    bottom = MARGIN_TOP + max(len(rows), 1) * slot
    chart = BarChart(
        title=title,
        description="",
        width=width,
        right=width - MARGIN_RIGHT,
        height=int(bottom + MARGIN_BOTTOM),
        bottom=bottom,
    )
    if not rows:
        chart.description = "Nothing to chart."
        return chart
    high = max((Decimal(value) for _, value, _, _ in rows), default=Decimal(0))
    step = nice_step(high) if high > 0 else Decimal(1)
    if whole_numbers:
        step = max(step.to_integral_value(rounding="ROUND_CEILING"), Decimal(1))
    top_value = max((high / step).to_integral_value(rounding="ROUND_CEILING") * step, step)
    plot = chart.right - chart.left

    def x_of(value: Decimal) -> float:
        return round(chart.left + float(max(Decimal(value), Decimal(0)) / top_value) * plot, 1)

    for index, (label, value, text, kind) in enumerate(rows):
        y0 = MARGIN_TOP + index * slot
        chart.bars.append(
            Bar(
                label=label,
                value=Decimal(value),
                text=text,
                kind=kind if kind in KINDS else "value",
                y=round(y0 + LABEL_HEIGHT, 1),
                width=round(x_of(Decimal(value)) - chart.left, 1),
                label_y=round(y0 + LABEL_HEIGHT - 4, 1),
            )
        )
    tick = Decimal(0)
    while tick <= top_value:
        chart.ticks.append(Tick(x_of(tick), tick_label(tick)))
        tick += step
    chart.description = f"{title}. " + "; ".join(f"{label}: {text}" for label, _, text, _ in rows) + "."
    return chart
