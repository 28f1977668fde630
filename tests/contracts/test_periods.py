"""Reporting periods as the council names them: financial year April to March, Q1 = April to June."""

import datetime

import pytest

from contracts.choices import Frequency
from contracts.periods import Period, financial_year_label, parse_period, periods_between, periods_in

D = datetime.date
M, Q, A = Frequency.MONTHLY, Frequency.QUARTERLY, Frequency.ANNUAL


@pytest.mark.parametrize(
    ("start", "frequency", "label", "code", "end", "financial_year"),
    [
        (D(2025, 4, 1), Q, "2025-26 Q1", "2025-26-Q1", D(2025, 6, 30), 2025),
        (D(2025, 7, 1), Q, "2025-26 Q2", "2025-26-Q2", D(2025, 9, 30), 2025),
        (D(2025, 10, 1), Q, "2025-26 Q3", "2025-26-Q3", D(2025, 12, 31), 2025),
        (D(2026, 1, 1), Q, "2025-26 Q4", "2025-26-Q4", D(2026, 3, 31), 2025),
        (D(2025, 4, 1), M, "April 2025", "2025-26-M01", D(2025, 4, 30), 2025),
        (D(2025, 5, 1), M, "May 2025", "2025-26-M02", D(2025, 5, 31), 2025),
        (D(2026, 2, 1), M, "February 2026", "2025-26-M11", D(2026, 2, 28), 2025),
        (D(2026, 3, 1), M, "March 2026", "2025-26-M12", D(2026, 3, 31), 2025),
        (D(2025, 4, 1), A, "2025-26", "2025-26", D(2026, 3, 31), 2025),
        (D(1999, 4, 1), A, "1999-00", "1999-00", D(2000, 3, 31), 1999),
    ],
)
def test_period_label_code_end_and_financial_year(start, frequency, label, code, end, financial_year):
    period = Period(start, frequency)
    assert (period.label, period.code, period.end, period.financial_year) == (label, code, end, financial_year)
    assert str(period) == label


def test_financial_year_label_wraps_the_century():
    assert financial_year_label(2025) == "2025-26"
    assert financial_year_label(2099) == "2099-00"


@pytest.mark.parametrize(
    ("day", "frequency", "expected"),
    [
        (D(2025, 4, 1), Q, "2025-26 Q1"),
        (D(2025, 6, 30), Q, "2025-26 Q1"),
        (D(2025, 7, 1), Q, "2025-26 Q2"),
        (D(2026, 3, 31), Q, "2025-26 Q4"),
        (D(2026, 3, 31), A, "2025-26"),
        (D(2026, 4, 1), A, "2026-27"),
        (D(2025, 3, 31), A, "2024-25"),
        (D(2025, 5, 17), M, "May 2025"),
    ],
)
def test_period_containing_a_day(day, frequency, expected):
    assert Period.containing(day, frequency).label == expected


@pytest.mark.parametrize(
    ("start", "frequency", "message"),
    [
        (D(2025, 5, 1), Q, "1 May 2025 does not start a quarterly period."),
        (D(2025, 1, 1), A, "1 January 2025 does not start an annual period (a financial year starts on 1 April)."),
        (D(2025, 5, 2), M, "2 May 2025 does not start a monthly period."),
        (D(2025, 4, 15), Q, "15 April 2025 does not start a quarterly period."),
    ],
)
def test_period_rejects_a_start_that_does_not_begin_a_period(start, frequency, message):
    with pytest.raises(ValueError) as exc:
        Period(start, frequency)
    assert str(exc.value) == message


def test_period_rejects_an_unknown_frequency():
    with pytest.raises(ValueError, match="not a reporting frequency"):
        Period(D(2025, 4, 1), "weekly")


@pytest.mark.parametrize(
    ("label", "frequency", "previous", "following", "year_earlier"),
    [
        ("2025-26 Q1", Q, "2024-25 Q4", "2025-26 Q2", "2024-25 Q1"),
        ("2025-26 Q4", Q, "2025-26 Q3", "2026-27 Q1", "2024-25 Q4"),
        ("April 2025", M, "March 2025", "May 2025", "April 2024"),
        ("March 2026", M, "February 2026", "April 2026", "March 2025"),
        ("2025-26", A, "2024-25", "2026-27", "2024-25"),
    ],
)
def test_previous_next_and_year_earlier_across_the_year_boundary(label, frequency, previous, following, year_earlier):
    period = parse_period(label, frequency)
    assert period.previous().label == previous
    assert period.next().label == following
    assert period.year_earlier().label == year_earlier
    assert period.next().previous() == period


@pytest.mark.parametrize(
    ("label", "frequency", "quarter"),
    [("May 2025", M, "2025-26 Q1"), ("June 2025", M, "2025-26 Q1"), ("2025-26", A, "2025-26 Q4")],
)
def test_a_period_is_summarised_in_the_quarter_of_its_last_day(label, frequency, quarter):
    assert parse_period(label, frequency).quarter().label == quarter


@pytest.mark.parametrize(
    ("text", "frequency", "expected"),
    [
        ("2025-26 Q2", Q, "2025-26 Q2"),
        ("Q2 2025-26", Q, "2025-26 Q2"),
        ("2025/26 Q2", Q, "2025-26 Q2"),
        ("2025-26-Q2", Q, "2025-26 Q2"),
        ("2025-2026 q2", Q, "2025-26 Q2"),
        ("  2025-26   Q2 ", Q, "2025-26 Q2"),
        ("2025-26 Q4", Q, "2025-26 Q4"),
        ("May 2025", M, "May 2025"),
        ("may-25", M, "May 2025"),
        ("Sept 2025", M, "September 2025"),
        ("2025-05", M, "May 2025"),
        ("2026-01", M, "January 2026"),
        ("2025-26 M2", M, "May 2025"),
        ("2025-26 M12", M, "March 2026"),
        ("2025-26 P10", M, "January 2026"),
        ("2025-26", A, "2025-26"),
        ("2025/26", A, "2025-26"),
        ("2025-05-31", Q, "2025-26 Q1"),
        ("31/05/2025", M, "May 2025"),
        ("15/02/2026", A, "2025-26"),
    ],
)
def test_parse_period_accepts_the_councils_forms(text, frequency, expected):
    assert parse_period(text, frequency).label == expected


@pytest.mark.parametrize(
    ("text", "frequency", "message"),
    [
        ("", Q, "Period is missing."),
        ("   ", M, "Period is missing."),
        ("May 2025", Q, "'May 2025' is a monthly period but this KPI is reported quarterly: write it like 2025-26 Q2."),
        ("2025-26 Q2", M, "'2025-26 Q2' is a quarterly period but this KPI is reported monthly"),
        (
            "2025-26 Q2",
            A,
            "'2025-26 Q2' is a quarterly period but this KPI is reported annually: write it like 2025-26.",
        ),
        ("2025-26", Q, "'2025-26' is an annual period but this KPI is reported quarterly"),
        ("2025-27", A, "'2025-27' is not a financial year: write it as 2025-26."),
        ("2025-27 Q1", Q, "'2025-27 Q1' is not a financial year: write it as 2025-26."),
        ("2025/2027", A, "'2025/2027' is not a financial year: write it as 2025-26."),
        ("2025-26 Q5", Q, "'2025-26 Q5' is not a period: write it like 2025-26 Q2."),
        ("2025-26 M13", M, "'2025-26 M13' is not a period: write it like May 2025 or 2025-26 M2."),
        ("Smarch 2025", M, "'Smarch 2025' is not a period"),
        ("next quarter", Q, "'next quarter' is not a period: write it like 2025-26 Q2."),
        ("31/02/2025", M, "'31/02/2025' is not a period"),
    ],
)
def test_parse_period_explains_what_is_wrong(text, frequency, message):
    with pytest.raises(ValueError) as exc:
        parse_period(text, frequency)
    assert str(exc.value).startswith(message)


def test_parse_period_rejects_an_unknown_frequency():
    with pytest.raises(ValueError, match="'weekly' is not a reporting frequency"):
        parse_period("2025-26 Q1", "weekly")


def test_periods_between_lists_periods_ending_on_or_before_the_day():
    first = Period(D(2025, 4, 1), Q)
    assert [p.label for p in periods_between(first, D(2025, 12, 30))] == ["2025-26 Q1", "2025-26 Q2"]
    assert [p.label for p in periods_between(first, D(2025, 12, 31))] == ["2025-26 Q1", "2025-26 Q2", "2025-26 Q3"]
    assert periods_between(first, D(2025, 6, 29)) == []


def test_periods_in_a_quarter_by_frequency():
    quarter = Period(D(2026, 1, 1), Q)
    assert [p.label for p in periods_in(M, quarter.start, quarter.end)] == [
        "January 2026",
        "February 2026",
        "March 2026",
    ]
    assert [p.label for p in periods_in(Q, quarter.start, quarter.end)] == ["2025-26 Q4"]
    assert [p.label for p in periods_in(A, quarter.start, quarter.end)] == ["2025-26"]
    q3 = Period(D(2025, 10, 1), Q)
    assert periods_in(A, q3.start, q3.end) == []
