"""KPI chart geometry (contracts.charts): plain data, so tested without a browser or a database."""

import datetime
from decimal import Decimal

import pytest
from django.template.loader import render_to_string

from contracts.charts import kpi_chart, nice_step, value_range
from contracts.choices import RAG, Frequency, KPIUnit, Polarity, ReturnStatus
from contracts.models import KPI, KPIReturn
from contracts.rules import rag_for
from contracts.selectors import KPISeries


def make_kpi(**overrides) -> KPI:
    data = {
        "code": "KPI01",
        "name": "Visits on time",
        "unit": KPIUnit.PERCENT,
        "polarity": Polarity.HIGHER,
        "target": Decimal("90"),
        "amber_threshold": Decimal("85"),
        "red_threshold": Decimal("80"),
        "frequency": Frequency.QUARTERLY,
        "first_period_start": datetime.date(2024, 4, 1),
    }
    data.update(overrides)
    return KPI(**data)


def make_return(kpi: KPI, start: datetime.date, actual, status=ReturnStatus.SUBMITTED) -> KPIReturn:
    ret = KPIReturn(kpi=kpi, period_start=start, actual=Decimal(str(actual)), status=status)
    ret.rag, ret.rag_explanation = rag_for(kpi, ret.actual)
    return ret


Q1, Q2, Q3, Q4 = (
    datetime.date(2024, 4, 1),
    datetime.date(2024, 7, 1),
    datetime.date(2024, 10, 1),
    datetime.date(2025, 1, 1),
)


def test_nice_step_rounds_to_one_two_or_five():
    assert nice_step(Decimal("20")) == Decimal("5")
    assert nice_step(Decimal("7")) == Decimal("2")
    assert nice_step(Decimal("3000")) == Decimal("1000")


def test_value_range_includes_every_value_on_round_numbers():
    low, high, step = value_range([Decimal("72"), Decimal("90"), Decimal("85"), Decimal("80")], KPIUnit.PERCENT)
    assert (low, high, step) == (Decimal("70"), Decimal("90"), Decimal("5"))


def test_percent_axis_stays_within_0_and_100():
    low, high, _ = value_range([Decimal("99"), Decimal("100"), Decimal("98")], KPIUnit.PERCENT)
    assert low >= 0 and high <= 100


def test_points_scale_between_the_axis_minimum_and_maximum():
    kpi = make_kpi()
    series = KPISeries(kpi, [make_return(kpi, Q1, "70"), make_return(kpi, Q2, "90"), make_return(kpi, Q3, "80")])
    chart = kpi_chart(series)
    assert (chart.y_min, chart.y_max) == (Decimal("70"), Decimal("90"))
    lowest, highest, middle = chart.points
    assert lowest.y == chart.bottom  # 70 is the axis minimum
    assert highest.y == chart.top  # 90 is the axis maximum
    assert middle.y == pytest.approx((chart.top + chart.bottom) / 2, abs=0.1)
    # Periods run left to right at even steps, inside the axes.
    assert chart.left < lowest.x < highest.x < middle.x < chart.right
    assert highest.x - lowest.x == pytest.approx(middle.x - highest.x, abs=0.1)


def test_target_and_threshold_lines_sit_at_their_values_higher_is_better():
    kpi = make_kpi()
    chart = kpi_chart(KPISeries(kpi, [make_return(kpi, Q1, "70"), make_return(kpi, Q2, "95")]))
    lines = {line.kind: line for line in chart.lines}
    span = float(chart.y_max - chart.y_min)
    expected = chart.bottom - float(Decimal(90) - chart.y_min) / span * (chart.bottom - chart.top)
    assert lines["target"].y == pytest.approx(expected, abs=0.1)
    assert lines["target"].label == "Target 90%"
    # Higher is better: the target is highest on the chart (smallest y), red lowest.
    assert lines["target"].y < lines["amber"].y < lines["red"].y
    bands = {band.rag: band for band in chart.bands}
    assert bands[RAG.GREEN].y == chart.top  # green zone above the amber line
    assert bands[RAG.RED].y + bands[RAG.RED].height == pytest.approx(chart.bottom, abs=0.1)


def test_lower_is_better_puts_red_above_the_target():
    kpi = make_kpi(
        code="KPI02",
        name="Days to assess",
        unit=KPIUnit.DAYS,
        polarity=Polarity.LOWER,
        target=Decimal("28"),
        amber_threshold=Decimal("35"),
        red_threshold=Decimal("42"),
    )
    chart = kpi_chart(KPISeries(kpi, [make_return(kpi, Q1, "30"), make_return(kpi, Q2, "45")]))
    lines = {line.kind: line for line in chart.lines}
    assert lines["red"].y < lines["amber"].y < lines["target"].y
    bands = {band.rag: band for band in chart.bands}
    assert bands[RAG.RED].y == chart.top  # worse is up: red zone at the top
    assert bands[RAG.GREEN].y + bands[RAG.GREEN].height == pytest.approx(chart.bottom, abs=0.1)
    assert chart.points[1].rag == RAG.RED and chart.points[1].y < chart.points[0].y
    assert "Lower is better" in chart.description


def test_missing_period_breaks_the_line_and_drafts_are_not_plotted():
    kpi = make_kpi()
    series = KPISeries(
        kpi,
        [
            make_return(kpi, Q1, "88"),
            make_return(kpi, Q2, "50", status=ReturnStatus.DRAFT),
            make_return(kpi, Q3, "82"),
            make_return(kpi, Q4, "91"),
        ],
    )
    chart = kpi_chart(series)
    assert [p.period for p in chart.points] == ["2024-25 Q1", "2024-25 Q3", "2024-25 Q4"]
    assert len(chart.segments) == 2  # Q1 alone, then Q3 to Q4
    assert "2024-25 Q2: no return" in chart.description
    assert [t.label for t in chart.x_ticks] == ["2024-25 Q1", "2024-25 Q2", "2024-25 Q3", "2024-25 Q4"]


def test_many_monthly_periods_label_only_some_ticks():
    kpi = make_kpi(frequency=Frequency.MONTHLY)
    starts = [datetime.date(2024 + (m + 3) // 12, (m + 3) % 12 + 1, 1) for m in range(24)]
    chart = kpi_chart(KPISeries(kpi, [make_return(kpi, s, "86") for s in starts]))
    assert len(chart.points) == 24
    assert 2 <= len(chart.x_ticks) <= 6
    assert chart.x_ticks[0].label == "Apr 2024"


def test_threshold_labels_do_not_overlap_when_lines_are_close():
    kpi = make_kpi(target=Decimal("90"), amber_threshold=Decimal("89.5"), red_threshold=Decimal("89"))
    chart = kpi_chart(KPISeries(kpi, [make_return(kpi, Q1, "10")]))
    label_ys = sorted(line.label_y for line in chart.lines)
    assert all(b - a >= 13.9 for a, b in zip(label_ys, label_ys[1:], strict=False))


def test_chart_without_returns_says_so():
    chart = kpi_chart(KPISeries(make_kpi(), []))
    assert chart.empty
    assert "No submitted returns yet" in chart.description


def test_svg_has_a_title_and_a_description_giving_the_values():
    kpi = make_kpi()
    kpi.pk = 7
    chart = kpi_chart(KPISeries(kpi, [make_return(kpi, Q1, "82"), make_return(kpi, Q2, "91.25")]))
    html = render_to_string("contracts/_kpi_chart.html", {"chart": chart, "id": kpi.pk})
    assert 'role="img"' in html
    assert 'aria-labelledby="chart-7-title chart-7-desc"' in html
    assert '<title id="chart-7-title">KPI01 Visits on time: actual against target</title>' in html
    assert "2024-25 Q1: 82.0% (amber); 2024-25 Q2: 91.25% (green)" in html
    assert html.count("<circle") == 2
    assert "<script" not in html and "style=" not in html
