"""Filters for the golden thread, shared by the API and the HTML pages."""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q

from commissioning.models import Directorate, StrategicOutcome, SupportingOutcome
from commissioning.selectors import commissioner_list
from contracts.choices import ContractStatus
from contracts.filtersets import ContractFilterSet
from contracts.models import Contract
from outcomes_link.models import OutcomeLink


class ContractRegisterFilterSet(ContractFilterSet):
    """The contract register's filters: the contract's own, plus the outcomes it serves."""

    supporting_outcome_id = django_filters.ModelChoiceFilter(
        queryset=SupportingOutcome.objects.filter(framework__is_default=True).order_by("order"),
        method="filter_supporting_outcome",
        label="Supporting outcome",
        empty_label="Any outcome",
    )
    strategic_outcome_id = django_filters.ModelChoiceFilter(
        queryset=StrategicOutcome.objects.filter(framework__is_default=True).order_by("order"),
        method="filter_strategic_outcome",
        label="Strategic outcome",
        empty_label="Any strategic outcome",
    )
    linked = django_filters.BooleanFilter(method="filter_linked", label="Linked to an outcome")

    class Meta(ContractFilterSet.Meta):
        model = Contract
        fields = [*ContractFilterSet.Meta.fields, "supporting_outcome_id", "strategic_outcome_id", "linked"]

    def filter_supporting_outcome(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(Exists(OutcomeLink.objects.filter(contract=OuterRef("pk"), supporting_outcome=value)))

    def filter_strategic_outcome(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(
            Exists(OutcomeLink.objects.filter(contract=OuterRef("pk"), supporting_outcome__strategic_outcome=value))
        )

    def filter_linked(self, queryset, name, value):
        if value is None:
            return queryset
        linked = Exists(OutcomeLink.objects.filter(contract=OuterRef("pk")))
        return queryset.filter(linked) if value else queryset.exclude(linked)


class OutcomeLinkFilterSet(django_filters.FilterSet):
    contract_id = django_filters.ModelChoiceFilter(
        field_name="contract", queryset=Contract.objects.all(), label="Contract"
    )
    supporting_outcome_id = django_filters.ModelChoiceFilter(
        field_name="supporting_outcome", queryset=SupportingOutcome.objects.all(), label="Supporting outcome"
    )
    strategic_outcome_id = django_filters.ModelChoiceFilter(
        field_name="supporting_outcome__strategic_outcome",
        queryset=StrategicOutcome.objects.all(),
        label="Strategic outcome",
    )
    directorate_id = django_filters.ModelChoiceFilter(
        field_name="contract__directorate", queryset=Directorate.objects.all(), label="Directorate"
    )
    contract_status = django_filters.CharFilter(field_name="contract__status", label="Contract status")
    is_primary = django_filters.BooleanFilter(label="Primary outcome")

    class Meta:
        model = OutcomeLink
        fields = [
            "contract_id",
            "supporting_outcome_id",
            "strategic_outcome_id",
            "directorate_id",
            "contract_status",
            "is_primary",
        ]


# --- Page variants: the same filters, with widgets that read well as a GOV.UK form ---

_YES_NO_ANY = [("", "Any"), ("true", "Yes"), ("false", "No")]


class ContractRegisterPageFilterSet(ContractRegisterFilterSet):
    """The register page's filters: status as checkboxes, yes/no questions as plain selects,
    and only commissioners offered as commissioners."""

    status = django_filters.MultipleChoiceFilter(
        choices=ContractStatus.choices, label="Status", widget=forms.CheckboxSelectMultiple
    )
    commissioner_id = django_filters.ModelChoiceFilter(
        field_name="commissioner", queryset=commissioner_list(), label="Commissioner", empty_label="Anyone"
    )
    ending_soon = django_filters.BooleanFilter(
        method="filter_ending_soon", label="Ending within 6 months", widget=forms.Select(choices=_YES_NO_ANY)
    )
    linked = django_filters.BooleanFilter(
        method="filter_linked", label="Linked to an outcome", widget=forms.Select(choices=_YES_NO_ANY)
    )


class SupportingOutcomeContractFilterSet(django_filters.FilterSet):
    """Filters for the contracts of one supporting outcome (its links)."""

    q = django_filters.CharFilter(method="search", label="Search", help_text="Reference, title or provider")
    directorate_id = django_filters.ModelChoiceFilter(
        field_name="contract__directorate",
        queryset=Directorate.objects.order_by("order", "name"),
        label="Directorate",
        empty_label="All directorates",
    )
    status = django_filters.MultipleChoiceFilter(
        field_name="contract__status",
        choices=ContractStatus.choices,
        label="Status",
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = OutcomeLink
        fields = ["q", "directorate_id", "status"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(contract__reference__icontains=value)
            | Q(contract__title__icontains=value)
            | Q(contract__provider__name__icontains=value)
        )


class RAGMatrixFilterSet(ContractRegisterFilterSet):
    """The RAG matrix's filters: the register's, narrowed to search, directorate and outcome."""

    directorate_id = django_filters.ModelChoiceFilter(
        field_name="directorate",
        queryset=Directorate.objects.order_by("order", "name"),
        label="Directorate",
        empty_label="All directorates",
    )
    # Not offered on the matrix: it reads across contracts by outcome and directorate.
    provider_id = None
    commissioner_id = None
    status = None
    category = None
    annual_value_min = None
    annual_value_max = None
    ending_before = None
    ending_soon = None
    linked = None

    class Meta(ContractRegisterFilterSet.Meta):
        fields = ["q", "directorate_id", "supporting_outcome_id", "strategic_outcome_id"]
