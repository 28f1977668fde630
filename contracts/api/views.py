"""API endpoints of providers, contracts, contract performance and local spend; writes go through contracts.services."""

import json
import logging
from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, renderers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from commissioning.api.views import AttributedModelViewSet
from commissioning.permissions import RolePermission, has_any_role
from contracts.api.serializers import (
    ContractPeriodSummarySerializer,
    ContractSerializer,
    ContractVariationSerializer,
    DeductionDecisionSerializer,
    DeductionSerializer,
    DeductionTotalsSerializer,
    KPICopySerializer,
    KPIReturnAcceptSerializer,
    KPIReturnSendBackSerializer,
    KPIReturnSerializer,
    KPISerializer,
    PerformanceAssessmentConfirmSerializer,
    PerformanceAssessmentSerializer,
    PerformanceConcernResolveSerializer,
    PerformanceConcernSerializer,
    ProviderSerializer,
    SpendFileErrorSerializer,
    SpendImportCreatedSerializer,
    SpendImportResultSerializer,
    SpendImportRollbackSerializer,
    SpendImportSerializer,
    SpendImportUploadSerializer,
    SpendLineSerializer,
    SpendPublisherSerializer,
)
from contracts.choices import COUNTED_RETURN_STATUSES, AssessmentStatus
from contracts.exports import REGISTER_ENCODING, contracts_register_csv, contracts_release_package, register_filename
from contracts.filtersets import (
    ContractFilterSet,
    ContractPeriodSummaryFilterSet,
    ContractVariationFilterSet,
    DeductionFilterSet,
    KPIFilterSet,
    KPIReturnFilterSet,
    PerformanceAssessmentFilterSet,
    PerformanceConcernFilterSet,
    ProviderFilterSet,
    SpendLineFilterSet,
)
from contracts.importers.spend import SpendColumnsMissing, SpendFileError
from contracts.models import Contract
from contracts.notices import performance_notice_package
from contracts.ocds import validate_release_package
from contracts.selectors import (
    assessment_list,
    concern_list,
    contract_list,
    contract_period_summary_list,
    contract_variation_list,
    deduction_list,
    deduction_totals,
    kpi_list,
    kpi_return_list,
    provider_list,
    spend_import_list,
    spend_line_list,
    spend_publisher_list,
)
from contracts.services import (
    contract_create,
    contract_update,
    deduction_apply,
    deduction_dispute,
    deduction_waive,
    kpi_create,
    kpi_return_accept,
    kpi_return_save,
    kpi_return_send_back,
    kpi_set_copy,
    kpi_update,
    performance_assessment_confirm,
    performance_assessment_propose,
    performance_concern_resolve,
    provider_create,
    provider_delete,
    provider_update,
    spend_file_import,
    spend_import_rollback,
)

logger = logging.getLogger(__name__)


class ProviderViewSet(AttributedModelViewSet):
    """Providers: procurement officers and admins add, change and delete them.

    A provider holding contracts cannot be deleted; the refusal says how many.
    """

    queryset = provider_list()
    serializer_class = ProviderSerializer
    filterset_class = ProviderFilterSet
    ordering_fields = ["name", "contract_count", "created"]

    def perform_create(self, serializer):
        reason = self.change_reason(serializer)
        provider = provider_create(actor=self.request.user, reason=reason, **serializer.validated_data)
        serializer.instance = self.reloaded(provider)

    def perform_update(self, serializer):
        reason = self.change_reason(serializer)
        provider = provider_update(
            provider=serializer.instance, data=serializer.validated_data, actor=self.request.user, reason=reason
        )
        serializer.instance = self.reloaded(provider)

    def perform_destroy(self, instance):
        provider_delete(provider=instance, actor=self.request.user, reason=self.change_reason())


class ContractViewSet(AttributedModelViewSet):
    """Contracts: a commissioner adds and changes those of their own directorate; admins any.

    Contracts are not deleted over the API: one that ends is marked expired or terminated,
    so the register, its golden thread and its history stay whole.
    """

    queryset = contract_list()
    serializer_class = ContractSerializer
    filterset_class = ContractFilterSet
    ordering_fields = ["reference", "title", "annual_value", "total_value", "start_date", "current_end_date"]
    directorate_field = "directorate_id"
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def perform_create(self, serializer):
        reason = self.change_reason(serializer)
        contract = contract_create(actor=self.request.user, reason=reason, **serializer.validated_data)
        serializer.instance = self.reloaded(contract)

    def perform_update(self, serializer):
        reason = self.change_reason(serializer)
        contract = contract_update(
            contract=serializer.instance, data=serializer.validated_data, actor=self.request.user, reason=reason
        )
        serializer.instance = self.reloaded(contract)


# --- Contract performance (issue 3) ------------------------------------------------------------------


class ChangeActionPermission(RolePermission):
    """A POST action on one record (accept, send back, resolve, apply, waive, dispute, confirm) changes it,
    so it needs the model's change permission rather than the add permission a POST would otherwise need.
    The directorate rule still applies to the record (has_object_permission)."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not has_any_role(user):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        opts = view.queryset.model._meta
        return user.has_perm(f"{opts.app_label}.change_{opts.model_name}")


def _renamed(exc: DjangoValidationError, names: dict[str, str]) -> DjangoValidationError:
    """A service's field names as the API client wrote them (returned_reason → reason)."""
    if not hasattr(exc, "error_dict"):
        return exc
    return DjangoValidationError({names.get(key, key): errors for key, errors in exc.error_dict.items()})


class _PerformanceViewSetMixin:
    directorate_field = "contract__directorate_id"

    def answer(self, instance, status_code: int = status.HTTP_200_OK) -> Response:
        """The record as the list shows it, after an action changed it."""
        serializer = self.get_serializer_class()(self.reloaded(instance), context=self.get_serializer_context())
        return Response(serializer.data, status=status_code)

    def reloaded(self, instance):
        return self.get_queryset().get(pk=instance.pk)


class KPIViewSet(_PerformanceViewSetMixin, AttributedModelViewSet):
    """KPIs of contracts. A commissioner adds and changes those of their own directorate's contracts.

    KPIs are not deleted (their returns and deductions refer to them): retire one with `is_active: false`.
    """

    queryset = kpi_list()
    serializer_class = KPISerializer
    filterset_class = KPIFilterSet
    ordering_fields = ["code", "name", "contract__reference", "weight", "created"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def perform_create(self, serializer):
        reason = self.change_reason(serializer)
        data = dict(serializer.validated_data)
        kpi = kpi_create(contract=data.pop("contract"), actor=self.request.user, reason=reason, **data)
        serializer.instance = self.reloaded(kpi)

    def perform_update(self, serializer):
        reason = self.change_reason(serializer)
        data = {k: v for k, v in serializer.validated_data.items() if k != "contract"}
        kpi = kpi_update(kpi=serializer.instance, data=data, actor=self.request.user, reason=reason)
        serializer.instance = self.reloaded(kpi)

    @extend_schema(request=KPICopySerializer, responses={201: KPISerializer(many=True)})
    @action(detail=False, methods=["post"], url_path="copy")
    def copy(self, request):
        """Copy the active KPIs of `source_contract_id` onto `contract_id`, skipping codes it already has.
        Answers the KPIs added (none when it had them all)."""
        form = KPICopySerializer(data=request.data)
        form.is_valid(raise_exception=True)
        copies = kpi_set_copy(
            source=form.validated_data["source_contract_id"],
            contract=form.validated_data["contract_id"],
            actor=request.user,
            first_period_start=form.validated_data.get("first_period_start"),
        )
        added = self.get_queryset().filter(pk__in=[kpi.pk for kpi in copies])
        return Response(
            KPISerializer(added, many=True, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
        )


class KPIReturnViewSet(_PerformanceViewSetMixin, AttributedModelViewSet):
    """KPI returns. Saving one derives its RAG and direction of travel, and what follows from them:
    a performance concern, a proposed deduction, the contract's quarter summary.

    Returns are not deleted: a wrong one is corrected, or sent back to the provider.
    """

    queryset = kpi_return_list()
    serializer_class = KPIReturnSerializer
    filterset_class = KPIReturnFilterSet
    ordering_fields = ["period_start", "contract__reference", "kpi__code", "submitted_at", "rag", "status"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def perform_create(self, serializer):
        reason = self.change_reason(serializer)
        data = serializer.validated_data
        kpi, period = data["kpi"], data["period"]
        existing = self.get_queryset().filter(kpi=kpi, period_start=period.start).values_list("pk", flat=True).first()
        if existing is not None:
            raise ValidationError(
                {"period": [f"{kpi.code} already has a return for {period.label} (id {existing}): change that one."]}
            )
        ret = kpi_return_save(
            kpi=kpi,
            period=period,
            actual=data.get("actual"),
            commentary=data.get("commentary", ""),
            submit=data.get("submit", False),
            actor=self.request.user,
            reason=reason,
        )
        serializer.instance = self.reloaded(ret)

    def perform_update(self, serializer):
        reason = self.change_reason(serializer)
        ret, data = serializer.instance, serializer.validated_data
        ret = kpi_return_save(
            kpi=ret.kpi,
            period=ret.period,
            actual=data["actual"] if "actual" in data else ret.actual,
            commentary=data.get("commentary", ret.commentary),
            submit=data.get("submit", ret.status in COUNTED_RETURN_STATUSES),
            actor=self.request.user,
            reason=reason,
        )
        serializer.instance = self.reloaded(ret)

    @extend_schema(request=KPIReturnAcceptSerializer, responses=KPIReturnSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ChangeActionPermission])
    def accept(self, request, pk=None):
        """The commissioner accepts a submitted return as the agreed record."""
        ret = self.get_object()
        form = KPIReturnAcceptSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self.answer(
            kpi_return_accept(kpi_return=ret, actor=request.user, reason=form.validated_data.get("reason", ""))
        )

    @extend_schema(request=KPIReturnSendBackSerializer, responses=KPIReturnSerializer)
    @action(detail=True, methods=["post"], url_path="send-back", permission_classes=[ChangeActionPermission])
    def send_back(self, request, pk=None):
        """Send a submitted return back to the provider, saying why. It stops counting until resubmitted."""
        ret = self.get_object()
        form = KPIReturnSendBackSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            ret = kpi_return_send_back(kpi_return=ret, reason=form.validated_data["reason"], actor=request.user)
        except DjangoValidationError as exc:
            raise _renamed(exc, {"returned_reason": "reason"}) from exc
        return self.answer(ret)


class PerformanceConcernViewSet(_PerformanceViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Performance concerns, raised by the returns (red 2 periods running, or 3 of the last 6).
    A commissioner resolves those of their own directorate with a note."""

    queryset = concern_list()
    serializer_class = PerformanceConcernSerializer
    filterset_class = PerformanceConcernFilterSet
    ordering_fields = ["created", "resolved_at", "contract__reference"]

    @extend_schema(request=PerformanceConcernResolveSerializer, responses=PerformanceConcernSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ChangeActionPermission])
    def resolve(self, request, pk=None):
        concern = self.get_object()
        form = PerformanceConcernResolveSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            concern = performance_concern_resolve(concern=concern, note=form.validated_data["note"], actor=request.user)
        except DjangoValidationError as exc:
            raise _renamed(exc, {"resolution_note": "note"}) from exc
        return self.answer(concern)


_TOTALS_BY = ["contract", "provider", "directorate", "financial_year"]


class DeductionViewSet(_PerformanceViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Deductions (service credits) proposed by red returns. A commissioner applies, waives (with a reason)
    or disputes (with a reason) those of their own directorate. Never deleted."""

    queryset = deduction_list()
    serializer_class = DeductionSerializer
    filterset_class = DeductionFilterSet
    ordering_fields = ["amount", "financial_year", "created", "contract__reference"]

    def _decide(self, request, service):
        deduction = self.get_object()
        form = DeductionDecisionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self.answer(
            service(deduction=deduction, reason=form.validated_data.get("reason", ""), actor=request.user)
        )

    @extend_schema(request=DeductionDecisionSerializer, responses=DeductionSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ChangeActionPermission])
    def apply(self, request, pk=None):
        return self._decide(request, deduction_apply)

    @extend_schema(request=DeductionDecisionSerializer, responses=DeductionSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ChangeActionPermission])
    def waive(self, request, pk=None):
        return self._decide(request, deduction_waive)

    @extend_schema(request=DeductionDecisionSerializer, responses=DeductionSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ChangeActionPermission])
    def dispute(self, request, pk=None):
        return self._decide(request, deduction_dispute)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "by", OpenApiTypes.STR, enum=_TOTALS_BY, description="Group by (default contract)", required=False
            )
        ],
        responses=DeductionTotalsSerializer,
        filters=True,
    )
    @action(detail=False, methods=["get"])
    def totals(self, request):
        """Deductions of the filtered set summed to the penny by status, per contract, provider, directorate
        or financial year (`?by=`), with the grand total."""
        by = request.query_params.get("by") or "contract"
        if by not in _TOTALS_BY:
            raise ValidationError({"by": [f"Group by one of: {', '.join(_TOTALS_BY)}."]})
        rows = deduction_totals(by=by, deductions=self.filter_queryset(self.get_queryset()))
        results = [
            {
                "id": row.key[0],
                "label": row.label,
                "proposed": row.proposed,
                "applied": row.applied,
                "waived": row.waived,
                "disputed": row.disputed,
            }
            for row in rows
        ]
        zero = Decimal("0.00")
        total = {"id": None, "label": "Total"} | {
            status_: sum((r[status_] for r in results), zero)
            for status_ in ("proposed", "applied", "waived", "disputed")
        }
        return Response(DeductionTotalsSerializer({"by": by, "results": results, "total": total}).data)


class PerformanceAssessmentViewSet(_PerformanceViewSetMixin, AttributedModelViewSet):
    """Procurement Act 2023 s.71 performance assessments. Adding one proposes a rating of each key KPI
    from its returns in the period; the commissioner confirms it (changing a rating needs a note).
    A confirmed assessment is published as a contract performance notice."""

    queryset = assessment_list()
    serializer_class = PerformanceAssessmentSerializer
    filterset_class = PerformanceAssessmentFilterSet
    ordering_fields = ["period_end", "period_start", "contract__reference", "confirmed_at"]
    http_method_names = ["get", "post", "head", "options"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        assessment = performance_assessment_propose(
            contract=data["contract"],
            period_start=data["period_start"],
            period_end=data["period_end"],
            reason=data["reason"],
            actor=self.request.user,
        )
        serializer.instance = self.reloaded(assessment)

    @extend_schema(request=PerformanceAssessmentConfirmSerializer, responses=PerformanceAssessmentSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ChangeActionPermission])
    def confirm(self, request, pk=None):
        """Confirm the assessment: `ratings` changes any proposed rating (with a note saying why)."""
        assessment = self.get_object()
        form = PerformanceAssessmentConfirmSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        rated = {row.kpi_id: row.kpi.code for row in assessment.ratings.all()}
        given = form.validated_data.get("ratings", [])
        unknown = sorted({row["kpi_id"] for row in given} - set(rated))
        if unknown:
            raise ValidationError(
                {
                    "ratings": [
                        f"KPI {kpi_id} is not one of the key KPIs rated in this assessment." for kpi_id in unknown
                    ]
                }
            )
        try:
            assessment = performance_assessment_confirm(
                assessment=assessment,
                ratings={row["kpi_id"]: (row["rating"], row.get("note", "")) for row in given},
                note=form.validated_data.get("note", ""),
                actor=request.user,
            )
        except DjangoValidationError as exc:
            if hasattr(exc, "error_dict"):
                errors: dict[str, list] = {}
                for key, messages in exc.message_dict.items():
                    errors.setdefault("ratings" if key.startswith("rating_") else key, []).extend(messages)
                raise ValidationError(errors) from exc
            raise
        return self.answer(assessment)

    @extend_schema(
        request=None,
        responses={200: OpenApiTypes.OBJECT},
        description="The contract performance notice of a confirmed assessment: an OCDS release package "
        "(with the UK extension), as published under the Procurement Act 2023 s.71.",
    )
    @action(detail=True, methods=["get"])
    def notice(self, request, pk=None):
        assessment = self.get_object()
        if assessment.status != AssessmentStatus.CONFIRMED:
            raise NotFound("This assessment is not confirmed yet, so it has no contract performance notice.")
        package = performance_notice_package([assessment], uri=request.build_absolute_uri())
        errors = validate_release_package(package)
        if errors:
            # Never hand out a notice that would be refused on publication (as the notice page does).
            logger.error("Contract performance notice %s is not valid OCDS: %s", assessment.pk, "; ".join(errors))
            raise APIException("This contract performance notice did not pass validation. The problem has been logged.")
        return Response(package)


class ContractPeriodSummaryViewSet(viewsets.ReadOnlyModelViewSet):
    """Each contract's KPIs per quarter: green, amber, red and missing counts, weighted score and RAG.
    The cells of the RAG matrix; filter by contract, directorate, financial year or quarter."""

    queryset = contract_period_summary_list()
    serializer_class = ContractPeriodSummarySerializer
    filterset_class = ContractPeriodSummaryFilterSet
    ordering_fields = ["period_start", "score", "contract__reference"]


# --- Local spend (issue 4): spend publishers, spend lines and spend-file imports ---------------------


class SpendPublisherViewSet(viewsets.ReadOnlyModelViewSet):
    """Bodies that publish spend files, with the column mapping remembered for each one's files."""

    queryset = spend_publisher_list()
    serializer_class = SpendPublisherSerializer
    ordering_fields = ["name", "created"]


class SpendLineViewSet(viewsets.ReadOnlyModelViewSet):
    """Payment lines of the spend files imported, every line counted (repeated transaction numbers and
    identical lines included). Filter as the spend pages and the local spend report do."""

    queryset = spend_line_list()
    serializer_class = SpendLineSerializer
    filterset_class = SpendLineFilterSet
    ordering_fields = ["payment_date", "amount_pence", "supplier_name", "transaction_number", "id"]


def spend_file_error_data(exc: SpendFileError) -> dict:
    """A rejected file's problems as the API answers them (SpendFileErrorSerializer)."""
    data = {
        "errors": exc.messages,
        "problems": [{"row": p.row, "field": p.field, "message": p.message} for p in exc.problems],
        "more": exc.more,
    }
    if isinstance(exc, SpendColumnsMissing):
        data["missing"] = list(exc.missing)
        data["headings"] = [h for h in exc.headings if h]
    return data


class SpendImportViewSet(viewsets.ReadOnlyModelViewSet):
    """Spend files imported: file name and SHA-256, who, when, rows, total and the lines added.

    Procurement officers and admins upload a file (multipart, `file`), all or nothing: any bad row
    rejects the whole file, naming every bad row and field. Importing the same file again adds nothing;
    a file overlapping lines already imported adds only the lines not yet there. `dry_run` checks a
    file and says what would be imported, writing nothing. An import can be rolled back whole.
    """

    queryset = spend_import_list()
    serializer_class = SpendImportSerializer
    ordering_fields = ["created", "file_name", "rows", "total_pence", "lines_added"]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        request={"multipart/form-data": SpendImportUploadSerializer},
        responses={
            201: SpendImportCreatedSerializer,
            200: OpenApiResponse(SpendImportResultSerializer, description="Dry run: what would be imported"),
            400: OpenApiResponse(SpendFileErrorSerializer, description="The file was rejected; nothing was written"),
        },
    )
    def create(self, request):
        form = SpendImportUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        try:
            result = spend_file_import(
                handle=upload.file,
                file_name=upload.name,
                publisher=form.validated_data["publisher"],
                columns=form.validated_data["columns"],
                actor=request.user,
                dry_run=form.validated_data["dry_run"],
            )
        except SpendFileError as exc:
            return Response(spend_file_error_data(exc), status=status.HTTP_400_BAD_REQUEST)
        context = self.get_serializer_context()
        if result.dry_run:
            return Response(SpendImportResultSerializer(result, context=context).data, status=status.HTTP_200_OK)
        spend_import = self.get_queryset().get(pk=result.spend_import.pk)
        spend_import.result = result
        data = SpendImportCreatedSerializer(spend_import, context=context).data
        return Response(data, status=status.HTTP_201_CREATED, headers={"Location": data["url"]})

    @extend_schema(
        request=None,
        responses={
            200: SpendImportRollbackSerializer,
            409: OpenApiResponse(SpendFileErrorSerializer, description="Already rolled back"),
        },
    )
    @action(detail=True, methods=["post"], permission_classes=[ChangeActionPermission])
    def rollback(self, request, pk=None):
        """Remove every line the import added; the record stays, with who rolled it back and when."""
        spend_import = self.get_object()
        try:
            removed = spend_import_rollback(spend_import=spend_import, actor=request.user)
        except SpendFileError as exc:
            return Response(spend_file_error_data(exc), status=status.HTTP_409_CONFLICT)
        fresh = self.get_queryset().get(pk=spend_import.pk)
        return Response(
            {
                "lines_removed": removed,
                "spend_import": SpendImportSerializer(fresh, context=self.get_serializer_context()).data,
            }
        )


# --- Open data out (issue 7): contract variations, the contracts register and OCDS ---------------------


class ContractVariationViewSet(viewsets.ReadOnlyModelViewSet):
    """Contract variations: each change to a contract's whole-life value or current end date, flagged where it
    needs a Procurement Act 2023 contract change notice. Read only: contract_update records them (the contract
    form, the contracts endpoint and the register and OCDS imports)."""

    queryset = contract_variation_list()
    serializer_class = ContractVariationSerializer
    filterset_class = ContractVariationFilterSet
    ordering_fields = ["varied_on", "contract__reference", "value_change_percent", "term_change_percent", "created"]


class CSVRenderer(renderers.BaseRenderer):
    """CSV text as it is. An error (which is not a table) is written as its JSON, so a refusal still says why."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        if isinstance(data, str):
            return data.encode(self.charset)
        return json.dumps(data, ensure_ascii=False).encode(self.charset)


class ContractsRegisterExportView(APIView):
    """The council's contracts register as the Local Government Transparency Code 2015 asks: every contract with
    a whole-life value over £5,000 (or an annual value over £5,000 when the whole-life value is not known), one
    CSV row each, with its supplier, SME and VCS status, values, dates and procurement route. Public data: every
    role may read it."""

    renderer_classes = [renderers.JSONRenderer, CSVRenderer]

    @extend_schema(
        operation_id="exports_contracts_register",
        responses={(200, "text/csv"): OpenApiTypes.STR},
    )
    def get(self, request: Request) -> HttpResponse:
        response = HttpResponse(
            contracts_register_csv().encode(REGISTER_ENCODING), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{register_filename()}"'
        return response


class OCDSExportView(APIView):
    """The council's contracts as one Open Contracting Data Standard 1.1 release package (with the metrics,
    performance failures and UK extensions): one release per contract with its payments (transactions), KPI
    returns (metrics and observations), applied deductions (performance failures) and variations (amendments).
    `contract` (a reference) gives one contract's. Validated before it is handed out. Public data: every role
    may read it."""

    @extend_schema(
        operation_id="exports_ocds",
        parameters=[
            OpenApiParameter(
                "contract", OpenApiTypes.STR, required=False, description="Only this contract (its reference)"
            )
        ],
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="An OCDS 1.1 release package"),
            404: OpenApiResponse(description="No contract has this reference"),
        },
    )
    def get(self, request: Request) -> Response:
        reference = request.query_params.get("contract", "").strip()
        contracts = None
        if reference:
            contracts = Contract.objects.filter(reference__iexact=reference)
            if not contracts.exists():
                raise NotFound("No contract has this reference.")
        try:
            package = contracts_release_package(contracts=contracts, uri=request.build_absolute_uri())
        except ValueError as exc:
            raise NotFound(str(exc)) from exc
        errors = validate_release_package(package)
        if errors:
            logger.error("The OCDS export is not valid: %s", "; ".join(errors[:50]))
            raise APIException("The OCDS export did not pass validation. The problem has been logged.")
        return Response(package)
