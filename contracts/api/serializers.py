"""Serializers of providers, contracts and contract performance. Relations: `<fk>` brief (read), `<fk>_id` (write)."""

import json

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.utils import html

from commissioning.api.serializers import (
    BaseModelSerializer,
    BriefSerializer,
    DirectorateBriefSerializer,
    SupportingOutcomeBriefSerializer,
    UserBriefSerializer,
    brief_fields,
)
from commissioning.models import Directorate, SupportingOutcome, User
from contracts.choices import AssessmentReason, Direction, PerformanceRating
from contracts.importers.spend import column_mapping
from contracts.models import (
    KPI,
    AssessmentRating,
    Contract,
    ContractPeriodSummary,
    ContractVariation,
    Deduction,
    KPIReturn,
    PerformanceAssessment,
    PerformanceConcern,
    Provider,
    SpendImport,
    SpendLine,
    SpendPublisher,
)
from contracts.periods import parse_period
from contracts.services import KPI_FIELDS, PROVIDER_FIELDS


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
    """A contract. current_end_date is the end date after the extensions taken (derived).

    Dates and values are null when not known (a contract from a published register); a client
    writing a contract must give them."""

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
        # A contract taken from a published register may not give these (null), but one entered
        # through the API must: required on create, and never set back to null on update.
        known_when_written = ("start_date", "end_date", "annual_value", "total_value")

    def get_is_ending_soon(self, contract: Contract) -> bool:
        return contract.is_ending_soon()


# --- Contract performance (issue 3): KPIs, returns, concerns, deductions, assessments, quarter summaries ---


# The same choices under two field names would make drf-spectacular name one enum twice (a warning);
# the second field of each pair states its values inline instead.
@extend_schema_field({"type": "string", "enum": ["", *Direction.values], "readOnly": True})
class DirectionYearField(serializers.CharField):
    pass


@extend_schema_field({"type": "string", "enum": PerformanceRating.values, "readOnly": True})
class ProposedRatingField(serializers.CharField):
    pass


class KPIBriefSerializer(BriefSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="contracts-api:kpi-detail")

    class Meta:
        model = KPI
        fields = brief_fields("code", "name")


class KPIReturnBriefSerializer(BriefSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="contracts-api:kpireturn-detail")

    class Meta:
        model = KPIReturn
        fields = brief_fields("period_start")


class PerformanceAssessmentBriefSerializer(BriefSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="contracts-api:performanceassessment-detail")

    class Meta:
        model = PerformanceAssessment
        fields = brief_fields("period_start", "period_end")


class KPISerializer(BaseModelSerializer):
    """A KPI of a contract: target, amber and red thresholds, direction-of-travel tolerance and deduction rule.

    KPIs are not deleted: a KPI no longer used is retired with `is_active: false`, keeping its returns.
    Its contract is chosen when it is added; its frequency and first period are fixed once it has returns.
    """

    url = serializers.HyperlinkedIdentityField(view_name="contracts-api:kpi-detail")
    contract = ContractBriefSerializer(read_only=True)
    contract_id = serializers.PrimaryKeyRelatedField(source="contract", queryset=Contract.objects.all())
    supporting_outcome = SupportingOutcomeBriefSerializer(read_only=True, allow_null=True)
    supporting_outcome_id = serializers.PrimaryKeyRelatedField(
        source="supporting_outcome", queryset=SupportingOutcome.objects.all(), allow_null=True, required=False
    )

    class Meta(BaseModelSerializer.Meta):
        model = KPI
        fields = [
            *brief_fields(),
            "contract",
            "contract_id",
            *(name for name in KPI_FIELDS if name != "supporting_outcome"),
            "supporting_outcome",
            "supporting_outcome_id",
            "created",
            "modified",
            "reason",
        ]

    def get_fields(self):
        fields = super().get_fields()
        if isinstance(self.instance, KPI):
            fields["contract_id"].read_only = True  # a KPI belongs to one contract; copy it to another instead
        return fields


class KPICopySerializer(serializers.Serializer):
    """Copy the active KPIs of one contract onto another (codes the other already has are skipped)."""

    source_contract_id = serializers.PrimaryKeyRelatedField(
        queryset=Contract.objects.all(), help_text="The contract whose KPIs are copied"
    )
    contract_id = serializers.PrimaryKeyRelatedField(
        queryset=Contract.objects.all(), help_text="The contract that receives the copies"
    )
    first_period_start = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="First day of the copies' first period; by default the first period on or after the contract starts",
    )


class KPIReturnSerializer(BaseModelSerializer):
    """A KPI's value for one period. RAG and direction of travel are derived when it is saved, each with its reason.

    Write `kpi_id` and `period` as the council writes it ("2025-26 Q2", the code "2025-26-Q2",
    "May 2025", "2025-26"); both are fixed once the return exists. `submit: true` submits the
    return for the commissioner to accept; `false` keeps it a draft. Changing an accepted return
    needs a `reason`.
    """

    url = serializers.HyperlinkedIdentityField(view_name="contracts-api:kpireturn-detail")
    kpi = KPIBriefSerializer(read_only=True)
    kpi_id = serializers.PrimaryKeyRelatedField(source="kpi", queryset=KPI.objects.select_related("contract"))
    contract = ContractBriefSerializer(read_only=True)
    period = serializers.CharField(
        max_length=40, help_text='As the council writes it: "2025-26 Q2", "2025-26-Q2", "May 2025" or "2025-26"'
    )
    period_code = serializers.CharField(source="period.code", read_only=True)
    actual = serializers.DecimalField(max_digits=16, decimal_places=4, allow_null=True, required=False)
    commentary = serializers.CharField(allow_blank=True, required=False)
    submit = serializers.BooleanField(
        write_only=True,
        required=False,
        help_text="Submit the return (true) or keep it a draft (false). Adding: draft unless true. "
        "Changing: as it was (submitted or accepted stays submitted) unless given.",
    )
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    submitted_by = UserBriefSerializer(read_only=True, allow_null=True)
    reviewed_by = UserBriefSerializer(read_only=True, allow_null=True)
    direction_year = DirectionYearField(read_only=True)

    class Meta(BaseModelSerializer.Meta):
        model = KPIReturn
        fields = [
            *brief_fields(),
            "kpi",
            "kpi_id",
            "contract",
            "period",
            "period_code",
            "period_start",
            "period_end",
            "financial_year",
            "actual",
            "commentary",
            "submit",
            "status",
            "status_label",
            "returned_reason",
            "submitted_by",
            "submitted_at",
            "reviewed_by",
            "reviewed_at",
            "rag",
            "rag_explanation",
            "direction_previous",
            "direction_previous_explanation",
            "direction_year",
            "direction_year_explanation",
            "created",
            "modified",
            "reason",
        ]
        read_only_fields = [
            "period_start",
            "status",
            "returned_reason",
            "submitted_at",
            "reviewed_at",
            "rag",
            "rag_explanation",
            "direction_previous",
            "direction_previous_explanation",
            "direction_year",
            "direction_year_explanation",
        ]

    def get_fields(self):
        fields = super().get_fields()
        if isinstance(self.instance, KPIReturn):
            # A return is one KPI's value for one period: to record another period, add a return.
            fields["kpi_id"].read_only = True
            fields["period"].read_only = True
        return fields

    def validate(self, attrs):
        if "period" in attrs:
            kpi = attrs["kpi"]
            try:
                attrs["period"] = parse_period(attrs["period"], kpi.frequency)
            except ValueError as exc:
                raise serializers.ValidationError({"period": str(exc)}) from exc
        return attrs


class KPIReturnSendBackSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the return is sent back, so the provider can fix it")


class KPIReturnAcceptSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=100, help_text="Optional note")


class PerformanceConcernSerializer(BaseModelSerializer):
    """Raised when a KPI is red in 2 periods running or 3 of its last 6; open until resolved with a note."""

    url = serializers.HyperlinkedIdentityField(view_name="contracts-api:performanceconcern-detail")
    contract = ContractBriefSerializer(read_only=True)
    kpi = KPIBriefSerializer(read_only=True)
    raised_by_return = KPIReturnBriefSerializer(read_only=True)
    rule_label = serializers.CharField(source="get_rule_display", read_only=True)
    is_open = serializers.BooleanField(read_only=True)
    resolved_by = UserBriefSerializer(read_only=True, allow_null=True)

    class Meta(BaseModelSerializer.Meta):
        model = PerformanceConcern
        fields = [
            *brief_fields(),
            "contract",
            "kpi",
            "rule",
            "rule_label",
            "explanation",
            "raised_by_return",
            "is_open",
            "resolved_at",
            "resolved_by",
            "resolution_note",
            "created",
            "modified",
        ]
        read_only_fields = fields


class PerformanceConcernResolveSerializer(serializers.Serializer):
    note = serializers.CharField(help_text="How the concern was resolved")


class DeductionSerializer(BaseModelSerializer):
    """A deduction (service credit) proposed for a red return, with its calculation; money in pounds as strings."""

    url = serializers.HyperlinkedIdentityField(view_name="contracts-api:deduction-detail")
    contract = ContractBriefSerializer(read_only=True)
    kpi = KPIBriefSerializer(read_only=True)
    kpi_return = KPIReturnBriefSerializer(read_only=True)
    period = serializers.CharField(source="kpi_return.period.label", read_only=True)
    period_code = serializers.CharField(source="kpi_return.period.code", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    # The deduction's own reason (why it was waived or disputed), not a change reason.
    reason = serializers.CharField(read_only=True)
    decided_by = UserBriefSerializer(read_only=True, allow_null=True)

    class Meta(BaseModelSerializer.Meta):
        model = Deduction
        fields = [
            *brief_fields(),
            "contract",
            "kpi",
            "kpi_return",
            "period",
            "period_code",
            "financial_year",
            "calculated_amount",
            "amount",
            "calculation",
            "status",
            "status_label",
            "reason",
            "decided_by",
            "decided_at",
            "created",
            "modified",
        ]
        read_only_fields = fields


class DeductionDecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, help_text="Why: required to waive or dispute, optional to apply"
    )


class DeductionTotalSerializer(serializers.Serializer):
    """Deductions of one contract, provider, directorate or financial year, by status, in pounds."""

    id = serializers.IntegerField(
        allow_null=True, help_text="The contract, provider or directorate id, or the financial year (2025); null: total"
    )
    label = serializers.CharField()
    proposed = serializers.DecimalField(max_digits=14, decimal_places=2)
    applied = serializers.DecimalField(max_digits=14, decimal_places=2)
    waived = serializers.DecimalField(max_digits=14, decimal_places=2)
    disputed = serializers.DecimalField(max_digits=14, decimal_places=2)


class DeductionTotalsSerializer(serializers.Serializer):
    by = serializers.ChoiceField(choices=["contract", "provider", "directorate", "financial_year"])
    results = DeductionTotalSerializer(many=True)
    total = DeductionTotalSerializer()


class AssessmentRatingSerializer(serializers.ModelSerializer):
    kpi = KPIBriefSerializer(read_only=True)
    proposed_rating = ProposedRatingField(read_only=True)
    proposed_rating_label = serializers.CharField(source="get_proposed_rating_display", read_only=True)
    rating_label = serializers.CharField(source="get_rating_display", read_only=True)

    class Meta:
        model = AssessmentRating
        fields = [
            "id",
            "kpi",
            "proposed_rating",
            "proposed_rating_label",
            "proposed_explanation",
            "rating",
            "rating_label",
            "note",
        ]
        read_only_fields = fields


class PerformanceAssessmentSerializer(BaseModelSerializer):
    """A Procurement Act 2023 s.71 assessment of a contract's key KPIs. Adding one proposes a rating for
    each key KPI from its returns in the period; the commissioner then confirms it (action `confirm`).

    `reason` here is why the assessment is made (12-monthly, contract ended, other).
    """

    url = serializers.HyperlinkedIdentityField(view_name="contracts-api:performanceassessment-detail")
    contract = ContractBriefSerializer(read_only=True)
    contract_id = serializers.PrimaryKeyRelatedField(source="contract", queryset=Contract.objects.all())
    reason = serializers.ChoiceField(choices=AssessmentReason.choices, default=AssessmentReason.ANNUAL)
    reason_label = serializers.CharField(source="get_reason_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    confirmed_by = UserBriefSerializer(read_only=True, allow_null=True)
    ratings = AssessmentRatingSerializer(many=True, read_only=True)

    class Meta(BaseModelSerializer.Meta):
        model = PerformanceAssessment
        fields = [
            *brief_fields(),
            "contract",
            "contract_id",
            "period_start",
            "period_end",
            "reason",
            "reason_label",
            "status",
            "status_label",
            "note",
            "confirmed_by",
            "confirmed_at",
            "ratings",
            "created",
            "modified",
        ]
        read_only_fields = ["status", "note", "confirmed_at"]


class RatingInputSerializer(serializers.Serializer):
    kpi_id = serializers.IntegerField(help_text="A key KPI rated in the assessment")
    rating = serializers.ChoiceField(choices=PerformanceRating.choices)
    note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Required when the rating differs from the proposed one"
    )


class PerformanceAssessmentConfirmSerializer(serializers.Serializer):
    ratings = RatingInputSerializer(many=True, required=False, help_text="KPIs not given keep the proposed rating")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ContractPeriodSummarySerializer(serializers.ModelSerializer):
    """A contract's KPIs for one quarter: counts green, amber, red and missing, the weighted score and RAG.
    One row per contract per quarter: a cell of the RAG matrix."""

    url = serializers.HyperlinkedIdentityField(view_name="contracts-api:contractperiodsummary-detail")
    display = serializers.CharField(source="__str__", read_only=True)
    contract = ContractBriefSerializer(read_only=True)
    period = serializers.CharField(source="period.label", read_only=True)
    period_code = serializers.CharField(source="period.code", read_only=True)
    due = serializers.IntegerField(read_only=True)

    class Meta:
        model = ContractPeriodSummary
        fields = [
            *brief_fields(),
            "contract",
            "period",
            "period_code",
            "period_start",
            "financial_year",
            "green",
            "amber",
            "red",
            "missing",
            "due",
            "score",
            "rag",
            "computed_at",
        ]
        read_only_fields = fields


# --- Local spend (issue 4): spend publishers, spend lines and spend-file imports ---


class SpendPublisherBriefSerializer(BriefSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="contracts-api:spendpublisher-detail")

    class Meta:
        model = SpendPublisher
        fields = brief_fields("name")


class SpendImportBriefSerializer(BriefSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="contracts-api:spendimport-detail")

    class Meta:
        model = SpendImport
        fields = brief_fields("file_name", "created")


class SpendPublisherSerializer(serializers.ModelSerializer):
    """A body that publishes spend files, with the column mapping remembered for its files."""

    url = serializers.HyperlinkedIdentityField(view_name="contracts-api:spendpublisher-detail")
    display = serializers.CharField(source="__str__", read_only=True)
    column_mapping = serializers.DictField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Field to the heading a person chose for this publisher",
    )

    class Meta:
        model = SpendPublisher
        fields = [*brief_fields(), "name", "column_mapping", "created", "modified"]
        read_only_fields = fields


class SpendLineSerializer(serializers.ModelSerializer):
    """One payment line of a published spend file. `amount` is in pounds (net of recoverable VAT;
    credits negative); `provider` is null while the supplier is unmatched, `contract` while the line
    is linked to none. Redacted lines (payments to individuals) are spend but not a supplier."""

    url = serializers.HyperlinkedIdentityField(view_name="contracts-api:spendline-detail")
    display = serializers.CharField(source="__str__", read_only=True)
    publisher = SpendPublisherBriefSerializer(read_only=True)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    provider = ProviderBriefSerializer(read_only=True, allow_null=True)
    contract = ContractBriefSerializer(read_only=True, allow_null=True)
    spend_import_id = serializers.IntegerField(read_only=True, help_text="The import that added the line")

    class Meta:
        model = SpendLine
        fields = [
            *brief_fields(),
            "publisher",
            "payment_date",
            "transaction_number",
            "supplier_name",
            "normalised_supplier",
            "amount",
            "service_area",
            "expense_type",
            "capital_revenue",
            "company_number",
            "charity_number",
            "vat_number",
            "vcse_flag",
            "redacted",
            "provider",
            "contract",
            "spend_import_id",
            "row_number",
            "occurrence",
        ]
        read_only_fields = fields


class SpendImportSerializer(serializers.ModelSerializer):
    """One spend file imported: the file (name, SHA-256), who and when, its rows and total, the lines it
    added (a file overlapping lines already imported adds only those not yet there), and the columns read.
    Money in pounds as strings. A rolled-back import keeps its record, with who rolled it back and when."""

    url = serializers.HyperlinkedIdentityField(view_name="contracts-api:spendimport-detail")
    display = serializers.CharField(source="__str__", read_only=True)
    publisher = SpendPublisherBriefSerializer(read_only=True)
    sha256 = serializers.CharField(source="file_sha256", read_only=True)
    imported_by = UserBriefSerializer(read_only=True, allow_null=True)
    total = serializers.DecimalField(
        max_digits=16, decimal_places=2, read_only=True, help_text="Total of every line in the file"
    )
    added = serializers.DecimalField(
        max_digits=16, decimal_places=2, read_only=True, help_text="Total of the lines this import added"
    )
    lines_already_there = serializers.IntegerField(read_only=True)
    columns = serializers.DictField(
        child=serializers.CharField(), read_only=True, help_text="Field to the heading it was read from"
    )
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    rolled_back_by = UserBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = SpendImport
        fields = [
            *brief_fields(),
            "file_name",
            "sha256",
            "publisher",
            "imported_by",
            "created",
            "encoding",
            "rows",
            "total",
            "lines_added",
            "added",
            "lines_already_there",
            "first_date",
            "last_date",
            "columns",
            "status",
            "status_label",
            "rolled_back_at",
            "rolled_back_by",
        ]
        read_only_fields = fields


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "description": 'A JSON object, e.g. {"supplier": "Beneficiary"}'},
            {"type": "array", "items": {"type": "string"}, "description": "Repeated FIELD=HEADER"},
        ]
    }
)
class SpendColumnsField(serializers.Field):
    """Headings for columns Golden Thread does not recognise: a JSON object {field: heading}, or the
    field repeated as FIELD=HEADER (as `import_spend --column` takes them)."""

    default_error_messages = {
        "invalid": 'Give the columns as a JSON object ({{"supplier": "Beneficiary"}}) or as FIELD=HEADER.',
    }

    def get_value(self, dictionary):
        if html.is_html_input(dictionary):
            values = dictionary.getlist(self.field_name)
            return values if values else serializers.empty
        return dictionary.get(self.field_name, serializers.empty)

    def to_internal_value(self, data) -> dict[str, str]:
        parts = data if isinstance(data, list) else [data]
        columns: dict[str, str] = {}
        for part in parts:
            if isinstance(part, str) and not part.strip():
                continue
            if isinstance(part, str) and part.strip().startswith("{"):
                try:
                    part = json.loads(part)
                except ValueError:
                    self.fail("invalid")
                if not isinstance(part, dict):
                    self.fail("invalid")
            elif isinstance(part, str):
                part = [part]  # FIELD=HEADER
            elif not isinstance(part, dict):
                self.fail("invalid")
            try:
                columns.update(column_mapping(part))
            except ValueError as exc:
                raise serializers.ValidationError(str(exc)) from None
        return columns

    def to_representation(self, value):
        return value


class SpendImportUploadSerializer(serializers.Serializer):
    """Upload a spend file (CSV or Excel .xlsx), all or nothing. `dry_run: true` checks it and says what
    would be imported, writing nothing."""

    file = serializers.FileField(help_text="The spend file as the council published it (.csv or .xlsx)")
    publisher = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        default="",
        help_text="The council that published it; when blank, read from the file's Body Name column",
    )
    dry_run = serializers.BooleanField(required=False, default=False, help_text="Check only; write nothing")
    columns = SpendColumnsField(
        required=False,
        default=dict,
        help_text="Headings for columns that are not recognised, saved for the publisher's next files",
    )


class SpendImportResultSerializer(serializers.Serializer):
    """What an import did, or (dry run) would do. Money in pounds as strings."""

    dry_run = serializers.BooleanField()
    file_name = serializers.CharField()
    publisher = serializers.CharField()
    sha256 = serializers.CharField()
    encoding = serializers.CharField()
    columns = serializers.DictField(child=serializers.CharField())
    unused_headings = serializers.ListField(child=serializers.CharField())
    rows = serializers.IntegerField()
    total = serializers.DecimalField(max_digits=16, decimal_places=2)
    lines_added = serializers.IntegerField()
    added = serializers.DecimalField(max_digits=16, decimal_places=2)
    lines_already_there = serializers.IntegerField()
    redacted_lines = serializers.IntegerField()
    matched_lines = serializers.IntegerField()
    first_date = serializers.DateField(allow_null=True)
    last_date = serializers.DateField(allow_null=True)
    mapping_saved = serializers.DictField(child=serializers.CharField())
    previous_import = SpendImportBriefSerializer(
        allow_null=True, help_text="An earlier import of the same file (same SHA-256), if any"
    )


class SpendImportCreatedSerializer(SpendImportSerializer):
    """The import just made, with what the import found (`result`)."""

    result = SpendImportResultSerializer(read_only=True)

    class Meta(SpendImportSerializer.Meta):
        fields = [*SpendImportSerializer.Meta.fields, "result"]
        read_only_fields = fields


class SpendProblemSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True, help_text="Row in the file (the heading is row 1); null: the file")
    field = serializers.CharField(help_text="The field, blank for the row or file as a whole")
    message = serializers.CharField()


class SpendFileErrorSerializer(serializers.Serializer):
    """Why a spend file was rejected: every bad row and field, the first 100 shown, `more` counting the rest.
    When required columns could not be recognised, `missing` names them and `headings` lists the file's."""

    errors = serializers.ListField(child=serializers.CharField())
    problems = SpendProblemSerializer(many=True)
    more = serializers.IntegerField()
    missing = serializers.ListField(child=serializers.CharField(), required=False)
    headings = serializers.ListField(child=serializers.CharField(), required=False)


class SpendImportRollbackSerializer(serializers.Serializer):
    lines_removed = serializers.IntegerField()
    spend_import = SpendImportSerializer()


# --- Contract variations (issue 7) ---


class ContractVariationSerializer(serializers.ModelSerializer):
    """A change to a contract's whole-life value or current end date, as it was made: before and after, who, when
    and why. `needs_change_notice` flags a change of value or term of more than 10%, which needs a Procurement Act
    2023 contract change notice (s.75); `explanation` says why in words. Money in pounds as strings; a value or
    date not known is null, and a change from or to not known cannot be measured (its percentage is null)."""

    url = serializers.HyperlinkedIdentityField(view_name="contracts-api:contractvariation-detail")
    display = serializers.CharField(source="__str__", read_only=True)
    contract = ContractBriefSerializer(read_only=True)
    varied_by = UserBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ContractVariation
        fields = [
            *brief_fields(),
            "contract",
            "varied_on",
            "varied_by",
            "reason",
            "total_value_before",
            "total_value_after",
            "end_date_before",
            "end_date_after",
            "value_change_percent",
            "term_change_percent",
            "needs_change_notice",
            "explanation",
            "created",
        ]
        read_only_fields = fields
