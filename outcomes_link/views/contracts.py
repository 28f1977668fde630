"""The contract register, each contract's page and its golden thread, and editing its outcome links."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.views.generic import TemplateView
from django_tables2 import RequestConfig

from commissioning import as_at
from commissioning.downloads import DownloadsMixin, tables2_download
from commissioning.permissions import RoleRequiredMixin, can_write_in_directorate
from contracts.selectors import contract_spend, contract_totals, variations_of_contract
from outcomes_link.filtersets import (
    ContractRegisterPageFilterSet,
)
from outcomes_link.forms import ChangeReasonForm, OutcomeLinkFormSet, supporting_outcome_choices
from outcomes_link.selectors import (
    contract_performance_overview,
    contract_recent_changes,
    contract_register_with_outcomes,
    contract_thread,
    supporting_outcomes_for_choice,
)
from outcomes_link.services import contract_outcome_links_set
from outcomes_link.tables import (
    ContractRegisterTable,
)
from outcomes_link.views.shared import (
    REGISTER_PAGE_SIZE,
    can_edit_contract,
    can_edit_links,
    contract_or_404,
)


class ContractListView(RoleRequiredMixin, DownloadsMixin, TemplateView):
    """The contract register: every contract, filterable, sortable, 50 a page, with totals of the filtered set.
    The download has every contract the filters select, in the page's order."""

    template_name = "outcomes_link/contract_list.html"

    def filtered(self):
        return ContractRegisterPageFilterSet(self.request.GET or None, queryset=contract_register_with_outcomes())

    def get_downloads(self):
        return {"contracts": lambda: tables2_download(ContractRegisterTable, self.filtered().qs, request=self.request)}

    def get_context_data(self, **kwargs):
        filterset = self.filtered()
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

        contract = contract_or_404(self.kwargs["pk"])
        user = self.request.user
        _, social_value = contract_social_value(contract=contract, on=as_at.today())
        return super().get_context_data(
            contract=contract,
            links=list(contract_thread(contract=contract)),
            changes=contract_recent_changes(contract=contract),
            performance=contract_performance_overview(contract=contract),
            spend=contract_spend(contract=contract),
            social_value=social_value,
            variations=list(variations_of_contract(contract=contract)),
            can_edit_contract=can_edit_contract(user, contract),
            can_edit_links=can_edit_links(user, contract),
            **kwargs,
        )


class ContractOutcomesView(RoleRequiredMixin, TemplateView):
    """Edit all of a contract's links at once; saved through contract_outcome_links_set."""

    template_name = "outcomes_link/contract_outcomes.html"
    permission_required = "outcomes_link.change_outcomelink"
    prefix = "links"

    def _load(self) -> None:
        self.contract = contract_or_404(self.kwargs["pk"])
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
