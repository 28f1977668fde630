"""Provider pages and the contract forms. Thin: selectors read, services write, forms parse.

Who may do what (commissioning/roles.py): every role reads; procurement and admin maintain
providers; a commissioner adds and changes the contracts of their own directorate, admin any.
"""

import copy

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import FormView, TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from commissioning.choices import Role
from commissioning.downloads import DownloadsMixin, TableDownloadsMixin
from commissioning.permissions import RoleRequiredMixin
from contracts.choices import SME_SIZES, Location, Sector
from contracts.downloads import provider_contracts_table
from contracts.filtersets import ProviderFilterSet
from contracts.forms import ContractForm, ProviderDeleteForm, ProviderForm, apply_service_errors
from contracts.models import Contract, Provider
from contracts.selectors import contracts_of_provider, provider_get, provider_list
from contracts.services import contract_create, contract_update, provider_create, provider_delete, provider_update
from contracts.tables import ProviderTable
from contracts.views.mixins import ContractPageMixin


def _provider_or_404(pk: int) -> Provider:
    try:
        return provider_get(pk=pk)
    except Provider.DoesNotExist as exc:
        raise Http404("No provider with that number.") from exc


def _provider_counts(queryset: QuerySet[Provider]) -> dict[str, int]:
    """How many of the filtered providers are Kent-based, SMEs and VCS, in one query.

    (A read across the filtered set; a candidate for contracts.selectors once another page needs it.)
    """
    return queryset.order_by().aggregate(
        total=Count("pk", distinct=True),
        local=Count("pk", filter=Q(location=Location.LOCAL), distinct=True),
        sme=Count("pk", filter=Q(size__in=SME_SIZES), distinct=True),
        vcs=Count("pk", filter=Q(sector=Sector.VCS), distinct=True),
    )


# --- Providers -------------------------------------------------------------------------------------------


class ProviderListView(RoleRequiredMixin, TableDownloadsMixin, SingleTableMixin, FilterView):
    filterset_class = ProviderFilterSet
    table_class = ProviderTable
    table_download_name = "providers"
    template_name = "contracts/provider_list.html"
    table_pagination = {"per_page": 50}

    def get_queryset(self):
        return provider_list()

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        # Tick boxes rather than multi-selects: a multi-select needs Ctrl-click, which few people
        # know and which is hard from a keyboard or phone. (The API ignores widgets, so this
        # could equally live on the filterset.)
        for name in ("location", "size", "sector"):
            field = filterset.form.fields[name]
            field.widget = forms.CheckboxSelectMultiple(choices=field.choices)
        return filterset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["counts"] = _provider_counts(self.object_list)
        context["can_add"] = self.request.user.has_perm("contracts.add_provider")
        return context


class ProviderDetailView(RoleRequiredMixin, DownloadsMixin, TemplateView):
    template_name = "contracts/provider_detail.html"

    def get_downloads(self):
        def contracts():
            provider = _provider_or_404(self.kwargs["pk"])
            return provider_contracts_table(contracts_of_provider(provider=provider), provider_name=provider.name)

        return {"contracts": contracts}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        provider = _provider_or_404(self.kwargs["pk"])
        user = self.request.user
        context.update(
            provider=provider,
            contracts=contracts_of_provider(provider=provider),
            can_change=user.has_perm("contracts.change_provider"),
            can_delete=user.has_perm("contracts.delete_provider"),
        )
        return context


class ProviderCreateView(RoleRequiredMixin, FormView):
    permission_required = "contracts.add_provider"
    form_class = ProviderForm
    template_name = "contracts/provider_form.html"

    def form_valid(self, form):
        try:
            provider = provider_create(
                actor=self.request.user, reason=form.cleaned_data["reason"] or "Provider added", **form.service_data()
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"{provider.name} added. Its location, size and sector are shown below.")
        return redirect("contracts:provider_detail", pk=provider.pk)


class _ProviderObjectMixin:
    """Loads the provider after the role checks, so someone without the right is refused before any lookup."""

    def get(self, request, *args, **kwargs):
        self.provider = _provider_or_404(kwargs["pk"])
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.provider = _provider_or_404(kwargs["pk"])
        return super().post(request, *args, **kwargs)


class ProviderUpdateView(RoleRequiredMixin, _ProviderObjectMixin, FormView):
    permission_required = "contracts.change_provider"
    form_class = ProviderForm
    template_name = "contracts/provider_form.html"

    def get_initial(self):
        return ProviderForm.initial_for(self.provider)

    def get_context_data(self, **kwargs):
        return super().get_context_data(provider=self.provider, **kwargs)

    def form_valid(self, form):
        # The service changes the instance it is given; a copy keeps the page's heading as it was
        # if the change is refused.
        working = copy.copy(self.provider)
        try:
            provider = provider_update(
                provider=working,
                data=form.service_data(),
                actor=self.request.user,
                reason=form.cleaned_data["reason"] or "Provider changed",
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"{provider.name} saved.")
        return redirect("contracts:provider_detail", pk=provider.pk)


class ProviderDeleteView(RoleRequiredMixin, _ProviderObjectMixin, FormView):
    """Asks before deleting; a provider holding contracts is never deleted, and the page says how many."""

    permission_required = "contracts.delete_provider"
    form_class = ProviderDeleteForm
    template_name = "contracts/provider_confirm_delete.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(provider=self.provider, **kwargs)
        count = self.provider.contract_count
        if count and "refusal" not in context:
            noun = "contract" if count == 1 else "contracts"
            context["refusal"] = (
                f"{self.provider.name} cannot be deleted: it holds {count} {noun}. "
                "Move the contracts to another provider first."
            )
        return context

    def form_valid(self, form):
        name = self.provider.name
        try:
            provider_delete(provider=self.provider, actor=self.request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            return self.render_to_response(self.get_context_data(form=form, refusal=" ".join(exc.messages)))
        messages.success(self.request, f"{name} deleted.")
        return HttpResponseRedirect(reverse("contracts:provider_list"))


# --- Contracts -------------------------------------------------------------------------------------------


def _contract_detail_url(contract: Contract) -> str:
    return reverse("outcomes_link:contract_detail", kwargs={"pk": contract.pk})


class _ContractFormView(RoleRequiredMixin, FormView):
    form_class = ContractForm
    template_name = "contracts/contract_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}


class ContractCreateView(_ContractFormView):
    permission_required = "contracts.add_contract"

    def get(self, request, *args, **kwargs):
        self._check_scope()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self._check_scope()
        return super().post(request, *args, **kwargs)

    def _check_scope(self) -> None:
        user = self.request.user
        if not user.has_role(Role.ADMIN) and not user.directorate_id:
            raise PermissionDenied("Your account has no directorate. Ask an administrator to set it.")

    def form_valid(self, form):
        try:
            contract = contract_create(
                actor=self.request.user, reason=form.cleaned_data["reason"] or "Contract added", **form.service_data()
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Contract {contract.reference} added.")
        return HttpResponseRedirect(_contract_detail_url(contract))


class ContractUpdateView(ContractPageMixin, _ContractFormView):
    permission_required = "contracts.change_contract"
    write_scope = True

    def get_initial(self):
        return ContractForm.initial_for(self.contract)

    def get_context_data(self, **kwargs):
        return super().get_context_data(contract=self.contract, **kwargs)

    def form_valid(self, form):
        working = copy.copy(self.contract)
        try:
            contract = contract_update(
                contract=working,
                data=form.service_data(),
                actor=self.request.user,
                reason=form.cleaned_data["reason"] or "Contract changed",
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Contract {contract.reference} saved.")
        return HttpResponseRedirect(_contract_detail_url(contract))
