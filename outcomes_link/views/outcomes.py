"""The outcomes framework pages: the list, each strategic outcome and each supporting outcome.

Each outcome's page is its scorecard (outcomes_link.selectors.scorecards): the headline figures
and RAG this quarter against last with the direction of travel, then a section for each figure,
then every contract serving the outcome. Every table on them downloads as CSV and Excel
(commissioning.downloads), built from the same selectors and filters as the page.
"""

from collections.abc import Sequence
from functools import cached_property

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from django.views.generic import TemplateView
from django_tables2 import RequestConfig

from commissioning import as_at
from commissioning.downloads import (
    COUNT,
    DATE,
    MONEY,
    PERCENT,
    QUANTITY,
    TEXT,
    Column,
    DownloadsMixin,
    Table,
    tables2_download,
)
from commissioning.models import StrategicOutcome
from commissioning.permissions import RoleRequiredMixin
from commissioning.selectors import (
    outcome_measure_basket,
    strategic_outcome_list,
    strategic_outcome_measure_baskets,
    supporting_outcome_get,
)
from contracts.models import ContractPeriodSummary, PerformanceConcern
from outcomes_link.filtersets import (
    SupportingOutcomeContractFilterSet,
)
from outcomes_link.selectors import (
    DIRECTION_RULE,
    OutcomeKPI,
    OutcomeScorecard,
    contracts_without_links,
    latest_quarter_summaries,
    outcome_kpis,
    outcome_open_concerns,
    outcome_scorecards,
    strategic_outcome_contracts,
    strategic_outcome_scorecard,
    supporting_outcome_links,
    supporting_outcome_scorecard,
)
from outcomes_link.tables import (
    ContractPerformanceTable,
    SupportingOutcomeContractPerformanceTable,
)
from outcomes_link.views.shared import (
    REGISTER_PAGE_SIZE,
)
from social_value.selectors import OutcomeSocialValue, outcome_social_value, strategic_outcome_social_value

# --- Download tables: the pages' tables as plain values (commissioning.downloads) --------------


def _rag_text(summary: ContractPeriodSummary | None) -> str:
    return summary.get_rag_display() if summary and summary.rag else "Not reported"


def scorecards_table(cards: Sequence[OutcomeScorecard], *, title: str = "Outcome scorecards") -> Table:
    """One row per outcome with every headline figure of its scorecard."""
    if not cards:
        return Table(title, [Column("Code"), Column("Outcome")])
    first = cards[0]
    now, before = first.rag.quarter.label, first.rag_previous.quarter.label
    year, spend_year = first.financial_year_label, first.spend.financial_year_label
    columns = [
        Column("Code"),
        Column("Outcome"),
        Column("Active contracts", COUNT),
        Column("Contract value attributed a year (£)", MONEY),
    ]
    for label in (now, before):
        columns += [
            Column(f"Green {label}", COUNT),
            Column(f"Amber {label}", COUNT),
            Column(f"Red {label}", COUNT),
            Column(f"Not reported {label}", COUNT),
            Column(f"Average score {label}", PERCENT),
        ]
    columns += [
        Column("Direction of travel"),
        Column("Open performance concerns", COUNT),
        Column(f"Deductions applied {year} (£)", MONEY),
        Column("Social value committed (£)", MONEY),
        Column("Social value delivered, verified (£)", MONEY),
        Column(f"Spend {spend_year} (£)", MONEY),
        Column("Spend with Kent-based SMEs (£)", MONEY),
        Column("Kent-based SME share of spend (%)", PERCENT),
        Column("Spend with VCS organisations (£)", MONEY),
        Column("VCS share of spend (%)", PERCENT),
        Column("Active contracts ending within 12 months", COUNT),
        Column("Active contracts without KPIs", COUNT),
    ]
    rows = []
    for card in cards:
        row = [card.outcome.code, card.outcome.title, card.contract_count, card.attributed_value]
        for rag in (card.rag, card.rag_previous):
            row += [rag.green, rag.amber, rag.red, rag.not_reported, rag.average_score]
        row += [
            card.direction.label,
            card.open_concerns,
            card.deductions_applied,
            card.social_value.committed_value,
            card.social_value.delivered_value,
            card.spend.total,
            card.spend.kent_sme,
            card.spend.kent_sme_share,
            card.spend.vcs,
            card.spend.vcs_share,
            card.ending_within_12_months_count,
            card.without_kpis_count,
        ]
        rows.append(row)
    return Table(title, columns, rows)


def _contract_columns() -> list[Column]:
    return [Column("Reference"), Column("Title"), Column("Provider"), Column("Directorate")]


def _contract_cells(contract) -> list:
    return [contract.reference, contract.title, contract.provider.name, contract.directorate.name]


def contract_figures_table(card: OutcomeScorecard) -> Table:
    """The scorecard's contracts (every linked contract, whatever its status), each with what it adds."""
    now, before = card.rag.quarter.label, card.rag_previous.quarter.label
    year = card.financial_year_label
    columns = [
        *_contract_columns(),
        Column("Status"),
        Column("Annual value (£)", MONEY),
        Column("Share attributed (%)", PERCENT),
        Column("Contract value attributed a year (£)", MONEY),
        Column(f"RAG {now}"),
        Column(f"Score {now}", PERCENT),
        Column(f"RAG {before}"),
        Column(f"Score {before}", PERCENT),
        Column("Open performance concerns", COUNT),
        Column(f"Deductions applied {year} (£)", MONEY),
        Column(f"Spend {card.spend.financial_year_label} (£)", MONEY),
        Column("Has active KPIs"),
        Column("Ends", DATE),
    ]
    rows = [
        [
            *_contract_cells(r.contract),
            r.contract.get_status_display(),
            r.contract.annual_value,
            r.share,
            r.attributed_value,
            _rag_text(r.summary),
            r.summary.score if r.summary and r.summary.rag else None,
            _rag_text(r.previous_summary),
            r.previous_summary.score if r.previous_summary and r.previous_summary.rag else None,
            r.open_concerns,
            r.deductions_applied,
            r.spend,
            "Yes" if r.has_kpis else "No",
            r.contract.current_end_date,
        ]
        for r in card.contracts
    ]
    return Table("Contract figures", columns, rows)


def deductions_table(card: OutcomeScorecard) -> Table:
    columns = [*_contract_columns(), Column(f"Deductions applied {card.financial_year_label} (£)", MONEY)]
    rows = [[*_contract_cells(r.contract), r.deductions_applied] for r in card.contracts_with_deductions]
    return Table("Deductions applied", columns, rows)


def spend_table(card: OutcomeScorecard) -> Table:
    year = card.spend.financial_year_label
    columns = [
        *_contract_columns(),
        Column(f"Spend {year} (£)", MONEY),
        Column("With Kent-based SMEs (£)", MONEY),
        Column("With VCS organisations (£)", MONEY),
    ]
    rows = [[*_contract_cells(r.contract), r.spend, r.spend_kent_sme, r.spend_vcs] for r in card.contracts_with_spend]
    return Table("Spend with these contracts", columns, rows)


def contract_list_table(contracts, *, title: str) -> Table:
    columns = [*_contract_columns(), Column("Annual value (£)", MONEY), Column("Ends", DATE)]
    rows = [[*_contract_cells(c), c.annual_value, c.current_end_date] for c in contracts]
    return Table(title, columns, rows)


def concerns_table(concerns: Sequence[PerformanceConcern]) -> Table:
    columns = [Column("Contract reference"), Column("Contract title"), Column("KPI"), Column("Concern")]
    columns.append(Column("Raised", DATE))
    rows = [
        [c.contract.reference, c.contract.title, f"{c.kpi.code} {c.kpi.name}", c.explanation, c.created]
        for c in concerns
    ]
    return Table("Open performance concerns", columns, rows)


def kpis_table(kpis: Sequence[OutcomeKPI]) -> Table:
    columns = [Column("KPI"), Column("Contract reference"), Column("Contract title")]
    columns += [Column("Latest return"), Column("Period"), Column("RAG")]
    rows = [
        [
            f"{k.kpi.code} {k.kpi.name}",
            k.kpi.contract.reference,
            k.kpi.contract.title,
            k.actual,
            k.period,
            k.get_rag_display() if k.rag else "No return yet",
        ]
        for k in kpis
    ]
    return Table("KPIs that evidence this outcome", columns, rows)


def social_value_measures_table(social_value: OutcomeSocialValue) -> Table:
    columns = [Column("Measure code"), Column("Measure"), Column("Unit")]
    columns += [Column("Committed units", QUANTITY), Column("Delivered units", QUANTITY)]
    columns += [Column("Social value committed (£)", MONEY), Column("Social value delivered, verified (£)", MONEY)]
    rows = [
        [
            row.measure.code,
            row.measure.name,
            row.measure.get_unit_display(),
            row.figures.committed_units,
            row.figures.delivered_units,
            row.figures.committed_value,
            row.figures.delivered_value,
        ]
        for row in social_value.measures
    ]
    return Table("Social value measures", columns, rows)


def social_value_commitments_table(social_value: OutcomeSocialValue) -> Table:
    columns = [*_contract_columns(), Column("Measure code"), Column("Measure")]
    columns += [Column("Social value committed (£)", MONEY), Column("Social value delivered, verified (£)", MONEY)]
    columns += [Column("Delivered (%)", PERCENT), Column("Status", TEXT)]
    rows = [
        [
            *_contract_cells(p.commitment.contract),
            p.commitment.measure.code,
            p.commitment.measure.name,
            p.commitment.committed_value,
            p.delivered_value,
            p.share,
            p.status_label,
        ]
        for p in social_value.commitments
    ]
    return Table("Social value commitments", columns, rows)


def social_value_by_supporting_table(social_value) -> Table:
    columns = [Column("Code"), Column("Supporting outcome"), Column("Commitments", COUNT)]
    columns += [Column("Social value committed (£)", MONEY), Column("Social value delivered, verified (£)", MONEY)]
    columns.append(Column("Delivered (%)", PERCENT))
    rows = [
        [
            item.outcome.code,
            item.outcome.title,
            item.figures.commitments,
            item.figures.committed_value,
            item.figures.delivered_value,
            item.figures.delivered_share,
        ]
        for item in social_value.supporting
    ]
    return Table("Social value by supporting outcome", columns, rows)


def _scorecard_downloads(card: OutcomeScorecard, concerns) -> dict:
    """The downloads every outcome scorecard page offers, by name (lazily: each is built on request)."""
    return {
        "scorecard": lambda: scorecards_table([card], title="Scorecard"),
        "contract_figures": lambda: contract_figures_table(card),
        "concerns": lambda: concerns_table(concerns()),
        "deductions": lambda: deductions_table(card),
        "spend": lambda: spend_table(card),
        "ending": lambda: contract_list_table(
            card.contracts_ending_within_12_months, title="Contracts ending within 12 months"
        ),
        "without_kpis": lambda: contract_list_table(card.contracts_without_kpis, title="Contracts without KPIs"),
    }


# --- Pages -----------------------------------------------------------------------------------


class OutcomeListView(RoleRequiredMixin, DownloadsMixin, TemplateView):
    """The outcomes framework: strategic outcomes, their supporting outcomes, contracts and £ attributed,
    and each outcome's scorecard headline figures (outcome_scorecards, a fixed number of queries)."""

    template_name = "outcomes_link/outcome_list.html"
    download_filename = "outcomes"

    @cached_property
    def scorecards(self):
        return outcome_scorecards()

    def get_downloads(self):
        def every_scorecard() -> Table:
            cards = []
            for card in self.scorecards.strategic.values():
                cards += [card, *card.supporting]
            return scorecards_table(cards)

        return {"scorecards": every_scorecard}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            scorecards=self.scorecards,
            gap_count=contracts_without_links().count(),
            direction_rule=DIRECTION_RULE,
            **kwargs,
        )


class StrategicOutcomeDetailView(RoleRequiredMixin, DownloadsMixin, TemplateView):
    """A strategic outcome's scorecard: its contracts (each once) across its supporting outcomes."""

    template_name = "outcomes_link/strategicoutcome_detail.html"

    @cached_property
    def outcome(self) -> StrategicOutcome:
        try:
            return strategic_outcome_list().get(code=self.kwargs["code"])
        except ObjectDoesNotExist as exc:
            raise Http404("No strategic outcome with that code.") from exc

    @property
    def download_filename(self) -> str:
        return f"strategic-outcome-{self.kwargs['code']}"

    @cached_property
    def social_value(self):
        return strategic_outcome_social_value(self.outcome, on=as_at.today())

    @cached_property
    def scorecard(self) -> OutcomeScorecard:
        return strategic_outcome_scorecard(strategic_outcome=self.outcome, social_value=self.social_value)

    @cached_property
    def concerns(self) -> list[PerformanceConcern]:
        return list(outcome_open_concerns(strategic_outcome=self.outcome))

    def contracts(self):
        return strategic_outcome_contracts(strategic_outcome=self.outcome)

    def get_downloads(self):
        card = self.scorecard
        contracts = self.contracts()
        return {
            **_scorecard_downloads(card, lambda: self.concerns),
            "supporting_outcomes": lambda: scorecards_table(card.supporting, title="Supporting outcomes"),
            "social_value": lambda: social_value_by_supporting_table(self.social_value),
            "contracts": lambda: tables2_download(
                ContractPerformanceTable,
                contracts,
                request=self.request,
                latest=latest_quarter_summaries(contracts=contracts.values("pk")),
            ),
        }

    def get_context_data(self, **kwargs):
        contracts = self.contracts()
        table = ContractPerformanceTable(contracts, latest=latest_quarter_summaries(contracts=contracts.values("pk")))
        RequestConfig(self.request, paginate={"per_page": REGISTER_PAGE_SIZE}).configure(table)
        return super().get_context_data(
            outcome=self.outcome,
            framework=self.outcome.framework,
            scorecard=self.scorecard,
            direction_rule=DIRECTION_RULE,
            table=table,
            concerns=self.concerns,
            social_value=self.social_value,
            measure_baskets=strategic_outcome_measure_baskets(strategic_outcome=self.outcome),
            **kwargs,
        )


class SupportingOutcomeDetailView(RoleRequiredMixin, DownloadsMixin, TemplateView):
    """One supporting outcome's scorecard: its measures, figures and the contracts that deliver it."""

    template_name = "outcomes_link/supportingoutcome_detail.html"

    @cached_property
    def outcome(self):
        try:
            return supporting_outcome_get(code=self.kwargs["code"])
        except ObjectDoesNotExist as exc:
            raise Http404("No supporting outcome with that code.") from exc

    @property
    def download_filename(self) -> str:
        return f"supporting-outcome-{self.kwargs['code']}"

    @cached_property
    def social_value(self) -> OutcomeSocialValue:
        return outcome_social_value(self.outcome, on=as_at.today())

    @cached_property
    def scorecard(self) -> OutcomeScorecard:
        return supporting_outcome_scorecard(supporting_outcome=self.outcome, social_value=self.social_value)

    @cached_property
    def concerns(self) -> list[PerformanceConcern]:
        return list(outcome_open_concerns(supporting_outcome=self.outcome))

    @cached_property
    def filterset(self) -> SupportingOutcomeContractFilterSet:
        # Bound only by its own fields, so ?as_at= or ?download= alone is not "filtered".
        filtering = any(name in self.request.GET for name in SupportingOutcomeContractFilterSet.base_filters)
        return SupportingOutcomeContractFilterSet(
            self.request.GET if filtering else None,
            queryset=supporting_outcome_links(supporting_outcome=self.outcome),
        )

    def get_downloads(self):
        links = self.filterset.qs
        return {
            **_scorecard_downloads(self.scorecard, lambda: self.concerns),
            "kpis": lambda: kpis_table(outcome_kpis(supporting_outcome=self.outcome)),
            "social_value_measures": lambda: social_value_measures_table(self.social_value),
            "social_value_commitments": lambda: social_value_commitments_table(self.social_value),
            "contracts": lambda: tables2_download(
                SupportingOutcomeContractPerformanceTable,
                links,
                request=self.request,
                latest=latest_quarter_summaries(contracts=links.values("contract_id")),
            ),
        }

    def get_context_data(self, **kwargs):
        links = self.filterset.qs
        table = SupportingOutcomeContractPerformanceTable(
            links, latest=latest_quarter_summaries(contracts=links.values("contract_id"))
        )
        RequestConfig(self.request, paginate={"per_page": REGISTER_PAGE_SIZE}).configure(table)
        scorecard = self.scorecard
        return super().get_context_data(
            outcome=self.outcome,
            scorecard=scorecard,
            direction_rule=DIRECTION_RULE,
            filter=self.filterset,
            table=table,
            concerns=self.concerns,
            kpis=outcome_kpis(supporting_outcome=self.outcome),
            social_value=self.social_value,
            basket=outcome_measure_basket(supporting_outcome=self.outcome),
            # Social value reaches the outcome through measures, not links: marks the contracts
            # delivering it whose contract value is not attributed here.
            linked_contract_ids={r.contract.pk for r in scorecard.contracts},
            **kwargs,
        )
