"""The local spend report: how much of the council's spend reaches Kent-based suppliers, SMEs,
micro-businesses and the voluntary and community sector (VCS).

It reproduces the table of KCC's 2016 annual report ("total spend £1.19bn; Kent spend £639.64m
(54.0%); 12,452 suppliers, 7,921 of them (63.0%) Kent-based; £452m with SMEs; £335m directly
with Kent-based SMEs; £67m with Kent-based micro enterprises; £170m with VCS organisations,
£78.2m of it Kent-based") from the spend files the council publishes.

The rules:
- Classification comes from the provider a line is matched to (Kent-based, size band, sector,
  as contracts.services.provider_classification derives them). An unmatched supplier's
  location, size and sector are unknown; unknown is reported as unknown, never counted as not
  local. Every figure therefore comes with the spend whose location, size or sector is unknown.
- Redacted lines (payments to individuals, "Redacted Personal Information") are spend, but not
  a supplier: they count in the total and are shown on their own line.
- Suppliers are counted once each: a matched provider, or an unmatched supplier name.
- Money is whole pence (int) until display; percentages are of total spend (and of suppliers).

Oscar's split: this module chooses the data (social_value.selectors, into pandas frames with
explicit columns); views, commands and downloads render it.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from functools import cached_property

import pandas as pd
from django.db.models import Max, Min, QuerySet

from commissioning.db import pence_to_pounds, percent_of
from commissioning.selectors import outcome_code_key
from contracts.choices import SME_SIZES, Location, Sector, SizeBand
from contracts.models import CapitalRevenue, Contract, SpendLine
from contracts.periods import financial_year_label
from social_value import selectors
from social_value.models import CouncilArea, MeasureUnit
from social_value.rules import ProfileStatus

SME = sorted(size.value for size in SME_SIZES)


def _flags(frame: pd.DataFrame) -> pd.DataFrame:
    """Add boolean columns saying how each grouped row counts."""
    frame = frame.copy()
    frame["redacted"] = frame["redacted"].astype(bool)
    matched = frame["provider__location"].notna()
    frame["kent"] = frame["provider__location"].eq(Location.LOCAL.value)
    frame["outside"] = frame["provider__location"].eq(Location.OUTSIDE.value)
    frame["unknown_location"] = ~frame["redacted"] & (~matched | frame["provider__location"].eq(Location.UNKNOWN.value))
    frame["sme"] = frame["provider__size"].isin(SME)
    frame["micro"] = frame["provider__size"].eq(SizeBand.MICRO.value)
    frame["unknown_size"] = ~frame["redacted"] & (~matched | frame["provider__size"].eq(SizeBand.UNKNOWN.value))
    frame["vcs"] = frame["provider__sector"].eq(Sector.VCS.value)
    frame["unknown_sector"] = ~frame["redacted"] & (~matched | frame["provider__sector"].eq(Sector.UNKNOWN.value))
    frame["unmatched"] = ~frame["redacted"] & ~matched
    frame["pence"] = frame["pence"].fillna(0).astype("int64")
    return frame


# The figures of the annual report's table, and the unknowns beside them, in pence.
_SPEND_FIGURES = {
    "total_spend": None,
    "kent_spend": "kent",
    "outside_spend": "outside",
    "unknown_location_spend": "unknown_location",
    "sme_spend": "sme",
    "kent_sme_spend": ("kent", "sme"),
    "kent_micro_spend": ("kent", "micro"),
    "unknown_size_spend": "unknown_size",
    "vcs_spend": "vcs",
    "kent_vcs_spend": ("kent", "vcs"),
    "unknown_sector_spend": "unknown_sector",
    "unmatched_spend": "unmatched",
    "redacted_spend": "redacted",
}


def _spend(frame: pd.DataFrame, flags) -> int:
    if flags is None:
        return int(frame["pence"].sum())
    flags = (flags,) if isinstance(flags, str) else flags
    mask = pd.Series(True, index=frame.index)
    for flag in flags:
        mask &= frame[flag]
    return int(frame.loc[mask, "pence"].sum())


@dataclass
class LocalSpendSummary:
    """The annual report's table for a set of spend lines. Money in pence; see `as_json`."""

    lines: int = 0
    suppliers: int = 0
    kent_suppliers: int = 0
    unknown_location_suppliers: int = 0
    total_spend: int = 0
    kent_spend: int = 0
    outside_spend: int = 0
    unknown_location_spend: int = 0
    sme_spend: int = 0
    kent_sme_spend: int = 0
    kent_micro_spend: int = 0
    unknown_size_spend: int = 0
    vcs_spend: int = 0
    kent_vcs_spend: int = 0
    unknown_sector_spend: int = 0
    unmatched_spend: int = 0
    redacted_spend: int = 0
    first_payment: datetime.date | None = None
    last_payment: datetime.date | None = None

    @property
    def kent_share(self) -> Decimal | None:
        return percent_of(self.kent_spend, self.total_spend)

    @property
    def kent_supplier_share(self) -> Decimal | None:
        return percent_of(self.kent_suppliers, self.suppliers)

    def share(self, name: str) -> Decimal | None:
        return percent_of(getattr(self, name), self.total_spend)

    def pounds(self, name: str) -> Decimal:
        return pence_to_pounds(getattr(self, name))

    def as_json(self) -> dict:
        """Money as strings with two decimals, shares as strings with one (None when no spend)."""
        data: dict = {}
        for name, value in asdict(self).items():
            if name.endswith("_spend"):
                data[name] = f"{pence_to_pounds(value):.2f}"
            elif isinstance(value, datetime.date):
                data[name] = value.isoformat()
            else:
                data[name] = value
        data["kent_share"] = None if self.kent_share is None else str(self.kent_share)
        data["kent_supplier_share"] = None if self.kent_supplier_share is None else str(self.kent_supplier_share)
        return data

    def rows(self) -> list[dict]:
        """The table as the annual report lays it out, with the unknowns beside each figure."""
        p = pence_to_pounds
        return [
            {"label": "Total spend", "key": "total_spend", "amount": p(self.total_spend), "share": None},
            {"label": "Spend with Kent-based suppliers", "key": "kent_spend", "amount": p(self.kent_spend),
             "share": self.kent_share},
            {"label": "Spend with suppliers outside Kent", "key": "outside_spend", "amount": p(self.outside_spend),
             "share": self.share("outside_spend")},
            {"label": "Spend whose supplier's location is not known", "key": "unknown_location_spend",
             "amount": p(self.unknown_location_spend), "share": self.share("unknown_location_spend")},
            {"label": "Redacted spend (payments to individuals)", "key": "redacted_spend",
             "amount": p(self.redacted_spend), "share": self.share("redacted_spend")},
            {"label": "Spend with SMEs", "key": "sme_spend", "amount": p(self.sme_spend),
             "share": self.share("sme_spend")},
            {"label": "Spend directly with Kent-based SMEs", "key": "kent_sme_spend",
             "amount": p(self.kent_sme_spend), "share": self.share("kent_sme_spend")},
            {"label": "Spend with Kent-based micro enterprises", "key": "kent_micro_spend",
             "amount": p(self.kent_micro_spend), "share": self.share("kent_micro_spend")},
            {"label": "Spend whose supplier's size is not known", "key": "unknown_size_spend",
             "amount": p(self.unknown_size_spend), "share": self.share("unknown_size_spend")},
            {"label": "Spend with VCS organisations", "key": "vcs_spend", "amount": p(self.vcs_spend),
             "share": self.share("vcs_spend")},
            {"label": "Spend with Kent-based VCS organisations", "key": "kent_vcs_spend",
             "amount": p(self.kent_vcs_spend), "share": self.share("kent_vcs_spend")},
            {"label": "Spend whose supplier's sector is not known", "key": "unknown_sector_spend",
             "amount": p(self.unknown_sector_spend), "share": self.share("unknown_sector_spend")},
        ]  # fmt: skip


_SUPPLIER_COLUMNS = [
    "provider_id", "normalised_supplier", "redacted", "provider__location", "provider__size", "provider__sector",
    "pence", "lines", "provider_name", "supplier_name",
]  # fmt: skip
_GROUP_COLUMNS = ["redacted", "provider__location", "provider__size", "provider__sector", "pence", "lines"]


@dataclass
class BreakdownRow:
    key: str
    label: str
    lines: int
    total_spend: int
    kent_spend: int
    sme_spend: int
    kent_sme_spend: int
    vcs_spend: int
    unknown_location_spend: int
    redacted_spend: int

    @property
    def kent_share(self) -> Decimal | None:
        return percent_of(self.kent_spend, self.total_spend)

    def pounds(self, name: str) -> Decimal:
        return pence_to_pounds(getattr(self, name))


@dataclass
class SupplierRow:
    provider_id: int | None
    name: str
    normalised_supplier: str
    lines: int
    total_spend: int
    location: str | None
    size: str | None
    sector: str | None

    @property
    def total(self) -> Decimal:
        return pence_to_pounds(self.total_spend)


@dataclass
class ContractSpendRow:
    contract_id: int
    reference: str
    title: str
    provider: str
    lines: int
    total_spend: int

    @property
    def total(self) -> Decimal:
        return pence_to_pounds(self.total_spend)


@dataclass
class LocalSpendReport:
    """The local spend analysis of a set of spend lines (already filtered by SpendLineFilterSet)."""

    lines: QuerySet[SpendLine]
    _suppliers: pd.DataFrame | None = field(default=None, repr=False)
    _days: pd.DataFrame | None = field(default=None, repr=False)

    # -------------------------------------------------------------- data

    def _supplier_frame(self) -> pd.DataFrame:
        if self._suppliers is None:
            frame = pd.DataFrame(selectors.spend_by_supplier(self.lines), columns=_SUPPLIER_COLUMNS)
            frame = _flags(frame)
            # A supplier is its provider, or else its name; redacted lines are no supplier.
            frame["supplier_key"] = frame["provider_id"].map(lambda v: f"p{int(v)}" if pd.notna(v) else None)
            frame["supplier_key"] = frame["supplier_key"].fillna("n" + frame["normalised_supplier"].astype(str))
            self._suppliers = frame
        return self._suppliers

    def _day_frame(self) -> pd.DataFrame:
        # One query serves the month, quarter and financial-year breakdowns.
        if self._days is None:
            frame = pd.DataFrame(selectors.spend_by_day(self.lines), columns=["payment_date", *_GROUP_COLUMNS])
            if not frame.empty:
                frame = _flags(frame)
                frame["month"] = pd.to_datetime(frame["payment_date"]).dt.to_period("M").dt.to_timestamp()
            self._days = frame
        return self._days.copy()

    def summary(self) -> LocalSpendSummary:
        frame = self._supplier_frame()
        summary = LocalSpendSummary()
        if frame.empty:
            return summary
        summary.lines = int(frame["lines"].sum())
        for name, flags in _SPEND_FIGURES.items():
            setattr(summary, name, _spend(frame, flags))
        suppliers = frame[~frame["redacted"]]
        summary.suppliers = int(suppliers["supplier_key"].nunique())
        summary.kent_suppliers = int(suppliers.loc[suppliers["kent"], "supplier_key"].nunique())
        summary.unknown_location_suppliers = int(suppliers.loc[suppliers["unknown_location"], "supplier_key"].nunique())
        dates = self.lines.order_by().aggregate(first=Min("payment_date"), last=Max("payment_date"))
        summary.first_payment, summary.last_payment = dates["first"], dates["last"]
        return summary

    def breakdown(self, dimension: str) -> list[BreakdownRow]:
        """Spend by service area, expense type, capital or revenue, month, quarter or financial year."""
        if dimension in ("month", "quarter", "financial_year"):
            frame = self._day_frame()
            if frame.empty:  # (an empty frame's labels would be numbers, and " Q" could not be added)
                return []
            if dimension == "month":
                frame["key"] = frame["month"].dt.strftime("%Y-%m")
                frame["label"] = frame["month"].dt.strftime("%b %Y")
            else:
                fy = frame["month"].dt.year.where(frame["month"].dt.month >= 4, frame["month"].dt.year - 1)
                labels = fy.map(financial_year_label)
                if dimension == "financial_year":
                    frame["key"] = fy.astype(str)
                    frame["label"] = labels
                else:
                    quarter = ((frame["month"].dt.month - 4) % 12) // 3 + 1
                    frame["key"] = fy.astype(str) + "-Q" + quarter.astype(str)
                    frame["label"] = labels + " Q" + quarter.astype(str)
            order = "key"
        else:
            column = selectors.DIMENSIONS[dimension]
            frame = pd.DataFrame(selectors.spend_by_dimension(self.lines, dimension), columns=[column, *_GROUP_COLUMNS])
            frame = _flags(frame)
            frame["key"] = frame[column].fillna("")
            if dimension == "capital_revenue":
                frame["label"] = frame["key"].map(
                    lambda v: CapitalRevenue(v).label if v in CapitalRevenue.values else v
                )
            else:
                frame["label"] = frame["key"].replace("", "Not stated")
            order = None
        if frame.empty:
            return []
        for flag in ("kent", "sme", "vcs", "unknown_location", "redacted"):
            frame[f"{flag}_pence"] = frame["pence"].where(frame[flag], 0)
        frame["kent_sme_pence"] = frame["pence"].where(frame["kent"] & frame["sme"], 0)
        grouped = frame.groupby(["key", "label"], sort=False, dropna=False).agg(
            lines=("lines", "sum"),
            total=("pence", "sum"),
            kent=("kent_pence", "sum"),
            sme=("sme_pence", "sum"),
            kent_sme=("kent_sme_pence", "sum"),
            vcs=("vcs_pence", "sum"),
            unknown_location=("unknown_location_pence", "sum"),
            redacted=("redacted_pence", "sum"),
        )
        grouped = grouped.reset_index()
        grouped = (
            grouped.sort_values(order) if order else grouped.sort_values(["total", "key"], ascending=[False, True])
        )
        return [
            BreakdownRow(
                key=str(r.key),
                label=str(r.label),
                lines=int(r.lines),
                total_spend=int(r.total),
                kent_spend=int(r.kent),
                sme_spend=int(r.sme),
                kent_sme_spend=int(r.kent_sme),
                vcs_spend=int(r.vcs),
                unknown_location_spend=int(r.unknown_location),
                redacted_spend=int(r.redacted),
            )
            for r in grouped.itertuples(index=False)
        ]

    def top_suppliers(self, limit: int = 20) -> list[SupplierRow]:
        """The largest suppliers by spend (a provider once, whatever names the files give it)."""
        frame = self._supplier_frame()
        frame = frame[~frame["redacted"]]
        if frame.empty:
            return []
        grouped = (
            frame.groupby("supplier_key", sort=False)
            .agg(
                provider_id=("provider_id", "first"),
                provider_name=("provider_name", "first"),
                supplier_name=("supplier_name", "first"),
                normalised_supplier=("normalised_supplier", "first"),
                lines=("lines", "sum"),
                pence=("pence", "sum"),
                location=("provider__location", "first"),
                size=("provider__size", "first"),
                sector=("provider__sector", "first"),
            )
            .reset_index()
            .sort_values(["pence", "supplier_key"], ascending=[False, True])
            .head(limit)
        )
        return [
            SupplierRow(
                provider_id=int(r.provider_id) if pd.notna(r.provider_id) else None,
                name=r.provider_name if isinstance(r.provider_name, str) else r.supplier_name,
                normalised_supplier=r.normalised_supplier,
                lines=int(r.lines),
                total_spend=int(r.pence),
                location=r.location if isinstance(r.location, str) else None,
                size=r.size if isinstance(r.size, str) else None,
                sector=r.sector if isinstance(r.sector, str) else None,
            )
            for r in grouped.itertuples(index=False)
        ]

    def by_contract(self) -> list[ContractSpendRow]:
        rows = selectors.spend_by_contract(self.lines)
        rows.sort(key=lambda r: (-(r["pence"] or 0), r["contract__reference"]))
        return [
            ContractSpendRow(
                contract_id=r["contract_id"],
                reference=r["contract__reference"],
                title=r["contract__title"],
                provider=r["provider__name"] or "",
                lines=r["lines"],
                total_spend=r["pence"] or 0,
            )
            for r in rows
        ]


# ---------------------------------------------------------------- social value dashboard (issue 5)

# The dashboard's groupings: ?by= value → what the page calls the group.
SOCIAL_VALUE_GROUPINGS = {
    "theme": "Theme",
    "measure": "Measure",
    "area": "Council area",
    "directorate": "Directorate",
    "provider": "Provider",
    "supporting_outcome": "Supporting outcome",
    "strategic_outcome": "Strategic outcome",
}
OUTCOME_GROUPINGS = ("supporting_outcome", "strategic_outcome")
OUTCOME_NOTE = (
    "A commitment counts in full for every supporting outcome its measure serves (and once for a strategic "
    "outcome), so the rows do not add up to the total."
)
TOP_CONTRACTS = 10
_LAST = (1,)  # sorts a catch-all group ("not mapped", "no council area") after the others


@dataclass(frozen=True)
class SocialValueGroupKey:
    """What a dashboard row is: its label, code, the page it links to (`link` names the kind:
    supporting_outcome and strategic_outcome by code, provider by pk) and its place in the order."""

    order: tuple
    slug: str
    label: str
    code: str = ""
    link: str = ""
    link_key: str | int = ""


@dataclass
class SocialValueGroup:
    """One row of the dashboard: a group and its committed against delivered figures."""

    key: SocialValueGroupKey
    figures: selectors.SocialValueFigures

    @property
    def label(self) -> str:
        return self.key.label

    @property
    def code(self) -> str:
        return self.key.code

    @property
    def unit_label(self) -> str:
        """The unit of the group's measure; blank when the group mixes units (then units mean nothing)."""
        unit = self.figures.unit
        return str(MeasureUnit(unit).label) if unit in MeasureUnit.values else ""


@dataclass
class ContractSocialValue:
    """A contract's commitments taken together: delivered against committed and the profile."""

    contract: Contract
    figures: selectors.SocialValueFigures

    @property
    def status(self) -> str:
        """The worst status of the contract's commitments."""
        if self.figures.behind:
            return ProfileStatus.BEHIND
        if self.figures.at_risk:
            return ProfileStatus.AT_RISK
        return ProfileStatus.ON_TRACK

    @property
    def status_label(self) -> str:
        return str(ProfileStatus(self.status).label)


def _group_key(by: str, outcomes: dict | None):
    """The function giving the groups of a commitment's progress under a grouping."""

    def theme(p):
        t = p.commitment.measure.outcome.theme
        return [SocialValueGroupKey((0, t.order, t.code), f"theme-{t.pk}", t.name, t.code)]

    def measure(p):
        m = p.commitment.measure
        return [SocialValueGroupKey((0, m.code), f"measure-{m.pk}", m.name, m.code)]

    def area(p):
        value = p.commitment.measure.area
        if value in CouncilArea.values:
            order = (0, CouncilArea.values.index(value))
            return [SocialValueGroupKey(order, f"area-{value}", str(CouncilArea(value).label))]
        return [SocialValueGroupKey(_LAST, "area-none", "No council area given")]

    def directorate(p):
        d = p.commitment.contract.directorate
        return [SocialValueGroupKey((0, d.order, d.name), f"directorate-{d.pk}", d.name, d.code)]

    def provider(p):
        pr = p.commitment.contract.provider
        return [SocialValueGroupKey((0, pr.name.lower(), pr.pk), f"provider-{pr.pk}", pr.name, "", "provider", pr.pk)]

    # Golden thread: through the measure's mapping; a commitment whose measure is not mapped to
    # any supporting outcome is shown on its own row rather than dropped.
    def supporting_outcome(p):
        keys = [
            SocialValueGroupKey(
                (0, *outcome_code_key(o.code)), f"so-{o.id}", o.title, o.code, "supporting_outcome", o.code
            )
            for o in selectors.by_supporting_outcome(outcomes)(p)
        ]
        return keys or [SocialValueGroupKey(_LAST, "so-none", "Not mapped to a supporting outcome")]

    def strategic_outcome(p):
        keys = [
            SocialValueGroupKey((0, *outcome_code_key(code)), f"strategic-{pk}", title, code, "strategic_outcome", code)
            for pk, code, title in selectors.by_strategic_outcome(outcomes)(p)
        ]
        return keys or [SocialValueGroupKey(_LAST, "strategic-none", "Not mapped to a supporting outcome")]

    return {
        "theme": theme,
        "measure": measure,
        "area": area,
        "directorate": directorate,
        "provider": provider,
        "supporting_outcome": supporting_outcome,
        "strategic_outcome": strategic_outcome,
    }[by]


class SocialValueReport:
    """Committed against delivered social value for the council on a day (`on`), for the
    commitments of one directorate (or all) whose status against the straight-line profile is
    `status` (or any). Delivered counts verified returns only, in £ at each commitment's proxy.

    Choosing data only (Oscar's split): the page, the charts and the downloads render it. Two
    queries at most whatever the number of commitments: the commitments, and the measures'
    supporting outcomes when grouping by outcome.
    """

    def __init__(self, *, on: datetime.date, directorate=None, status: str | None = None):
        self.on = on
        self.directorate = directorate
        self.status = status or None

    @cached_property
    def progress(self) -> list:
        commitments = selectors.commitment_list()
        if self.directorate is not None:
            commitments = commitments.filter(contract__directorate=self.directorate)
        progress = selectors.commitment_progress(commitments, on=self.on)
        if self.status:
            # The status depends on the day, so it is worked out here rather than in the query.
            progress = [p for p in progress if p.status == self.status]
        return progress

    @cached_property
    def _outcomes(self) -> dict:
        return selectors.measure_outcomes()

    def total(self) -> selectors.SocialValueFigures:
        return selectors.figures_total(self.progress)

    def groups(self, by: str) -> list[SocialValueGroup]:
        """The figures of each theme, measure, council area, directorate, provider, supporting
        outcome or strategic outcome, in the catalogue's (or the framework's) order."""
        if by not in SOCIAL_VALUE_GROUPINGS:
            raise ValueError(f"Cannot group social value by {by!r}.")
        outcomes = self._outcomes if by in OUTCOME_GROUPINGS else None
        figures = selectors.figures_by(self.progress, _group_key(by, outcomes))
        ordered = sorted(figures.items(), key=lambda item: (item[0].order, item[0].slug))
        return [SocialValueGroup(key, f) for key, f in ordered]

    @cached_property
    def by_contract(self) -> list[ContractSocialValue]:
        figures = selectors.figures_by(self.progress, lambda p: [p.commitment.contract])
        return [ContractSocialValue(contract, f) for contract, f in figures.items()]

    def top_contracts(self, limit: int = TOP_CONTRACTS) -> list[ContractSocialValue]:
        """The contracts that have delivered most social value (verified, £), most first."""
        rows = [r for r in self.by_contract if r.figures.delivered_value > 0]
        rows.sort(key=lambda r: (-r.figures.delivered_value, r.contract.reference))
        return rows[:limit]

    def lagging_contracts(self, limit: int = TOP_CONTRACTS) -> list[ContractSocialValue]:
        """The contracts with a commitment behind or at risk, by how far (£) their delivery is
        below the straight-line profile, furthest first."""
        rows = [r for r in self.by_contract if r.figures.behind or r.figures.at_risk]
        rows.sort(key=lambda r: (-r.figures.shortfall_value, r.contract.reference))
        return rows[:limit]
