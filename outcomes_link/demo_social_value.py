"""The demo's social value (issue 5): the default catalogue, commitments on about half of the demo
contracts and their delivery returns, loaded by `manage.py demo` after the spend file.

Everything goes through the services (social_value.services), so proxy values, committed £,
history and the verification rules are exactly as in use. Planned from `random.Random` seeded by
the demo's seed (so the providers, contracts and spend are unchanged) and placed relative to
`today`:

- the default catalogue (social_value/data/default_catalogue.csv), through catalogue_import;
- about half of the demo contracts, chosen favouring larger and active ones, get 1 to 4
  commitments of measures that fit the service: environment measures for highways and waste,
  care-leaver and young people's measures for children's services, volunteering and VCS
  measures for adult social care, and so on. Quantities grow with the contract's annual value;
  each is committed on the contract's start date, so it takes the proxy value then in force;
- delivery returns for the elapsed quarters: one return for what was delivered before the last
  two years (as a provider's annual reports would give it), then one a quarter. Most are verified
  by the contract's commissioner, a few are rejected with a reason and sent again corrected, and
  the last quarter of a running contract is left submitted for the commissioner to verify;
- delivery is varied so that, today, about 60% of commitments are on track, 25% at risk and 15%
  behind against the straight-line profile.

Idempotent: a contract that already has commitments is left alone, so a second run adds nothing.
"""

from __future__ import annotations

import datetime
import math
import random
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from commissioning.models import User
from contracts.choices import ContractCategory as Cat
from contracts.choices import ContractStatus, Frequency
from contracts.models import Contract
from contracts.periods import Period
from outcomes_link.demo import DEFAULT_SEED, DemoResult, demo_plan
from social_value import rules
from social_value.models import CommitmentBasis, DeliveryReturn, DeliveryStatus, MeasureUnit, SocialValueMeasure
from social_value.selectors import commitment_list, commitment_progress
from social_value.services import (
    DEFAULT_CATALOGUE_FILE,
    catalogue_import,
    commitment_create,
    delivery_return_reject,
    delivery_return_submit,
    delivery_return_verify,
)

COMMITTED_SHARE = 0.5  # of the demo contracts
QUARTERLY_RETURNS = 8  # the last two years, one return a quarter; what came before in one return
STATUS_MIX = ((rules.ProfileStatus.ON_TRACK, 60), (rules.ProfileStatus.AT_RISK, 25), (rules.ProfileStatus.BEHIND, 15))
# Delivered (verified) today as a share of what the straight line expects by today, per status.
DELIVERY_RATIO = {
    rules.ProfileStatus.ON_TRACK: (1.03, 1.3),
    rules.ProfileStatus.AT_RISK: (0.84, 0.96),
    rules.ProfileStatus.BEHIND: (0.35, 0.72),
}
REJECTED_SHARE = 0.04  # of the quarterly returns: first sent with an over-claim, rejected, then corrected
STATUS_WEIGHT = {
    ContractStatus.ACTIVE: 3.0,
    ContractStatus.EXPIRED: 1.0,
    ContractStatus.TERMINATED: 0.6,
    ContractStatus.PIPELINE: 0.6,
}
NOTE = "Committed in the provider's tender (demonstration data)"


@dataclass(frozen=True)
class MeasurePlan:
    """How much of a measure a contract of £1m a year commits to: each year (per_year) or in total.

    Quantities grow with the annual value to the power 0.75 (a large contract does not employ
    fifty times the apprentices of a small one); a measure counted in pounds is instead a share
    of the annual value (spend with SMEs and VCS organisations grows with the contract)."""

    per_year: bool
    rate: float
    minimum: float
    evidence: str
    share_of_value: bool = False


MEASURES: dict[str, MeasurePlan] = {
    "SV1.1.1": MeasurePlan(True, 60, 10, "Timesheets of staff time given, confirmed by the community organisations"),
    "SV2.1.1": MeasurePlan(False, 6, 1, "Payroll extract of staff on the contract with Kent home postcodes"),
    "SV2.1.2": MeasurePlan(False, 2, 1, "Apprenticeship agreements and start confirmations from the training provider"),
    "SV2.1.3": MeasurePlan(True, 8, 2, "Placement records signed by the young people's schools and colleges"),
    "SV2.1.4": MeasurePlan(True, 120, 20, "Training records and certificates of the qualifications gained"),
    "SV2.1.5": MeasurePlan(True, 40, 10, "Schools' and colleges' confirmation of the careers sessions held"),
    "SV2.2.1": MeasurePlan(True, 0.06, 1000, "Purchase ledger of payments to Kent-based SMEs", share_of_value=True),
    "SV2.2.2": MeasurePlan(
        True, 0.03, 1000, "Purchase ledger of payments to Kent VCS organisations", share_of_value=True
    ),
    "SV2.2.3": MeasurePlan(True, 30, 10, "Log of support sessions, confirmed by the businesses and groups supported"),
    "SV3.1.1": MeasurePlan(
        True, 20, 2, "Carbon report against the baseline agreed at award, with fuel and energy data"
    ),
    "SV3.1.2": MeasurePlan(True, 150, 5, "Waste transfer notes from the recycling and recovery facilities"),
    "SV3.1.3": MeasurePlan(False, 150, 20, "Planting records with locations and photographs"),
    "SV4.1.1": MeasurePlan(False, 2, 1, "HR report of disabled staff on the contract (anonymised)"),
    "SV4.2.1": MeasurePlan(False, 2, 1, "Confirmation from the council's care leavers' service (anonymised)"),
    "SV4.2.2": MeasurePlan(False, 3, 1, "Jobcentre Plus referral records (anonymised)"),
    "SV4.2.3": MeasurePlan(False, 25, 3, "Payroll summary of staff paid at least the Real Living Wage"),
    "SV5.1.1": MeasurePlan(True, 80, 10, "Session registers of health and wellbeing activity"),
    "SV5.1.2": MeasurePlan(True, 0.6, 0.5, "Before and after life satisfaction survey (ONS4 question), with method"),
    "SV5.2.1": MeasurePlan(True, 150, 20, "Volunteering timesheets confirmed by the organisations helped"),
    "SV5.2.2": MeasurePlan(True, 0.004, 500, "Receipts from the charities and groups", share_of_value=True),
    "SV5.2.3": MeasurePlan(False, 40, 5, "Registers of the clubs and groups residents joined"),
}

# Measures that fit a kind of contract, with weights.
FITTING: dict[str, tuple[tuple[str, int], ...]] = {
    Cat.ADULT_SOCIAL_CARE: (("SV5.2.1", 4), ("SV2.2.2", 3), ("SV5.2.3", 3), ("SV5.2.2", 2), ("SV4.2.3", 2),
                            ("SV2.1.1", 2), ("SV5.1.1", 1), ("SV2.1.2", 1)),
    Cat.CHILDRENS_SERVICES: (("SV4.2.1", 4), ("SV2.1.3", 3), ("SV2.1.5", 2), ("SV2.1.2", 2), ("SV5.2.1", 2),
                             ("SV5.2.2", 1)),
    Cat.EDUCATION_SKILLS: (("SV2.1.5", 3), ("SV2.1.3", 3), ("SV4.2.1", 2), ("SV2.1.4", 2), ("SV2.1.2", 1)),
    Cat.PUBLIC_HEALTH: (("SV5.1.1", 4), ("SV5.1.2", 2), ("SV5.2.1", 2), ("SV2.2.2", 2), ("SV4.2.2", 1)),
    Cat.HIGHWAYS_TRANSPORT: (("SV3.1.1", 4), ("SV3.1.2", 3), ("SV2.1.2", 3), ("SV2.2.1", 3), ("SV2.1.1", 2),
                             ("SV3.1.3", 1), ("SV4.2.2", 1)),
    Cat.WASTE_ENVIRONMENT: (("SV3.1.2", 4), ("SV3.1.1", 4), ("SV3.1.3", 2), ("SV2.1.2", 2), ("SV2.2.1", 1)),
    Cat.ECONOMIC_DEVELOPMENT: (("SV2.2.3", 4), ("SV2.1.4", 3), ("SV2.2.1", 2), ("SV2.1.1", 2), ("SV4.2.2", 1)),
    Cat.COMMUNITY_SERVICES: (("SV5.2.1", 3), ("SV1.1.1", 2), ("SV2.2.2", 2), ("SV5.2.3", 2), ("SV2.1.3", 1),
                             ("SV5.1.1", 1)),
    Cat.PROPERTY_FACILITIES: (("SV2.1.2", 3), ("SV3.1.1", 3), ("SV2.2.1", 3), ("SV3.1.2", 2), ("SV4.2.3", 2),
                              ("SV4.1.1", 1)),
    Cat.ICT: (("SV2.1.5", 3), ("SV2.1.4", 3), ("SV4.1.1", 2), ("SV2.1.3", 2), ("SV3.1.1", 1)),
    Cat.PROFESSIONAL_SERVICES: (("SV2.1.3", 3), ("SV2.1.5", 2), ("SV2.2.3", 2), ("SV4.1.1", 2), ("SV5.2.1", 2)),
    Cat.OTHER: (("SV5.2.1", 2), ("SV2.1.1", 2), ("SV2.2.1", 1)),
}  # fmt: skip

# Units counted in whole numbers where the figures allow (people, hours, trees, ...).
WHOLE_UNITS = {
    MeasureUnit.PEOPLE,
    MeasureUnit.HOURS,
    MeasureUnit.WEEKS,
    MeasureUnit.NUMBER,
    MeasureUnit.ORGANISATIONS,
    MeasureUnit.POUNDS,
}
REJECTIONS = (
    "The evidence does not show the activity took place in Kent: resend with the locations.",
    "The figure includes people employed before the contract started: resend with new starters only.",
    "The timesheets do not cover the whole figure claimed: resend with the missing sheets.",
    "This repeats part of the previous quarter's return: resend with this quarter's figures only.",
)
CATCH_UP_NOTE = "From the provider's annual social value reports, to {end:%d %B %Y}. "


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class ReturnPlan:
    period_start: datetime.date
    period_end: datetime.date
    quantity: Decimal
    verify: bool  # verified; otherwise left submitted for the commissioner
    rejected_first: Decimal | None = None  # an over-claim sent first and rejected
    rejection: str = ""


def _weighted_sample(rng: random.Random, items: list, weights: list[float], k: int) -> list:
    """k items without replacement, each with a chance in proportion to its weight (Efraimidis–Spirakis)."""
    keyed = sorted(((rng.random() ** (1 / w), i) for i, w in enumerate(weights)), reverse=True)
    return [items[i] for _, i in keyed[:k]]


def _contract_weight(contract: Contract) -> float:
    annual = max(float(contract.annual_value), 20_000.0)
    return STATUS_WEIGHT.get(contract.status, 1.0) * math.log10(annual / 10_000)


def _nice(value: float, unit: str) -> Decimal:
    """A committed quantity as a provider would write it: whole units, pounds to the £100 or £1,000."""
    if unit == MeasureUnit.POUNDS:
        step = 1000 if value >= 20_000 else 100
        return Decimal(max(step, round(value / step) * step))
    if unit in WHOLE_UNITS:
        if value >= 200:
            return Decimal(round(value / 10) * 10)
        return Decimal(max(1, round(value)))
    return Decimal(str(round(value, 1))) if value >= 1 else Decimal(str(round(value, 2)))


def _quantity(rng: random.Random, plan: MeasurePlan, unit: str, annual: Decimal) -> Decimal:
    if plan.share_of_value:
        raw = float(annual) * plan.rate
    else:
        raw = plan.rate * (float(annual) / 1_000_000) ** 0.75
    return _nice(max(raw * rng.uniform(0.7, 1.4), plan.minimum), unit)


def _windows(
    start: datetime.date, due: datetime.date, today: datetime.date
) -> list[tuple[datetime.date, datetime.date]]:
    """The quarters (clipped to the commitment) that have ended by today."""
    found = []
    quarter = Period.containing(start, Frequency.QUARTERLY)
    while quarter.start <= due:
        first, last = max(quarter.start, start), min(quarter.end, due)
        if last >= today:
            break
        found.append((first, last))
        quarter = quarter.next()
    return found


def _split(total: Decimal, weights: list[float], whole: bool) -> list[Decimal]:
    """`total` in parts proportional to `weights`, rounded cumulatively so they add up exactly."""
    step = Decimal("1") if whole else Decimal("0.01")
    parts, done, so_far = [], Decimal("0"), 0.0
    whole_weight = sum(weights) or 1.0
    for w in weights:
        so_far += w
        upto = (total * Decimal(so_far / whole_weight)).quantize(step, rounding=ROUND_HALF_UP)
        upto = min(upto, total)
        parts.append(upto - done)
        done = upto
    parts[-1] += total - done
    return parts


def _returns_plan(
    rng: random.Random,
    *,
    total: Decimal,
    unit: str,
    start: datetime.date,
    due: datetime.date,
    today: datetime.date,
    target: str,
) -> list[ReturnPlan]:
    windows = _windows(start, due, today)
    if not windows:
        return []
    running = due >= today
    # The last quarter of a running contract is left submitted: it does not count yet.
    counted, waiting = (windows[:-1], windows[-1]) if running and len(windows) > 1 else (windows, None)
    if len(counted) > QUARTERLY_RETURNS:
        earlier, recent = counted[:-QUARTERLY_RETURNS], counted[-QUARTERLY_RETURNS:]
        periods = [(earlier[0][0], earlier[-1][1]), *recent]
    else:
        periods = list(counted)

    expected = rules.expected_by(total, start=start, due=due, on=today)
    low, high = DELIVERY_RATIO[target]
    delivered = (expected * Decimal(str(rng.uniform(low, high)))).quantize(Decimal("0.01"), rounding=ROUND_CEILING)
    whole = unit in WHOLE_UNITS
    if whole:
        rounded = delivered.quantize(Decimal("1"), rounding=ROUND_HALF_UP)
        # Whole numbers only where they keep the status planned (a small commitment may need decimals).
        if rules.profile_status(rounded, total, start=start, due=due, on=today) == target:
            delivered = rounded
        else:
            whole = False
    weights = [((b - a).days + 1) * rng.uniform(0.6, 1.4) for a, b in periods]
    quantities = _split(delivered, weights, whole)

    plans = []
    for index, ((a, b), quantity) in enumerate(zip(periods, quantities, strict=True)):
        rejected_first = None
        rejection = ""
        if index and rng.random() < REJECTED_SHARE:
            rejected_first = (quantity * Decimal("1.3") + 1).quantize(Decimal("1") if whole else Decimal("0.01"))
            rejection = rng.choice(REJECTIONS)
        plans.append(ReturnPlan(a, b, quantity, True, rejected_first, rejection))
    if waiting is not None:
        a, b = waiting
        days = Decimal((b - a).days + 1)
        per_day = total / Decimal(max((due - start).days, 1))
        quantity = (per_day * days * Decimal(str(rng.uniform(0.7, 1.2)))).quantize(
            Decimal("1") if unit in WHOLE_UNITS else Decimal("0.01"), rounding=ROUND_HALF_UP
        )
        plans.append(ReturnPlan(a, b, quantity, False))
    return plans


# --------------------------------------------------------------------------- loading


def demo_social_value_load(*, seed: int = DEFAULT_SEED, today: datetime.date | None = None, result: DemoResult) -> None:
    """Load the default catalogue, then commitments and delivery returns on about half of the demo's
    contracts. Run after outcomes_link.demo.demo_load (it needs the contracts and commissioners).
    Idempotent: the catalogue import changes nothing the second time, and a contract that already
    has commitments is left alone."""
    today = today or timezone.localdate()
    loaded = catalogue_import(handle_or_path=DEFAULT_CATALOGUE_FILE)
    if loaded.errors:
        raise ValueError("; ".join(str(e) for e in loaded.errors))
    result.created["social value measures"] += loaded.measures.created
    result.created["proxy values"] += loaded.proxy_values.created

    references = [c.fields["reference"] for c in demo_plan(seed=seed, today=today).contracts]
    contracts = sorted(
        Contract.objects.filter(reference__in=references).only(
            "id", "reference", "status", "category", "annual_value", "start_date", "current_end_date",
            "directorate_id", "commissioner_id",
        ),
        key=lambda c: c.reference,
    )  # fmt: skip
    rng = random.Random(f"{seed}:social-value")
    chosen = _weighted_sample(
        rng, contracts, [_contract_weight(c) for c in contracts], round(len(contracts) * COMMITTED_SHARE)
    )
    chosen.sort(key=lambda c: c.reference)
    done = set(
        Contract.objects.filter(pk__in=[c.pk for c in chosen], social_value_commitments__isnull=False).values_list(
            "pk", flat=True
        )
    )
    result.existing["contracts with social value commitments"] += len(done)
    measures = {m.code: m for m in SocialValueMeasure.objects.filter(code__in=MEASURES)}
    commissioners = {u.pk: u for u in User.objects.filter(pk__in={c.commissioner_id for c in chosen})}

    with transaction.atomic():
        for contract in chosen:
            # Each contract has its own generator, so skipping one never changes the others.
            crng = random.Random(f"{seed}:social-value:{contract.reference}")
            if contract.pk in done:
                continue
            _load_contract(crng, contract, measures, commissioners.get(contract.commissioner_id), today, result)


def _load_contract(rng, contract: Contract, measures: dict, commissioner, today: datetime.date, result) -> None:
    fitting = [(code, w) for code, w in FITTING.get(contract.category, FITTING[Cat.OTHER]) if code in measures]
    if not fitting or contract.current_end_date <= contract.start_date:
        return
    large = contract.annual_value >= 2_000_000
    count = rng.choices((1, 2, 3, 4), weights=(1, 3, 3, 2) if large else (4, 4, 2, 1))[0]
    codes = _weighted_sample(rng, [c for c, _ in fitting], [w for _, w in fitting], min(count, len(fitting)))
    for code in codes:
        measure, plan = measures[code], MEASURES[code]
        quantity = _quantity(rng, plan, measure.unit, contract.annual_value)
        commitment = commitment_create(
            contract=contract,
            measure=measure,
            quantity=quantity,
            committed_on=contract.start_date,
            basis=CommitmentBasis.PER_CONTRACT_YEAR if plan.per_year else CommitmentBasis.BY_DATE,
            notes=NOTE,
            actor=commissioner,
        )
        result.created["social value commitments"] += 1
        target = rng.choices([s for s, _ in STATUS_MIX], weights=[w for _, w in STATUS_MIX])[0]
        returns = _returns_plan(
            rng,
            total=commitment.total_quantity,
            unit=measure.unit,
            start=commitment.start_date,
            due=commitment.due_date,
            today=today,
            target=target,
        )
        for planned in returns:
            _load_return(commitment, planned, plan, commissioner, result)


def _load_return(commitment, planned: ReturnPlan, plan: MeasurePlan, commissioner, result) -> DeliveryReturn:
    evidence = plan.evidence
    if (planned.period_end - planned.period_start).days > 100:
        evidence = CATCH_UP_NOTE.format(end=planned.period_end) + evidence
    if planned.rejected_first is not None:
        first = delivery_return_submit(
            commitment=commitment,
            period_start=planned.period_start,
            period_end=planned.period_end,
            quantity=planned.rejected_first,
            evidence_note=evidence,
            actor=commissioner,
        )
        delivery_return_reject(delivery=first, reason=planned.rejection, actor=commissioner)
        result.created["delivery returns"] += 1
    delivery = delivery_return_submit(
        commitment=commitment,
        period_start=planned.period_start,
        period_end=planned.period_end,
        quantity=planned.quantity,
        evidence_note=evidence,
        actor=commissioner,
    )
    result.created["delivery returns"] += 1
    if planned.verify:
        delivery_return_verify(delivery=delivery, actor=commissioner)
    return delivery


# --------------------------------------------------------------------------- figures for the summary


@dataclass(frozen=True)
class SocialValueDemoFigures:
    commitments: int
    contracts: int
    committed_value: Decimal
    delivered_value: Decimal
    awaiting_verification: int
    on_track: int
    at_risk: int
    behind: int


def social_value_figures(*, today: datetime.date | None = None) -> SocialValueDemoFigures:
    """Commitments, contracts with commitments, committed and delivered (verified) £, returns
    awaiting verification and the statuses today."""
    today = today or timezone.localdate()
    progress = commitment_progress(commitment_list(), on=today)
    statuses = [p.status for p in progress]
    return SocialValueDemoFigures(
        commitments=len(progress),
        contracts=len({p.commitment.contract_id for p in progress}),
        committed_value=sum((p.commitment.committed_value for p in progress), Decimal("0.00")),
        delivered_value=sum((p.delivered_value for p in progress), Decimal("0.00")),
        awaiting_verification=DeliveryReturn.objects.filter(status=DeliveryStatus.SUBMITTED).count(),
        on_track=statuses.count(rules.ProfileStatus.ON_TRACK),
        at_risk=statuses.count(rules.ProfileStatus.AT_RISK),
        behind=statuses.count(rules.ProfileStatus.BEHIND),
    )
