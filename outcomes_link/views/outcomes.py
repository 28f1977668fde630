"""The outcomes framework pages: the list, each strategic outcome and each supporting outcome."""

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from django.views.generic import TemplateView
from django_tables2 import RequestConfig

from commissioning import as_at
from commissioning.permissions import RoleRequiredMixin
from commissioning.selectors import supporting_outcome_get
from outcomes_link.filtersets import (
    SupportingOutcomeContractFilterSet,
)
from outcomes_link.selectors import (
    latest_quarter_summaries,
    outcome_kpis,
    outcome_open_concerns,
    outcome_overview,
    strategic_outcome_contracts,
    strategic_outcome_detail,
    supporting_outcome_figures,
    supporting_outcome_links,
)
from outcomes_link.tables import (
    ContractPerformanceTable,
    SupportingOutcomeContractPerformanceTable,
)
from outcomes_link.views.shared import (
    REGISTER_PAGE_SIZE,
)
from social_value.selectors import outcome_social_value, strategic_outcome_social_value


class OutcomeListView(RoleRequiredMixin, TemplateView):
    """The outcomes framework: strategic outcomes, their supporting outcomes, contracts and £ attributed."""

    template_name = "outcomes_link/outcome_list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(overview=outcome_overview(), **kwargs)


class StrategicOutcomeDetailView(RoleRequiredMixin, TemplateView):
    template_name = "outcomes_link/strategicoutcome_detail.html"

    def get_context_data(self, **kwargs):
        try:
            row = strategic_outcome_detail(code=self.kwargs["code"])
        except ObjectDoesNotExist as exc:
            raise Http404("No strategic outcome with that code.") from exc
        contracts = strategic_outcome_contracts(strategic_outcome=row.outcome)
        table = ContractPerformanceTable(contracts, latest=latest_quarter_summaries(contracts=contracts.values("pk")))
        RequestConfig(self.request, paginate={"per_page": REGISTER_PAGE_SIZE}).configure(table)
        return super().get_context_data(
            row=row,
            framework=row.outcome.framework,
            table=table,
            concerns=list(outcome_open_concerns(strategic_outcome=row.outcome)),
            social_value=strategic_outcome_social_value(row.outcome, on=as_at.today()),
            **kwargs,
        )


class SupportingOutcomeDetailView(RoleRequiredMixin, TemplateView):
    """One supporting outcome: its measures, figures and the contracts that deliver it."""

    template_name = "outcomes_link/supportingoutcome_detail.html"

    def get_context_data(self, **kwargs):
        try:
            outcome = supporting_outcome_get(code=self.kwargs["code"])
        except ObjectDoesNotExist as exc:
            raise Http404("No supporting outcome with that code.") from exc
        filterset = SupportingOutcomeContractFilterSet(
            self.request.GET or None, queryset=supporting_outcome_links(supporting_outcome=outcome)
        )
        links = filterset.qs
        table = SupportingOutcomeContractPerformanceTable(
            links, latest=latest_quarter_summaries(contracts=links.values("contract_id"))
        )
        RequestConfig(self.request, paginate={"per_page": REGISTER_PAGE_SIZE}).configure(table)
        return super().get_context_data(
            outcome=outcome,
            figures=supporting_outcome_figures(supporting_outcome=outcome),
            filter=filterset,
            table=table,
            concerns=list(outcome_open_concerns(supporting_outcome=outcome)),
            kpis=outcome_kpis(supporting_outcome=outcome),
            social_value=outcome_social_value(outcome, on=as_at.today()),
            # Social value reaches the outcome through measures, not links: marks the contracts
            # delivering it whose contract value is not attributed here.
            linked_contract_ids=set(
                supporting_outcome_links(supporting_outcome=outcome).values_list("contract_id", flat=True)
            ),
            **kwargs,
        )
