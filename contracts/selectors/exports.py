"""Reads behind the open data the council publishes (issue 7): the Transparency Code contracts register, the
OCDS release package of its contracts, and contract variations. Each runs a fixed number of queries, whatever
the number of contracts, payments, KPIs, returns, deductions or variations."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet

from contracts.choices import COUNTED_RETURN_STATUSES, DeductionStatus
from contracts.models import KPI, Contract, ContractVariation, Deduction, KPIReturn, SpendLine

# Local Government Transparency Code 2015, part 2 ("Contracts"): publish details of every contract with a
# value that exceeds £5,000.
REGISTER_THRESHOLD = Decimal("5000")


def register_threshold_q() -> Q:
    """Contracts over the Transparency Code's £5,000: by whole-life (total) value, or by annual value where the
    total is not known. A contract with neither value known cannot be shown to be over £5,000 and is left out."""
    return Q(total_value__gt=REGISTER_THRESHOLD) | Q(total_value__isnull=True, annual_value__gt=REGISTER_THRESHOLD)


def contracts_register_rows(*, contracts: QuerySet[Contract] | None = None) -> QuerySet[Contract]:
    """The contracts the Transparency Code contracts register lists (see `register_threshold_q`), by reference,
    with their provider and directorate. One query."""
    queryset = contracts if contracts is not None else Contract.objects.all()
    return queryset.filter(register_threshold_q()).select_related("provider", "directorate").order_by("reference")


def contracts_for_ocds(*, contracts: QuerySet[Contract] | None = None) -> QuerySet[Contract]:
    """Contracts with what their OCDS release holds: the provider; the payments linked to each (spend lines,
    oldest first, leaving out redacted lines: payments to individuals are not payments to the supplier); its KPIs
    with their counted returns (submitted or accepted, with an actual value); its applied deductions; its
    variations, oldest first. Six queries, whatever the number of contracts."""
    queryset = contracts if contracts is not None else Contract.objects.all()
    counted_returns = KPIReturn.objects.filter(status__in=COUNTED_RETURN_STATUSES, actual__isnull=False).order_by(
        "period_start", "pk"
    )
    return (
        queryset.select_related("provider", "directorate")
        .prefetch_related(
            Prefetch(
                "spend_lines",
                queryset=SpendLine.objects.filter(redacted=False).order_by("payment_date", "pk"),
                to_attr="ocds_spend_lines",
            ),
            Prefetch(
                "kpis",
                queryset=KPI.objects.order_by("code", "pk").prefetch_related(
                    Prefetch("returns", queryset=counted_returns, to_attr="ocds_returns")
                ),
                to_attr="ocds_kpis",
            ),
            Prefetch(
                "deductions",
                queryset=Deduction.objects.filter(status=DeductionStatus.APPLIED)
                .select_related("kpi", "kpi_return__kpi")
                .order_by("kpi_return__period_start", "kpi__code", "pk"),
                to_attr="ocds_deductions",
            ),
            Prefetch(
                "variations",
                queryset=ContractVariation.objects.order_by("varied_on", "pk"),
                to_attr="ocds_variations",
            ),
        )
        .order_by("reference")
    )


def contract_variation_list() -> QuerySet[ContractVariation]:
    """Contract variations, newest first, with the contract, its provider and directorate, and who varied it."""
    return ContractVariation.objects.select_related(
        "contract", "contract__provider", "contract__directorate", "varied_by"
    ).order_by("-varied_on", "-pk")


def variations_of_contract(*, contract: Contract) -> QuerySet[ContractVariation]:
    """One contract's variations, newest first, with who varied it. One query."""
    return ContractVariation.objects.filter(contract=contract).select_related("varied_by").order_by("-varied_on", "-pk")
