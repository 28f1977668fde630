"""Reads across the golden thread: outcomes with their contracts, contracts with their outcomes.

Money attributed to an outcome is each linked contract's annual value times its share,
rounded half up to the penny per link, then summed, in Decimal (outcomes_link.models.attributed_value).
Only active contracts count towards an outcome's contracts and value.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from commissioning.models import Framework, StrategicOutcome, SupportingOutcome
from commissioning.selectors import framework_get_default, strategic_outcome_list
from contracts.choices import SME_SIZES, ContractStatus, Location, Sector
from contracts.models import Contract, Provider
from contracts.selectors import contract_list
from outcomes_link.models import OutcomeLink, attributed_value

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


@dataclass
class StrategicRow:
    outcome: StrategicOutcome
    figures: OutcomeFigures
    supporting: list[OverviewRow] = field(default_factory=list)


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
        f.attributed_value += attributed_value(annual, share)
    return figures


def outcome_overview(*, framework: Framework | None = None) -> Overview:
    """Strategic outcomes with their supporting outcomes, each with active contract count and £ attributed.

    Four queries whatever the number of contracts: framework, outcomes (two), link values, and gaps.
    """
    framework = framework or framework_get_default()
    if framework is None:
        return Overview(None, [], ZERO, 0, 0)
    figures = _figures_by_supporting_outcome(framework)
    strategic_rows = []
    for so in strategic_outcome_list(framework=framework):
        row = StrategicRow(so, OutcomeFigures())
        # A contract linked to two supporting outcomes of one strategic outcome counts once there.
        for sup in so.supporting_outcomes.all():
            f = figures.get(sup.pk, OutcomeFigures())
            row.supporting.append(OverviewRow(sup, f))
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
        .order_by("-contract__annual_value", "contract__reference")
    )


def supporting_outcome_figures(*, supporting_outcome: SupportingOutcome) -> OutcomeFigures:
    return _figures_by_supporting_outcome(supporting_outcome.framework).get(supporting_outcome.pk, OutcomeFigures())


def strategic_outcome_detail(*, code: str, framework: Framework | None = None) -> StrategicRow:
    framework = framework or framework_get_default()
    so = strategic_outcome_list(framework=framework).get(code=code)
    figures = _figures_by_supporting_outcome(framework)
    row = StrategicRow(so, OutcomeFigures(contract_count=_strategic_contract_counts(framework).get(so.pk, 0)))
    for sup in so.supporting_outcomes.all():
        f = figures.get(sup.pk, OutcomeFigures())
        row.supporting.append(OverviewRow(sup, f))
        row.figures.attributed_value += f.attributed_value
    return row


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
