"""Filters for providers, contracts, performance and spend lines, shared by the API and the HTML list pages."""

import datetime

import django_filters
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Replace, Upper

from commissioning.filtersets import all_words, search_words
from commissioning.models import Directorate, SupportingOutcome, User
from contracts.choices import (
    RAG,
    AssessmentStatus,
    ContractCategory,
    ContractStatus,
    DeductionStatus,
    Frequency,
    LegalForm,
    Location,
    ReturnStatus,
    Sector,
    SizeBand,
)
from contracts.models import (
    KPI,
    Contract,
    ContractPeriodSummary,
    ContractVariation,
    Deduction,
    KPIReturn,
    PerformanceAssessment,
    PerformanceConcern,
    Provider,
    SpendLine,
    SpendPublisher,
)
from contracts.models.spend import CapitalRevenue
from contracts.periods import financial_year_label, financial_year_of, financial_year_start
from contracts.selectors import ending_soon_q


def provider_search(queryset: QuerySet[Provider], words: list[str]) -> QuerySet[Provider]:
    """Providers whose name, town or postcode holds every word, or whose Companies House or charity
    number is one of them. A postcode also matches without its space (ME141XX finds ME14 1XX)."""
    if not words:
        return queryset
    return queryset.annotate(postcode_compact=Replace(Upper("postcode"), Value(" "), Value(""))).filter(
        all_words(words, ["name", "town", "postcode_compact"], exact=("companies_house_number", "charity_number"))
    )


def contract_search(queryset: QuerySet[Contract], words: list[str]) -> QuerySet[Contract]:
    """Contracts whose reference, title, description or provider's name holds every word."""
    return queryset.filter(all_words(words, ["reference", "title", "description", "provider__name"]))


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
        return provider_search(queryset, search_words(value))


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
        return contract_search(queryset, search_words(value))

    def filter_ending_soon(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(ending_soon_q()) if value else queryset.exclude(ending_soon_q())


# --- Contract performance (issue 3) -----------------------------------------------------------


def _directorate_filter(field_name: str) -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(
        field_name=field_name, queryset=Directorate.objects.all(), label="Directorate", empty_label="All directorates"
    )


def _contract_filter() -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(
        field_name="contract", queryset=Contract.objects.all(), label="Contract", empty_label="All contracts"
    )


class KPIFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search", help_text="KPI code or name, or contract reference")
    contract_id = _contract_filter()
    directorate_id = _directorate_filter("contract__directorate")
    supporting_outcome_id = django_filters.ModelChoiceFilter(
        field_name="supporting_outcome",
        queryset=SupportingOutcome.objects.all(),
        label="Supporting outcome evidenced",
        empty_label="Any outcome",
    )
    frequency = django_filters.ChoiceFilter(choices=Frequency.choices, label="Frequency", empty_label="Any")
    is_key = django_filters.BooleanFilter(label="Key performance indicator")
    is_active = django_filters.BooleanFilter(label="Active")

    class Meta:
        model = KPI
        fields = ["q", "contract_id", "directorate_id", "supporting_outcome_id", "frequency", "is_key", "is_active"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__iexact=value) | Q(name__icontains=value) | Q(contract__reference__icontains=value)
        )


class KPIReturnFilterSet(django_filters.FilterSet):
    contract_id = _contract_filter()
    kpi_id = django_filters.ModelChoiceFilter(field_name="kpi", queryset=KPI.objects.all(), label="KPI")
    directorate_id = _directorate_filter("contract__directorate")
    status = django_filters.MultipleChoiceFilter(choices=ReturnStatus.choices, label="Status")
    rag = django_filters.MultipleChoiceFilter(choices=RAG.choices, label="RAG")
    financial_year = django_filters.NumberFilter(label="Financial year", help_text="Year it starts: 2025 for 2025-26")
    period_start_after = django_filters.DateFilter(
        field_name="period_start", lookup_expr="gte", label="Periods starting on or after"
    )
    period_start_before = django_filters.DateFilter(
        field_name="period_start", lookup_expr="lte", label="Periods starting on or before"
    )

    class Meta:
        model = KPIReturn
        fields = [
            "contract_id",
            "kpi_id",
            "directorate_id",
            "status",
            "rag",
            "financial_year",
            "period_start_after",
            "period_start_before",
        ]


class PerformanceConcernFilterSet(django_filters.FilterSet):
    contract_id = _contract_filter()
    directorate_id = _directorate_filter("contract__directorate")
    commissioner_id = django_filters.ModelChoiceFilter(
        field_name="contract__commissioner", queryset=User.objects.all(), label="Commissioner", empty_label="Anyone"
    )
    is_open = django_filters.BooleanFilter(field_name="resolved_at", lookup_expr="isnull", label="Open")

    class Meta:
        model = PerformanceConcern
        fields = ["contract_id", "directorate_id", "commissioner_id", "is_open"]


class DeductionFilterSet(django_filters.FilterSet):
    contract_id = _contract_filter()
    provider_id = django_filters.ModelChoiceFilter(
        field_name="contract__provider", queryset=Provider.objects.all(), label="Provider", empty_label="All providers"
    )
    directorate_id = _directorate_filter("contract__directorate")
    financial_year = django_filters.NumberFilter(label="Financial year", help_text="Year it starts: 2025 for 2025-26")
    status = django_filters.MultipleChoiceFilter(choices=DeductionStatus.choices, label="Status")

    class Meta:
        model = Deduction
        fields = ["contract_id", "provider_id", "directorate_id", "financial_year", "status"]


class PerformanceAssessmentFilterSet(django_filters.FilterSet):
    contract_id = _contract_filter()
    directorate_id = _directorate_filter("contract__directorate")
    status = django_filters.ChoiceFilter(choices=AssessmentStatus.choices, label="Status", empty_label="Any")
    period_end_after = django_filters.DateFilter(field_name="period_end", lookup_expr="gte", label="Ending on or after")
    period_end_before = django_filters.DateFilter(
        field_name="period_end", lookup_expr="lte", label="Ending on or before"
    )

    class Meta:
        model = PerformanceAssessment
        fields = ["contract_id", "directorate_id", "status", "period_end_after", "period_end_before"]


class ContractPeriodSummaryFilterSet(django_filters.FilterSet):
    contract_id = _contract_filter()
    directorate_id = _directorate_filter("contract__directorate")
    financial_year = django_filters.NumberFilter(label="Financial year", help_text="Year it starts: 2025 for 2025-26")
    rag = django_filters.MultipleChoiceFilter(choices=RAG.choices, label="RAG")
    period_start_after = django_filters.DateFilter(
        field_name="period_start", lookup_expr="gte", label="Quarters starting on or after"
    )
    period_start_before = django_filters.DateFilter(
        field_name="period_start", lookup_expr="lte", label="Quarters starting on or before"
    )

    class Meta:
        model = ContractPeriodSummary
        fields = ["contract_id", "directorate_id", "financial_year", "rag", "period_start_after", "period_start_before"]


def _financial_year_choices() -> list[tuple[str, str]]:
    # The council's financial years with spend published under the Transparency Code (2010 on).
    last = financial_year_of(datetime.date.today())
    return [(str(year), financial_year_label(year)) for year in range(last, 2009, -1)]


class SpendLineFilterSet(django_filters.FilterSet):
    """Filters for spend lines, shared by the spend line list, the local spend report and the API."""

    q = django_filters.CharFilter(method="search", label="Supplier", help_text="Supplier name or transaction number")
    date_after = django_filters.DateFilter(field_name="payment_date", lookup_expr="gte", label="Paid on or after")
    date_before = django_filters.DateFilter(field_name="payment_date", lookup_expr="lte", label="Paid on or before")
    financial_year = django_filters.ChoiceFilter(
        choices=_financial_year_choices, method="filter_financial_year", label="Financial year", empty_label="Any"
    )
    publisher_id = django_filters.ModelChoiceFilter(
        field_name="publisher", queryset=SpendPublisher.objects.all(), label="Publisher", empty_label="Any"
    )
    service_area = django_filters.CharFilter(label="Service area or directorate")
    expense_type = django_filters.CharFilter(label="Expense type")
    capital_revenue = django_filters.ChoiceFilter(
        choices=[c for c in CapitalRevenue.choices if c[0]], label="Capital or revenue", empty_label="Any"
    )
    provider_id = django_filters.NumberFilter(field_name="provider_id", label="Provider")
    contract_id = django_filters.NumberFilter(field_name="contract_id", label="Contract")
    spend_import_id = django_filters.NumberFilter(field_name="spend_import_id", label="Import")
    supplier = django_filters.CharFilter(field_name="normalised_supplier", label="Supplier (as matched)")
    matched = django_filters.BooleanFilter(method="filter_matched", label="Matched to a provider")
    redacted = django_filters.BooleanFilter(label="Redacted")
    location = django_filters.ChoiceFilter(
        choices=Location.choices, method="filter_location", label="Location", empty_label="Any"
    )

    class Meta:
        model = SpendLine
        fields = [
            "q",
            "date_after",
            "date_before",
            "financial_year",
            "publisher_id",
            "service_area",
            "expense_type",
            "capital_revenue",
            "location",
            "matched",
            "redacted",
            "provider_id",
            "contract_id",
            "spend_import_id",
            "supplier",
        ]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(supplier_name__icontains=value) | Q(transaction_number=value))

    def filter_financial_year(self, queryset, name, value: int):
        start = financial_year_start(int(value))
        return queryset.filter(payment_date__gte=start, payment_date__lt=start.replace(year=start.year + 1))

    def filter_matched(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(provider__isnull=not value)

    def filter_location(self, queryset, name, value):
        # Unknown covers unmatched suppliers too: a supplier with no provider has no known location.
        if value == Location.UNKNOWN:
            return queryset.filter(redacted=False).filter(
                Q(provider__isnull=True) | Q(provider__location=Location.UNKNOWN)
            )
        return queryset.filter(provider__location=value)


# --- Contract variations (issue 7) -------------------------------------------------------------------


class ContractVariationFilterSet(django_filters.FilterSet):
    contract_id = _contract_filter()
    directorate_id = _directorate_filter("contract__directorate")
    needs_change_notice = django_filters.BooleanFilter(
        label="Needs a contract change notice", help_text="Changes the value or term by more than 10%"
    )
    varied_on_after = django_filters.DateFilter(field_name="varied_on", lookup_expr="gte", label="Varied on or after")
    varied_on_before = django_filters.DateFilter(field_name="varied_on", lookup_expr="lte", label="Varied on or before")

    class Meta:
        model = ContractVariation
        fields = ["contract_id", "directorate_id", "needs_change_notice", "varied_on_after", "varied_on_before"]
