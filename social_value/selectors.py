"""Reads of the social value app.

- Local spend (issue 4): spend lines grouped in the database, so the report's pandas work is on
  a few thousand grouped rows, not on every line.
- Social value (issue 5): commitments with what has been delivered, against their profile.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from contracts.models import SpendLine
from social_value import rules
from social_value.models import COUNTED_DELIVERY_STATUSES, SocialValueCommitment

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


# ---------------------------------------------------------------- social value (issue 5)


@dataclass(frozen=True)
class CommitmentProgress:
    """A commitment with what has been delivered (verified returns only) against its profile."""

    commitment: SocialValueCommitment
    delivered: Decimal
    delivered_value: Decimal
    share: Decimal | None
    expected: Decimal
    shortfall: Decimal
    status: str

    @property
    def status_label(self) -> str:
        return rules.ProfileStatus(self.status).label


def commitment_list() -> QuerySet[SocialValueCommitment]:
    """Commitments with their contract, provider, directorate and measure, and the verified
    quantity delivered against each (one query)."""
    verified = Q(returns__status__in=list(COUNTED_DELIVERY_STATUSES))
    return SocialValueCommitment.objects.select_related(
        "contract__provider", "contract__directorate", "measure__outcome__theme"
    ).annotate(delivered=Coalesce(Sum("returns__quantity", filter=verified), Decimal("0")))


def commitment_progress(commitments: Iterable[SocialValueCommitment], *, on: datetime.date) -> list[CommitmentProgress]:
    """Progress of commitments from `commitment_list()` on a day: delivered units and £ (at the
    commitment's proxy), % of the commitment, the straight-line expectation, shortfall and status."""
    found = []
    for c in commitments:
        delivered = Decimal(c.delivered)
        total = Decimal(c.total_quantity)
        found.append(
            CommitmentProgress(
                commitment=c,
                delivered=delivered,
                delivered_value=rules.social_value(delivered, c.proxy_value),
                share=rules.delivered_share(delivered, total),
                expected=rules.expected_by(total, start=c.start_date, due=c.due_date, on=on),
                shortfall=rules.shortfall(delivered, total, start=c.start_date, due=c.due_date, on=on),
                status=rules.profile_status(delivered, total, start=c.start_date, due=c.due_date, on=on),
            )
        )
    return found
