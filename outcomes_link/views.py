"""Pages of the golden thread: home, outcomes, the contract register and each contract's thread.

Thin: selectors read, services write, forms parse. Every page needs a role (RoleRequiredMixin);
the one write here (a contract's links) needs the link permission and the contract's
directorate (commissioning.permissions.can_write_in_directorate), checked on GET and POST.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.views.generic import TemplateView
from django_tables2 import RequestConfig

from commissioning import as_at
from commissioning.choices import Role
from commissioning.permissions import RoleRequiredMixin, can_write_in_directorate
from commissioning.selectors import supporting_outcome_get
from contracts.models import Contract
from contracts.selectors import contract_get, contract_spend, contract_totals, contracts_ending_soon, recent_quarters
from outcomes_link.filtersets import (
    ContractRegisterPageFilterSet,
    RAGMatrixFilterSet,
    SupportingOutcomeContractFilterSet,
)
from outcomes_link.forms import ChangeReasonForm, OutcomeLinkFormSet, supporting_outcome_choices
from outcomes_link.selectors import (
    MATRIX_QUARTERS,
    contract_performance_overview,
    contract_recent_changes,
    contract_register_with_outcomes,
    contract_thread,
    contracts_with_kpis,
    contracts_without_links,
    home_performance,
    latest_quarter_summaries,
    outcome_kpis,
    outcome_open_concerns,
    outcome_overview,
    provider_figures,
    rag_matrix_rows,
    strategic_outcome_contracts,
    strategic_outcome_detail,
    supporting_outcome_figures,
    supporting_outcome_links,
    supporting_outcomes_for_choice,
)
from outcomes_link.services import contract_outcome_links_set
from outcomes_link.tables import (
    ContractPerformanceTable,
    ContractRegisterTable,
    SupportingOutcomeContractPerformanceTable,
)
from social_value.selectors import outcome_social_value, strategic_outcome_social_value

REGISTER_PAGE_SIZE = 50
# The home page shows a short list; the register (linked from it) shows the rest.
HOME_LIST_LIMIT = 10


def _contract_or_404(pk: int) -> Contract:
    try:
        return contract_get(pk=pk)
    except Contract.DoesNotExist as exc:
        raise Http404("No contract with that number.") from exc


def _can_edit_contract(user, contract: Contract) -> bool:
    return can_write_in_directorate(user, contract.directorate_id) and user.has_perm("contracts.change_contract")


def _can_edit_links(user, contract: Contract) -> bool:
    return can_write_in_directorate(user, contract.directorate_id) and user.has_perm("outcomes_link.change_outcomelink")


class HomeView(RoleRequiredMixin, TemplateView):
    """What Golden Thread is for, and what each role should look at next."""

    template_name = "outcomes_link/home.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        context = super().get_context_data(**kwargs)
        is_admin = user.has_role(Role.ADMIN)
        if user.has_role(Role.COMMISSIONER) and user.directorate_id:
            d = user.directorate_id
            context["directorate"] = user.directorate
            context["ending_soon"] = list(contracts_ending_soon(directorate_id=d)[: HOME_LIST_LIMIT + 1])
            context["unlinked"] = list(contracts_without_links(directorate_id=d)[: HOME_LIST_LIMIT + 1])
            context["list_limit"] = HOME_LIST_LIMIT
            context["performance"] = home_performance(directorate_id=d, limit=HOME_LIST_LIMIT)
            context["can_enter_returns"] = user.has_perm("contracts.change_kpireturn")
            context["overdue_days"] = settings.KPI_RETURN_OVERDUE_DAYS
        elif user.has_role(Role.COMMISSIONER):
            context["commissioner_without_directorate"] = True
        if "performance" not in context:
            context["performance"] = home_performance()
        if is_admin:
            context["all_ending_soon_count"] = contracts_ending_soon().count()
        if is_admin or user.has_role(Role.MEMBER):
            context["overview"] = outcome_overview()
        if is_admin or user.has_role(Role.PROCUREMENT):
            context["providers"] = provider_figures()
        return context


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


class ContractListView(RoleRequiredMixin, TemplateView):
    """The contract register: every contract, filterable, sortable, 50 a page, with totals of the filtered set."""

    template_name = "outcomes_link/contract_list.html"

    def get_context_data(self, **kwargs):
        filterset = ContractRegisterPageFilterSet(self.request.GET or None, queryset=contract_register_with_outcomes())
        contracts = filterset.qs
        table = ContractRegisterTable(contracts)
        RequestConfig(self.request, paginate={"per_page": REGISTER_PAGE_SIZE}).configure(table)
        return super().get_context_data(
            filter=filterset,
            table=table,
            totals=contract_totals(contracts),
            can_add=self.request.user.has_perm("contracts.add_contract"),
            **kwargs,
        )


class ContractDetailView(RoleRequiredMixin, TemplateView):
    """A contract's details and its golden thread up to the strategic outcomes and the vision."""

    template_name = "outcomes_link/contract_detail.html"

    def get_context_data(self, **kwargs):
        # Imported here so that this page's social value section stays one small, separate addition.
        from social_value.selectors.commitments import contract_social_value

        contract = _contract_or_404(self.kwargs["pk"])
        user = self.request.user
        _, social_value = contract_social_value(contract=contract, on=as_at.today())
        return super().get_context_data(
            contract=contract,
            links=list(contract_thread(contract=contract)),
            changes=contract_recent_changes(contract=contract),
            performance=contract_performance_overview(contract=contract),
            spend=contract_spend(contract=contract),
            social_value=social_value,
            can_edit_contract=_can_edit_contract(user, contract),
            can_edit_links=_can_edit_links(user, contract),
            **kwargs,
        )


class RAGMatrixView(RoleRequiredMixin, TemplateView):
    """Contracts × the last 8 ended quarters, each cell the contract's stored quarter summary; 50 contracts a page."""

    template_name = "outcomes_link/rag_matrix.html"
    paginate_by = 50

    def get_context_data(self, **kwargs):
        filterset = RAGMatrixFilterSet(self.request.GET or None, queryset=contracts_with_kpis())
        ids = filterset.qs.order_by("reference").values_list("pk", flat=True)
        page = Paginator(ids, self.paginate_by).get_page(self.request.GET.get("page"))
        quarters = recent_quarters(count=MATRIX_QUARTERS, today=as_at.today())
        return super().get_context_data(
            filter=filterset,
            page=page,
            quarters=quarters,
            rows=rag_matrix_rows(contract_ids=list(page.object_list), quarters=quarters),
            **kwargs,
        )


class ContractOutcomesView(RoleRequiredMixin, TemplateView):
    """Edit all of a contract's links at once; saved through contract_outcome_links_set."""

    template_name = "outcomes_link/contract_outcomes.html"
    permission_required = "outcomes_link.change_outcomelink"
    prefix = "links"

    def _load(self) -> None:
        self.contract = _contract_or_404(self.kwargs["pk"])
        # Checked on showing the form too, so nobody fills in a form they can never save.
        if not can_write_in_directorate(self.request.user, self.contract.directorate_id):
            raise PermissionDenied("You can only change the outcomes of your own directorate's contracts.")
        outcomes = list(supporting_outcomes_for_choice())
        self.form_kwargs = {
            "outcome_choices": supporting_outcome_choices(outcomes),
            "outcomes_by_pk": {o.pk: o for o in outcomes},
        }

    def _initial(self) -> list[dict]:
        return [
            {
                "supporting_outcome": link.supporting_outcome_id,
                "contribution_share": link.contribution_share,
                "is_primary": link.is_primary,
                "rationale": link.rationale,
            }
            for link in contract_thread(contract=self.contract)
        ]

    def get(self, request, *args, **kwargs):
        self._load()
        formset = OutcomeLinkFormSet(initial=self._initial(), prefix=self.prefix, form_kwargs=self.form_kwargs)
        return self.render_to_response(self.get_context_data(formset=formset, reason_form=ChangeReasonForm()))

    def post(self, request, *args, **kwargs):
        self._load()
        formset = OutcomeLinkFormSet(
            request.POST, initial=self._initial(), prefix=self.prefix, form_kwargs=self.form_kwargs
        )
        reason_form = ChangeReasonForm(request.POST)
        if formset.is_valid() and reason_form.is_valid():
            links = [
                form.cleaned_data for form in formset.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")
            ]
            try:
                contract_outcome_links_set(
                    contract=self.contract,
                    links=links,
                    actor=request.user,
                    reason=reason_form.cleaned_data["reason"] or "Outcome links changed",
                )
            except ValidationError as exc:
                # Rules across rows (total 100%, one primary, each outcome once) are the service's.
                formset.non_form_errors().extend(exc.messages)
            else:
                messages.success(request, f"Outcomes of {self.contract.reference} saved.")
                return HttpResponseRedirect(reverse("outcomes_link:contract_detail", kwargs={"pk": self.contract.pk}))
        return self.render_to_response(self.get_context_data(formset=formset, reason_form=reason_form))

    def get_context_data(self, **kwargs):
        return super().get_context_data(contract=self.contract, **kwargs)
