"""Reads of social value commitments and their delivery (issue 5)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from social_value import rules
from social_value.models import COUNTED_DELIVERY_STATUSES, DeliveryReturn, SocialValueCommitment, SocialValueMeasure


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
    quantity delivered against each (one query). Ordered explicitly: a query with an aggregate
    drops the model's default ordering."""
    verified = Q(returns__status__in=list(COUNTED_DELIVERY_STATUSES))
    return (
        SocialValueCommitment.objects.select_related(
            "contract__provider", "contract__directorate", "measure__outcome__theme"
        )
        .annotate(delivered=Coalesce(Sum("returns__quantity", filter=verified), Decimal("0")))
        .order_by("contract__reference", "measure__code", "pk")
    )


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


# ---------------------------------------------------------------- figures for groups of commitments


@dataclass
class SocialValueFigures:
    """Committed against delivered for a group of commitments (a theme, a directorate, a supporting
    outcome, ...), in £ at each commitment's proxy, and as a share of the group's contract value.
    Units are summed only where the group is one measure (`unit` set); otherwise they mean nothing."""

    commitments: int = 0
    committed_value: Decimal = Decimal("0.00")
    delivered_value: Decimal = Decimal("0.00")
    expected_value: Decimal = Decimal("0.00")
    shortfall_value: Decimal = Decimal("0.00")
    contract_value: Decimal = Decimal("0.00")
    committed_units: Decimal = Decimal("0")
    delivered_units: Decimal = Decimal("0")
    unit: str | None = None
    on_track: int = 0
    at_risk: int = 0
    behind: int = 0
    contract_ids: set = field(default_factory=set, repr=False)

    def add(self, p: CommitmentProgress) -> None:
        c = p.commitment
        self.commitments += 1
        self.committed_value += c.committed_value
        self.delivered_value += p.delivered_value
        # The shortfall in £ is the expected £ less the delivered £, so the two always agree.
        expected_value = rules.social_value(p.expected, c.proxy_value)
        self.expected_value += expected_value
        self.shortfall_value += max(expected_value - p.delivered_value, Decimal("0.00"))
        if c.contract_id not in self.contract_ids:
            self.contract_ids.add(c.contract_id)
            # A whole-life value not known (a contract from a published register) adds nothing.
            self.contract_value += c.contract.total_value or Decimal("0.00")
        if self.commitments == 1:
            self.unit = c.measure.unit
        elif self.unit != c.measure.unit:
            self.unit = None
        self.committed_units += c.total_quantity
        self.delivered_units += p.delivered
        if p.status == rules.ProfileStatus.ON_TRACK:
            self.on_track += 1
        elif p.status == rules.ProfileStatus.AT_RISK:
            self.at_risk += 1
        else:
            self.behind += 1

    @property
    def contracts(self) -> int:
        return len(self.contract_ids)

    @property
    def delivered_share(self) -> Decimal | None:
        """% of the committed £ delivered (verified)."""
        return rules.delivered_share(self.delivered_value, self.committed_value)

    @property
    def committed_share_of_contract_value(self) -> Decimal | None:
        """Committed social value as a % of the whole-life value of the group's contracts."""
        return rules.delivered_share(self.committed_value, self.contract_value)

    @property
    def delivered_share_of_contract_value(self) -> Decimal | None:
        return rules.delivered_share(self.delivered_value, self.contract_value)


@dataclass(frozen=True)
class OutcomeRef:
    """A supporting outcome a measure contributes to, with its strategic outcome."""

    id: int
    code: str
    title: str
    strategic_id: int
    strategic_code: str
    strategic_title: str


def measure_outcomes() -> dict[int, list[OutcomeRef]]:
    """Each measure's supporting outcomes, with their strategic outcomes (one query)."""
    through = SocialValueMeasure.supporting_outcomes.through
    rows = through.objects.order_by("supportingoutcome__order", "supportingoutcome__code").values_list(
        "socialvaluemeasure_id",
        "supportingoutcome_id",
        "supportingoutcome__code",
        "supportingoutcome__title",
        "supportingoutcome__strategic_outcome_id",
        "supportingoutcome__strategic_outcome__code",
        "supportingoutcome__strategic_outcome__title",
    )
    found: dict[int, list[OutcomeRef]] = defaultdict(list)
    for measure_id, *ref in rows:
        found[measure_id].append(OutcomeRef(*ref))
    return found


def figures_by(
    progress: Iterable[CommitmentProgress], key: Callable[[CommitmentProgress], Iterable[Hashable]]
) -> dict[Hashable, SocialValueFigures]:
    """Group commitments' progress into figures. `key` gives the groups a commitment belongs to
    (usually one; a commitment whose measure serves several supporting outcomes counts in full
    for each of them, so figures by outcome do not add up to the total). In first-seen order."""
    groups: dict[Hashable, SocialValueFigures] = {}
    for p in progress:
        for k in dict.fromkeys(key(p)):
            groups.setdefault(k, SocialValueFigures()).add(p)
    return groups


def figures_total(progress: Iterable[CommitmentProgress]) -> SocialValueFigures:
    total = SocialValueFigures()
    for p in progress:
        total.add(p)
    return total


def by_supporting_outcome(outcomes: dict[int, list[OutcomeRef]]) -> Callable[[CommitmentProgress], list[OutcomeRef]]:
    """Golden thread: social value reaches a supporting outcome through its measure's mapping."""
    return lambda p: outcomes.get(p.commitment.measure_id, [])


def by_strategic_outcome(outcomes: dict[int, list[OutcomeRef]]) -> Callable[[CommitmentProgress], list[tuple]]:
    """A commitment counts once for a strategic outcome, however many of its supporting outcomes it serves."""
    return lambda p: [
        (o.strategic_id, o.strategic_code, o.strategic_title) for o in outcomes.get(p.commitment.measure_id, [])
    ]


# ---------------------------------------------------------------- the commissioner's pages (issue 5)


def commitment_get(*, pk: int) -> SocialValueCommitment:
    """One commitment as `commitment_list()` gives it (with the verified quantity delivered)."""
    return commitment_list().get(pk=pk)


def contract_commitments(*, contract) -> QuerySet[SocialValueCommitment]:
    """A contract's commitments, by measure, with the verified quantity delivered (one query)."""
    return commitment_list().filter(contract=contract).order_by("measure__code", "pk")


def contract_social_value(*, contract, on: datetime.date) -> tuple[list[CommitmentProgress], SocialValueFigures]:
    """A contract's commitments with their progress on a day, and their figures; the share of the
    contract's value is of its whole-life value even when nothing is committed yet, and none when
    that value is not known (one query)."""
    progress = commitment_progress(contract_commitments(contract=contract), on=on)
    figures = SocialValueFigures(contract_value=contract.total_value or Decimal("0.00"), contract_ids={contract.pk})
    for p in progress:
        figures.add(p)
    return progress, figures


def measures_for_choice() -> QuerySet[SocialValueMeasure]:
    """Active measures, by theme then code, for choosing what a provider commits to (one query)."""
    return (
        SocialValueMeasure.objects.filter(is_active=True)
        .select_related("outcome__theme")
        .order_by("outcome__theme__order", "outcome__theme__code", "code")
    )


def delivery_return_list() -> QuerySet[DeliveryReturn]:
    """Delivery returns with their commitment, measure, contract, provider, directorate and who
    submitted and verified them (one query), oldest period first within a commitment."""
    return DeliveryReturn.objects.select_related(
        "commitment__measure",
        "commitment__contract__provider",
        "commitment__contract__directorate",
        "submitted_by",
        "verified_by",
    ).order_by("period_start", "pk")


# ---------------------------------------------------------------- the catalogue (API)


def measure_list() -> QuerySet[SocialValueMeasure]:
    """The catalogue: measures with their outcome and theme, supporting outcomes and proxy versions
    (newest first), in three queries whatever the number of measures."""
    return SocialValueMeasure.objects.select_related("outcome__theme").prefetch_related(
        "supporting_outcomes", "proxy_values"
    )


def measure_proxy_in_force(measure: SocialValueMeasure, on: datetime.date) -> rules.Proxy | None:
    """The proxy value in force on a day, from the versions `measure_list()` prefetched (no query);
    a measure counted in pounds is worth its face value unless the catalogue says otherwise, as
    when a commitment is made (services.proxy_for)."""
    versions = [
        rules.Proxy(value=p.value, source=p.source, valid_from=p.valid_from) for p in measure.proxy_values.all()
    ]
    found = rules.proxy_in_force(versions, on)
    if found is None and measure.unit == "pounds":  # MeasureUnit.POUNDS
        return rules.FACE_VALUE
    return found
