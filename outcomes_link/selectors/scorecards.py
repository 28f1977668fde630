"""Outcome scorecards (issue 6, "Members' view and reports"): one card per strategic and supporting
outcome, so a member can see at a glance how the contracts serving an outcome are doing, and drill
down to every contract.

"with a 'golden thread' running through our plans and strategies that directly links delivery to
these outcomes" (KCC Strategic Statement 2015-2020). A scorecard shows, for the contracts linked to
an outcome (outcomes_link.OutcomeLink; for a strategic outcome, linked to any of its supporting
outcomes, each contract once):

- Contracts and contract value attributed: active contracts only, as the outcomes list counts them.
  The value attributed is each contract's annual value times its share, rounded to the penny per link
  (outcomes_link.models.attributed_value); a contract whose annual value is not known (taken from a
  published register) counts as a contract but adds no value. Only the value is shared between outcomes: for everything
  else a contract counts in full for each outcome it serves (its count, RAG, concerns, deductions,
  spend and the lists), so scorecards of different outcomes do not add up to a council total.
- RAG this quarter: today's active contracts by their stored quarter summary
  (contracts.ContractPeriodSummary) in the last ended quarter and the quarter before: green, amber,
  red, or not reported (no KPI returned for the quarter, or none due). Both quarters count the same
  contracts, so the two can be compared.
- Direction of travel (`DIRECTION_RULE`): the average quarter score (each contract's KPIs weighted
  green 100, amber 50, red 0) of the contracts reported in both quarters, this quarter against the
  one before. Improving when it rose by `DIRECTION_BAND` points or more, declining when it fell by as
  much, otherwise no change; not known when no contract reported in both quarters.
- Open performance concerns, and deductions applied in this financial year (by the deduction's
  financial year), on every linked contract whatever its status: a concern stays open until it is
  resolved, and a deduction applied this year was money withheld this year even if the contract
  has since ended.
- Social value committed and delivered (verified returns only), as social_value.selectors works it
  out: it reaches an outcome through its measures, not through the contract links.
- Spend in the last full financial year with the linked contracts (spend lines linked to them,
  every status), and how much of it went to Kent-based SMEs and to voluntary and community sector
  (VCS) organisations, classified by the provider each line is matched to, as the annual report's
  local spend table does (social_value.reports). A full year, as the annual report counts it:
  spend files are published month by month in arrears, so this year's figure to date would be
  partial and lumpy, and read as a fall.
- Active contracts ending within 12 months (current end date from today to the same day 12 months
  on, both included) and active contracts with no active KPI.

"Today" is commissioning.as_at.today(), so a scorecard as at a past day is as it stood then. Each
function here runs a fixed number of queries whatever the number of contracts, KPIs, returns,
concerns, deductions or spend lines: every figure is grouped by contract in the database, and the
per-outcome roll-up is done on those rows.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from commissioning import as_at
from commissioning.db import money_sum, pence_to_pounds, percent_of
from commissioning.models import Framework, StrategicOutcome, SupportingOutcome
from commissioning.selectors import framework_get_default, strategic_outcome_list
from contracts.choices import RAG, SME_SIZES, ContractStatus, DeductionStatus, Direction, Location, Sector
from contracts.models import KPI, Contract, ContractPeriodSummary, Deduction, PerformanceConcern, SpendLine
from contracts.periods import Period, financial_year_label, financial_year_of, financial_year_start
from contracts.selectors import recent_quarters
from outcomes_link.models import OutcomeLink, attributed_value
from social_value.selectors import (
    OutcomeSocialValue,
    SocialValueFigures,
    StrategicOutcomeSocialValue,
    outcome_social_value,
    social_value_on_thread,
    strategic_outcome_social_value,
)

ZERO = Decimal("0.00")
# Points of average quarter score (0 to 100) a change must reach to be a direction of travel: one
# contract in ten moving from amber to green, so one KPI's wobble is not reported as a trend.
DIRECTION_BAND = Decimal("5.0")
DIRECTION_RULE = (
    "Direction of travel compares the average quarter score (each contract's KPIs weighted green 100, "
    "amber 50, red 0) of the contracts reported in both quarters: improving if it rose by "
    f"{DIRECTION_BAND:.0f} points or more, declining if it fell by {DIRECTION_BAND:.0f} points or more, "
    "otherwise no change."
)
ENDING_WITHIN_MONTHS = 12


@dataclass(frozen=True)
class RAGCounts:
    """One quarter's RAG of an outcome's active contracts: each contract once, by its quarter summary."""

    quarter: Period
    green: int = 0
    amber: int = 0
    red: int = 0
    not_reported: int = 0
    # The mean of the reported contracts' quarter scores, to one place; None when none reported.
    average_score: Decimal | None = None

    @property
    def reported(self) -> int:
        return self.green + self.amber + self.red

    @property
    def total(self) -> int:
        return self.reported + self.not_reported


@dataclass(frozen=True)
class DirectionOfTravel:
    """Improving, no change or declining (contracts.choices.Direction), or "" when not known."""

    direction: str
    explanation: str
    compared: int = 0
    score: Decimal | None = None
    previous_score: Decimal | None = None

    @property
    def label(self) -> str:
        return Direction(self.direction).label if self.direction else "Not known"


@dataclass(frozen=True)
class SpendFigures:
    """Spend in the last full financial year with an outcome's contracts, in pounds, and the shares
    of it with Kent-based SMEs and with VCS organisations (of the total, pence-exact, to one place)."""

    financial_year: int = 0
    total: Decimal = ZERO
    kent_sme: Decimal = ZERO
    vcs: Decimal = ZERO
    kent_sme_share: Decimal | None = None
    vcs_share: Decimal | None = None

    @property
    def financial_year_label(self) -> str:
        return financial_year_label(self.financial_year) if self.financial_year else ""


@dataclass
class ScorecardContract:
    """One contract of an outcome's scorecard, for the drill down: what it adds to each figure.

    `share` is the % of its annual value attributed to the outcome (for a strategic outcome, the
    shares of its supporting outcomes added up), and `attributed_value` the pounds it gives; both
    are shown for every linked contract, though only active ones count in the outcome's figure."""

    contract: Contract
    share: Decimal
    attributed_value: Decimal | None  # None: the contract's annual value is not known
    summary: ContractPeriodSummary | None
    previous_summary: ContractPeriodSummary | None
    open_concerns: int
    deductions_applied: Decimal
    # Spend in the last full financial year: in all, with Kent-based SMEs and with VCS organisations.
    spend: Decimal
    spend_kent_sme: Decimal
    spend_vcs: Decimal
    has_kpis: bool
    ending_within_12_months: bool

    @property
    def is_active(self) -> bool:
        return self.contract.status == ContractStatus.ACTIVE


@dataclass
class OutcomeScorecard:
    """A supporting or strategic outcome's scorecard (the rules are the module's docstring)."""

    outcome: SupportingOutcome | StrategicOutcome
    is_strategic: bool
    financial_year: int
    contract_count: int
    attributed_value: Decimal
    rag: RAGCounts
    rag_previous: RAGCounts
    direction: DirectionOfTravel
    open_concerns: int
    deductions_applied: Decimal
    social_value: SocialValueFigures
    spend: SpendFigures
    contracts_ending_within_12_months: list[Contract]
    contracts_without_kpis: list[Contract]
    # Every linked contract, whatever its status, by annual value (largest first) then reference.
    contracts: list[ScorecardContract]
    # A strategic outcome's supporting outcomes' scorecards, in the framework's order.
    supporting: list[OutcomeScorecard] = field(default_factory=list)

    @property
    def financial_year_label(self) -> str:
        return financial_year_label(self.financial_year)

    @property
    def ending_within_12_months_count(self) -> int:
        return len(self.contracts_ending_within_12_months)

    @property
    def without_kpis_count(self) -> int:
        return len(self.contracts_without_kpis)

    @property
    def contracts_with_deductions(self) -> list[ScorecardContract]:
        """The contracts with deductions applied this financial year."""
        return [r for r in self.contracts if r.deductions_applied]

    @property
    def contracts_with_spend(self) -> list[ScorecardContract]:
        """The contracts with spend in the last full financial year (credits can make it negative)."""
        return [r for r in self.contracts if r.spend or r.spend_kent_sme or r.spend_vcs]


@dataclass
class ScorecardSet:
    """Every outcome's scorecard of a framework, keyed by outcome id."""

    framework: Framework | None
    quarter: Period
    previous_quarter: Period
    financial_year: int
    supporting: dict[int, OutcomeScorecard]
    strategic: dict[int, OutcomeScorecard]

    @property
    def financial_year_label(self) -> str:
        return financial_year_label(self.financial_year)

    @property
    def strategic_in_order(self) -> list[OutcomeScorecard]:
        """Strategic outcomes' scorecards in the framework's order, each with its supporting ones."""
        return list(self.strategic.values())

    @property
    def linked_contracts(self) -> int:
        """Active contracts linked to any outcome of the framework, each once."""
        return len({r.contract.pk for card in self.supporting.values() for r in card.contracts if r.is_active})

    @property
    def total_value(self) -> Decimal:
        """Contract value attributed to the framework's outcomes a year (each link's share once)."""
        return sum((card.attributed_value for card in self.strategic.values()), ZERO)


# --- Reading the facts: one grouped query each ------------------------------------------------


@dataclass
class _Facts:
    today: datetime.date
    quarter: Period
    previous_quarter: Period
    financial_year: int
    links: list[OutcomeLink]
    summaries: dict[tuple[int, datetime.date], ContractPeriodSummary]
    concerns: dict[int, int]
    deductions: dict[int, int]  # pence
    spend: dict[int, tuple[int, int, int]]  # pence: total, Kent-based SME, VCS


def _read_facts(links: QuerySet[OutcomeLink]) -> _Facts:
    """Everything a scorecard needs about the contracts of these links: five queries."""
    today = as_at.today()
    previous_quarter, quarter = recent_quarters(count=2, today=today)
    year = financial_year_of(today)
    contract_ids = links.order_by().values("contract_id")
    rows = list(
        links.select_related("contract__provider", "contract__directorate")
        .annotate(
            strategic_outcome_id=F("supporting_outcome__strategic_outcome_id"),
            has_kpis=Exists(KPI.objects.filter(contract=OuterRef("contract_id"), is_active=True)),
        )
        .order_by(F("contract__annual_value").desc(nulls_last=True), "contract__reference", "supporting_outcome__order")
    )
    summaries = {
        (s.contract_id, s.period_start): s
        for s in ContractPeriodSummary.objects.filter(
            contract_id__in=contract_ids, period_start__in=[previous_quarter.start, quarter.start]
        )
    }
    concerns = dict(
        PerformanceConcern.objects.filter(contract_id__in=contract_ids, resolved_at__isnull=True)
        .order_by()
        .values("contract_id")
        .annotate(n=Count("id"))
        .values_list("contract_id", "n")
    )
    deductions = dict(
        Deduction.objects.filter(contract_id__in=contract_ids, status=DeductionStatus.APPLIED, financial_year=year)
        .order_by()
        .values("contract_id")
        .annotate(pence=money_sum("amount"))
        .values_list("contract_id", "pence")
    )
    kent_sme = Q(provider__location=Location.LOCAL, provider__size__in=SME_SIZES)
    spend = {
        contract_id: (total, local_sme, vcs)
        for contract_id, total, local_sme, vcs in SpendLine.objects.filter(
            contract_id__in=contract_ids,
            payment_date__gte=financial_year_start(year - 1),
            payment_date__lt=financial_year_start(year),
        )
        .order_by()
        .values("contract_id")
        .annotate(
            total=Coalesce(Sum("amount_pence"), 0),
            kent_sme=Coalesce(Sum("amount_pence", filter=kent_sme), 0),
            vcs=Coalesce(Sum("amount_pence", filter=Q(provider__sector=Sector.VCS)), 0),
        )
        .values_list("contract_id", "total", "kent_sme", "vcs")
    }
    return _Facts(today, quarter, previous_quarter, year, rows, summaries, concerns, deductions, spend)


# --- Rolling the facts up to an outcome -------------------------------------------------------


def _average(scores: list[Decimal]) -> Decimal | None:
    if not scores:
        return None
    return (sum(scores, Decimal(0)) / len(scores)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _rag_counts(quarter: Period, summaries: list[ContractPeriodSummary | None]) -> RAGCounts:
    counts = {RAG.GREEN: 0, RAG.AMBER: 0, RAG.RED: 0}
    not_reported = 0
    scores = []
    for summary in summaries:
        if summary is None or not summary.rag:
            not_reported += 1
            continue
        counts[summary.rag] += 1
        scores.append(Decimal(summary.score))
    return RAGCounts(quarter, counts[RAG.GREEN], counts[RAG.AMBER], counts[RAG.RED], not_reported, _average(scores))


def _direction(rows: list[ScorecardContract], quarter: Period, previous: Period) -> DirectionOfTravel:
    pairs = [
        (Decimal(r.summary.score), Decimal(r.previous_summary.score))
        for r in rows
        if r.summary and r.summary.rag and r.previous_summary and r.previous_summary.rag
    ]
    if not pairs:
        return DirectionOfTravel(
            "", f"Not known: no contract reported in both {previous.label} and {quarter.label} to compare."
        )
    now, before = _average([p[0] for p in pairs]), _average([p[1] for p in pairs])
    change = now - before
    if change >= DIRECTION_BAND:
        direction = Direction.IMPROVING
    elif change <= -DIRECTION_BAND:
        direction = Direction.DECLINING
    else:
        direction = Direction.NO_CHANGE
    contracts = f"{len(pairs)} contract{'s' if len(pairs) != 1 else ''}"
    return DirectionOfTravel(
        direction,
        f"{Direction(direction).label}: average score {now} in {quarter.label} against {before} in "
        f"{previous.label}, over the {contracts} reported in both quarters.",
        compared=len(pairs),
        score=now,
        previous_score=before,
    )


def _scorecard(
    outcome: SupportingOutcome | StrategicOutcome,
    links: list[OutcomeLink],
    facts: _Facts,
    social_value: SocialValueFigures,
) -> OutcomeScorecard:
    """An outcome's scorecard from its links (a contract linked twice, to two of a strategic outcome's
    supporting outcomes, is one contract here whose shares and values add up)."""
    by_contract: dict[int, list[OutcomeLink]] = {}
    for link in links:
        by_contract.setdefault(link.contract_id, []).append(link)
    horizon = facts.today + relativedelta(months=ENDING_WITHIN_MONTHS)
    rows = []
    for contract_id, contract_links in by_contract.items():
        contract = contract_links[0].contract
        active = contract.status == ContractStatus.ACTIVE
        total, kent_sme, vcs = facts.spend.get(contract_id, (0, 0, 0))
        rows.append(
            ScorecardContract(
                contract=contract,
                share=sum((link.contribution_share for link in contract_links), Decimal(0)),
                attributed_value=None
                if contract.annual_value is None
                else sum(
                    (attributed_value(contract.annual_value, link.contribution_share) for link in contract_links), ZERO
                ),
                summary=facts.summaries.get((contract_id, facts.quarter.start)),
                previous_summary=facts.summaries.get((contract_id, facts.previous_quarter.start)),
                open_concerns=facts.concerns.get(contract_id, 0),
                deductions_applied=pence_to_pounds(facts.deductions.get(contract_id, 0)),
                spend=pence_to_pounds(total),
                spend_kent_sme=pence_to_pounds(kent_sme),
                spend_vcs=pence_to_pounds(vcs),
                has_kpis=contract_links[0].has_kpis,
                # An end date not known never counts as ending soon.
                ending_within_12_months=active
                and contract.current_end_date is not None
                and facts.today <= contract.current_end_date <= horizon,
            )
        )
    active_rows = [r for r in rows if r.is_active]
    spend_pence = [facts.spend.get(r.contract.pk, (0, 0, 0)) for r in rows]
    total = sum(pence[0] for pence in spend_pence)
    kent_sme = sum(pence[1] for pence in spend_pence)
    vcs = sum(pence[2] for pence in spend_pence)
    return OutcomeScorecard(
        outcome=outcome,
        is_strategic=isinstance(outcome, StrategicOutcome),
        financial_year=facts.financial_year,
        contract_count=len(active_rows),
        attributed_value=sum((r.attributed_value for r in active_rows if r.attributed_value is not None), ZERO),
        rag=_rag_counts(facts.quarter, [r.summary for r in active_rows]),
        rag_previous=_rag_counts(facts.previous_quarter, [r.previous_summary for r in active_rows]),
        direction=_direction(active_rows, facts.quarter, facts.previous_quarter),
        open_concerns=sum(r.open_concerns for r in rows),
        deductions_applied=sum((r.deductions_applied for r in rows), ZERO),
        social_value=social_value,
        spend=SpendFigures(
            financial_year=facts.financial_year - 1,
            total=pence_to_pounds(total),
            kent_sme=pence_to_pounds(kent_sme),
            vcs=pence_to_pounds(vcs),
            kent_sme_share=percent_of(kent_sme, total),
            vcs_share=percent_of(vcs, total),
        ),
        contracts_ending_within_12_months=sorted(
            (r.contract for r in active_rows if r.ending_within_12_months),
            key=lambda c: (c.current_end_date, c.reference),
        ),
        contracts_without_kpis=sorted((r.contract for r in active_rows if not r.has_kpis), key=lambda c: c.reference),
        contracts=rows,
    )


# --- The scorecards ---------------------------------------------------------------------------


def supporting_outcome_scorecard(
    *, supporting_outcome: SupportingOutcome, social_value: OutcomeSocialValue | None = None
) -> OutcomeScorecard:
    """A supporting outcome's scorecard. Six queries; five when the page has already read the
    outcome's social value (`social_value`, social_value.selectors.outcome_social_value)."""
    facts = _read_facts(OutcomeLink.objects.filter(supporting_outcome=supporting_outcome))
    if social_value is None:
        social_value = outcome_social_value(supporting_outcome, on=facts.today)
    return _scorecard(supporting_outcome, facts.links, facts, social_value.figures)


def strategic_outcome_scorecard(
    *, strategic_outcome: StrategicOutcome, social_value: StrategicOutcomeSocialValue | None = None
) -> OutcomeScorecard:
    """A strategic outcome's scorecard, each contract once however many of its supporting outcomes it
    serves, with its supporting outcomes' scorecards (`supporting`). Seven queries (five for the
    contracts' facts, two for social value), or eight when its supporting outcomes were not
    prefetched (strategic_outcome_list prefetches them); five when the page has already read the
    social value (`social_value`, social_value.selectors.strategic_outcome_social_value)."""
    facts = _read_facts(OutcomeLink.objects.filter(supporting_outcome__strategic_outcome=strategic_outcome))
    detail = social_value or strategic_outcome_social_value(strategic_outcome, on=facts.today)
    by_supporting = {row.outcome.pk: row.figures for row in detail.supporting}
    links_by_supporting: dict[int, list[OutcomeLink]] = defaultdict(list)
    for link in facts.links:
        links_by_supporting[link.supporting_outcome_id].append(link)
    card = _scorecard(strategic_outcome, facts.links, facts, detail.figures)
    card.supporting = [
        _scorecard(so, links_by_supporting[so.pk], facts, by_supporting.get(so.pk, SocialValueFigures()))
        for so in strategic_outcome.supporting_outcomes.all()
    ]
    return card


def outcome_scorecards(*, framework: Framework | None = None) -> ScorecardSet:
    """Every supporting and strategic outcome's scorecard at once (the outcomes list and the golden
    thread report), keyed by outcome id; `strategic` in the framework's order, each strategic
    scorecard carrying its supporting ones. Ten queries (nine with a framework given) whatever the
    number of contracts: the framework, its outcomes (two), five for the contracts' facts and two
    for social value (social_value_on_thread)."""
    framework = framework or framework_get_default()
    today = as_at.today()
    previous_quarter, quarter = recent_quarters(count=2, today=today)
    if framework is None:
        return ScorecardSet(None, quarter, previous_quarter, financial_year_of(today), {}, {})
    strategic_outcomes = list(strategic_outcome_list(framework=framework))
    facts = _read_facts(OutcomeLink.objects.filter(supporting_outcome__framework=framework))
    social_value = social_value_on_thread(on=facts.today)
    by_supporting: dict[int, list[OutcomeLink]] = defaultdict(list)
    by_strategic: dict[int, list[OutcomeLink]] = defaultdict(list)
    for link in facts.links:
        by_supporting[link.supporting_outcome_id].append(link)
        by_strategic[link.strategic_outcome_id].append(link)
    supporting: dict[int, OutcomeScorecard] = {}
    strategic: dict[int, OutcomeScorecard] = {}
    for so in strategic_outcomes:
        card = _scorecard(so, by_strategic[so.pk], facts, social_value.strategic.get(so.pk, SocialValueFigures()))
        for sup in so.supporting_outcomes.all():
            supporting[sup.pk] = _scorecard(
                sup, by_supporting[sup.pk], facts, social_value.supporting.get(sup.pk, SocialValueFigures())
            )
            card.supporting.append(supporting[sup.pk])
        strategic[so.pk] = card
    return ScorecardSet(framework, facts.quarter, facts.previous_quarter, facts.financial_year, supporting, strategic)
