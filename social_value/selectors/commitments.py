"""Reads of social value commitments and their delivery (issue 5)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from social_value import rules
from social_value.models import COUNTED_DELIVERY_STATUSES, SocialValueCommitment


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
