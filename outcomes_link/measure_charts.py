"""An outcome measure's values over time, drawn with the line chart of social_value.charts and
templates/_partials/line_chart.html (the one the Kent share of spend uses).

No plotting library and no JavaScript, so the same SVG serves the page and a PDF (STYLE.md,
"charts are SVG"). The x axis is time (each value placed at its period end, so an uneven series
such as 2012, 2015, 2016 is not drawn as evenly spaced); the y axis is the measure's own scale.
The national average, where given, is a second, dashed line with square points, so colour is
never the only cue. Values with no figure (a published assessment alone) are not plotted.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal

from django.conf import settings

from commissioning.selectors import MeasureRow
from contracts.charts import value_range
from social_value.charts import BLUE, GREY, LineChart, LineSeries, describe, plot_lines, thinned_ticks

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


def _date_positions(chart: LineChart, days: Sequence[datetime.date]) -> list[float]:
    """Each day's place between the first and the last, INSET in from the axes; one day alone
    sits in the middle."""
    x0, x1 = chart.left + INSET, chart.right - INSET
    first = min(days)
    span = (max(days) - first).days
    if not span:
        return [round((x0 + x1) / 2, 1) for _ in days]
    return [round(x0 + (day - first).days * (x1 - x0) / span, 1) for day in days]


def measure_chart(row: MeasureRow, *, width: int = WIDTH, height: int = HEIGHT) -> LineChart:
    """The chart of one measure: its values (and the national average, where given) over time."""
    measure = row.measure
    unit = f" ({measure.unit})" if measure.unit else ""
    chart = LineChart(
        title=f"{measure.code} {measure.name}: values over time",
        description="",
        width=width,
        height=height,
        left=MARGIN_LEFT,
        top=MARGIN_TOP,
        right=width - MARGIN_RIGHT,
        bottom=height - MARGIN_BOTTOM,
        empty_text="No values recorded yet",
    )
    valued = [v for v in row.values if v.value is not None]
    if not valued:
        chart.description = f"{measure.code} {measure.name}. No values recorded yet."
        return chart
    nationals = [v.national_average for v in valued]
    numbers = [Decimal(v.value) for v in valued] + [Decimal(n) for n in nationals if n is not None]
    xs = _date_positions(chart, [v.period_end for v in valued])
    periods = [v.period for v in valued]
    plot_lines(
        chart,
        xs=xs,
        x_labels=periods,
        series=[
            # The key names the council's area ("Kent") against the national average.
            LineSeries("value", settings.COUNCIL_AREA_NAME or "The council", BLUE, [v.value for v in valued]),
            # A period without a national average is passed over: the line joins the ones either side.
            LineSeries(
                "national", "National average", GREY, nationals, dashed=True, named="national average ", breaks=False
            ),
        ],
        axis=value_range(numbers, ""),
        text=format_value,
    )
    chart.x_ticks = thinned_ticks(xs, periods, room=chart.plot_width - 2 * INSET, space=X_LABEL_SPACE, keep_last=True)
    said = [
        f"{v.period}: {format_value(v.value)}"
        + (f" (national average {format_value(v.national_average)})" if v.national_average is not None else "")
        for v in valued
    ]
    direction = "higher is better" if measure.higher_is_better else "lower is better"
    if measure.higher_is_better is None:
        direction = "whether higher is better is not stated"
    chart.description = describe(f"{measure.code} {measure.name}{unit}, {direction}.", said)
    return chart
