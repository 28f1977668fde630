"""Reporting periods as the council names them.

The council's financial year runs 1 April to 31 March and is written "2025-26". Quarters
are numbered from April: 2025-26 Q1 is April to June 2025, Q4 is January to March 2026.
Months are written as the month itself ("May 2025"); finance also calls them periods of
the financial year ("2025-26 M2"), which is accepted when parsing.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta

from contracts.choices import Frequency

_MONTHS_FOR = {Frequency.MONTHLY: 1, Frequency.QUARTERLY: 3, Frequency.ANNUAL: 12}
_MONTH_NAMES = {
    name.lower(): number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}


def financial_year_of(day: datetime.date) -> int:
    """The calendar year in which the financial year containing `day` starts (2025 for 2025-26)."""
    return day.year if day.month >= 4 else day.year - 1


def financial_year_label(year: int) -> str:
    return f"{year}-{(year + 1) % 100:02d}"


def financial_year_start(year: int) -> datetime.date:
    return datetime.date(year, 4, 1)


@dataclass(frozen=True, order=True)
class Period:
    """One reporting period of a KPI: its frequency and its first day."""

    start: datetime.date
    frequency: str

    def __post_init__(self) -> None:
        if self.frequency not in _MONTHS_FOR:
            raise ValueError(f"{self.frequency!r} is not a reporting frequency: use monthly, quarterly or annual.")
        months = _MONTHS_FOR[self.frequency]
        offset = (self.start.month - 4) % 12
        if self.start.day != 1 or offset % months:
            raise ValueError(
                f"{self.start.day} {self.start:%B %Y} does not start {_a(self.frequency)} period"
                f"{' (a financial year starts on 1 April)' if self.frequency == Frequency.ANNUAL else ''}."
            )

    @classmethod
    def containing(cls, day: datetime.date, frequency: str) -> Period:
        months = _MONTHS_FOR[frequency]
        fy_start = financial_year_start(financial_year_of(day))
        index = ((day.year - fy_start.year) * 12 + day.month - 4) // months
        return cls(fy_start + relativedelta(months=index * months), frequency)

    @property
    def months(self) -> int:
        return _MONTHS_FOR[self.frequency]

    @property
    def end(self) -> datetime.date:
        return self.start + relativedelta(months=self.months) - datetime.timedelta(days=1)

    @property
    def financial_year(self) -> int:
        return financial_year_of(self.start)

    @property
    def number(self) -> int:
        """1-based position in the financial year (Q2, M5)."""
        return ((self.start.year - self.financial_year) * 12 + self.start.month - 4) // self.months + 1

    @property
    def label(self) -> str:
        fy = financial_year_label(self.financial_year)
        if self.frequency == Frequency.QUARTERLY:
            return f"{fy} Q{self.number}"
        if self.frequency == Frequency.MONTHLY:
            return f"{self.start:%B %Y}"
        return fy

    @property
    def code(self) -> str:
        """Short code used in files and URLs: 2025-26-Q2, 2025-26-M05, 2025-26."""
        fy = financial_year_label(self.financial_year)
        if self.frequency == Frequency.QUARTERLY:
            return f"{fy}-Q{self.number}"
        if self.frequency == Frequency.MONTHLY:
            return f"{fy}-M{self.number:02d}"
        return fy

    def previous(self) -> Period:
        return Period(self.start - relativedelta(months=self.months), self.frequency)

    def next(self) -> Period:
        return Period(self.start + relativedelta(months=self.months), self.frequency)

    def year_earlier(self) -> Period:
        return Period(self.start - relativedelta(years=1), self.frequency)

    def quarter(self) -> Period:
        """The quarter a period is summarised in: the quarter containing its last day."""
        return Period.containing(self.end, Frequency.QUARTERLY)

    def __str__(self) -> str:
        return self.label


def reported(frequency: str) -> str:
    """How a KPI of this frequency is reported: "monthly", "quarterly", "annually"."""
    return "annually" if frequency == Frequency.ANNUAL else Frequency(frequency).label.lower()


def _a(frequency: str) -> str:
    """ "a monthly", "a quarterly", "an annual"."""
    word = Frequency(frequency).label.lower()
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"


def periods_between(first: Period, last_day: datetime.date) -> list[Period]:
    """Every period from `first` whose end falls on or before `last_day`."""
    out = []
    period = first
    while period.end <= last_day:
        out.append(period)
        period = period.next()
    return out


def periods_in(frequency: str, start: datetime.date, end: datetime.date) -> list[Period]:
    """The periods of a frequency that end within [start, end]."""
    out = []
    period = Period.containing(start, frequency)
    while period.end <= end:
        if period.end >= start:
            out.append(period)
        period = period.next()
    return out


_FY = r"(?P<fy>\d{4})\s*[-/]\s*(?P<fy2>\d{2}|\d{4})"


def parse_period(text: str, frequency: str) -> Period:
    """Read a period as providers write it, for a KPI of the given frequency.

    Accepts "2025-26 Q2", "Q2 2025-26", "2025/26 Q2", "2025-26-Q2"; "May 2025", "May-25",
    "2025-05", "2025-26 M2"; "2025-26" for annual KPIs; or any date inside the period
    ("2025-05-31", "31/05/2025"). Raises ValueError with a message naming the expected form.
    """
    if frequency not in _MONTHS_FOR:
        raise ValueError(f"{frequency!r} is not a reporting frequency: use monthly, quarterly or annual.")
    raw = " ".join((text or "").strip().split())
    if not raw:
        raise ValueError("Period is missing.")
    lowered = raw.lower()

    def fy_year(match: re.Match) -> int:
        year = int(match.group("fy"))
        second = match.group("fy2")
        expected = (year + 1) % 100 if len(second) == 2 else year + 1
        if int(second) != expected:
            raise ValueError(f"'{raw}' is not a financial year: write it as {financial_year_label(year)}.")
        return year

    for pattern in (rf"^{_FY}\s*[- ]?\s*q(?P<n>[1-4])$", rf"^q(?P<n>[1-4])\s*[- ]?\s*{_FY}$"):
        match = re.match(pattern, lowered)
        if match:
            start = financial_year_start(fy_year(match)) + relativedelta(months=3 * (int(match.group("n")) - 1))
            return _as(Period(start, Frequency.QUARTERLY), frequency, raw)
    match = re.match(rf"^{_FY}\s*[- ]?\s*[mp](?P<n>\d{{1,2}})$", lowered)
    if match and 1 <= int(match.group("n")) <= 12:
        start = financial_year_start(fy_year(match)) + relativedelta(months=int(match.group("n")) - 1)
        return _as(Period(start, Frequency.MONTHLY), frequency, raw)
    match = re.match(rf"^{_FY}$", lowered)
    year_month = re.match(r"^(?P<y>\d{4})-(?P<m>\d{1,2})$", lowered)
    if match and not (year_month and 1 <= int(year_month.group("m")) <= 12 and not _is_fy(match)):
        # "2025-26" is a financial year; "2025-05" (not a financial year, a valid month) is May 2025.
        return _as(Period(financial_year_start(fy_year(match)), Frequency.ANNUAL), frequency, raw)
    match = re.match(r"^(?P<m>[a-z]+)[ -](?P<y>\d{2}|\d{4})$", lowered)
    if match and match.group("m") in _MONTH_NAMES:
        year = int(match.group("y"))
        year = year + 2000 if year < 100 else year
        return _as(Period(datetime.date(year, _MONTH_NAMES[match.group("m")], 1), Frequency.MONTHLY), frequency, raw)
    if year_month and 1 <= int(year_month.group("m")) <= 12:
        return _as(
            Period(datetime.date(int(year_month.group("y")), int(year_month.group("m")), 1), Frequency.MONTHLY),
            frequency,
            raw,
        )
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            day = datetime.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
        return Period.containing(day, frequency)
    raise ValueError(f"'{raw}' is not a period: write it like {_example(frequency)}.")


def _is_fy(match: re.Match) -> bool:
    year, second = int(match.group("fy")), match.group("fy2")
    return int(second) == ((year + 1) % 100 if len(second) == 2 else year + 1)


def _example(frequency: str) -> str:
    return {
        Frequency.QUARTERLY: "2025-26 Q2",
        Frequency.MONTHLY: "May 2025 or 2025-26 M2",
        Frequency.ANNUAL: "2025-26",
    }[frequency]


def _as(period: Period, frequency: str, raw: str) -> Period:
    if period.frequency != frequency:
        raise ValueError(
            f"'{raw}' is {_a(period.frequency)} period but this KPI is reported "
            f"{reported(frequency)}: write it like {_example(frequency)}."
        )
    return period
