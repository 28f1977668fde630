"""Serializers of providers and contracts. Relations: `<fk>` brief (read), `<fk>_id` (write)."""

import datetime

from rest_framework import serializers

from commissioning.api.serializers import (
    BaseModelSerializer,
    BriefSerializer,
    DirectorateBriefSerializer,
    UserBriefSerializer,
    brief_fields,
)
from commissioning.models import Directorate, User
from contracts.models import Contract, Provider
from contracts.services import PROVIDER_FIELDS


class ProviderBriefSerializer(BriefSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="contracts-api:provider-detail")

    class Meta:
        model = Provider
        fields = brief_fields("name")


class ContractBriefSerializer(BriefSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="contracts-api:contract-detail")

    class Meta:
        model = Contract
        fields = brief_fields("reference", "title")


class ProviderSerializer(BaseModelSerializer):
    """A provider; location (Kent-based), size and sector are derived, each shown with its reason."""

    url = serializers.HyperlinkedIdentityField(view_name="contracts-api:provider-detail")
    is_sme = serializers.BooleanField(read_only=True)
    is_vcs = serializers.BooleanField(read_only=True)
    # Annotated by contracts.selectors.provider_list.
    contract_count = serializers.IntegerField(read_only=True)
    active_contract_count = serializers.IntegerField(read_only=True)

    class Meta(BaseModelSerializer.Meta):
        model = Provider
        fields = [
            *brief_fields(),
            *PROVIDER_FIELDS,
            "location",
            "location_reason",
            "size",
            "size_reason",
            "sector",
            "sector_reason",
            "is_sme",
            "is_vcs",
            "contract_count",
            "active_contract_count",
            "created",
            "modified",
            "reason",
        ]
        read_only_fields = ["location", "location_reason", "size", "size_reason", "sector", "sector_reason"]


class ContractSerializer(BaseModelSerializer):
    """A contract. current_end_date is the end date after the extensions taken (derived)."""

    url = serializers.HyperlinkedIdentityField(view_name="contracts-api:contract-detail")
    directorate = DirectorateBriefSerializer(read_only=True)
    directorate_id = serializers.PrimaryKeyRelatedField(source="directorate", queryset=Directorate.objects.all())
    commissioner = UserBriefSerializer(read_only=True, allow_null=True)
    commissioner_id = serializers.PrimaryKeyRelatedField(
        source="commissioner", queryset=User.objects.all(), allow_null=True, required=False
    )
    provider = ProviderBriefSerializer(read_only=True)
    provider_id = serializers.PrimaryKeyRelatedField(source="provider", queryset=Provider.objects.all())
    extension_months_remaining = serializers.IntegerField(read_only=True)
    is_ending_soon = serializers.SerializerMethodField(help_text="Active and ending within the next six months")

    class Meta(BaseModelSerializer.Meta):
        model = Contract
        fields = [
            *brief_fields(),
            "reference",
            "title",
            "description",
            "directorate",
            "directorate_id",
            "commissioner",
            "commissioner_id",
            "provider",
            "provider_id",
            "procurement_route",
            "status",
            "category",
            "start_date",
            "end_date",
            "extension_months_available",
            "extension_months_taken",
            "extension_months_remaining",
            "current_end_date",
            "is_ending_soon",
            "annual_value",
            "total_value",
            "created",
            "modified",
            "reason",
        ]

    def get_is_ending_soon(self, contract: Contract) -> bool:
        return contract.is_ending_soon(datetime.date.today())
