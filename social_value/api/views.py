"""API of social value.

Local spend (issue 4): the annual report's table for any filtered set of spend lines.

Social value (issue 5): the measures catalogue, commitments (added and varied, never deleted), delivery
returns (submitted, then verified or rejected) and figures grouped by theme, measure, area, directorate,
provider or outcome. Writes go through social_value.services, which apply the directorate rule.
"""

import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from django.core.exceptions import ValidationError as DjangoValidationError
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from commissioning import as_at
from commissioning.api.views import AttributedModelViewSet, ReferenceRecordViewSet
from contracts.api.views import ChangeActionPermission
from contracts.filtersets import SpendLineFilterSet
from contracts.selectors import spend_line_list
from social_value.api.serializers import (
    BREAKDOWNS,
    DeliveryReturnRejectSerializer,
    DeliveryReturnSerializer,
    LocalSpendSerializer,
    SocialValueCommitmentSerializer,
    SocialValueFiguresQuerySerializer,
    SocialValueFiguresSerializer,
    SocialValueMeasureSerializer,
)
from social_value.filtersets import DeliveryReturnFilterSet, SocialValueCommitmentFilterSet, SocialValueMeasureFilterSet
from social_value.models import CouncilArea
from social_value.reports import BreakdownRow, LocalSpendReport
from social_value.selectors import (
    SocialValueFigures,
    by_strategic_outcome,
    by_supporting_outcome,
    commitment_list,
    commitment_progress,
    figures_by,
    figures_total,
    measure_outcomes,
)
from social_value.selectors.commitments import delivery_return_list, measure_list
from social_value.services import (
    commitment_create,
    commitment_vary,
    delivery_return_reject,
    delivery_return_submit,
    delivery_return_verify,
)

_ROW_MONEY = (
    "total_spend",
    "kent_spend",
    "sme_spend",
    "kent_sme_spend",
    "vcs_spend",
    "unknown_location_spend",
    "redacted_spend",
)


def breakdown_row_json(row: BreakdownRow) -> dict:
    """One breakdown row with money as strings with two decimals, as LocalSpendSummary.as_json writes it."""
    return {
        "key": row.key,
        "label": row.label,
        "lines": row.lines,
        **{name: f"{row.pounds(name):.2f}" for name in _ROW_MONEY},
        "kent_share": None if row.kent_share is None else str(row.kent_share),
    }


class LocalSpendView(generics.GenericAPIView):
    """How much of the council's spend reaches Kent-based suppliers, SMEs, micro-businesses and the VCS,
    for the spend lines the filters choose (as the local spend page filters them). Every figure comes
    with the spend whose location, size or sector is unknown: unknown is never counted as not local.
    Money in pounds as strings with two decimals. `breakdown` adds the spend per financial year
    (April to March), quarter, month, service area, expense type or capital/revenue."""

    queryset = spend_line_list()
    filterset_class = SpendLineFilterSet
    filter_backends = [DjangoFilterBackend]
    pagination_class = None

    @extend_schema(
        operation_id="local_spend_summary",
        responses=LocalSpendSerializer,
        filters=True,
        parameters=[
            OpenApiParameter("breakdown", OpenApiTypes.STR, enum=BREAKDOWNS, required=False, description="Add rows"),
        ],
    )
    def get(self, request: Request) -> Response:
        breakdown = request.query_params.get("breakdown", "")
        if breakdown and breakdown not in BREAKDOWNS:
            raise ValidationError({"breakdown": [f"Break the spend down by one of: {', '.join(BREAKDOWNS)}."]})
        # DjangoFilterBackend answers 400 with the filter errors when a filter value is bad.
        report = LocalSpendReport(self.filter_queryset(self.get_queryset()))
        data = report.summary().as_json()
        if breakdown:
            data["breakdown"] = {"by": breakdown, "rows": [breakdown_row_json(r) for r in report.breakdown(breakdown)]}
        return Response(data)


# --- Social value (issue 5) ----------------------------------------------------------------------------


class SocialValueMeasureViewSet(ReferenceRecordViewSet):
    """The council's social value measures catalogue, with each measure's proxy values and the one in
    force today. Every role reads it; admins add, change and delete measures (a measure with
    commitments cannot be deleted: retire it with `is_active: false`)."""

    queryset = measure_list()
    serializer_class = SocialValueMeasureSerializer
    filterset_class = SocialValueMeasureFilterSet
    ordering_fields = ["code", "name", "unit", "area"]


class SocialValueCommitmentViewSet(AttributedModelViewSet):
    """Social value commitments of contracts, with their progress on the day `on` (default today).
    A commissioner adds and varies those of their own directorate's contracts; admins any. Varying
    needs a `reason`. Commitments are not deleted: one that changes is varied, keeping its history."""

    # A grouped query (the delivered sum) does not take the model's default ordering: say it, for paging.
    queryset = commitment_list().order_by("contract__reference", "measure__code", "pk")
    serializer_class = SocialValueCommitmentSerializer
    filterset_class = SocialValueCommitmentFilterSet
    ordering_fields = ["contract__reference", "measure__code", "committed_on", "due_date", "committed_value"]
    directorate_field = "contract__directorate_id"
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "on": SocialValueCommitmentFilterSet.day(self.request.query_params)}

    def perform_create(self, serializer):
        # The service records the commitment's history as "Commitment recorded"; a reason sent is not needed.
        self.change_reason(serializer)
        commitment = commitment_create(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.reloaded(commitment)

    def perform_update(self, serializer):
        reason = self.change_reason(serializer)
        commitment = commitment_vary(
            commitment=serializer.instance, reason=reason, actor=self.request.user, **serializer.validated_data
        )
        serializer.instance = self.reloaded(commitment)


class DeliveryReturnViewSet(AttributedModelViewSet):
    """Delivery returns: what was delivered against a commitment in a period, with evidence. A
    commissioner submits, verifies and rejects (with a reason) those of their own directorate's
    contracts; admins any. Only verified returns count. Returns are not changed or deleted."""

    queryset = delivery_return_list()
    serializer_class = DeliveryReturnSerializer
    filterset_class = DeliveryReturnFilterSet
    ordering_fields = ["period_start", "period_end", "created", "status"]
    directorate_field = "commitment__contract__directorate_id"
    http_method_names = ["get", "post", "head", "options"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        request={
            "application/json": DeliveryReturnSerializer,
            "multipart/form-data": DeliveryReturnSerializer,
        }
    )
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        self.change_reason(serializer)  # the service records "Delivery return submitted"
        delivery = delivery_return_submit(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.reloaded(delivery)

    def answer(self, delivery) -> Response:
        return Response(self.get_serializer(self.reloaded(delivery)).data)

    @extend_schema(request=None, responses=DeliveryReturnSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ChangeActionPermission])
    def verify(self, request, pk=None):
        """Verify a submitted return: from now on it counts as delivered."""
        return self.answer(delivery_return_verify(delivery=self.get_object(), actor=request.user))

    @extend_schema(request=DeliveryReturnRejectSerializer, responses=DeliveryReturnSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ChangeActionPermission])
    def reject(self, request, pk=None):
        """Reject a submitted return, saying why; it does not count."""
        delivery = self.get_object()
        form = DeliveryReturnRejectSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            delivery = delivery_return_reject(
                delivery=delivery, reason=form.validated_data["reason"], actor=request.user
            )
        except DjangoValidationError as exc:
            if hasattr(exc, "error_dict") and "rejection_reason" in exc.error_dict:
                raise ValidationError({"reason": exc.message_dict["rejection_reason"]}) from exc
            raise
        return self.answer(delivery)


@dataclass(frozen=True)
class FiguresRow:
    key: str
    label: str
    figures: SocialValueFigures


def _code_order(code: str) -> tuple:
    """Order codes as people read them: numeric parts compare as numbers (2.9 before 2.10)."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"[.\-]", code))


_AREA_ORDER = {value: n for n, value in enumerate(CouncilArea.values)}


@dataclass(frozen=True)
class _Grouping:
    """How commitments are grouped: the groups each belongs to, and each group's key, label and order."""

    groups: Callable[[dict], Callable]  # measure_outcomes() -> progress -> groups
    describe: Callable[[Hashable], tuple[str, str, tuple]]
    note: str = ""


_GROUPINGS: dict[str, _Grouping] = {
    "theme": _Grouping(
        lambda _: lambda p: [p.commitment.measure.outcome.theme],
        lambda t: (t.code, t.name, (t.order, t.code)),
    ),
    "measure": _Grouping(
        lambda _: lambda p: [p.commitment.measure],
        lambda m: (m.code, m.name, _code_order(m.code)),
    ),
    "area": _Grouping(
        lambda _: lambda p: [p.commitment.measure.area],
        lambda a: (a, CouncilArea(a).label if a else "No council area", (_AREA_ORDER.get(a, len(_AREA_ORDER)),)),
    ),
    "directorate": _Grouping(
        lambda _: lambda p: [p.commitment.contract.directorate],
        lambda d: (d.code, d.name, (d.order, d.name)),
    ),
    "provider": _Grouping(
        lambda _: lambda p: [p.commitment.contract.provider],
        lambda pr: (str(pr.pk), pr.name, (pr.name.casefold(), pr.pk)),
    ),
    "supporting_outcome": _Grouping(
        by_supporting_outcome,
        lambda o: (o.code, o.title, _code_order(o.code)),
        note="A commitment counts in full for each supporting outcome its measure serves, so these rows do not "
        "add up to the total; a commitment whose measure serves no supporting outcome is in no row.",
    ),
    "strategic_outcome": _Grouping(
        by_strategic_outcome,
        lambda s: (s[1], s[2], _code_order(s[1])),
        note="A commitment counts once for each strategic outcome its measure's supporting outcomes reach, so "
        "these rows need not add up to the total; a commitment whose measure serves no outcome is in no row.",
    ),
}


class SocialValueFiguresView(generics.GenericAPIView):
    """Social value committed against delivered (verified), grouped `by` theme, measure, council area,
    directorate, provider, supporting outcome or strategic outcome, on the day `on` (default today), for
    the commitments the filters choose. £ at each commitment's proxy value; contract value counted once
    per contract; units only by measure. By outcome, rows do not add up to the total (see `note`)."""

    queryset = commitment_list()
    filterset_class = SocialValueCommitmentFilterSet
    filter_backends = [DjangoFilterBackend]
    pagination_class = None

    @extend_schema(
        operation_id="social_value_figures",
        responses=SocialValueFiguresSerializer,
        filters=True,
        parameters=[SocialValueFiguresQuerySerializer],
    )
    def get(self, request: Request) -> Response:
        query = SocialValueFiguresQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        by = query.validated_data["by"]
        on = query.validated_data.get("on") or as_at.today()
        grouping = _GROUPINGS[by]
        outcomes = measure_outcomes() if by in ("supporting_outcome", "strategic_outcome") else {}
        progress = commitment_progress(self.filter_queryset(self.get_queryset()), on=on)
        described = [
            (grouping.describe(group), f) for group, f in figures_by(progress, grouping.groups(outcomes)).items()
        ]
        rows = [FiguresRow(key, label, f) for (key, label, _), f in sorted(described, key=lambda row: row[0][2])]
        data = {
            "by": by,
            "on": on,
            "note": grouping.note,
            "total": FiguresRow("", "All commitments", figures_total(progress)),
            "rows": rows,
        }
        return Response(SocialValueFiguresSerializer(data, context={"by": by}).data)
