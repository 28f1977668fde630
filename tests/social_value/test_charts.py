"""The local spend trend charts' geometry (no database: built from breakdown rows)."""

from decimal import Decimal

import pytest
from django.template.loader import render_to_string

from social_value.charts import kent_share_chart, monthly_spend_chart, monthly_trend
from social_value.reports import BreakdownRow


def month(key: str, total: int, kent: int = 0, unknown: int = 0, redacted: int = 0, lines: int = 1) -> BreakdownRow:
    """A month's row, in pence; outside Kent is whatever is left."""
    return BreakdownRow(key, key, lines, total, kent, 0, 0, 0, unknown, redacted)


def test_trend_fills_months_with_no_spend_between_first_and_last():
    months = monthly_trend([month("2024-11", 100_00, kent=50_00), month("2025-02", 200_00, kent=200_00)])
    assert [m.key for m in months] == ["2024-11", "2024-12", "2025-01", "2025-02"]
    assert [m.label for m in months] == ["Nov 2024", "Dec 2024", "Jan 2025", "Feb 2025"]
    assert months[1].total == Decimal("0.00")
    assert months[1].lines == 0
    assert months[1].kent_share is None


def test_trend_parts_add_up_to_the_total():
    (m,) = monthly_trend([month("2024-04", 1000_00, kent=400_00, unknown=150_00, redacted=50_00)])
    assert (m.kent, m.outside, m.unknown, m.redacted) == (
        Decimal("400.00"),
        Decimal("400.00"),
        Decimal("150.00"),
        Decimal("50.00"),
    )
    assert m.kent + m.outside + m.unknown + m.redacted == m.total
    assert m.kent_share == Decimal("40.0")
    assert m.unknown_share == Decimal("15.0")


def test_trend_of_a_net_credit_has_no_share():
    (m,) = monthly_trend([month("2024-04", -50_00, kent=-50_00)])
    assert m.kent_share is None


def test_spend_chart_stacks_parts_from_zero():
    chart, months = monthly_spend_chart([month("2024-04", 1000_00, kent=600_00, unknown=400_00)])
    assert len(months) == 1
    (bar,) = chart.bars
    kinds = [p.kind for p in bar.parts]
    assert kinds == ["kent", "unknown"]  # outside and redacted are zero: no empty rectangles
    kent, unknown = bar.parts
    assert kent.y + kent.height == pytest.approx(chart.zero_y, abs=0.1)  # Kent sits on the axis
    assert unknown.y + unknown.height == pytest.approx(kent.y, abs=0.1)  # location not known on top of it
    assert unknown.y == chart.top  # £1,000 is the top of a 0 to £1,000 axis
    assert [t.label for t in chart.y_ticks] == ["£0", "£500", "£1.0k"]
    assert chart.zero_y == chart.bottom  # no credits: zero is the bottom of the plot


def test_spend_chart_draws_credits_below_zero():
    chart, _ = monthly_spend_chart([month("2024-04", 800_00, kent=1000_00, redacted=-200_00)])
    kent, redacted = chart.bars[0].parts
    assert kent.y + kent.height == pytest.approx(chart.zero_y, abs=0.1)
    assert redacted.y == chart.zero_y  # hangs from the zero line
    assert redacted.value == Decimal("-200.00")
    assert chart.y_ticks[0].label.startswith("-£")


def test_spend_chart_labels_fewer_months_when_there_are_many():
    rows = [month(f"{2023 + (i + 3) // 12}-{(i + 3) % 12 + 1:02d}", 100_00) for i in range(24)]
    chart, months = monthly_spend_chart(rows)
    assert len(months) == 24
    assert len(chart.bars) == 24
    assert 1 < len(chart.x_ticks) < 24
    assert chart.x_ticks[0].label == "Apr 2023"


def test_spend_chart_description_gives_every_month():
    chart, _ = monthly_spend_chart([month("2024-04", 100_00, kent=100_00), month("2024-06", 50_00, unknown=50_00)])
    assert "Apr 2024: £100.00 (Kent £100.00" in chart.description
    assert "May 2024: no spend" in chart.description
    assert "location not known £50.00" in chart.description


def test_share_chart_leaves_a_gap_for_a_month_without_spend():
    chart = kent_share_chart(
        [month("2024-04", 100_00, kent=50_00), month("2024-06", 100_00, kent=25_00, unknown=75_00)]
    )
    kent, unknown = chart.lines
    assert [p.value for p in kent.points] == [Decimal("50.0"), Decimal("25.0")]
    assert len(kent.segments) == 2  # May has no spend: the line is broken
    assert [p.value for p in unknown.points] == [Decimal("0.0"), Decimal("75.0")]
    assert [t.label for t in chart.y_ticks] == ["0%", "25%", "50%", "75%", "100%"]
    top = chart.y_ticks[-1].position
    assert top == chart.top
    assert kent.points[0].y == round((chart.top + chart.bottom) / 2, 1)
    assert "May 2024: no spend" in chart.description


def test_empty_charts_say_so():
    chart, months = monthly_spend_chart([])
    assert chart.empty and months == []
    assert kent_share_chart([]).empty
    html = render_to_string("social_value/_spend_chart.html", {"chart": chart, "id": "spend"})
    assert "No spend to chart" in html


def test_chart_templates_render_svg_with_a_title_and_description():
    rows = [month("2024-04", 100_00, kent=60_00, unknown=40_00), month("2024-05", 80_00, kent=80_00)]
    chart, _ = monthly_spend_chart(rows)
    html = render_to_string("social_value/_spend_chart.html", {"chart": chart, "id": "spend"})
    assert 'role="img"' in html
    assert '<title id="chart-spend-title">Spend by month, by supplier location</title>' in html
    assert html.count("<rect x=") == 3  # Apr: Kent and not known; May: Kent
    assert "url(#chart-spend-unknown)" in html
    share = render_to_string("_partials/line_chart.html", {"chart": kent_share_chart(rows), "id": "share"})
    assert "<polyline" in share
    assert "Kent share of spend by month" in share
    assert "style=" not in html + share  # no inline styles (Content Security Policy)
