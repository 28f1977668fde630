"""Reads of spend lines, spend imports and unmatched suppliers (issue 4)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from rapidfuzz import fuzz, process

from commissioning.db import pence_to_pounds
from contracts.models import Provider, SpendImport, SpendLine, SpendPublisher

# Close names at or above this rapidfuzz score (0-100) are suggested for a person to confirm.
# None is ever linked automatically: "Smith Care Ltd" and "Smith Cars Ltd" score 93.
SUGGESTION_SCORE = 85
SUGGESTIONS_PER_SUPPLIER = 3


def spend_line_list() -> QuerySet[SpendLine]:
    """Spend lines with their publisher, provider and contract, for lists and the API."""
    return SpendLine.objects.select_related("publisher", "provider", "contract", "spend_import")


def spend_publisher_list() -> QuerySet[SpendPublisher]:
    return SpendPublisher.objects.all()


def spend_import_list() -> QuerySet[SpendImport]:
    return SpendImport.objects.select_related("publisher", "imported_by", "rolled_back_by")


def spend_import_get(pk: int) -> SpendImport:
    return spend_import_list().get(pk=pk)


@dataclass(frozen=True)
class Suggestion:
    provider_id: int
    provider_name: str
    score: int


@dataclass
class UnmatchedSupplier:
    """A supplier name no provider has been matched to, with its lines and spend."""

    normalised_name: str
    name: str
    lines: int
    total_pence: int
    company_number: str
    charity_number: str
    first_date: object
    last_date: object
    suggestions: list[Suggestion]

    @property
    def total(self):
        return pence_to_pounds(self.total_pence)


def unmatched_suppliers_queryset(lines: QuerySet[SpendLine] | None = None) -> QuerySet:
    """Unmatched, unredacted spend grouped by supplier name, largest first (one query)."""
    lines = SpendLine.objects.all() if lines is None else lines
    return (
        lines.filter(provider__isnull=True, redacted=False)
        .values("normalised_supplier")
        .annotate(
            name=Max("supplier_name"),
            lines=Count("id"),
            total_pence=Sum("amount_pence"),
            company_number=Max("company_number"),
            charity_number=Max("charity_number"),
            first_date=Min("payment_date"),
            last_date=Max("payment_date"),
        )
        .order_by("-total_pence", "normalised_supplier")
    )


def supplier_suggestions(names: list[str]) -> dict[str, list[Suggestion]]:
    """Close provider names for each normalised supplier name (two queries whatever the count)."""
    if not names:
        return {}
    providers = list(Provider.objects.values_list("id", "name", "normalised_name"))
    choices = {pid: normalised for pid, _name, normalised in providers}
    display = {pid: name for pid, name, _normalised in providers}
    found: dict[str, list[Suggestion]] = {}
    for name in names:
        hits = process.extract(
            name, choices, scorer=fuzz.token_sort_ratio, score_cutoff=SUGGESTION_SCORE, limit=SUGGESTIONS_PER_SUPPLIER
        )
        found[name] = [Suggestion(pid, display[pid], round(score)) for _choice, score, pid in hits]
    return found


def unmatched_suppliers(rows: list[dict]) -> list[UnmatchedSupplier]:
    """One page of `unmatched_suppliers_queryset` rows, with close-name suggestions."""
    suggestions = supplier_suggestions([r["normalised_supplier"] for r in rows])
    return [
        UnmatchedSupplier(
            normalised_name=r["normalised_supplier"],
            name=r["name"],
            lines=r["lines"],
            total_pence=r["total_pence"] or 0,
            company_number=r["company_number"] or "",
            charity_number=r["charity_number"] or "",
            first_date=r["first_date"],
            last_date=r["last_date"],
            suggestions=suggestions.get(r["normalised_supplier"], []),
        )
        for r in rows
    ]


def spend_line_counts(lines: QuerySet[SpendLine]) -> dict:
    """How many of these lines there are, matched, unmatched, redacted and linked to a contract,
    and their total in pence (one query)."""
    return lines.order_by().aggregate(
        lines=Count("id"),
        matched=Count("id", filter=Q(provider__isnull=False)),
        unmatched=Count("id", filter=Q(provider__isnull=True, redacted=False)),
        redacted=Count("id", filter=Q(redacted=True)),
        with_contract=Count("id", filter=Q(contract__isnull=False)),
        pence=Coalesce(Sum("amount_pence"), 0),
    )


def spend_line_totals(lines: QuerySet[SpendLine]) -> dict:
    """The lines' count and total in pence (one query)."""
    return lines.order_by().aggregate(lines=Count("id"), pence=Coalesce(Sum("amount_pence"), 0))


def unmatched_line_totals(lines: QuerySet[SpendLine] | None = None) -> dict:
    """Count and total (pence) of the unmatched, unredacted lines among `lines` (one query)."""
    lines = SpendLine.objects.all() if lines is None else lines
    return spend_line_totals(lines.filter(provider__isnull=True, redacted=False))


def unmatched_line_count(normalised_names: list[str]) -> int:
    """How many unmatched lines carry these supplier names: the lines a confirmation will match."""
    return SpendLine.objects.filter(
        normalised_supplier__in=normalised_names, provider__isnull=True, redacted=False
    ).count()


def contract_spend(*, contract) -> dict:
    """What the published spend files show paid under a contract: lines, total (Decimal pounds)
    and the last payment date (one query). Lines are linked to a contract by
    contracts.services.spend_lines_link_contracts."""
    found = SpendLine.objects.filter(contract=contract).aggregate(
        lines=Count("id"), pence=Coalesce(Sum("amount_pence"), 0), last_payment=Max("payment_date")
    )
    found["total"] = pence_to_pounds(found.pop("pence"))
    return found
