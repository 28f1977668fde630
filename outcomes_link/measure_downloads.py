"""The outcome measure tables as downloads (commissioning.downloads.Table): the same rows the pages
show, from the same selectors, every row, values as plain Decimals and dates."""

from __future__ import annotations

from collections.abc import Iterable

from commissioning.downloads import COUNT, DATE, QUANTITY, TEXT, Column, Table
from commissioning.selectors import Basket, MeasureRow


def _yes_no(flag: bool) -> str:
    return "Yes" if flag else "No"


def basket_table(baskets: Iterable[Basket], *, title: str = "Outcome measures") -> Table:
    """Each measure of the baskets as the 2016 report tables them: latest value, 1 and 3 year
    direction of travel, performance against the national average."""
    table = Table(
        title=title,
        columns=[
            Column("Supporting outcome"),
            Column("Measure code"),
            Column("Measure"),
            Column("Unit"),
            Column("Latest period"),
            Column("Latest period end", DATE),
            Column("Latest value", QUANTITY),
            Column("National average", QUANTITY),
            Column("1 year direction of travel"),
            Column("3 year direction of travel"),
            Column("Against the national average"),
            Column("Directions as published", TEXT),
        ],
    )
    for basket in baskets:
        for row in basket.measures:
            latest = row.latest
            table.rows.append(
                [
                    basket.outcome.code,
                    row.measure.code,
                    row.measure.name,
                    row.measure.unit,
                    latest.period if latest else "",
                    latest.period_end if latest else None,
                    latest.value if latest else None,
                    latest.national_average if latest else None,
                    row.dot_1yr.label,
                    row.dot_3yr.label,
                    row.vs_national.label,
                    _yes_no(row.published),
                ]
            )
    return table


def directions_table(baskets: Iterable[Basket], *, title: str = "Direction of travel by supporting outcome") -> Table:
    """Each supporting outcome's overall 1 and 3 year direction of travel (the report's summary table)."""
    table = Table(
        title=title,
        columns=[
            Column("Strategic outcome"),
            Column("Supporting outcome code"),
            Column("Supporting outcome"),
            Column("Measures", COUNT),
            Column("1 year direction of travel"),
            Column("3 year direction of travel"),
        ],
    )
    for basket in baskets:
        table.rows.append(
            [
                basket.outcome.strategic_outcome.code,
                basket.outcome.code,
                basket.outcome.title,
                len(basket.measures),
                basket.dot_1yr.label,
                basket.dot_3yr.label,
            ]
        )
    return table


def measure_values_table(row: MeasureRow) -> Table:
    """One measure's values over time, with any assessments published with them."""
    table = Table(
        title=f"{row.measure.code} values",
        columns=[
            Column("Period"),
            Column("Period end", DATE),
            Column("Value", QUANTITY),
            Column("National average", QUANTITY),
            Column("Published 1 year direction"),
            Column("Published 3 year direction"),
            Column("Published against the national average"),
            Column("Note"),
            Column("Recorded by"),
        ],
    )
    for value in row.values:
        table.rows.append(
            [
                value.period,
                value.period_end,
                value.value,
                value.national_average,
                value.get_dot_1yr_display(),
                value.get_dot_3yr_display(),
                value.get_vs_national_display(),
                value.note,
                str(value.recorded_by) if value.recorded_by else "",
            ]
        )
    return table
