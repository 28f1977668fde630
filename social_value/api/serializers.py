"""Serializers of the social value API.

Local spend (issue 4): the view builds its answer with LocalSpendSummary.as_json (the same JSON as
`manage.py spend_summary --format json`); these describe it for the OpenAPI schema
(tests/social_value/test_api.py checks they name the same figures).

Social value (issue 5): the measures catalogue, commitments with their progress, delivery returns and
figures grouped by theme, measure, area, directorate, provider or outcome. Money in pounds as strings
with two decimals; shares as percentages with one.
"""

import datetime
from decimal import ROUND_HALF_UP

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from commissioning import as_at
from commissioning.api.serializers import BaseModelSerializer, BriefSerializer, UserBriefSerializer, brief_fields
from contracts.api.serializers import ContractBriefSerializer
from contracts.models import Contract
from social_value.models import (
    DeliveryReturn,
    ProxyValue,
    SocialValueCommitment,
    SocialValueMeasure,
    SocialValueOutcome,
    SocialValueTheme,
)
from social_value.rules import ProfileStatus
from social_value.selectors import commitment_progress
from social_value.selectors.commitments import measure_proxy_in_force

BREAKDOWNS = ["financial_year", "quarter", "month", "service_area", "expense_type", "capital_revenue"]

_MONEY = {"help_text": "Pounds, as a string with two decimals"}


class LocalSpendBreakdownRowSerializer(serializers.Serializer):
    """Spend of one financial year, quarter, month, service area, expense type or capital/revenue."""

    key = serializers.CharField(help_text="2025, 2025-Q1, 2025-04, or the value itself")
    label = serializers.CharField()
    lines = serializers.IntegerField()
    total_spend = serializers.CharField(**_MONEY)
    kent_spend = serializers.CharField(**_MONEY)
    sme_spend = serializers.CharField(**_MONEY)
    kent_sme_spend = serializers.CharField(**_MONEY)
    vcs_spend = serializers.CharField(**_MONEY)
    unknown_location_spend = serializers.CharField(**_MONEY)
    redacted_spend = serializers.CharField(**_MONEY)
    kent_share = serializers.CharField(allow_null=True, help_text="Percent of the spend, one decimal")


class LocalSpendBreakdownSerializer(serializers.Serializer):
    by = serializers.ChoiceField(choices=BREAKDOWNS)
    rows = LocalSpendBreakdownRowSerializer(many=True)


class LocalSpendSerializer(serializers.Serializer):
    """The annual report's local spend table for the filtered spend lines, with the unknowns beside each
    figure (LocalSpendSummary.as_json). Suppliers are counted once each; redacted spend is no supplier."""

    lines = serializers.IntegerField()
    suppliers = serializers.IntegerField()
    kent_suppliers = serializers.IntegerField()
    unknown_location_suppliers = serializers.IntegerField()
    total_spend = serializers.CharField(**_MONEY)
    kent_spend = serializers.CharField(**_MONEY)
    outside_spend = serializers.CharField(**_MONEY)
    unknown_location_spend = serializers.CharField(**_MONEY)
    sme_spend = serializers.CharField(**_MONEY)
    kent_sme_spend = serializers.CharField(**_MONEY)
    kent_micro_spend = serializers.CharField(**_MONEY)
    unknown_size_spend = serializers.CharField(**_MONEY)
    vcs_spend = serializers.CharField(**_MONEY)
    kent_vcs_spend = serializers.CharField(**_MONEY)
    unknown_sector_spend = serializers.CharField(**_MONEY)
    unmatched_spend = serializers.CharField(**_MONEY)
    redacted_spend = serializers.CharField(**_MONEY)
    first_payment = serializers.DateField(allow_null=True)
    last_payment = serializers.DateField(allow_null=True)
    kent_share = serializers.CharField(allow_null=True, help_text="Kent spend as a percent of total spend")
    kent_supplier_share = serializers.CharField(
        allow_null=True, help_text="Kent-based suppliers as a percent of suppliers"
    )
    breakdown = LocalSpendBreakdownSerializer(required=False, help_text="Only with ?breakdown=")


# --- Social value (issue 5) ----------------------------------------------------------------------------


def _pounds(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True, **kwargs)


def _percent(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=7, decimal_places=1, read_only=True, allow_null=True, **kwargs)


def _units(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=16, decimal_places=2, rounding=ROUND_HALF_UP, read_only=True, **kwargs)


class SocialValueThemeSerializer(serializers.ModelSerializer):
    class Meta:
        model = SocialValueTheme
        fields = ["code", "name"]


class SocialValueOutcomeSerializer(serializers.ModelSerializer):
    """A policy outcome of the catalogue, within its theme."""

    theme = SocialValueThemeSerializer(read_only=True)

    class Meta:
        model = SocialValueOutcome
        fields = ["id", "code", "name", "theme"]


class ProxyValueSerializer(serializers.ModelSerializer):
    """One version of a measure's proxy value: £ per unit from `valid_from`, with its public source."""

    class Meta:
        model = ProxyValue
        fields = ["value", "source", "source_year", "valid_from"]


class ProxyInForceSerializer(serializers.Serializer):
    value = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="£ per unit")
    source = serializers.CharField()
    valid_from = serializers.DateField(allow_null=True, help_text="Null for a measure counted in pounds (face value)")


class SocialValueMeasureBriefSerializer(BriefSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="social_value-api:socialvaluemeasure-detail")
    # A plain string here: the unit's values are listed once, on the measure (one enum component).
    unit = serializers.CharField(read_only=True)

    class Meta:
        model = SocialValueMeasure
        fields = brief_fields("code", "name", "unit")


class SocialValueMeasureSerializer(BaseModelSerializer):
    """A measure of the council's catalogue: what a provider can commit to, in a unit, under an outcome
    and theme, contributing to supporting outcomes. Its proxy values (£ per unit) are versioned; a
    commitment takes the one in force on the day it is made. Admins add and change measures; the
    supporting outcomes and proxy values are kept in the catalogue's administration pages."""

    url = serializers.HyperlinkedIdentityField(view_name="social_value-api:socialvaluemeasure-detail")
    outcome = SocialValueOutcomeSerializer(read_only=True)
    outcome_id = serializers.PrimaryKeyRelatedField(source="outcome", queryset=SocialValueOutcome.objects.all())
    unit_label = serializers.CharField(source="get_unit_display", read_only=True)
    area_label = serializers.CharField(source="get_area_display", read_only=True)
    supporting_outcomes = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="code", help_text="Codes of the supporting outcomes it contributes to"
    )
    proxy_values = ProxyValueSerializer(many=True, read_only=True, help_text="Every version, newest first")
    proxy_in_force = serializers.SerializerMethodField(help_text="The proxy value in force today; null when none")

    class Meta(BaseModelSerializer.Meta):
        model = SocialValueMeasure
        fields = [
            *brief_fields(),
            "code",
            "name",
            "description",
            "unit",
            "unit_label",
            "area",
            "area_label",
            "outcome",
            "outcome_id",
            "supporting_outcomes",
            "is_active",
            "proxy_values",
            "proxy_in_force",
            "created",
            "modified",
            "reason",
        ]

    @extend_schema_field(ProxyInForceSerializer(allow_null=True))
    def get_proxy_in_force(self, measure: SocialValueMeasure) -> dict | None:
        proxy = measure_proxy_in_force(measure, as_at.today())
        if proxy is None:
            return None
        started = None if proxy.valid_from == datetime.date.min else proxy.valid_from
        return ProxyInForceSerializer({"value": proxy.value, "source": proxy.source, "valid_from": started}).data


class SocialValueCommitmentBriefSerializer(BriefSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="social_value-api:socialvaluecommitment-detail")

    class Meta:
        model = SocialValueCommitment
        fields = brief_fields()


class SocialValueCommitmentSerializer(BaseModelSerializer):
    """What a provider committed to under a contract, valued at the proxy in force on `committed_on`
    (kept on the commitment), with its progress on the day `on` (default today): verified units
    delivered and their £, % of the commitment, what the straight-line profile expects by then, the
    shortfall and the status (on track; at risk from 80% of the expected; behind).

    Add one with `contract_id`, `measure_id`, `quantity` and `committed_on` (start and due dates
    default to the contract's). Contract, measure and `committed_on` are fixed once it exists: vary
    the quantity, basis, dates or notes, always with a `reason`. Commitments are never deleted.
    """

    url = serializers.HyperlinkedIdentityField(view_name="social_value-api:socialvaluecommitment-detail")
    contract = ContractBriefSerializer(read_only=True)
    contract_id = serializers.PrimaryKeyRelatedField(source="contract", queryset=Contract.objects.all())
    measure = SocialValueMeasureBriefSerializer(read_only=True)
    measure_id = serializers.PrimaryKeyRelatedField(source="measure", queryset=SocialValueMeasure.objects.all())
    reason = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        help_text="Why the commitment is varied: required to change one (or send the X-Change-Reason header); "
        "recorded in the history.",
    )
    # Progress, computed on the day `on` (see to_representation).
    delivered = _units(source="progress.delivered", help_text="Units delivered (verified returns only)")
    delivered_value = _pounds(source="progress.delivered_value", help_text="£ delivered, at the commitment's proxy")
    delivered_share = _percent(source="progress.share", help_text="% of the committed quantity delivered")
    expected = _units(source="progress.expected", help_text="Units the straight-line profile expects by now")
    shortfall = _units(source="progress.shortfall", help_text="Units below the profile (0 when on or ahead)")
    status = serializers.ChoiceField(choices=ProfileStatus.choices, source="progress.status", read_only=True)
    status_label = serializers.CharField(source="progress.status_label", read_only=True)

    class Meta(BaseModelSerializer.Meta):
        model = SocialValueCommitment
        fields = [
            *brief_fields(),
            "contract",
            "contract_id",
            "measure",
            "measure_id",
            "basis",
            "quantity",
            "total_quantity",
            "start_date",
            "due_date",
            "committed_on",
            "proxy_value",
            "proxy_source",
            "committed_value",
            "notes",
            "delivered",
            "delivered_value",
            "delivered_share",
            "expected",
            "shortfall",
            "status",
            "status_label",
            "created",
            "modified",
            "reason",
        ]
        read_only_fields = ["total_quantity", "proxy_value", "proxy_source", "committed_value"]
        extra_kwargs = {"start_date": {"required": False}, "due_date": {"required": False}}

    def get_fields(self):
        fields = super().get_fields()
        if isinstance(self.instance, SocialValueCommitment):
            # What was promised, under which contract and when: to promise something else, add a commitment.
            for name in ("contract_id", "measure_id", "committed_on"):
                fields[name].read_only = True
        return fields

    def to_representation(self, instance: SocialValueCommitment):
        # `instance` comes from selectors.commitment_list() (annotated with the verified quantity).
        on = self.context.get("on") or as_at.today()
        instance.progress = commitment_progress([instance], on=on)[0]
        return super().to_representation(instance)


class DeliveryReturnSerializer(BaseModelSerializer):
    """What a provider delivered against a commitment in a period, with its evidence (a note, a file or
    both). It counts once the commissioner verifies it; a rejected one says why. Submit one as JSON,
    or as multipart form data to attach `evidence_file`. Returns are never changed or deleted."""

    url = serializers.HyperlinkedIdentityField(view_name="social_value-api:deliveryreturn-detail")
    commitment = SocialValueCommitmentBriefSerializer(read_only=True)
    commitment_id = serializers.PrimaryKeyRelatedField(
        source="commitment", queryset=SocialValueCommitment.objects.select_related("contract")
    )
    contract = ContractBriefSerializer(source="commitment.contract", read_only=True)
    measure = SocialValueMeasureBriefSerializer(source="commitment.measure", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    submitted_by = UserBriefSerializer(read_only=True, allow_null=True)
    verified_by = UserBriefSerializer(read_only=True, allow_null=True, help_text="Who verified or rejected the return")

    class Meta(BaseModelSerializer.Meta):
        model = DeliveryReturn
        fields = [
            *brief_fields(),
            "commitment",
            "commitment_id",
            "contract",
            "measure",
            "period_start",
            "period_end",
            "quantity",
            "evidence_note",
            "evidence_file",
            "submitted_by",
            "status",
            "status_label",
            "verified_by",
            "verified_at",
            "rejection_reason",
            "created",
            "modified",
        ]
        read_only_fields = ["status", "verified_at", "rejection_reason"]
        extra_kwargs = {"evidence_file": {"required": False, "allow_null": True}}


class DeliveryReturnRejectSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the return is rejected, so the provider can put it right")


# Figures of commitments grouped by one of these (GET /api/social-value-figures/?by=).
FIGURES_BY = ["theme", "measure", "area", "directorate", "provider", "supporting_outcome", "strategic_outcome"]


class SocialValueFiguresQuerySerializer(serializers.Serializer):
    by = serializers.ChoiceField(
        choices=FIGURES_BY,
        default="theme",
        error_messages={"invalid_choice": f"Group the figures by one of: {', '.join(FIGURES_BY)}."},
    )
    on = serializers.DateField(
        required=False,
        error_messages={"invalid": "Give the day as YYYY-MM-DD, for example 2026-03-31."},
    )


class SocialValueFiguresRowSerializer(serializers.Serializer):
    """Committed against delivered for one group of commitments; £ at each commitment's proxy value.
    Units are given only by measure (`unit`, `committed_units`, `delivered_units`)."""

    key = serializers.CharField(
        help_text="Theme, measure, supporting or strategic outcome code; area; directorate code; provider id"
    )
    label = serializers.CharField()
    commitments = serializers.IntegerField(source="figures.commitments")
    contracts = serializers.IntegerField(source="figures.contracts")
    committed_value = _pounds(source="figures.committed_value")
    delivered_value = _pounds(source="figures.delivered_value", help_text="Verified returns only")
    expected_value = _pounds(source="figures.expected_value", help_text="What the profiles expect delivered by `on`")
    shortfall_value = _pounds(source="figures.shortfall_value")
    contract_value = _pounds(source="figures.contract_value", help_text="Whole-life value, each contract once")
    delivered_share = _percent(source="figures.delivered_share", help_text="% of the committed £ delivered")
    committed_share_of_contract_value = _percent(
        source="figures.committed_share_of_contract_value", help_text="Committed £ as a % of the contract value"
    )
    on_track = serializers.IntegerField(source="figures.on_track")
    at_risk = serializers.IntegerField(source="figures.at_risk")
    behind = serializers.IntegerField(source="figures.behind")
    unit = serializers.CharField(
        source="figures.unit", allow_null=True, required=False, help_text="By measure only: the measure's unit"
    )
    # Not read-only, so that the schema does not list them as always present.
    committed_units = serializers.DecimalField(
        max_digits=16, decimal_places=2, source="figures.committed_units", required=False, help_text="By measure only"
    )
    delivered_units = serializers.DecimalField(
        max_digits=16, decimal_places=2, source="figures.delivered_units", required=False, help_text="By measure only"
    )

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if self.context.get("by") != "measure":
            # Units of different measures do not add up.
            for name in ("unit", "committed_units", "delivered_units"):
                data.pop(name, None)
        return data


class SocialValueFiguresSerializer(serializers.Serializer):
    """Social value committed and delivered, grouped. By supporting outcome, a commitment counts in full
    for each supporting outcome its measure serves, so those rows do not add up to the total; by
    strategic outcome it counts once for each strategic outcome it reaches."""

    by = serializers.ChoiceField(choices=FIGURES_BY)
    on = serializers.DateField(help_text="The day progress is measured on")
    note = serializers.CharField(allow_blank=True, help_text="How to read the rows (set when they do not add up)")
    total = SocialValueFiguresRowSerializer(help_text="All the commitments, each counted once")
    rows = SocialValueFiguresRowSerializer(many=True)
