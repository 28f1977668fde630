"""Contract variations in the demonstration set (`manage.py demo`, issue 7).

A few of the demo's active contracts are varied through contracts.services.contract_update, as a
commissioner would vary them on the contract form, so each variation is recorded, and flagged where it
needs a Procurement Act 2023 contract change notice, exactly as in use:

- three inflationary uplifts of 3% to 8% of the whole-life value, agreed at a contract review (not flagged);
- two increases of 12% to 25% for extra demand (flagged), and one reduction of 12% to 20% after a budget
  review (flagged);
- one short extension of the term, under 10%, to line the contract up with its re-procurement (not flagged),
  and one of a year or more, over 10%, while the service is re-commissioned (flagged), each with the
  whole-life value raised in proportion.

Each is dated on a working day between four months after the contract started and a week ago, by the
contract's commissioner (or the system when it has none). Only active contracts with no extension taken,
started at least six months ago and ending at least three months from now, are chosen, so the change
falls within the contract's life and no payment already made moves to another contract; the term is
changed only on contracts without social value commitments, which fall due at the end as it stood.

Run last, after spend, social value and outcome measures, so nothing else the demo plans depends on it.
Planned from `random.Random` seeded with the demo's seed. Idempotent: when any demo contract already has a
variation, nothing is done.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from contracts.choices import ContractStatus
from contracts.models import Contract, ContractVariation
from contracts.services import contract_update
from outcomes_link.demo import DEFAULT_SEED, DemoResult, demo_plan
from social_value.models import SocialValueCommitment

UPLIFT = "Annual inflationary uplift agreed at the contract review (CPI and the National Living Wage)"
DEMAND = "Additional capacity commissioned to meet rising demand"
REDUCTION = "Service reduced after the budget review; volumes agreed with the provider"
SHORT_EXTENSION = "Term extended by a few months to line the contract up with its re-procurement"
LONG_EXTENSION = "Term extended while the service is re-commissioned; value raised in proportion"


@dataclass(frozen=True)
class VariationPlan:
    reference: str
    data: dict  # the fields contract_update changes: total_value, and end_date for a change of term
    varied_on: datetime.date
    reason: str


def _weekday(day: datetime.date) -> datetime.date:
    return day + datetime.timedelta(days=max(0, 7 - day.weekday()) if day.weekday() >= 5 else 0)


def _pounds(value: Decimal) -> Decimal:
    """To the nearest £100, as a negotiated figure would be."""
    return (value / 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP) * 100


def _months(start: datetime.date, end: datetime.date) -> int:
    span = relativedelta(end + datetime.timedelta(days=1), start)
    return span.years * 12 + span.months


def variation_plan(
    contracts: list[Contract], *, seed: int, today: datetime.date, keep_term: frozenset[str] = frozenset()
) -> list[VariationPlan]:
    """The variations to make to `contracts` (the candidates, by reference): see the module docstring. The term of
    a contract in `keep_term` (references) is not changed."""
    rng = random.Random(f"{seed}:variations")
    candidates = [
        c
        for c in sorted(contracts, key=lambda c: c.reference)
        if c.status == ContractStatus.ACTIVE
        and not c.extension_months_taken
        and c.total_value
        and c.start_date
        and c.end_date
        and c.start_date <= today - relativedelta(months=6)
        and c.end_date >= today + relativedelta(months=3)
    ]
    # The term changes need a term long enough for a few months to be under 10% of it.
    long_enough = [c for c in candidates if _months(c.start_date, c.end_date) >= 48 and c.reference not in keep_term]
    plans: list[VariationPlan] = []
    used: set[str] = set()

    def pick(pool: list[Contract]) -> Contract | None:
        pool = [c for c in pool if c.reference not in used]
        if not pool:
            return None
        chosen = rng.choice(pool)
        used.add(chosen.reference)
        return chosen

    def varied_on(contract: Contract) -> datetime.date:
        first = contract.start_date + relativedelta(months=4)
        last = today - datetime.timedelta(days=7)
        return _weekday(first + datetime.timedelta(days=rng.randint(0, max(0, (last - first).days))))

    def by_share(low: int, high: int, reason: str, sign: int = 1) -> None:
        contract = pick(candidates)
        if contract is None:
            return
        share = Decimal(rng.randint(low * 10, high * 10)) / 1000
        total = _pounds(contract.total_value * (1 + sign * share))
        plans.append(VariationPlan(contract.reference, {"total_value": total}, varied_on(contract), reason))

    def by_term(months_of: Callable[[int], int], reason: str) -> None:
        contract = pick(long_enough)
        if contract is None:
            return
        term = _months(contract.start_date, contract.end_date)
        added = months_of(term)
        end = contract.end_date + relativedelta(months=added)
        total = _pounds(contract.total_value * Decimal(term + added) / Decimal(term))
        plans.append(
            VariationPlan(contract.reference, {"end_date": end, "total_value": total}, varied_on(contract), reason)
        )

    for _ in range(3):
        by_share(3, 8, UPLIFT)
    for _ in range(2):
        by_share(12, 25, DEMAND)
    by_share(12, 20, REDUCTION, sign=-1)
    # A few months under 10% of the term, or a year (at least 15% of it) over.
    by_term(lambda term: max(1, term * 6 // 100), SHORT_EXTENSION)
    by_term(lambda term: max(12, -(-term * 15 // 100)), LONG_EXTENSION)
    return sorted(plans, key=lambda p: (p.varied_on, p.reference))


@transaction.atomic
def demo_variations_load(
    *, seed: int = DEFAULT_SEED, today: datetime.date | None = None, result: DemoResult
) -> list[ContractVariation]:
    """Vary a few of the demo's contracts through contract_update (module docstring); nothing when any of them
    has been varied already. Returns the variations recorded."""
    today = today or timezone.localdate()
    references = [c.fields["reference"] for c in demo_plan(seed=seed, today=today).contracts]
    contracts = list(Contract.objects.filter(reference__in=references).select_related("commissioner"))
    existing = ContractVariation.objects.filter(contract__in=contracts).count()
    if existing:
        result.existing["contract variations"] += existing
        return []
    # Social value commitments fall due at the contract's end as it was when they were made: leave those terms be.
    committed = frozenset(
        SocialValueCommitment.objects.filter(contract__in=contracts).values_list("contract__reference", flat=True)
    )
    by_reference = {c.reference: c for c in contracts}
    made = []
    for plan in variation_plan(contracts, seed=seed, today=today, keep_term=committed):
        contract = by_reference[plan.reference]
        contract_update(
            contract=contract,
            data=plan.data,
            actor=contract.commissioner,
            reason=plan.reason,
            varied_on=plan.varied_on,
        )
        made.extend(ContractVariation.objects.filter(contract=contract))
    result.created["contract variations"] += len(made)
    return made
