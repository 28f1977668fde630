"""The social value pages' tables as downloads (commissioning.downloads.Table).

Each function takes the rows its page lists, from the same selector or report, and gives them
as plain values: money as Decimal pounds, quantities as Decimal, counts as ints, dates as dates.
A page's download has every row its filters select, not only the page shown. The local spend
tables are social_value.formatters' (the same tables its whole-report download has).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.utils import timezone

from commissioning.downloads import COUNT, DATE, MONEY, PERCENT, QUANTITY, Column, Table
from social_value.charts import MonthTrend
from social_value.models import DeliveryReturn
from social_value.reports import ContractSocialValue
from social_value.selectors.catalogue import CatalogueTheme
from social_value.selectors.commitments import CommitmentProgress, SocialValueFigures


def _day(moment: datetime.datetime | None) -> datetime.date | None:
    return None if moment is None else timezone.localtime(moment).date()


def _person(user) -> str:
    return str(user) if user else ""


# --- The measures catalogue ---------------------------------------------------------------------------


def measures_table(themes: Iterable[CatalogueTheme]) -> Table:
    """Every measure of the catalogue (social_value.selectors.catalogue_tree), theme by theme, with
    the proxy value in force on the day the page is shown; one row a measure."""
    table = Table(
        title="Social value measures",
        columns=[
            Column("Theme code"),
            Column("Theme"),
            Column("Outcome code"),
            Column("Outcome"),
            Column("Measure code"),
            Column("Measure"),
            Column("Offered"),
            Column("Unit"),
            Column("Council area"),
            Column("Supporting outcomes"),
            Column("Proxy value (£ per unit)", MONEY),
            Column("Proxy value from", DATE),
            Column("Proxy value source"),
            Column("Source year", COUNT),
        ],
    )
    for entry in themes:
        theme = entry.theme
        for item in entry.outcomes:
            for m in item.measures:
                measure, proxy = m.measure, m.proxy
                table.rows.append(
                    [
                        theme.code,
                        theme.name,
                        item.outcome.code,
                        item.outcome.name,
                        measure.code,
                        measure.name,
                        "Yes" if measure.is_active else "No longer offered",
                        measure.get_unit_display(),
                        measure.get_area_display(),
                        ", ".join(so.code for so in m.supporting_outcomes),
                        proxy.value if proxy else None,
                        proxy.valid_from if proxy else None,
                        proxy.source if proxy else ("Face value" if m.face_value else ""),
                        proxy.source_year if proxy else None,
                    ]
                )
    return table


# --- A contract's commitments and their returns ----------------------------------------------------------


def commitments_table(
    progress: Iterable[CommitmentProgress], figures: SocialValueFigures, *, on: datetime.date
) -> Table:
    """A contract's commitments and their progress on a day, with the totals as the last row
    (social_value.selectors.contract_social_value)."""
    table = Table(
        title="Commitments",
        columns=[
            Column("Measure code"),
            Column("Measure"),
            Column("Unit"),
            Column("Basis"),
            Column("Due", DATE),
            Column("Committed quantity", QUANTITY),
            Column("Proxy £ a unit", MONEY),
            Column("Proxy source"),
            Column("Committed (£)", MONEY),
            Column("Delivered", QUANTITY),
            Column("Delivered (£)", MONEY),
            Column("Delivered (%)", PERCENT),
            Column(f"Expected by {on:%d/%m/%Y}", QUANTITY),
            Column("Shortfall", QUANTITY),
            Column("Status"),
        ],
    )
    for p in progress:
        c = p.commitment
        table.rows.append(
            [
                c.measure.code,
                c.measure.name,
                c.measure.get_unit_display(),
                c.get_basis_display(),
                c.due_date,
                c.total_quantity,
                c.proxy_value,
                c.proxy_source,
                c.committed_value,
                p.delivered,
                p.delivered_value,
                p.share,
                p.expected,
                p.shortfall,
                p.status_label,
            ]
        )
    status = f"{figures.on_track} on track, {figures.at_risk} at risk, {figures.behind} behind"
    table.rows.append(
        [
            "Total",
            *[None] * 7,
            figures.committed_value,
            None,
            figures.delivered_value,
            figures.delivered_share,
            None,
            None,
            status,
        ]
    )
    return table


def delivery_returns_table(returns: Iterable[DeliveryReturn], *, title: str = "Delivery returns") -> Table:
    """Delivery returns (social_value.selectors.delivery_return_list): which contract and measure,
    the period, the quantity, who submitted it and its status."""
    table = Table(
        title=title,
        columns=[
            Column("Contract"),
            Column("Provider"),
            Column("Directorate"),
            Column("Measure code"),
            Column("Measure"),
            Column("Period from", DATE),
            Column("Period to", DATE),
            Column("Quantity", QUANTITY),
            Column("Unit"),
            Column("Submitted", DATE),
            Column("Submitted by"),
            Column("Status"),
            Column("Verified by"),
        ],
    )
    for d in returns:
        c = d.commitment
        table.rows.append(
            [
                c.contract.reference,
                c.contract.provider.name,
                c.contract.directorate.name,
                c.measure.code,
                c.measure.name,
                d.period_start,
                d.period_end,
                d.quantity,
                c.measure.get_unit_display(),
                _day(d.created),
                _person(d.submitted_by) or "the system",
                d.get_status_display(),
                _person(d.verified_by),
            ]
        )
    return table


# --- The dashboard and local spend ------------------------------------------------------------------------


def contracts_social_value_table(rows: Iterable[ContractSocialValue], *, title: str, lagging: bool) -> Table:
    """The dashboard's top or lagging contracts (social_value.reports.SocialValueReport), ranked."""
    columns = [
        Column("Rank", COUNT),
        Column("Contract"),
        Column("Title"),
        Column("Provider"),
        Column("Directorate"),
        Column("Committed (£)", MONEY),
        Column("Delivered, verified (£)", MONEY),
        Column("Delivered (%)", PERCENT),
    ]
    if lagging:
        columns.append(Column("Short of the profile (£)", MONEY))
    columns.append(Column("Status"))
    table = Table(title=title, columns=columns)
    for rank, row in enumerate(rows, start=1):
        c, f = row.contract, row.figures
        cells = [
            rank,
            c.reference,
            c.title,
            c.provider.name,
            c.directorate.name,
            f.committed_value,
            f.delivered_value,
            f.delivered_share,
        ]
        if lagging:
            cells.append(f.shortfall_value)
        table.rows.append([*cells, row.status_label])
    return table


def spend_trend_table(trend: Iterable[MonthTrend]) -> Table:
    """Spend by month and supplier location: the local spend charts' figures (social_value.charts)."""
    table = Table(
        title="Spend by month",
        columns=[
            Column("Month"),
            Column("Lines", COUNT),
            Column("Total (£)", MONEY),
            Column("Kent-based (£)", MONEY),
            Column("Kent share (%)", PERCENT),
            Column("Outside Kent (£)", MONEY),
            Column("Location not known (£)", MONEY),
            Column("Redacted (£)", MONEY),
        ],
    )
    for m in trend:
        table.rows.append([m.label, m.lines, m.total, m.kent, m.kent_share, m.outside, m.unknown, m.redacted])
    return table
