"""Serializers of the commissioning framework, directorates and people, and the base every app's API uses.

One convention for relations, everywhere in the API: `<fk>` is the related record's brief
form (id, url, display) and is read-only; `<fk>_id` is its primary key and is what a client
writes. Serializers check types only; the business rules live in the services, whose
messages reach the client under the same field names (see commissioning.api.views).
"""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from commissioning.choices import Role
from commissioning.models import (
    Directorate,
    Framework,
    OutcomeMeasure,
    OutcomeMeasureValue,
    StrategicOutcome,
    SuggestedMeasure,
    SupportingOutcome,
    User,
)
from commissioning.selectors import MeasureRow, measure_row


class BaseModelSerializer(serializers.ModelSerializer):
    """Every record has its API address and its display name; a write may say why it was made."""

    display = serializers.CharField(source="__str__", read_only=True)
    reason = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="Why the change is made; recorded in the history (or send the X-Change-Reason header).",
    )

    class Meta:
        # The models' own constraints say what is wrong in the council's words (through the
        # services' full_clean); DRF's generic "must make a unique set" would say it worse.
        validators: list = []
        # Fields a record may hold as not known (null), taken from published data, that a client
        # must still give when it writes one: required on create and never null on a write, but
        # null when read (KnownWhenWrittenExtension says so in the OpenAPI schema).
        known_when_written: tuple[str, ...] = ()

    def get_fields(self):
        fields = super().get_fields()
        # Uniqueness is the services' to check (full_clean), with the models' messages, for the
        # same reason: "framework with this is default already exists." helps nobody.
        for f in fields.values():
            f.validators = [v for v in f.validators if not isinstance(v, UniqueValidator)]
        for name in getattr(self.Meta, "known_when_written", ()):
            fields[name].required = True
            fields[name].allow_null = False
            fields[name].null_when_read = True
        return fields


class KnownWhenWrittenExtension(OpenApiSerializerFieldExtension):
    """In the OpenAPI schema, a `known_when_written` field is nullable in responses only: a request
    must give it, while a record taken from published data may hold it as not known."""

    target_class = "rest_framework.fields.Field"
    match_subclasses = True

    @classmethod
    def _matches(cls, target) -> bool:
        return getattr(target, "null_when_read", False)

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if direction == "response":
            schema["nullable"] = True
        return schema


class BriefSerializer(serializers.ModelSerializer):
    """id, url, display: how one record appears inside another."""

    display = serializers.CharField(source="__str__", read_only=True)


def brief_fields(*extra: str) -> list[str]:
    return ["id", "url", "display", *extra]


# --- Brief forms, for nesting ---


class FrameworkBriefSerializer(BriefSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="commissioning-api:framework-detail")

    class Meta:
        model = Framework
        fields = brief_fields("slug")


class StrategicOutcomeBriefSerializer(BriefSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="commissioning-api:strategicoutcome-detail")

    class Meta:
        model = StrategicOutcome
        fields = brief_fields("code", "title")


class SupportingOutcomeBriefSerializer(BriefSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="commissioning-api:supportingoutcome-detail")

    class Meta:
        model = SupportingOutcome
        fields = brief_fields("code", "title")


class SuggestedMeasureBriefSerializer(BriefSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="commissioning-api:suggestedmeasure-detail")

    class Meta:
        model = SuggestedMeasure
        fields = brief_fields()


class DirectorateBriefSerializer(BriefSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="commissioning-api:directorate-detail")

    class Meta:
        model = Directorate
        fields = brief_fields("code")


class UserBriefSerializer(BriefSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="commissioning-api:user-detail")

    class Meta:
        model = User
        fields = brief_fields("username")


# --- Full forms ---


class FrameworkSerializer(BaseModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="commissioning-api:framework-detail")

    class Meta(BaseModelSerializer.Meta):
        model = Framework
        fields = [
            *brief_fields(),
            "slug",
            "council",
            "name",
            "title",
            "period_start",
            "period_end",
            "period",
            "vision",
            "is_default",
            "created",
            "modified",
            "reason",
        ]


class StrategicOutcomeSerializer(BaseModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="commissioning-api:strategicoutcome-detail")
    framework = FrameworkBriefSerializer(read_only=True)
    framework_id = serializers.PrimaryKeyRelatedField(source="framework", queryset=Framework.objects.all())

    class Meta(BaseModelSerializer.Meta):
        model = StrategicOutcome
        fields = [
            *brief_fields(),
            "framework",
            "framework_id",
            "code",
            "title",
            "short_title",
            "order",
            "created",
            "modified",
            "reason",
        ]


class SupportingOutcomeSerializer(BaseModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="commissioning-api:supportingoutcome-detail")
    # The framework follows from the strategic outcome (commissioning.services.reference_record_save).
    framework = FrameworkBriefSerializer(read_only=True)
    strategic_outcome = StrategicOutcomeBriefSerializer(read_only=True)
    strategic_outcome_id = serializers.PrimaryKeyRelatedField(
        source="strategic_outcome", queryset=StrategicOutcome.objects.all()
    )

    class Meta(BaseModelSerializer.Meta):
        model = SupportingOutcome
        fields = [
            *brief_fields(),
            "framework",
            "strategic_outcome",
            "strategic_outcome_id",
            "code",
            "title",
            "short_title",
            "order",
            "created",
            "modified",
            "reason",
        ]


class SuggestedMeasureSerializer(BaseModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="commissioning-api:suggestedmeasure-detail")
    supporting_outcome = SupportingOutcomeBriefSerializer(read_only=True)
    supporting_outcome_id = serializers.PrimaryKeyRelatedField(
        source="supporting_outcome", queryset=SupportingOutcome.objects.all()
    )

    class Meta(BaseModelSerializer.Meta):
        model = SuggestedMeasure
        fields = [
            *brief_fields(),
            "supporting_outcome",
            "supporting_outcome_id",
            "text",
            "order",
            "source",
            "created",
            "modified",
            "reason",
        ]


class DirectorateSerializer(BaseModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="commissioning-api:directorate-detail")

    class Meta(BaseModelSerializer.Meta):
        model = Directorate
        fields = [*brief_fields(), "code", "name", "description", "order", "created", "modified", "reason"]


class RoleField(serializers.ChoiceField):
    """A person's role, read from their role groups (prefetched by the users endpoint)."""

    def get_attribute(self, instance: User) -> str | None:
        for role in (Role.ADMIN, Role.COMMISSIONER, Role.PROCUREMENT, Role.MEMBER):
            if role in instance.roles:
                return role
        return None

    def to_representation(self, value):
        return value


class UserSerializer(BaseModelSerializer):
    """A person: who they are, their role and directorate. Never their password or its hash."""

    url = serializers.HyperlinkedIdentityField(view_name="commissioning-api:user-detail")
    full_name = serializers.CharField(source="get_full_name", read_only=True)
    role = RoleField(choices=Role.choices, help_text="The person's role; their permissions follow from it.")
    role_label = serializers.CharField(read_only=True)
    directorate = DirectorateBriefSerializer(read_only=True)
    directorate_id = serializers.PrimaryKeyRelatedField(
        source="directorate", queryset=Directorate.objects.all(), allow_null=True, required=False
    )

    class Meta(BaseModelSerializer.Meta):
        model = User
        fields = [
            *brief_fields(),
            "username",
            "first_name",
            "last_name",
            "full_name",
            "email",
            "job_title",
            "role",
            "role_label",
            "directorate",
            "directorate_id",
            "is_active",
            "last_login",
            "date_joined",
            "reason",
        ]
        read_only_fields = ["last_login", "date_joined"]

    def get_fields(self):
        fields = super().get_fields()
        # A username is chosen once; changing it would break sign-in and the history's references.
        if self.instance is not None:
            fields["username"].read_only = True
        return fields


# --- Outcome measures (issue 6): each supporting outcome's basket, with values over time ---


class OutcomeMeasureBriefSerializer(BriefSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="commissioning-api:outcomemeasure-detail")

    class Meta:
        model = OutcomeMeasure
        fields = brief_fields("code", "name")


class AssessmentSerializer(serializers.Serializer):
    """A direction of travel or comparison with the national average, worked out or as published."""

    value = serializers.CharField(help_text="improving, maintaining, not_improving or n/a; above, in_line, below")
    label = serializers.CharField(help_text="As the pages show it, e.g. 'Improving (2 year)'")
    published = serializers.BooleanField(help_text="The council's own published assessment of the latest value")
    years = serializers.IntegerField(allow_null=True, help_text="Years compared; null for the national average")


class OutcomeMeasureValueSerializer(serializers.ModelSerializer):
    """A value for one period, with any assessments published with it."""

    recorded_by = UserBriefSerializer(read_only=True)

    class Meta:
        model = OutcomeMeasureValue
        fields = [
            "id",
            "period",
            "period_end",
            "value",
            "national_average",
            "note",
            "recorded_by",
            "dot_1yr",
            "dot_1yr_years",
            "dot_3yr",
            "dot_3yr_years",
            "vs_national",
        ]
        read_only_fields = fields


class OutcomeMeasureSerializer(serializers.ModelSerializer):
    """An outcome measure with its values (those whose period has ended by today, or the as-at day)
    and its 1 and 3 year direction of travel and comparison with the national average."""

    url = serializers.HyperlinkedIdentityField(view_name="commissioning-api:outcomemeasure-detail")
    display = serializers.CharField(source="__str__", read_only=True)
    framework = FrameworkBriefSerializer(read_only=True)
    supporting_outcome = SupportingOutcomeBriefSerializer(read_only=True)
    values = OutcomeMeasureValueSerializer(many=True, read_only=True)
    dot_1yr = serializers.SerializerMethodField()
    dot_3yr = serializers.SerializerMethodField()
    vs_national = serializers.SerializerMethodField()

    class Meta:
        model = OutcomeMeasure
        fields = [
            *brief_fields(),
            "framework",
            "supporting_outcome",
            "code",
            "name",
            "unit",
            "higher_is_better",
            "maintaining_tolerance_percent",
            "source",
            "order",
            "dot_1yr",
            "dot_3yr",
            "vs_national",
            "values",
            "created",
            "modified",
        ]
        read_only_fields = fields

    def _row(self, measure: OutcomeMeasure) -> MeasureRow:
        rows = self.context.setdefault("outcome_measure_rows", {})
        if measure.pk not in rows:
            rows[measure.pk] = measure_row(measure)
        return rows[measure.pk]

    @staticmethod
    def _assessment(assessment) -> dict:
        return {
            "value": assessment.direction,
            "label": assessment.label,
            "published": assessment.published,
            "years": assessment.years,
        }

    @extend_schema_field(AssessmentSerializer)
    def get_dot_1yr(self, measure: OutcomeMeasure) -> dict:
        return self._assessment(self._row(measure).dot_1yr)

    @extend_schema_field(AssessmentSerializer)
    def get_dot_3yr(self, measure: OutcomeMeasure) -> dict:
        return self._assessment(self._row(measure).dot_3yr)

    @extend_schema_field(AssessmentSerializer)
    def get_vs_national(self, measure: OutcomeMeasure) -> dict:
        comparison = self._row(measure).vs_national
        return {"value": comparison.result, "label": comparison.label, "published": comparison.published, "years": None}
