"""Filters for the commissioning framework, directorates and people, shared by the API and pages."""

import django_filters
from django.db.models import Q

from commissioning.choices import Role
from commissioning.models import (
    Directorate,
    Framework,
    OutcomeMeasure,
    StrategicOutcome,
    SuggestedMeasure,
    SupportingOutcome,
    User,
)


class FrameworkFilterSet(django_filters.FilterSet):
    slug = django_filters.CharFilter(label="Slug")
    is_default = django_filters.BooleanFilter(label="Default framework")

    class Meta:
        model = Framework
        fields = ["slug", "is_default"]


class StrategicOutcomeFilterSet(django_filters.FilterSet):
    framework_id = django_filters.ModelChoiceFilter(
        field_name="framework", queryset=Framework.objects.all(), label="Framework"
    )
    code = django_filters.CharFilter(label="Code")

    class Meta:
        model = StrategicOutcome
        fields = ["framework_id", "code"]


class SupportingOutcomeFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search", help_text="Code or title")
    framework_id = django_filters.ModelChoiceFilter(
        field_name="framework", queryset=Framework.objects.all(), label="Framework"
    )
    strategic_outcome_id = django_filters.ModelChoiceFilter(
        field_name="strategic_outcome", queryset=StrategicOutcome.objects.all(), label="Strategic outcome"
    )
    code = django_filters.CharFilter(label="Code")

    class Meta:
        model = SupportingOutcome
        fields = ["q", "framework_id", "strategic_outcome_id", "code"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(code__iexact=value) | Q(title__icontains=value)) if value else queryset


class SuggestedMeasureFilterSet(django_filters.FilterSet):
    supporting_outcome_id = django_filters.ModelChoiceFilter(
        field_name="supporting_outcome", queryset=SupportingOutcome.objects.all(), label="Supporting outcome"
    )

    class Meta:
        model = SuggestedMeasure
        fields = ["supporting_outcome_id"]


class DirectorateFilterSet(django_filters.FilterSet):
    code = django_filters.CharFilter(label="Code")

    class Meta:
        model = Directorate
        fields = ["code"]


class UserFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search", help_text="Username or name")
    role = django_filters.ChoiceFilter(choices=Role.choices, field_name="groups__name", label="Role", distinct=True)
    directorate_id = django_filters.ModelChoiceFilter(
        field_name="directorate", queryset=Directorate.objects.all(), label="Directorate"
    )
    is_active = django_filters.BooleanFilter(label="Active")

    class Meta:
        model = User
        fields = ["q", "role", "directorate_id", "is_active"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(username__icontains=value) | Q(first_name__icontains=value) | Q(last_name__icontains=value)
        )


class OutcomeMeasureFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search", help_text="Code or name")
    framework_id = django_filters.ModelChoiceFilter(
        field_name="framework", queryset=Framework.objects.all(), label="Framework"
    )
    supporting_outcome_id = django_filters.ModelChoiceFilter(
        field_name="supporting_outcome", queryset=SupportingOutcome.objects.all(), label="Supporting outcome"
    )
    strategic_outcome_id = django_filters.ModelChoiceFilter(
        field_name="supporting_outcome__strategic_outcome",
        queryset=StrategicOutcome.objects.all(),
        label="Strategic outcome",
    )
    code = django_filters.CharFilter(label="Code")

    class Meta:
        model = OutcomeMeasure
        fields = ["q", "framework_id", "supporting_outcome_id", "strategic_outcome_id", "code"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(code__iexact=value) | Q(name__icontains=value)) if value else queryset


# --- Endpoints ---


# --- One search rule for every search box -------------------------------------------------------
# The search page and the lists' `q` filters match the same way, so "see them all in the register"
# shows what the search page counted: every word must match one of the fields.

SEARCH_MAX_WORDS = 8
_SEARCH_PUNCTUATION = ".,;:!?\"'()[]{}“”‘’"


def search_words(q: str | None) -> list[str]:
    """The words of a search, in order, without surrounding punctuation or repeats; at most SEARCH_MAX_WORDS."""
    words: list[str] = []
    for raw in (q or "").split():
        word = raw.strip(_SEARCH_PUNCTUATION)[:100]
        if word and word.lower() not in (w.lower() for w in words):
            words.append(word)
    return words[:SEARCH_MAX_WORDS]


def all_words(words: list[str], fields: list[str], exact: tuple[str, ...] = ()) -> Q:
    """Every word matches one of the fields (case-insensitive; `exact` fields match whole)."""
    condition = Q()
    for word in words:
        any_field = Q()
        for name in fields:
            any_field |= Q(**{f"{name}__icontains": word})
        for name in exact:
            any_field |= Q(**{f"{name}__iexact": word})
        condition &= any_field
    return condition
