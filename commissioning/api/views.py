"""API endpoints of the commissioning framework, directorates and people, and the viewset base every app uses.

Writes to reference data (framework, outcomes, measures, directorates) and people are
admin only: the role permissions (commissioning.roles) give no other role those rights.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets

from commissioning.api import serializers as s
from commissioning.filtersets import (
    DirectorateFilterSet,
    FrameworkFilterSet,
    OutcomeMeasureFilterSet,
    StrategicOutcomeFilterSet,
    SuggestedMeasureFilterSet,
    SupportingOutcomeFilterSet,
    UserFilterSet,
)
from commissioning.models import Framework, OutcomeMeasure, StrategicOutcome, SuggestedMeasure, SupportingOutcome, User
from commissioning.selectors import directorate_list, outcome_measure_queryset
from commissioning.services import (
    reference_record_create,
    reference_record_delete,
    reference_record_update,
    user_create,
    user_delete,
    user_update,
)

REASON_HEADER = "X-Change-Reason"
_REASON_PARAMETER = OpenApiParameter(
    REASON_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Why the change is made; recorded in the history.",
)


@extend_schema_view(
    create=extend_schema(parameters=[_REASON_PARAMETER]),
    update=extend_schema(parameters=[_REASON_PARAMETER]),
    partial_update=extend_schema(parameters=[_REASON_PARAMETER]),
    destroy=extend_schema(parameters=[_REASON_PARAMETER]),
)
class AttributedModelViewSet(viewsets.ModelViewSet):
    """A ModelViewSet whose writes go through services, attributed to the user with their reason.

    Subclasses' perform_create/perform_update/perform_destroy call the service with
    `actor=self.request.user` and `reason=self.change_reason(...)`.
    """

    def change_reason(self, serializer=None) -> str:
        """The reason from the request body's `reason`, else the X-Change-Reason header."""
        if serializer is not None:
            reason = serializer.validated_data.pop("reason", "")
        else:
            data = self.request.data
            reason = data.get("reason", "") if hasattr(data, "get") else ""
        reason = reason or self.request.headers.get(REASON_HEADER, "")
        # simple-history keeps 100 characters of a change reason.
        return str(reason).strip()[:100]

    def reloaded(self, instance):
        """The written record as the list shows it (annotations, joins), for the response."""
        return self.get_queryset().get(pk=instance.pk)

    def handle_exception(self, exc):
        # A service names a relation by its model field ("provider"); the API client wrote
        # it as "provider_id", so the message goes back under that key.
        if isinstance(exc, DjangoValidationError) and hasattr(exc, "error_dict"):
            fields = self.get_serializer().fields
            exc = DjangoValidationError(
                {_api_field_name(key, fields): errors for key, errors in exc.error_dict.items()}
            )
        return super().handle_exception(exc)


def _api_field_name(key: str, fields) -> str:
    written_as = f"{key}_id"
    if written_as in fields and not fields[written_as].read_only and (key not in fields or fields[key].read_only):
        return written_as
    return key


class ReferenceRecordViewSet(AttributedModelViewSet):
    """Framework, outcomes, measures and directorates: validated and attributed by the reference-record services."""

    def perform_create(self, serializer):
        serializer.instance = self.reloaded(
            reference_record_create(
                model=self.queryset.model,
                data=serializer.validated_data,
                actor=self.request.user,
                reason=self.change_reason(serializer),
            )
        )

    def perform_update(self, serializer):
        reason = self.change_reason(serializer)
        serializer.instance = self.reloaded(
            reference_record_update(
                instance=serializer.instance, data=serializer.validated_data, actor=self.request.user, reason=reason
            )
        )

    def perform_destroy(self, instance):
        reference_record_delete(instance=instance, actor=self.request.user, reason=self.change_reason())


# --- Filters. The HTML pages of the framework do not filter, so these serve the API alone. ---


class FrameworkViewSet(ReferenceRecordViewSet):
    queryset = Framework.objects.all()
    serializer_class = s.FrameworkSerializer
    filterset_class = FrameworkFilterSet
    ordering_fields = ["name", "period_start", "period_end"]


class StrategicOutcomeViewSet(ReferenceRecordViewSet):
    queryset = StrategicOutcome.objects.select_related("framework")
    serializer_class = s.StrategicOutcomeSerializer
    filterset_class = StrategicOutcomeFilterSet
    ordering_fields = ["code", "order", "title"]


class SupportingOutcomeViewSet(ReferenceRecordViewSet):
    queryset = SupportingOutcome.objects.select_related("framework", "strategic_outcome")
    serializer_class = s.SupportingOutcomeSerializer
    filterset_class = SupportingOutcomeFilterSet
    ordering_fields = ["code", "order", "title"]


class SuggestedMeasureViewSet(ReferenceRecordViewSet):
    queryset = SuggestedMeasure.objects.select_related("supporting_outcome")
    serializer_class = s.SuggestedMeasureSerializer
    filterset_class = SuggestedMeasureFilterSet
    ordering_fields = ["order", "text"]


class DirectorateViewSet(ReferenceRecordViewSet):
    queryset = directorate_list()
    serializer_class = s.DirectorateSerializer
    filterset_class = DirectorateFilterSet
    ordering_fields = ["code", "name", "order"]


class UserViewSet(AttributedModelViewSet):
    """People: username, full name, role and directorate. Only admins add, change or remove them."""

    # Groups are prefetched because each person's role is read from them.
    queryset = User.objects.select_related("directorate").prefetch_related("groups")
    serializer_class = s.UserSerializer
    filterset_class = UserFilterSet
    ordering_fields = ["username", "last_name", "first_name"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("reason", None)
        data.pop("is_active", None)
        serializer.instance = self.reloaded(user_create(password=None, **data))

    def perform_update(self, serializer):
        reason = self.change_reason(serializer)
        serializer.instance = self.reloaded(
            user_update(
                user=serializer.instance, data=serializer.validated_data, actor=self.request.user, reason=reason
            )
        )

    def perform_destroy(self, instance):
        user_delete(user=instance, actor=self.request.user, reason=self.change_reason())


class OutcomeMeasureViewSet(viewsets.ReadOnlyModelViewSet):
    """Outcome measures (each supporting outcome's basket, issue 6) with their values over time and
    their 1 and 3 year direction of travel and comparison with the national average. Read only:
    values are recorded on the pages, by the import or `manage.py import_outcome_measure_values`."""

    # The values shown depend on the day (those whose period has ended by today, or the as-at
    # day), so the queryset is built per request; this one only names the model for the router.
    queryset = OutcomeMeasure.objects.none()
    serializer_class = s.OutcomeMeasureSerializer
    filterset_class = OutcomeMeasureFilterSet
    ordering_fields = ["code", "order", "name"]

    def get_queryset(self):
        return outcome_measure_queryset()
