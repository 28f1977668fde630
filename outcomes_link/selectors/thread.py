"""Reads across the golden thread: outcomes with their contracts, contracts with their outcomes.

Money attributed to an outcome is each linked contract's annual value times its share,
rounded half up to the penny per link, then summed, in Decimal (outcomes_link.models.attributed_value).
Only active contracts count towards an outcome's contracts and value.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from commissioning import as_at
from commissioning.db import money_sum, pence_to_pounds
from commissioning.models import Framework, StrategicOutcome, SupportingOutcome
from commissioning.selectors import framework_get_default, strategic_outcome_list
from contracts.choices import COUNTED_RETURN_STATUSES, SME_SIZES, ContractStatus, DeductionStatus, Location, Sector
from contracts.models import KPI, Contract, ContractPeriodSummary, Deduction, KPIReturn, PerformanceConcern, Provider
from contracts.periods import Period, financial_year_label, financial_year_of
from contracts.rules import format_measure
from contracts.selectors import (
    contract_list,
    contracts_missing_key_kpis,
    kpi_list,
    open_concerns,
    overdue_returns,
    period_in_term,
    rag_matrix,
    recent_quarters,
)
from contracts.services import kpis_due_in_quarter
from outcomes_link.models import OutcomeLink, attributed_value
from social_value.selectors import SocialValueFigures, social_value_on_thread

ZERO = Decimal("0.00")


def contract_register() -> QuerySet[Contract]:
    """The contract register: contracts with their total attributed share and whether they are linked."""
    return contract_list().annotate(
        share_total=Coalesce(Sum("outcome_links__contribution_share"), Value(Decimal("0"))),
        is_linked=Exists(OutcomeLink.objects.filter(contract=OuterRef("pk"))),
    )


def contracts_without_links(*, directorate_id: int | None = None) -> QuerySet[Contract]:
    """Active contracts serving no supporting outcome: gaps in the golden thread, shown, never hidden."""
    qs = (
        contract_list()
        .filter(status=ContractStatus.ACTIVE)
        .exclude(Exists(OutcomeLink.objects.filter(contract=OuterRef("pk"))))
    )
    if directorate_id is not None:
        qs = qs.filter(directorate_id=directorate_id)
    return qs


@dataclass
class OutcomeFigures:
    contract_count: int = 0
    attributed_value: Decimal = ZERO


@dataclass
class OverviewRow:
    outcome: SupportingOutcome
    figures: OutcomeFigures
    # Social value committed and delivered through the measures serving the outcome: separate
    # from the contract value attributed (figures). Filled by outcome_overview only.
    social_value: SocialValueFigures = field(default_factory=SocialValueFigures)


@dataclass
class StrategicRow:
    outcome: StrategicOutcome
    figures: OutcomeFigures
    supporting: list[OverviewRow] = field(default_factory=list)
    social_value: SocialValueFigures = field(default_factory=SocialValueFigures)


@dataclass
class Overview:
    framework: Framework | None
    strategic: list[StrategicRow]
    total_value: Decimal
    linked_contracts: int
    gap_count: int


def _figures_by_supporting_outcome(framework: Framework) -> dict[int, OutcomeFigures]:
    rows = OutcomeLink.objects.filter(
        supporting_outcome__framework=framework, contract__status=ContractStatus.ACTIVE
    ).values_list("supporting_outcome_id", "contract__annual_value", "contribution_share")
    figures: dict[int, OutcomeFigures] = defaultdict(OutcomeFigures)
    for outcome_id, annual, share in rows:
        f = figures[outcome_id]
        f.contract_count += 1
        # A contract whose annual value is not known still serves the outcome, but adds no £.
        f.attributed_value += attributed_value(annual, share) or ZERO
    return figures


def outcome_overview(*, framework: Framework | None = None) -> Overview:
    """Strategic outcomes with their supporting outcomes, each with active contract count and £ attributed.

    Four queries whatever the number of contracts: framework, outcomes (two), link values, and gaps;
    and two for each outcome's social value (social_value_on_thread).
    """
    framework = framework or framework_get_default()
    if framework is None:
        return Overview(None, [], ZERO, 0, 0)
    figures = _figures_by_supporting_outcome(framework)
    social_value = social_value_on_thread(on=as_at.today())
    strategic_rows = []
    for so in strategic_outcome_list(framework=framework):
        row = StrategicRow(so, OutcomeFigures(), social_value=social_value.strategic.get(so.pk, SocialValueFigures()))
        # A contract linked to two supporting outcomes of one strategic outcome counts once there.
        for sup in so.supporting_outcomes.all():
            f = figures.get(sup.pk, OutcomeFigures())
            row.supporting.append(OverviewRow(sup, f, social_value.supporting.get(sup.pk, SocialValueFigures())))
            row.figures.attributed_value += f.attributed_value
        strategic_rows.append(row)
    counts = _strategic_contract_counts(framework)
    for row in strategic_rows:
        row.figures.contract_count = counts.get(row.outcome.pk, 0)
    total = sum((r.figures.attributed_value for r in strategic_rows), ZERO)
    linked = (
        OutcomeLink.objects.filter(supporting_outcome__framework=framework, contract__status=ContractStatus.ACTIVE)
        .values("contract_id")
        .distinct()
        .count()
    )
    return Overview(framework, strategic_rows, total, linked, contracts_without_links().count())


def _strategic_contract_counts(framework: Framework) -> dict[int, int]:
    pairs = (
        OutcomeLink.objects.filter(supporting_outcome__framework=framework, contract__status=ContractStatus.ACTIVE)
        .values_list("supporting_outcome__strategic_outcome_id", "contract_id")
        # Without clearing the default ordering its columns join the DISTINCT, and a contract
        # linked to two supporting outcomes of one strategic outcome would count twice.
        .order_by()
        .distinct()
    )
    counts: dict[int, int] = defaultdict(int)
    for strategic_id, _ in pairs:
        counts[strategic_id] += 1
    return counts


def supporting_outcome_links(*, supporting_outcome: SupportingOutcome) -> QuerySet[OutcomeLink]:
    """The links (and so the contracts) of one supporting outcome, every status, with their provider and directorate."""
    return (
        OutcomeLink.objects.filter(supporting_outcome=supporting_outcome)
        .select_related("contract__provider", "contract__directorate", "contract__commissioner")
        .order_by(F("contract__annual_value").desc(nulls_last=True), "contract__reference")
    )


def supporting_outcome_figures(*, supporting_outcome: SupportingOutcome) -> OutcomeFigures:
    return _figures_by_supporting_outcome(supporting_outcome.framework).get(supporting_outcome.pk, OutcomeFigures())


def contract_thread(*, contract: Contract) -> QuerySet[OutcomeLink]:
    """A contract's links up the thread: supporting outcome, strategic outcome, framework."""
    return (
        OutcomeLink.objects.filter(contract=contract)
        .select_related("supporting_outcome__strategic_outcome__framework")
        .order_by("-is_primary", "-contribution_share", "supporting_outcome__order")
    )


def outcome_link_list() -> QuerySet[OutcomeLink]:
    return OutcomeLink.objects.select_related(
        "contract__provider", "contract__directorate", "supporting_outcome__strategic_outcome"
    ).order_by("contract__reference", "-is_primary", "supporting_outcome__order")


def supporting_outcomes_for_choice(*, framework: Framework | None = None) -> QuerySet[SupportingOutcome]:
    framework = framework or framework_get_default()
    return SupportingOutcome.objects.filter(framework=framework).select_related("strategic_outcome").order_by("order")


# --- Reads for the outcome and register pages (outcomes_link/views.py) ---


def contract_register_with_outcomes() -> QuerySet[Contract]:
    """The register with each contract's links and their supporting outcomes, in one extra query per page."""
    return contract_register().prefetch_related(
        Prefetch(
            "outcome_links",
            queryset=OutcomeLink.objects.select_related("supporting_outcome").order_by(
                "-is_primary", "supporting_outcome__order"
            ),
        )
    )


def contract_recent_changes(*, contract: Contract, limit: int = 5) -> list:
    """The latest historical records of a contract, newest first, with who made them."""
    return list(contract.history.select_related("history_user").order_by("-history_date", "-history_id")[:limit])


@dataclass(frozen=True)
class ProviderFigures:
    total: int
    local: int
    sme: int
    vcs: int
    unknown_location: int


def provider_figures() -> ProviderFigures:
    """How many providers there are, and how many are Kent-based, SMEs and VCS, in one query."""
    row = Provider.objects.aggregate(
        total=Count("id"),
        local=Count("id", filter=Q(location=Location.LOCAL)),
        sme=Count("id", filter=Q(size__in=SME_SIZES)),
        vcs=Count("id", filter=Q(sector=Sector.VCS)),
        unknown_location=Count("id", filter=Q(location=Location.UNKNOWN)),
    )
    return ProviderFigures(**row)


# --- Performance along the golden thread -------------------------------------------------------
# The stored quarter summaries, concerns and deductions (contracts.services derives them when a
# return is saved), read for the contract, outcome and home pages. Each read is one query.

MATRIX_QUARTERS = 8


def latest_quarter_summaries(
    *, contracts: QuerySet, today: datetime.date | None = None
) -> dict[int, ContractPeriodSummary]:
    """Each contract's latest reported quarter (a summary with at least one KPI returned) among the
    last 8 ended quarters, by contract id. `contracts` is a queryset of contracts or of contract ids. One query."""
    quarters = recent_quarters(count=MATRIX_QUARTERS, today=today or as_at.today())
    rows = (
        ContractPeriodSummary.objects.filter(
            contract_id__in=contracts, period_start__gte=quarters[0].start, period_start__lte=quarters[-1].start
        )
        .exclude(rag="")
        .order_by("contract_id", "period_start")
    )
    return {summary.contract_id: summary for summary in rows}


@dataclass
class ContractPerformanceOverview:
    """What the contract page says about performance: the latest reported quarter, open concerns,
    this financial year's deductions and the Procurement Act 2023 s.52 key-KPI flag."""

    kpi_count: int
    latest: ContractPeriodSummary | None
    last_quarter: Period
    open_concerns: list[PerformanceConcern]
    financial_year: str
    deductions_applied: Decimal
    deductions_proposed: Decimal
    missing_key_kpis: bool


def _amount_if(status: str) -> Case:
    return Case(
        When(status=status, then="amount"),
        default=Value(ZERO),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )


def contract_performance_overview(
    *, contract: Contract, today: datetime.date | None = None
) -> ContractPerformanceOverview:
    """Five queries whatever the number of KPIs, returns, concerns or deductions."""
    today = today or as_at.today()
    last_quarter = recent_quarters(count=1, today=today)[-1]
    latest = (
        ContractPeriodSummary.objects.filter(contract=contract, period_start__lte=last_quarter.start)
        .exclude(rag="")
        .order_by("-period_start")
        .first()
    )
    year = financial_year_of(today)
    totals = Deduction.objects.filter(contract=contract, financial_year=year).aggregate(
        applied=money_sum(_amount_if(DeductionStatus.APPLIED)),
        proposed=money_sum(_amount_if(DeductionStatus.PROPOSED)),
    )
    return ContractPerformanceOverview(
        kpi_count=contract.kpis.filter(is_active=True).count(),
        latest=latest,
        last_quarter=last_quarter,
        open_concerns=list(open_concerns().filter(contract=contract)),
        financial_year=financial_year_label(year),
        deductions_applied=pence_to_pounds(totals["applied"]),
        deductions_proposed=pence_to_pounds(totals["proposed"]),
        missing_key_kpis=contracts_missing_key_kpis(contracts=Contract.objects.filter(pk=contract.pk)).exists(),
    )


def outcome_open_concerns(
    *, supporting_outcome: SupportingOutcome | None = None, strategic_outcome: StrategicOutcome | None = None
) -> QuerySet[PerformanceConcern]:
    """Open performance concerns on the contracts linked to a supporting (or strategic) outcome. One query."""
    links = OutcomeLink.objects.filter(contract=OuterRef("contract_id"))
    if supporting_outcome is not None:
        links = links.filter(supporting_outcome=supporting_outcome)
    if strategic_outcome is not None:
        links = links.filter(supporting_outcome__strategic_outcome=strategic_outcome)
    return open_concerns().filter(Exists(links)).order_by("contract__reference", "kpi__code")


@dataclass
class OutcomeKPI:
    """A KPI that evidences a supporting outcome directly, with its latest counted return."""

    kpi: KPI
    rag: str
    actual: str
    period: str

    def get_rag_display(self) -> str:
        return self.rag.capitalize()


def outcome_kpis(*, supporting_outcome: SupportingOutcome) -> list[OutcomeKPI]:
    """Active KPIs whose supporting outcome is this one, with the RAG of their latest counted return. One query."""
    latest = KPIReturn.objects.filter(
        kpi=OuterRef("pk"), status__in=COUNTED_RETURN_STATUSES, actual__isnull=False
    ).order_by("-period_start")
    kpis = (
        kpi_list()
        .filter(supporting_outcome=supporting_outcome, is_active=True)
        .annotate(
            latest_rag=Subquery(latest.values("rag")[:1]),
            latest_actual=Subquery(latest.values("actual")[:1]),
            latest_period_start=Subquery(latest.values("period_start")[:1]),
        )
    )
    out = []
    for kpi in kpis:
        start = kpi.latest_period_start
        if isinstance(start, str):  # SQLite returns a subquery's date as text
            start = datetime.date.fromisoformat(start)
        out.append(
            OutcomeKPI(
                kpi=kpi,
                rag=kpi.latest_rag or "",
                actual=format_measure(kpi.latest_actual, kpi.unit) if kpi.latest_actual is not None else "",
                period=Period(start, kpi.frequency).label if start else "",
            )
        )
    return out


def strategic_outcome_contracts(*, strategic_outcome: StrategicOutcome) -> QuerySet[Contract]:
    """The register's contracts that serve any supporting outcome of a strategic outcome (each once)."""
    return contract_register_with_outcomes().filter(
        Exists(
            OutcomeLink.objects.filter(contract=OuterRef("pk"), supporting_outcome__strategic_outcome=strategic_outcome)
        )
    )


def contracts_with_kpis() -> QuerySet[Contract]:
    """Contracts that have at least one KPI: the rows of the RAG matrix."""
    return contract_list().filter(Exists(KPI.objects.filter(contract=OuterRef("pk"))))


@dataclass
class HomePerformance:
    open_concern_count: int
    concerns: list[PerformanceConcern] = field(default_factory=list)
    overdue_count: int | None = None


def home_performance(
    *, directorate_id: int | None = None, limit: int = 10, today: datetime.date | None = None
) -> HomePerformance:
    """Open concerns for everyone; for a commissioner, their directorate's open concerns and overdue returns."""
    figures = HomePerformance(open_concern_count=PerformanceConcern.objects.filter(resolved_at__isnull=True).count())
    if directorate_id is not None:
        figures.concerns = list(open_concerns().filter(contract__directorate_id=directorate_id)[: limit + 1])
        figures.overdue_count = len(
            overdue_returns(
                contracts=Contract.objects.filter(directorate_id=directorate_id), today=today or as_at.today()
            )
        )
    return figures


@dataclass
class MatrixCell:
    quarter: Period
    summary: ContractPeriodSummary | None
    due: bool  # a KPI of the contract had a period ending in the quarter, within its term

    @property
    def empty(self) -> str:
        """What the cell says when there is no RAG."""
        return "Not returned" if self.due else "No KPIs due"


@dataclass
class MatrixRow:
    contract: Contract
    cells: list[MatrixCell]


def rag_matrix_rows(*, contract_ids: list[int], quarters: list[Period]) -> list[MatrixRow]:
    """One page of the RAG matrix (contracts.selectors.rag_matrix), each empty cell saying why it is empty.

    A quarter with no summary had "No KPIs due" when none of the contract's active KPIs has a period
    ending in it within the contract's term (as far as the term is known: contracts.selectors.period_in_term);
    otherwise its returns are "Not returned". Three queries.
    """
    contracts = Contract.objects.filter(pk__in=contract_ids).prefetch_related(
        Prefetch("kpis", queryset=KPI.objects.filter(is_active=True), to_attr="active_kpis")
    )
    matrix = rag_matrix(contracts=contracts, quarters=quarters)
    rows = []
    for contract, summaries in matrix.rows:
        cells = []
        for quarter, summary in zip(matrix.quarters, summaries, strict=True):
            due = period_in_term(contract, quarter.start, quarter.end) and bool(
                kpis_due_in_quarter(contract.active_kpis, quarter)
            )
            cells.append(MatrixCell(quarter, summary, due))
        rows.append(MatrixRow(contract, cells))
    return rows
