"""Reads of providers and contracts. The only place that decides joins for them."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import Count, Q, QuerySet

from commissioning import as_at
from commissioning.db import money_sum, pence_to_pounds
from contracts.choices import ContractStatus
from contracts.models import Contract, Provider


def provider_list() -> QuerySet[Provider]:
    return Provider.objects.annotate(
        contract_count=Count("contracts", distinct=True),
        active_contract_count=Count("contracts", filter=Q(contracts__status=ContractStatus.ACTIVE), distinct=True),
    ).order_by("name")


def provider_get(*, pk: int) -> Provider:
    return provider_list().get(pk=pk)


def contract_list() -> QuerySet[Contract]:
    return Contract.objects.select_related("provider", "directorate", "commissioner").order_by("reference")


def contract_get(*, pk: int) -> Contract:
    return contract_list().get(pk=pk)


def contracts_of_provider(*, provider: Provider) -> QuerySet[Contract]:
    return contract_list().filter(provider=provider).order_by("-current_end_date")


def ending_soon_horizon(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    today = today or as_at.today()
    return today, today + relativedelta(months=settings.CONTRACT_ENDING_SOON_MONTHS)


def ending_soon_q(today: datetime.date | None = None, prefix: str = "") -> Q:
    """Active contracts whose current end date falls within the next six months."""
    start, end = ending_soon_horizon(today)
    return Q(**{f"{prefix}status": ContractStatus.ACTIVE, f"{prefix}current_end_date__range": (start, end)})


def contracts_ending_soon(
    *, today: datetime.date | None = None, directorate_id: int | None = None
) -> QuerySet[Contract]:
    qs = contract_list().filter(ending_soon_q(today)).order_by("current_end_date")
    if directorate_id is not None:
        qs = qs.filter(directorate_id=directorate_id)
    return qs


@dataclass(frozen=True)
class ContractTotals:
    count: int
    annual_value: Decimal
    total_value: Decimal


def contract_totals(queryset: QuerySet[Contract]) -> ContractTotals:
    """Count and pence-exact value of a set of contracts, in one query."""
    row = queryset.order_by().aggregate(
        count=Count("id"), annual=money_sum("annual_value"), total=money_sum("total_value")
    )
    return ContractTotals(row["count"], pence_to_pounds(row["annual"]), pence_to_pounds(row["total"]))
