"""API of the local spend analysis (issue 4): the annual report's table for any filtered set of spend lines."""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from contracts.filtersets import SpendLineFilterSet
from contracts.selectors import spend_line_list
from social_value.api.serializers import BREAKDOWNS, LocalSpendSerializer
from social_value.reports import BreakdownRow, LocalSpendReport

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
