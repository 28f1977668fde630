"""Filters for the social value catalogue, commitments and delivery returns (issue 5), for the API and
any list page. Codes (theme, measure, supporting outcome) and contract references are matched without
regard to case; an unknown code simply matches nothing."""

import datetime

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Q

from commissioning import as_at
from commissioning.models import Directorate
from contracts.models import Contract, Provider
from social_value.models import (
    CouncilArea,
    DeliveryReturn,
    DeliveryStatus,
    MeasureUnit,
    SocialValueCommitment,
    SocialValueMeasure,
)
from social_value.rules import ProfileStatus
from social_value.selectors import commitment_progress


def _measures_serving(code: str):
    """Ids of the measures mapped to a supporting outcome with this code, as a subquery: a join
    through the mapping would repeat a row (and double the delivered sum) where two frameworks
    share a code."""
    return SocialValueMeasure.objects.filter(supporting_outcomes__code__iexact=code.strip()).values("pk")


def _directorate_filter(field_name: str) -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(
        field_name=field_name, queryset=Directorate.objects.all(), label="Directorate", empty_label="All directorates"
    )


class SocialValueMeasureFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search", help_text="Measure code or name")
    theme = django_filters.CharFilter(
        field_name="outcome__theme__code", lookup_expr="iexact", label="Theme", help_text="Theme code, e.g. SVM1"
    )
    area = django_filters.ChoiceFilter(choices=CouncilArea.choices, label="Council area", empty_label="Any area")
    unit = django_filters.ChoiceFilter(choices=MeasureUnit.choices, label="Unit", empty_label="Any unit")
    supporting_outcome = django_filters.CharFilter(
        method="filter_supporting_outcome", label="Supporting outcome", help_text="Its code, e.g. 2.2"
    )
    is_active = django_filters.BooleanFilter(label="Active")

    class Meta:
        model = SocialValueMeasure
        fields = ["q", "theme", "area", "unit", "supporting_outcome", "is_active"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(code__iexact=value) | Q(name__icontains=value))

    def filter_supporting_outcome(self, queryset, name, value):
        return queryset.filter(pk__in=_measures_serving(value)) if value.strip() else queryset


class SocialValueCommitmentFilterSet(django_filters.FilterSet):
    """`status` is computed from the straight-line profile on a day (`on`, default today), so it
    cannot be a WHERE clause: the other filters run in SQL, then one query reads the commitments
    they leave, their status is worked out in Python, and the list is narrowed to those ids. The
    number of queries stays the same whatever the number of commitments."""

    contract_id = django_filters.ModelChoiceFilter(
        field_name="contract", queryset=Contract.objects.all(), label="Contract", empty_label="All contracts"
    )
    contract = django_filters.CharFilter(
        field_name="contract__reference", lookup_expr="iexact", label="Contract reference"
    )
    measure = django_filters.CharFilter(
        field_name="measure__code", lookup_expr="iexact", label="Measure", help_text="Measure code, e.g. SV1.1.1"
    )
    theme = django_filters.CharFilter(
        field_name="measure__outcome__theme__code", lookup_expr="iexact", label="Theme", help_text="Theme code"
    )
    directorate_id = _directorate_filter("contract__directorate")
    provider_id = django_filters.ModelChoiceFilter(
        field_name="contract__provider", queryset=Provider.objects.all(), label="Provider", empty_label="All providers"
    )
    supporting_outcome = django_filters.CharFilter(
        method="filter_supporting_outcome", label="Supporting outcome", help_text="Its code, e.g. 2.2"
    )
    status = django_filters.MultipleChoiceFilter(
        choices=ProfileStatus.choices,
        method="filter_by_progress",
        label="Progress",
        help_text="Against the straight-line profile on the day `on` (default today)",
    )
    on = django_filters.DateFilter(
        method="filter_by_progress", label="Progress on", help_text="The day progress is measured on; default today"
    )
    committed_on_after = django_filters.DateFilter(
        field_name="committed_on", lookup_expr="gte", label="Committed on or after"
    )
    committed_on_before = django_filters.DateFilter(
        field_name="committed_on", lookup_expr="lte", label="Committed on or before"
    )

    class Meta:
        model = SocialValueCommitment
        fields = [
            "contract_id",
            "contract",
            "measure",
            "theme",
            "directorate_id",
            "provider_id",
            "supporting_outcome",
            "status",
            "on",
            "committed_on_after",
            "committed_on_before",
        ]

    @property
    def progress_on(self) -> datetime.date:
        """The day progress is measured on (valid only after the form is checked)."""
        return self.form.cleaned_data.get("on") or as_at.today()

    @classmethod
    def day(cls, params) -> datetime.date:
        """The day `on` in these query parameters, read as the filter reads it; today when absent
        (or not a day: the filter itself answers that with a 400)."""
        try:
            return cls.base_filters["on"].field.clean(params.get("on")) or as_at.today()
        except ValidationError:
            return as_at.today()

    def filter_supporting_outcome(self, queryset, name, value):
        return queryset.filter(measure_id__in=_measures_serving(value)) if value.strip() else queryset

    def filter_by_progress(self, queryset, name, value):
        return queryset  # applied in filter_queryset, after every other filter

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        statuses = set(self.form.cleaned_data.get("status") or ())
        if statuses:
            on = self.progress_on
            ids = [p.commitment.pk for p in commitment_progress(queryset, on=on) if p.status in statuses]
            queryset = queryset.filter(pk__in=ids)
        return queryset


class DeliveryReturnFilterSet(django_filters.FilterSet):
    commitment_id = django_filters.ModelChoiceFilter(
        field_name="commitment", queryset=SocialValueCommitment.objects.all(), label="Commitment"
    )
    contract_id = django_filters.ModelChoiceFilter(
        field_name="commitment__contract", queryset=Contract.objects.all(), label="Contract"
    )
    status = django_filters.MultipleChoiceFilter(choices=DeliveryStatus.choices, label="Status")
    directorate_id = _directorate_filter("commitment__contract__directorate")
    period_start_after = django_filters.DateFilter(
        field_name="period_start", lookup_expr="gte", label="Periods starting on or after"
    )
    period_start_before = django_filters.DateFilter(
        field_name="period_start", lookup_expr="lte", label="Periods starting on or before"
    )

    class Meta:
        model = DeliveryReturn
        fields = [
            "commitment_id",
            "contract_id",
            "status",
            "directorate_id",
            "period_start_after",
            "period_start_before",
        ]
