"""API endpoints of the golden thread: outcome links (written through outcomes_link.services)
and three read-only views of the thread: the whole overview, one supporting outcome, one contract.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from commissioning.api.views import AttributedModelViewSet
from commissioning.models import SupportingOutcome
from commissioning.selectors import supporting_outcome_get
from contracts.models import Contract
from contracts.selectors import contract_get
from outcomes_link.api import serializers as s
from outcomes_link.filtersets import OutcomeLinkFilterSet
from outcomes_link.models import OutcomeLink
from outcomes_link.selectors import (
    OutcomeFigures,
    contract_thread,
    outcome_link_list,
    outcome_overview,
    supporting_outcome_figures,
    supporting_outcome_links,
)
from outcomes_link.services import outcome_link_create, outcome_link_delete, outcome_link_update


class OutcomeLinkViewSet(AttributedModelViewSet):
    """Links from contracts to supporting outcomes. A commissioner writes those of their own
    directorate's contracts; a share taking a contract past 100% is refused with its current total."""

    queryset = outcome_link_list()
    serializer_class = s.OutcomeLinkSerializer
    filterset_class = OutcomeLinkFilterSet
    ordering_fields = ["contribution_share", "contract__reference", "supporting_outcome__code"]
    directorate_field = "contract__directorate_id"

    def perform_create(self, serializer):
        reason = self.change_reason(serializer)
        link = outcome_link_create(actor=self.request.user, reason=reason, **serializer.validated_data)
        serializer.instance = self.reloaded(link)

    def perform_update(self, serializer):
        reason = self.change_reason(serializer)
        link = outcome_link_update(
            link=serializer.instance, data=serializer.validated_data, actor=self.request.user, reason=reason
        )
        serializer.instance = self.reloaded(link)

    def perform_destroy(self, instance):
        outcome_link_delete(link=instance, actor=self.request.user, reason=self.change_reason())


@dataclass
class SupportingOutcomeThread:
    outcome: SupportingOutcome
    figures: OutcomeFigures
    links: list[OutcomeLink]


@dataclass
class ContractThread:
    contract: Contract
    share_total: Decimal
    links: list[OutcomeLink]


class GoldenThreadView(APIView):
    """The golden thread of the default framework: strategic → supporting outcomes, with active contracts and £."""

    @extend_schema(responses=s.OverviewSerializer, operation_id="golden_thread_overview")
    def get(self, request: Request) -> Response:
        overview = outcome_overview()
        return Response(s.OverviewSerializer(overview, context={"request": request}).data)


class SupportingOutcomeThreadView(APIView):
    """One supporting outcome of the default framework (by code, e.g. 1.2): its place in the
    framework, its figures (active contracts) and every contract linked to it."""

    @extend_schema(responses=s.SupportingOutcomeThreadSerializer, operation_id="golden_thread_supporting_outcome")
    def get(self, request: Request, code: str) -> Response:
        try:
            outcome = supporting_outcome_get(code=code)
        except SupportingOutcome.DoesNotExist:
            raise Http404(f"There is no supporting outcome {code} in the default framework.") from None
        links = list(supporting_outcome_links(supporting_outcome=outcome))
        for link in links:
            # Every link here is this outcome's; saves a query per link when each is displayed.
            link.supporting_outcome = outcome
        thread = SupportingOutcomeThread(outcome, supporting_outcome_figures(supporting_outcome=outcome), links)
        return Response(s.SupportingOutcomeThreadSerializer(thread, context={"request": request}).data)


class ContractThreadView(APIView):
    """One contract up the thread: each link with its supporting outcome, strategic outcome and framework."""

    @extend_schema(responses=s.ContractThreadSerializer, operation_id="golden_thread_contract")
    def get(self, request: Request, pk: int) -> Response:
        try:
            contract = contract_get(pk=pk)
        except Contract.DoesNotExist:
            raise Http404("There is no contract with that id.") from None
        links = list(contract_thread(contract=contract))
        for link in links:
            link.contract = contract
        share_total = sum((link.contribution_share for link in links), Decimal("0"))
        thread = ContractThread(contract, share_total, links)
        return Response(s.ContractThreadSerializer(thread, context={"request": request}).data)
