"""Filters for providers and contracts, shared by the API and the HTML list pages."""

import django_filters
from django.db.models import Q

from commissioning.models import Directorate, User
from contracts.choices import ContractCategory, ContractStatus, LegalForm, Location, Sector, SizeBand
from contracts.models import Contract, Provider
from contracts.selectors import ending_soon_q


class ProviderFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    location = django_filters.MultipleChoiceFilter(choices=Location.choices, label="Location")
    size = django_filters.MultipleChoiceFilter(choices=SizeBand.choices, label="Size")
    sector = django_filters.MultipleChoiceFilter(choices=Sector.choices, label="Sector")
    legal_form = django_filters.ChoiceFilter(choices=LegalForm.choices, label="Legal form", empty_label="Any")

    class Meta:
        model = Provider
        fields = ["q", "location", "size", "sector", "legal_form"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value)
            | Q(companies_house_number__iexact=value)
            | Q(charity_number__iexact=value)
            | Q(postcode__istartswith=value)
            | Q(town__icontains=value)
        )


class ContractFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search", label="Search", help_text="Reference, title, description or provider"
    )
    directorate_id = django_filters.ModelChoiceFilter(
        field_name="directorate",
        queryset=Directorate.objects.all(),
        label="Directorate",
        empty_label="All directorates",
    )
    provider_id = django_filters.ModelChoiceFilter(
        field_name="provider", queryset=Provider.objects.all(), label="Provider", empty_label="All providers"
    )
    commissioner_id = django_filters.ModelChoiceFilter(
        field_name="commissioner", queryset=User.objects.all(), label="Commissioner", empty_label="Anyone"
    )
    status = django_filters.MultipleChoiceFilter(choices=ContractStatus.choices, label="Status")
    category = django_filters.ChoiceFilter(
        choices=ContractCategory.choices, label="Category", empty_label="All categories"
    )
    annual_value_min = django_filters.NumberFilter(
        field_name="annual_value", lookup_expr="gte", label="Annual value from (£)"
    )
    annual_value_max = django_filters.NumberFilter(
        field_name="annual_value", lookup_expr="lte", label="Annual value up to (£)"
    )
    ending_before = django_filters.DateFilter(
        field_name="current_end_date",
        lookup_expr="lte",
        label="Ending on or before",
        help_text="For example, 31/3/2027",
    )
    ending_soon = django_filters.BooleanFilter(method="filter_ending_soon", label="Ending within 6 months")

    class Meta:
        model = Contract
        fields = [
            "q",
            "directorate_id",
            "provider_id",
            "commissioner_id",
            "status",
            "category",
            "annual_value_min",
            "annual_value_max",
            "ending_before",
            "ending_soon",
        ]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(reference__icontains=value)
            | Q(title__icontains=value)
            | Q(description__icontains=value)
            | Q(provider__name__icontains=value)
        )

    def filter_ending_soon(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(ending_soon_q()) if value else queryset.exclude(ending_soon_q())
