"""Render the local spend report (social_value.reports) as CSV and Excel (Oscar's split: the report
chooses the data, formatters render it).

Downloads are opened in spreadsheets, so every text cell is passed through `neutralise`: a
supplier name or service area that begins with = + - @ (or a tab or carriage return) would
otherwise run as a formula when the file is opened (CSV injection, OWASP). Numbers are written
as numbers: money as Decimal pounds (a numeric cell with a £ format in Excel, a plain number
such as -12.50 in CSV), percentages as Decimal to one place, counts as integers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from commissioning.db import pence_to_pounds
from commissioning.downloads import (  # noqa: F401 (the formats every social value download uses)
    COUNT,
    MONEY,
    PERCENT,
    QUANTITY,
    TEXT,
    Column,
    Table,
    neutralise,
    tables_csv,
    tables_xlsx,
)
from contracts.choices import Location, Sector, SizeBand

BREAKDOWN_TITLES = {
    "financial_year": "By financial year",
    "quarter": "By quarter",
    "month": "By month",
    "service_area": "By service area or directorate",
    "expense_type": "By expense type",
    "capital_revenue": "Capital or revenue",
}


# ------------------------------------------------------------------ tables


def _pounds(pence: int | None) -> Decimal | None:
    return None if pence is None else pence_to_pounds(pence)


# The unknowns that can sit beside a figure: (summary field, heading).
UNKNOWNS = [
    ("unknown_location_spend", "Location not known"),
    ("unknown_size_spend", "Size not known"),
    ("unknown_sector_spend", "Sector not known"),
    ("unmatched_spend", "Of the not known, unmatched suppliers"),
    ("redacted_spend", "Redacted"),
]

# The annual report's table, row by row: (label, summary field, kind, share of, unknowns beside it).
_ALL_UNKNOWNS = tuple(name for name, _ in UNKNOWNS)
_LOCATION_UNKNOWNS = ("unknown_location_spend", "unmatched_spend", "redacted_spend")
SUMMARY_ROWS = [
    ("Total spend", "total_spend", MONEY, None, _ALL_UNKNOWNS),
    ("Kent spend", "kent_spend", MONEY, "total spend", _LOCATION_UNKNOWNS),
    ("Spend with suppliers outside Kent", "outside_spend", MONEY, "total spend", _LOCATION_UNKNOWNS),
    ("Spend whose supplier's location is not known", "unknown_location_spend", MONEY, "total spend", ()),
    ("Redacted spend (payments to individuals)", "redacted_spend", MONEY, "total spend", ()),
    ("Suppliers", "suppliers", COUNT, None, ()),
    ("Kent-based suppliers", "kent_suppliers", COUNT, "suppliers", ("unknown_location_suppliers",)),
    ("Spend with SMEs", "sme_spend", MONEY, "total spend", ("unknown_size_spend", "unmatched_spend")),
    (
        "Spend directly with Kent-based SMEs",
        "kent_sme_spend",
        MONEY,
        "total spend",
        ("unknown_location_spend", "unknown_size_spend", "unmatched_spend"),
    ),
    (
        "Spend with Kent-based micro enterprises",
        "kent_micro_spend",
        MONEY,
        "total spend",
        ("unknown_location_spend", "unknown_size_spend", "unmatched_spend"),
    ),
    ("Spend with VCS organisations", "vcs_spend", MONEY, "total spend", ("unknown_sector_spend", "unmatched_spend")),
    (
        "Spend with Kent-based VCS organisations",
        "kent_vcs_spend",
        MONEY,
        "total spend",
        ("unknown_location_spend", "unknown_sector_spend", "unmatched_spend"),
    ),
]


@dataclass
class SummaryRow:
    """One figure of the annual report's table, as the page and the downloads show it."""

    label: str
    key: str
    kind: str
    value: Decimal | int
    share: Decimal | None
    share_of: str | None
    unknowns: dict[str, Decimal | int | None]

    @property
    def is_money(self) -> bool:
        return self.kind == MONEY

    @property
    def beside(self) -> list[tuple[str, Decimal | int, bool]]:
        """The unknowns shown beside the figure: (heading, value, is money)."""
        items: list[tuple[str, Decimal | int, bool]] = [
            (heading, self.unknowns[name], True) for name, heading in UNKNOWNS if self.unknowns.get(name) is not None
        ]
        if self.unknowns.get("unknown_location_suppliers") is not None:
            items.append(("Suppliers whose location is not known", self.unknowns["unknown_location_suppliers"], False))
        return items


def summary_rows(summary) -> list[SummaryRow]:
    """The annual report's table (a LocalSpendSummary), with the unknowns beside each figure.

    Location, size and sector not known include unmatched suppliers' spend; redacted spend is
    payments to individuals (no supplier, so no location, size or sector either). Kent +
    outside Kent + location not known + redacted = total spend. Unknown is never counted as
    not local.
    """
    rows = []
    for label, key, kind, share_of, beside in SUMMARY_ROWS:
        raw = getattr(summary, key)
        if share_of == "total spend":
            share = summary.share(key)
        elif share_of == "suppliers":
            share = summary.kent_supplier_share
        else:
            share = None
        unknowns: dict[str, Decimal | int | None] = {}
        for name, _heading in UNKNOWNS:
            unknowns[name] = _pounds(getattr(summary, name)) if name in beside else None
        if "unknown_location_suppliers" in beside:
            unknowns["unknown_location_suppliers"] = summary.unknown_location_suppliers
        rows.append(
            SummaryRow(
                label=label,
                key=key,
                kind=kind,
                value=_pounds(raw) if kind == MONEY else raw,
                share=share,
                share_of=share_of if share is not None else None,
                unknowns=unknowns,
            )
        )
    return rows


def summary_table(summary) -> Table:
    """The annual report's table as a download section (see `summary_rows`)."""
    table = Table(
        title="Local spend summary",
        columns=[
            Column("Figure"),
            Column("Spend (£)", MONEY),
            Column("Suppliers", COUNT),
            Column("Share (%)", PERCENT),
            Column("Share of"),
            *(Column(f"{heading} (£)", MONEY) for _name, heading in UNKNOWNS),
            Column("Suppliers whose location is not known", COUNT),
        ],
    )
    for row in summary_rows(summary):
        table.rows.append(
            [
                row.label,
                row.value if row.kind == MONEY else None,
                row.value if row.kind == COUNT else None,
                row.share,
                row.share_of,
                *(row.unknowns[name] for name, _heading in UNKNOWNS),
                row.unknowns.get("unknown_location_suppliers"),
            ]
        )
    return table


def _outside_pence(row) -> int:
    # Every line is Kent, outside Kent, location not known or redacted (never two of them).
    return row.total_spend - row.kent_spend - row.unknown_location_spend - row.redacted_spend


def breakdown_table(rows: Sequence, dimension: str) -> Table:
    """A breakdown (list of reports.BreakdownRow) as a table."""
    table = Table(
        title=BREAKDOWN_TITLES.get(dimension, dimension),
        columns=[
            Column(BREAKDOWN_TITLES.get(dimension, dimension).removeprefix("By ").capitalize()),
            Column("Lines", COUNT),
            Column("Total spend (£)", MONEY),
            Column("Kent spend (£)", MONEY),
            Column("Kent share (%)", PERCENT),
            Column("Outside Kent (£)", MONEY),
            Column("Location not known (£)", MONEY),
            Column("Redacted (£)", MONEY),
            Column("Spend with SMEs (£)", MONEY),
            Column("Spend with Kent-based SMEs (£)", MONEY),
            Column("Spend with VCS organisations (£)", MONEY),
        ],
    )
    for r in rows:
        table.rows.append(
            [
                r.label,
                r.lines,
                _pounds(r.total_spend),
                _pounds(r.kent_spend),
                r.kent_share,
                _pounds(_outside_pence(r)),
                _pounds(r.unknown_location_spend),
                _pounds(r.redacted_spend),
                _pounds(r.sme_spend),
                _pounds(r.kent_sme_spend),
                _pounds(r.vcs_spend),
            ]
        )
    return table


def classification_label(choices, value: str | None, unmatched: str = "Not known (unmatched)") -> str:
    """A provider's location, size or sector as words; an unmatched supplier's is not known."""
    if value is None:
        return unmatched
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def suppliers_table(rows: Sequence, title: str = "Top suppliers") -> Table:
    """Top suppliers (list of reports.SupplierRow). An unmatched supplier's location, size and
    sector are not known, and say so."""
    table = Table(
        title=title,
        columns=[
            Column("Rank", COUNT),
            Column("Supplier"),
            Column("Matched to a provider"),
            Column("Location"),
            Column("Size"),
            Column("Sector"),
            Column("Lines", COUNT),
            Column("Spend (£)", MONEY),
        ],
    )
    for rank, r in enumerate(rows, start=1):
        matched = r.provider_id is not None
        table.rows.append(
            [
                rank,
                r.name,
                "Yes" if matched else "No",
                classification_label(Location, r.location),
                classification_label(SizeBand, r.size),
                classification_label(Sector, r.sector),
                r.lines,
                _pounds(r.total_spend),
            ]
        )
    return table


def contracts_table(rows: Sequence) -> Table:
    """Spend per contract (list of reports.ContractSpendRow)."""
    table = Table(
        title="Spend per contract",
        columns=[
            Column("Contract reference"),
            Column("Contract"),
            Column("Provider"),
            Column("Lines", COUNT),
            Column("Spend (£)", MONEY),
        ],
    )
    for r in rows:
        table.rows.append([r.reference, r.title, r.provider, r.lines, _pounds(r.total_spend)])
    return table


def filters_table(filters: Iterable[tuple[str, str]]) -> Table:
    """The filters a download was made with, as (label, value) pairs."""
    table = Table(title="Filters", columns=[Column("Filter"), Column("Value")])
    for label, value in filters:
        table.rows.append([label, value])
    if not table.rows:
        table.rows.append(["None", "All spend"])
    return table


def report_tables(report, *, filters: Iterable[tuple[str, str]] = (), dimensions: Sequence[str] = (), top: int = 20):
    """Every section of the download of a LocalSpendReport: filters, summary, breakdowns, top
    suppliers and spend per contract."""
    tables = [filters_table(filters), summary_table(report.summary())]
    for dimension in dimensions or BREAKDOWN_TITLES:
        tables.append(breakdown_table(report.breakdown(dimension), dimension))
    tables.append(suppliers_table(report.top_suppliers(top), title=f"Top {top} suppliers"))
    tables.append(contracts_table(report.by_contract()))
    return tables


# ------------------------------------------------------------------ CSV


def summary_csv(summary, *, bom: bool = True) -> bytes:
    return tables_csv([summary_table(summary)], bom=bom)


def breakdown_csv(rows: Sequence, dimension: str, *, bom: bool = True) -> bytes:
    return tables_csv([breakdown_table(rows, dimension)], bom=bom)


def suppliers_csv(rows: Sequence, *, bom: bool = True) -> bytes:
    return tables_csv([suppliers_table(rows)], bom=bom)


def report_csv(report, *, filters: Iterable[tuple[str, str]] = (), top: int = 20, bom: bool = True) -> bytes:
    return tables_csv(report_tables(report, filters=filters, top=top), bom=bom)


# ------------------------------------------------------------------ Excel


def summary_xlsx(summary) -> bytes:
    return tables_xlsx([summary_table(summary)])


def breakdown_xlsx(rows: Sequence, dimension: str) -> bytes:
    return tables_xlsx([breakdown_table(rows, dimension)])


def suppliers_xlsx(rows: Sequence) -> bytes:
    return tables_xlsx([suppliers_table(rows)])


def report_xlsx(report, *, filters: Iterable[tuple[str, str]] = (), top: int = 20) -> bytes:
    return tables_xlsx(report_tables(report, filters=filters, top=top))


# ------------------------------------------------------------------ social value dashboard (issue 5)


def social_value_table(groups: Sequence, total, *, grouped_by: str, with_units: bool = False) -> Table:
    """The dashboard's grouped table (list of reports.SocialValueGroup, and the total's
    SocialValueFigures as the last row). Units only where each row is one measure."""
    columns = [
        Column(grouped_by),
        Column("Code"),
        Column("Commitments", COUNT),
        Column("Contracts", COUNT),
        Column("Committed (£)", MONEY),
        Column("Delivered, verified (£)", MONEY),
        Column("Delivered (%)", PERCENT),
        Column("Contract value (£)", MONEY),
        Column("Committed as % of contract value", PERCENT),
        Column("On track", COUNT),
        Column("At risk", COUNT),
        Column("Behind", COUNT),
    ]
    if with_units:
        columns += [Column("Committed units", QUANTITY), Column("Delivered units", QUANTITY), Column("Unit")]
    table = Table(title=f"Social value by {grouped_by.lower()}", columns=columns)

    def figures_row(label: str, code: str, f, unit: str) -> list:
        row = [
            label,
            code,
            f.commitments,
            f.contracts,
            f.committed_value,
            f.delivered_value,
            f.delivered_share,
            f.contract_value,
            f.committed_share_of_contract_value,
            f.on_track,
            f.at_risk,
            f.behind,
        ]
        if with_units:
            # Quantities are kept to two places; the databases' sums differ in how many they give.
            units = [Decimal(u).quantize(Decimal("0.01")) for u in (f.committed_units, f.delivered_units)]
            row += [*units, unit] if unit else [None, None, None]
        return row

    for g in groups:
        table.rows.append(figures_row(g.label, g.code, g.figures, g.unit_label))
    table.rows.append(figures_row("All commitments", "", total, ""))
    return table


def social_value_tables(report, *, by: str, grouped_by: str, filters: Iterable[tuple[str, str]] = ()) -> list[Table]:
    """The dashboard's download: the filters it was made with, then the grouped table."""
    return [
        filters_table(filters),
        social_value_table(report.groups(by), report.total(), grouped_by=grouped_by, with_units=by == "measure"),
    ]


def social_value_csv(report, *, by: str, grouped_by: str, filters: Iterable[tuple[str, str]] = ()) -> bytes:
    return tables_csv(social_value_tables(report, by=by, grouped_by=grouped_by, filters=filters))


def social_value_xlsx(report, *, by: str, grouped_by: str, filters: Iterable[tuple[str, str]] = ()) -> bytes:
    return tables_xlsx(social_value_tables(report, by=by, grouped_by=grouped_by, filters=filters))
