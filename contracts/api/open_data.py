"""API of the open data imports (issue 7): contracts registers and OCDS releases taken into providers and
contracts, and the record of each import (`/api/contract-imports/`).

Kept beside api/views.py and api/serializers.py rather than in them: the two import kinds share one
upload endpoint, its serializers and its error shape, which read best together.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from commissioning.api.serializers import UserBriefSerializer, brief_fields
from commissioning.models import Directorate
from contracts.importers.register import FIELDS, columns_mapping
from contracts.models import ContractImport, ContractImportSource
from contracts.selectors import contract_import_list
from contracts.services.open_data import ContractImportError, contracts_register_import, ocds_import


class ContractImportSerializer(serializers.ModelSerializer):
    """One contracts register or OCDS file imported: the file (name, SHA-256), who and when, what it added and
    changed, and the values it recorded as not known (`warnings`, each naming its row and field)."""

    url = serializers.HyperlinkedIdentityField(view_name="contracts-api:contractimport-detail")
    display = serializers.CharField(source="__str__", read_only=True)
    sha256 = serializers.CharField(source="file_sha256", read_only=True)
    publisher = serializers.CharField(source="publisher.name", read_only=True, allow_null=True, default=None)
    imported_by = UserBriefSerializer(read_only=True, allow_null=True)
    source_label = serializers.CharField(source="get_source_display", read_only=True)
    columns = serializers.DictField(child=serializers.CharField(), read_only=True)
    warnings = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = ContractImport
        fields = [
            *brief_fields(),
            "source",
            "source_label",
            "file_name",
            "sha256",
            "publisher",
            "buyer",
            "imported_by",
            "created",
            "rows",
            "contracts_added",
            "contracts_changed",
            "contracts_unchanged",
            "providers_added",
            "skipped",
            "total_value",
            "columns",
            "warnings",
        ]
        read_only_fields = fields


class ColumnsField(serializers.ListField):
    """FIELD=HEADER texts, checked and turned into a mapping."""

    child = serializers.CharField()

    def to_internal_value(self, data):
        try:
            return columns_mapping(super().to_internal_value(data))
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from exc


class ContractImportUploadSerializer(serializers.Serializer):
    """Upload a contracts register (`source: register`, CSV or .xlsx) or OCDS data (`source: ocds`, JSON),
    all or nothing. `dry_run: true` checks it and says what would be imported, writing nothing."""

    source = serializers.ChoiceField(choices=ContractImportSource.choices)
    file = serializers.FileField()
    directorate = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Directorate.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Directorate code: for OCDS the contracts' directorate (required); for a register, rows naming none",
    )
    publisher = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=200, help_text="Register: whose register it is"
    )
    columns = ColumnsField(
        required=False,
        default=list,
        help_text="Register: FIELD=HEADER for headings not recognised, saved for the publisher. FIELD is one of: "
        + ", ".join(FIELDS),
    )
    buyer = serializers.CharField(
        required=False,
        default=None,
        allow_null=True,
        max_length=300,
        help_text=f"OCDS: keep only this buyer's contracts (name or party id; default {settings.OCDS_BUYER})",
    )
    all_buyers = serializers.BooleanField(required=False, default=False, help_text="OCDS: keep every buyer's")
    dry_run = serializers.BooleanField(required=False, default=False, help_text="Check only; write nothing")


class ContractImportResultSerializer(serializers.Serializer):
    """What an import did, or (dry run) would do."""

    dry_run = serializers.BooleanField()
    source = serializers.CharField()
    file_name = serializers.CharField()
    sha256 = serializers.CharField()
    rows = serializers.IntegerField()
    contracts_added = serializers.IntegerField()
    contracts_changed = serializers.IntegerField()
    contracts_unchanged = serializers.IntegerField()
    providers_added = serializers.IntegerField()
    directorates_added = serializers.ListField(child=serializers.CharField())
    skipped = serializers.IntegerField()
    total_value = serializers.DecimalField(max_digits=16, decimal_places=2)
    variations_needing_notice = serializers.IntegerField()
    warnings = serializers.ListField(child=serializers.CharField())
    not_known = serializers.DictField(child=serializers.IntegerField())
    columns = serializers.DictField(child=serializers.CharField())
    summary = serializers.CharField()
    contract_import = ContractImportSerializer(allow_null=True)


class ContractImportErrorSerializer(serializers.Serializer):
    errors = serializers.ListField(child=serializers.CharField(), help_text="Every problem, by row and field")
    more = serializers.IntegerField(help_text="Problems beyond the first 100")
    missing = serializers.ListField(child=serializers.CharField(), help_text="Fields whose column must be mapped")
    headings = serializers.ListField(child=serializers.CharField(), help_text="The file's headings")


class ContractImportViewSet(viewsets.ReadOnlyModelViewSet):
    """Contracts registers and OCDS files imported into providers and contracts.

    Procurement officers and admins upload (multipart): any bad row or release rejects the whole file,
    naming each; importing the same file again adds nothing; `dry_run` says what would happen.
    """

    queryset = contract_import_list()
    serializer_class = ContractImportSerializer
    ordering_fields = ["created", "file_name", "rows", "contracts_added"]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        request={"multipart/form-data": ContractImportUploadSerializer},
        responses={
            201: ContractImportResultSerializer,
            200: OpenApiResponse(ContractImportResultSerializer, description="Dry run: what would be imported"),
            400: OpenApiResponse(ContractImportErrorSerializer, description="Refused; nothing was written"),
        },
    )
    def create(self, request):
        form = ContractImportUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        upload = data["file"]
        content = upload.read()
        try:
            if data["source"] == ContractImportSource.REGISTER:
                result = contracts_register_import(
                    content=content,
                    file_name=upload.name,
                    publisher=data["publisher"] or settings.COUNCIL_NAME,
                    directorate=data["directorate"],
                    columns=data["columns"],
                    actor=request.user,
                    dry_run=data["dry_run"],
                )
            else:
                result = ocds_import(
                    content=content,
                    file_name=upload.name,
                    directorate=data["directorate"],
                    buyer=None if data["all_buyers"] else (data["buyer"] or settings.OCDS_BUYER),
                    actor=request.user,
                    dry_run=data["dry_run"],
                )
        except ContractImportError as exc:
            return Response(
                {"errors": exc.messages, "more": exc.more, "missing": exc.missing, "headings": exc.headings},
                status=status.HTTP_400_BAD_REQUEST,
            )
        if result.contract_import is not None:
            result.contract_import = self.get_queryset().get(pk=result.contract_import.pk)
        body = ContractImportResultSerializer(result, context=self.get_serializer_context()).data
        if result.dry_run:
            return Response(body, status=status.HTTP_200_OK)
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": body["contract_import"]["url"]})
