"""Reads behind the local spend pages (issue 4): spend lines grouped in the database, so the
report's pandas work is on a few thousand grouped rows, not on every line."""

from __future__ import annotations

from django.db.models import Count, Max, QuerySet, Sum

from contracts.models import SpendLine

# The provider facts every grouping carries, so each figure can be split by classification.
CLASSIFICATION = ("redacted", "provider__location", "provider__size", "provider__sector")

# Breakdowns the report offers, and the spend line column each groups by.
DIMENSIONS = {
    "service_area": "service_area",
    "expense_type": "expense_type",
    "capital_revenue": "capital_revenue",
}


def spend_by_supplier(lines: QuerySet[SpendLine]) -> list[dict]:
    """Spend per supplier name and provider, with the provider's classification (one query)."""
    return list(
        lines.order_by()
        .values("provider_id", "normalised_supplier", *CLASSIFICATION)
        .annotate(
            pence=Sum("amount_pence"),
            lines=Count("id"),
            provider_name=Max("provider__name"),
            supplier_name=Max("supplier_name"),
        )
    )


def spend_by_dimension(lines: QuerySet[SpendLine], dimension: str) -> list[dict]:
    """Spend per value of one dimension (service area, expense type, capital or revenue), split
    by classification (one query)."""
    column = DIMENSIONS[dimension]
    return list(lines.order_by().values(column, *CLASSIFICATION).annotate(pence=Sum("amount_pence"), lines=Count("id")))


def spend_by_day(lines: QuerySet[SpendLine]) -> list[dict]:
    """Spend per payment date, split by classification (one query); months, quarters and
    financial years are built from the days in pandas. Grouping by the date column itself keeps
    the work in the database's own GROUP BY (truncating to months on SQLite calls back into
    Python once per line)."""
    return list(
        lines.order_by().values("payment_date", *CLASSIFICATION).annotate(pence=Sum("amount_pence"), lines=Count("id"))
    )


def spend_by_contract(lines: QuerySet[SpendLine]) -> list[dict]:
    """Spend per contract, for lines linked to one (one query)."""
    return list(
        lines.filter(contract__isnull=False)
        .order_by()
        .values("contract_id", "contract__reference", "contract__title", "provider__name")
        .annotate(pence=Sum("amount_pence"), lines=Count("id"))
    )
