"""Serializers of the local spend summary. The view builds its answer with LocalSpendSummary.as_json
(the same JSON as `manage.py spend_summary --format json`); these describe it for the OpenAPI schema
(tests/social_value/test_api.py checks they name the same figures)."""

from rest_framework import serializers

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
