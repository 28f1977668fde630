"""Serializers of the golden thread: outcome links, and the read-only thread views.

Money is Decimal throughout and goes out as strings (COERCE_DECIMAL_TO_STRING); an
attributed value is a contract's annual value times its share, rounded half up to the penny.
"""

from rest_framework import serializers
from rest_framework.reverse import reverse

from commissioning.api.serializers import (
    BaseModelSerializer,
    BriefSerializer,
    DirectorateBriefSerializer,
    FrameworkBriefSerializer,
    StrategicOutcomeBriefSerializer,
    SupportingOutcomeBriefSerializer,
    UserBriefSerializer,
    brief_fields,
)
from commissioning.models import SupportingOutcome
from contracts.api.serializers import ContractBriefSerializer, ProviderBriefSerializer
from contracts.models import Contract
from outcomes_link.models import OutcomeLink, attributed_value

MONEY = {"max_digits": 14, "decimal_places": 2}


class AttributedValueField(serializers.DecimalField):
    """The link's part of its contract's annual value (outcomes_link.models.attributed_value);
    null when the contract's annual value is not known."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("help_text", "Annual value × share, rounded half up to the penny (£); null when not known")
        super().__init__(**MONEY, **kwargs)

    def get_attribute(self, link: OutcomeLink):
        return attributed_value(link.contract.annual_value, link.contribution_share)


class OutcomeLinkBriefSerializer(BriefSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="outcomes_link-api:outcomelink-detail")

    class Meta:
        model = OutcomeLink
        fields = brief_fields("contribution_share", "is_primary")


class OutcomeLinkSerializer(BaseModelSerializer):
    """A contract serving a supporting outcome with a share of its value.

    The contract is chosen when the link is made and cannot change afterwards; link the other
    contract instead.
    """

    url = serializers.HyperlinkedIdentityField(view_name="outcomes_link-api:outcomelink-detail")
    contract = ContractBriefSerializer(read_only=True)
    contract_id = serializers.PrimaryKeyRelatedField(source="contract", queryset=Contract.objects.all())
    supporting_outcome = SupportingOutcomeBriefSerializer(read_only=True)
    supporting_outcome_id = serializers.PrimaryKeyRelatedField(
        source="supporting_outcome", queryset=SupportingOutcome.objects.all()
    )
    attributed_value = AttributedValueField()

    class Meta(BaseModelSerializer.Meta):
        model = OutcomeLink
        fields = [
            *brief_fields(),
            "contract",
            "contract_id",
            "supporting_outcome",
            "supporting_outcome_id",
            "is_primary",
            "contribution_share",
            "attributed_value",
            "rationale",
            "created",
            "modified",
            "reason",
        ]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            fields["contract_id"].read_only = True
        return fields


# --- The golden thread, read only ---


class FiguresSerializer(serializers.Serializer):
    contract_count = serializers.IntegerField(help_text="Active contracts serving the outcome")
    attributed_value = serializers.DecimalField(**MONEY, help_text="£ of annual value attributed to the outcome")


class OverviewSupportingOutcomeSerializer(serializers.Serializer):
    outcome = SupportingOutcomeBriefSerializer()
    golden_thread_url = serializers.SerializerMethodField()
    contract_count = serializers.IntegerField(source="figures.contract_count")
    attributed_value = serializers.DecimalField(**MONEY, source="figures.attributed_value")
    social_value_committed = serializers.DecimalField(
        **MONEY,
        source="social_value.committed_value",
        help_text="£ of social value committed through the measures serving the outcome (not contract value)",
    )
    social_value_delivered = serializers.DecimalField(
        **MONEY, source="social_value.delivered_value", help_text="£ of that social value delivered (verified returns)"
    )

    def get_golden_thread_url(self, row) -> str:
        return reverse(
            "outcomes_link-api:golden-thread-supporting-outcome",
            kwargs={"code": row.outcome.code},
            request=self.context.get("request"),
        )


class OverviewStrategicOutcomeSerializer(serializers.Serializer):
    outcome = StrategicOutcomeBriefSerializer()
    contract_count = serializers.IntegerField(
        source="figures.contract_count", help_text="Active contracts serving any of its supporting outcomes, each once"
    )
    attributed_value = serializers.DecimalField(**MONEY, source="figures.attributed_value")
    social_value_committed = serializers.DecimalField(
        **MONEY,
        source="social_value.committed_value",
        help_text="Each commitment once, however many supporting outcomes it serves",
    )
    social_value_delivered = serializers.DecimalField(**MONEY, source="social_value.delivered_value")
    supporting_outcomes = OverviewSupportingOutcomeSerializer(many=True, source="supporting")


class OverviewSerializer(serializers.Serializer):
    """The whole thread: strategic outcomes, their supporting outcomes, active contracts and £ attributed."""

    framework = FrameworkBriefSerializer(allow_null=True)
    total_value = serializers.DecimalField(**MONEY, help_text="£ of annual value attributed across the framework")
    linked_contracts = serializers.IntegerField(help_text="Active contracts linked to at least one outcome")
    gap_count = serializers.IntegerField(help_text="Active contracts linked to no outcome")
    strategic_outcomes = OverviewStrategicOutcomeSerializer(many=True, source="strategic")


class SupportingOutcomeContractSerializer(serializers.Serializer):
    """One contract serving the supporting outcome, through its link."""

    link = OutcomeLinkBriefSerializer(source="*")
    contract = ContractBriefSerializer()
    status = serializers.CharField(source="contract.status")
    provider = ProviderBriefSerializer(source="contract.provider")
    directorate = DirectorateBriefSerializer(source="contract.directorate")
    annual_value = serializers.DecimalField(
        **MONEY, source="contract.annual_value", allow_null=True, help_text="Null when not known"
    )
    contribution_share = serializers.DecimalField(max_digits=5, decimal_places=2)
    attributed_value = AttributedValueField()
    end_date = serializers.DateField(
        source="contract.current_end_date",
        allow_null=True,
        help_text="Current end date, after extensions taken; null when not known",
    )
    is_primary = serializers.BooleanField()
    rationale = serializers.CharField()


class SupportingOutcomeThreadSerializer(serializers.Serializer):
    """A supporting outcome up the thread (strategic outcome, framework) and down to its contracts."""

    outcome = SupportingOutcomeBriefSerializer()
    short_title = serializers.CharField(source="outcome.short_title")
    strategic_outcome = StrategicOutcomeBriefSerializer(source="outcome.strategic_outcome")
    framework = FrameworkBriefSerializer(source="outcome.framework")
    suggested_measures = serializers.SerializerMethodField()
    figures = FiguresSerializer(help_text="Active contracts only")
    contracts = SupportingOutcomeContractSerializer(many=True, source="links")

    def get_suggested_measures(self, thread) -> list[str]:
        return [m.text for m in thread.outcome.suggested_measures.all()]


class ContractThreadLinkSerializer(serializers.Serializer):
    """One link of a contract up the thread: supporting outcome → strategic outcome → framework."""

    link = OutcomeLinkBriefSerializer(source="*")
    supporting_outcome = SupportingOutcomeBriefSerializer()
    strategic_outcome = StrategicOutcomeBriefSerializer(source="supporting_outcome.strategic_outcome")
    framework = FrameworkBriefSerializer(source="supporting_outcome.strategic_outcome.framework")
    contribution_share = serializers.DecimalField(max_digits=5, decimal_places=2)
    attributed_value = AttributedValueField()
    is_primary = serializers.BooleanField()
    rationale = serializers.CharField()


class ContractThreadSerializer(serializers.Serializer):
    """A contract, its provider and directorate, and each supporting outcome it serves."""

    contract = ContractBriefSerializer()
    status = serializers.CharField(source="contract.status")
    provider = ProviderBriefSerializer(source="contract.provider")
    directorate = DirectorateBriefSerializer(source="contract.directorate")
    commissioner = UserBriefSerializer(source="contract.commissioner", allow_null=True)
    annual_value = serializers.DecimalField(
        **MONEY, source="contract.annual_value", allow_null=True, help_text="Null when not known"
    )
    end_date = serializers.DateField(
        source="contract.current_end_date",
        allow_null=True,
        help_text="Current end date, after extensions taken; null when not known",
    )
    share_total = serializers.DecimalField(max_digits=5, decimal_places=2, help_text="Sum of the links' shares (%)")
    links = ContractThreadLinkSerializer(many=True)
