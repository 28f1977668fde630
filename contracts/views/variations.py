"""Contract variations (issue 7): every change to a contract's whole-life value or term, flagged where it needs a
Procurement Act 2023 contract change notice. Every role reads; variations are recorded by contract_update (the
contract form and the API) and the register and OCDS imports, never entered here."""

from django import forms
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from commissioning.downloads import TableDownloadsMixin
from commissioning.permissions import RoleRequiredMixin
from contracts.filtersets import ContractVariationFilterSet
from contracts.selectors import contract_variation_list
from contracts.tables_variations import ContractVariationTable

PER_PAGE = 50
CHANGE_NOTICE_CHOICES = [("", "Every variation"), ("true", "Needs a contract change notice"), ("false", "Not flagged")]


class ContractVariationListView(RoleRequiredMixin, TableDownloadsMixin, SingleTableMixin, FilterView):
    """Contract variations, newest first, 50 a page; filter to those that need a contract change notice."""

    filterset_class = ContractVariationFilterSet
    table_class = ContractVariationTable
    template_name = "contracts/variation_list.html"
    table_pagination = {"per_page": PER_PAGE}
    table_download_name = "variations"

    def get_queryset(self):
        return contract_variation_list()

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        field = filterset.form.fields["needs_change_notice"]
        field.widget = forms.Select(choices=CHANGE_NOTICE_CHOICES)
        return filterset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["count"] = context["table"].paginator.count
        return context
