"""Writes to contract performance: KPIs, returns, concerns, deductions and assessments.

Every write is validated, attributed and atomic. Saving a return derives and stores, in the
same transaction: its RAG and direction of travel (and those of the returns that compare
with it), a performance concern when the concern rule is met, the deduction it proposes
under the KPI's rule, and the contract's summary for the quarter. Thresholds in force when a
return is saved are written into its explanation, so a later change of target does not
silently rewrite history; saving the return again derives it afresh.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from commissioning.audit import acting_user, attribute, set_fields
from commissioning.db import money_sum, pence_to_pounds
from commissioning.permissions import ensure_actor_scope
from contracts.choices import (
    CAPPED_DEDUCTION_STATUSES,
    COUNTED_RETURN_STATUSES,
    RAG,
    AssessmentStatus,
    DeductionRule,
    DeductionStatus,
    Frequency,
    ReturnStatus,
)
from contracts.models import (
    KPI,
    AssessmentRating,
    Contract,
    ContractPeriodSummary,
    Deduction,
    KPIReturn,
    PerformanceAssessment,
    PerformanceConcern,
)
from contracts.periods import Period, periods_in, reported
from contracts.rules import (
    DeductionRuleSpec,
    concern_rule_for,
    consecutive_failures,
    deduction_for,
    direction_for,
    rag_for,
    rating_for,
)

KPI_FIELDS = (
    "code",
    "name",
    "description",
    "unit",
    "polarity",
    "target",
    "amber_threshold",
    "red_threshold",
    "tolerance",
    "frequency",
    "first_period_start",
    "weight",
    "is_key",
    "supporting_outcome",
    "deduction_rule",
    "deduction_amount",
    "deduction_percent",
    "deduction_cap_percent",
    "is_active",
)

# Fields that define the KPI's periods: fixed once returns exist, or the returns would no longer fit.
_PERIOD_FIELDS = ("frequency", "first_period_start")


def _scope(actor, contract: Contract) -> None:
    ensure_actor_scope(actor, contract.directorate_id)


def _check_fields(name: str, data: Iterable[str]) -> None:
    unknown = set(data) - set(KPI_FIELDS)
    if unknown:
        raise TypeError(f"{name}() got unexpected fields: {sorted(unknown)}")


# --- KPIs -------------------------------------------------------------------------------


@transaction.atomic
def kpi_create(*, contract: Contract, actor=None, reason: str = "", **data) -> KPI:
    """Add a KPI to a contract (commissioners: their own directorate's contracts only)."""
    _check_fields("kpi_create", data)
    _scope(actor, contract)
    kpi = KPI(contract=contract, **data)
    kpi.code = (kpi.code or "").strip().upper()
    kpi.full_clean()
    attribute(kpi, actor=actor, reason=reason or "KPI added")
    kpi.save()
    return kpi


@transaction.atomic
def kpi_update(*, kpi: KPI, data: dict, actor=None, reason: str = "") -> KPI:
    """Change a KPI. Its frequency and first period are fixed once it has returns."""
    _check_fields("kpi_update", data)
    _scope(actor, kpi.contract)
    changed = set_fields(kpi, data)
    kpi.code = (kpi.code or "").strip().upper()
    fixed = [name for name in _PERIOD_FIELDS if name in changed]
    if fixed and kpi.returns.exists():
        raise ValidationError(
            {
                name: "This KPI already has returns, so its periods cannot change. Retire it and add a new one."
                for name in fixed
            }
        )
    kpi.full_clean()
    attribute(kpi, actor=actor, reason=reason)
    kpi.save()
    return kpi


@transaction.atomic
def kpi_set_copy(
    *, source: Contract, contract: Contract, actor=None, first_period_start: datetime.date | None = None
) -> list[KPI]:
    """Copy the active KPIs of `source` onto `contract`, skipping codes it already has.

    Each copy starts at `first_period_start`, or at the first period of its frequency on or
    after the contract's start date. Deduction rules and outcome links are copied with them. When the
    contract's start date is not known (a contract from a published register), the first period must
    be given.
    """
    _scope(actor, contract)
    if first_period_start is None and contract.start_date is None:
        raise ValidationError(
            {"first_period_start": "The contract's start date is not known: enter the first period reported."}
        )
    have = set(contract.kpis.values_list("code", flat=True))
    copies = []
    for original in source.kpis.filter(is_active=True).order_by("code"):
        if original.code in have:
            continue
        start = first_period_start or _first_period_on_or_after(contract.start_date, original.frequency).start
        data = {name: getattr(original, name) for name in KPI_FIELDS}
        data["first_period_start"] = Period.containing(start, original.frequency).start
        copies.append(
            kpi_create(contract=contract, actor=actor, reason=f"Copied from contract {source.reference}", **data)
        )
    return copies


def _first_period_on_or_after(day: datetime.date, frequency: str) -> Period:
    period = Period.containing(day, frequency)
    return period if period.start >= day else period.next()


# --- Returns ----------------------------------------------------------------------------


@dataclass
class ReturnEntry:
    """One value to save: from a grid cell or an imported row. `label` names it in errors."""

    kpi: KPI
    period: Period
    actual: Decimal | None
    commentary: str = ""
    label: str = ""


@dataclass
class ReturnBatchError(Exception):
    """Every problem in a batch of returns, by entry label and field; nothing was saved."""

    errors: list[tuple[str, str, str]] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(f"{label}, {name}: {message}" for label, name, message in self.errors)


def _prepare_return(
    *, kpi: KPI, period: Period, actual, commentary: str, status: str, existing: KPIReturn | None
) -> KPIReturn:
    if period.frequency != kpi.frequency:
        raise ValidationError({"period": f"{kpi.code} is reported {reported(kpi.frequency)}."})
    if period.start < kpi.first_period_start:
        raise ValidationError({"period": f"{kpi.code} is reported from {kpi.first_period.label}, not {period.label}."})
    ret = existing or KPIReturn(kpi=kpi, contract_id=kpi.contract_id, period_start=period.start)
    ret.kpi = kpi
    ret._previous = (existing.status, existing.actual) if existing is not None else None
    if (
        existing is not None
        and existing.status == ReturnStatus.ACCEPTED
        and (existing.actual != actual or status != ReturnStatus.ACCEPTED)
    ):
        # An accepted return is the agreed record; reopening it is a deliberate act with a reason.
        ret._reopened = True
    ret.period_end = period.end
    ret.financial_year = period.financial_year
    ret.actual = actual
    ret.commentary = commentary or ""
    ret.status = status
    if status != ReturnStatus.RETURNED:
        ret.returned_reason = ""
    ret.full_clean(validate_unique=existing is None)
    return ret


@transaction.atomic
def kpi_return_save(
    *,
    kpi: KPI,
    period: Period,
    actual: Decimal | None,
    commentary: str = "",
    submit: bool = False,
    actor=None,
    reason: str = "",
) -> KPIReturn:
    """Record a KPI's value for a period, as a draft or submitted, and derive what follows from it.

    Changing an accepted return needs a reason; it is then submitted again for acceptance.
    """
    _scope(actor, kpi.contract)
    existing = KPIReturn.objects.select_for_update().filter(kpi=kpi, period_start=period.start).first()
    status = ReturnStatus.SUBMITTED if submit else ReturnStatus.DRAFT
    if existing is not None and existing.status == ReturnStatus.ACCEPTED and existing.actual == actual:
        status = ReturnStatus.ACCEPTED
    ret = _prepare_return(
        kpi=kpi, period=period, actual=actual, commentary=commentary, status=status, existing=existing
    )
    if getattr(ret, "_reopened", False) and not reason.strip():
        raise ValidationError({"reason": f"{kpi.code} {period.label} was accepted: give a reason for changing it."})
    return _save_return(ret, actor=actor, reason=reason or ("Return submitted" if submit else "Return saved as draft"))


@transaction.atomic
def kpi_returns_save_many(
    *, entries: Sequence[ReturnEntry], submit: bool, actor=None, reason: str = ""
) -> list[KPIReturn]:
    """Save a grid or an imported file of returns: all of them, or none with every error named.

    Checks every entry before writing any, so one bad cell leaves the database untouched.
    Entries are saved in period order so each compares with the one before it.
    """
    errors: list[tuple[str, str, str]] = []
    keys = [(e.kpi.pk, e.period.start) for e in entries]
    existing = {
        (r.kpi_id, r.period_start): r
        for r in KPIReturn.objects.select_for_update().filter(
            kpi__in={e.kpi.pk for e in entries}, period_start__in={e.period.start for e in entries}
        )
    }
    seen: dict[tuple[int, datetime.date], str] = {}
    prepared: list[KPIReturn] = []
    for entry, key in zip(entries, keys, strict=True):
        label = entry.label or f"{entry.kpi.contract.reference} {entry.kpi.code} {entry.period.label}"
        if key in seen:
            errors.append((label, "period", f"{entry.kpi.code} {entry.period.label} is also given in {seen[key]}."))
            continue
        seen[key] = label
        try:
            _scope(actor, entry.kpi.contract)
        except PermissionDenied as exc:
            errors.append((label, "contract", str(exc)))
            continue
        current = existing.get(key)
        status = ReturnStatus.SUBMITTED if submit else ReturnStatus.DRAFT
        unchanged = current is not None and (
            current.actual == entry.actual and (current.commentary or "") == (entry.commentary or "")
        )
        if unchanged and current.status in COUNTED_RETURN_STATUSES:
            continue  # an unchanged submitted or accepted return stays as it is (a re-run changes nothing)
        if current is not None and current.status == ReturnStatus.ACCEPTED:
            if not reason.strip():
                errors.append(
                    (label, "actual", f"{entry.kpi.code} {entry.period.label} is accepted: give a reason to change it.")
                )
                continue
        if entry.actual is None and current is None and not (entry.commentary or "").strip():
            continue  # an empty cell with nothing recorded is not a return
        try:
            prepared.append(
                _prepare_return(
                    kpi=entry.kpi,
                    period=entry.period,
                    actual=entry.actual,
                    commentary=entry.commentary,
                    status=status,
                    existing=current,
                )
            )
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    errors.append((label, "value" if name in ("actual", "__all__") else name, message))
    if errors:
        raise ReturnBatchError(errors)
    prepared.sort(key=lambda r: (r.kpi_id, r.period_start))
    default_reason = "Returns submitted" if submit else "Returns saved as draft"
    return [_save_return(ret, actor=actor, reason=reason or default_reason) for ret in prepared]


def _save_return(ret: KPIReturn, *, actor, reason: str) -> KPIReturn:
    previous = getattr(ret, "_previous", None)
    previous_status = previous[0] if previous else None
    if ret.status == ReturnStatus.SUBMITTED and previous != (ReturnStatus.SUBMITTED, ret.actual):
        # Newly submitted, resubmitted after being sent back, or a submitted value changed.
        ret.submitted_at, ret.submitted_by = timezone.now(), acting_user(actor)
    elif ret.status == ReturnStatus.DRAFT:
        # A draft has not been submitted, whatever happened to it before (history keeps that).
        ret.submitted_at = ret.submitted_by = None
    if ret.status in (ReturnStatus.SUBMITTED, ReturnStatus.DRAFT) and previous_status in (
        ReturnStatus.ACCEPTED,
        ReturnStatus.RETURNED,
    ):
        # Reopened or resubmitted: waiting for a new review, so the earlier review no longer stands.
        ret.reviewed_at = ret.reviewed_by = None
    _derive(ret)
    attribute(ret, actor=actor, reason=reason)
    ret.save()
    _after_return_change(ret, actor=actor)
    return ret


@transaction.atomic
def kpi_return_accept(*, kpi_return: KPIReturn, actor=None, reason: str = "") -> KPIReturn:
    """The commissioner accepts a submitted return as the agreed record."""
    _scope(actor, kpi_return.contract)
    if kpi_return.status != ReturnStatus.SUBMITTED:
        raise ValidationError(
            f"Only a submitted return can be accepted; this one is {kpi_return.get_status_display().lower()}."
        )
    kpi_return.status = ReturnStatus.ACCEPTED
    kpi_return.reviewed_by, kpi_return.reviewed_at = acting_user(actor), timezone.now()
    kpi_return.full_clean()
    attribute(kpi_return, actor=actor, reason=reason or "Return accepted")
    kpi_return.save()
    _after_return_change(kpi_return, actor=actor)
    return kpi_return


@transaction.atomic
def kpi_return_send_back(*, kpi_return: KPIReturn, reason: str, actor=None) -> KPIReturn:
    """The commissioner returns a submitted return to the provider, saying why. It then stops counting."""
    _scope(actor, kpi_return.contract)
    if kpi_return.status != ReturnStatus.SUBMITTED:
        raise ValidationError(
            f"Only a submitted return can be sent back; this one is {kpi_return.get_status_display().lower()}."
        )
    kpi_return.status = ReturnStatus.RETURNED
    kpi_return.returned_reason = (reason or "").strip()
    kpi_return.reviewed_by, kpi_return.reviewed_at = acting_user(actor), timezone.now()
    kpi_return.full_clean()
    attribute(kpi_return, actor=actor, reason=f"Return sent back: {kpi_return.returned_reason}")
    kpi_return.save()
    _after_return_change(kpi_return, actor=actor)
    return kpi_return


# --- What a return sets off -------------------------------------------------------------


def _counted_actuals(kpi: KPI, starts: Iterable[datetime.date]) -> dict[datetime.date, KPIReturn]:
    return {
        r.period_start: r
        for r in KPIReturn.objects.filter(
            kpi=kpi, period_start__in=list(starts), status__in=COUNTED_RETURN_STATUSES, actual__isnull=False
        )
    }


def _derive(ret: KPIReturn) -> None:
    """RAG and both directions of travel of one return, from its KPI and the returns before it."""
    kpi = ret.kpi
    if ret.actual is None:
        ret.rag = ret.rag_explanation = ""
        ret.direction_previous = ret.direction_year = ""
        ret.direction_previous_explanation = ret.direction_year_explanation = ""
        return
    ret.rag, ret.rag_explanation = rag_for(kpi, ret.actual)
    period = Period(ret.period_start, kpi.frequency)
    earlier = _counted_actuals(kpi, [period.previous().start, period.year_earlier().start])
    previous = earlier.get(period.previous().start)
    ret.direction_previous, ret.direction_previous_explanation = direction_for(
        kpi, ret.actual, previous.actual if previous else None, period.previous().label
    )
    if kpi.frequency == Frequency.ANNUAL:
        # For an annual KPI the previous period is the year before: one comparison says it.
        ret.direction_year, ret.direction_year_explanation = ret.direction_previous, ret.direction_previous_explanation
    else:
        year = earlier.get(period.year_earlier().start)
        ret.direction_year, ret.direction_year_explanation = direction_for(
            kpi, ret.actual, year.actual if year else None, period.year_earlier().label
        )


_DIRECTION_FIELDS = (
    "direction_previous",
    "direction_previous_explanation",
    "direction_year",
    "direction_year_explanation",
)


def _derive_dependants(ret: KPIReturn, *, actor) -> None:
    """The next period's and next year's returns compare with this one: derive their direction of travel again.

    Their RAG stays as derived when they were saved (thresholds then in force). A change is
    saved with its own history record, attributed to whoever changed this return.
    """
    period = Period(ret.period_start, ret.kpi.frequency)
    year_later = Period(period.start + relativedelta(years=1), period.frequency)
    later = KPIReturn.objects.filter(kpi=ret.kpi, period_start__in=[period.next().start, year_later.start])
    for other in later.exclude(pk=ret.pk).order_by("period_start"):
        other.kpi, other.contract = ret.kpi, ret.contract
        rag, rag_explanation = other.rag, other.rag_explanation
        before = [getattr(other, name) for name in _DIRECTION_FIELDS]
        _derive(other)
        other.rag, other.rag_explanation = rag, rag_explanation
        if [getattr(other, name) for name in _DIRECTION_FIELDS] != before:
            attribute(other, actor=actor, reason=f"Direction of travel updated: the {period.label} return changed")
            other.save(update_fields=[*_DIRECTION_FIELDS, "modified"])


def _after_return_change(ret: KPIReturn, *, actor) -> None:
    """Everything a change to a return (its value or whether it counts) sets off, in the same transaction.

    Later returns of the KPI depend on it: their direction of travel, the number of failures
    running (escalating deductions), the deductions already counted against the cap, and the
    concern rule. Their proposed deductions are recalculated in period order, and a concern
    is raised by the first return from this one on that now meets the rule.
    """
    _derive_dependants(ret, actor=actor)
    _propose_deduction(ret, actor=actor)
    for later in (
        KPIReturn.objects.filter(
            kpi=ret.kpi, period_start__gt=ret.period_start, deduction__status=DeductionStatus.PROPOSED
        )
        .select_related("contract")
        .order_by("period_start")
    ):
        later.kpi = ret.kpi
        _propose_deduction(later, actor=actor, cause=ret)
    _raise_concern(ret, actor=actor)
    contract_period_summary_refresh(
        contract=ret.contract, quarter=Period(ret.period_start, ret.kpi.frequency).quarter()
    )


def _reds_up_to(ret: KPIReturn, count: int) -> list[bool]:
    """Red flags for the `count` periods ending with this return's, oldest first (no return: not red)."""
    kpi = ret.kpi
    periods = [Period(ret.period_start, kpi.frequency)]
    while len(periods) < count and periods[0].previous().start >= kpi.first_period_start:
        periods.insert(0, periods[0].previous())
    counted = _counted_actuals(kpi, [p.start for p in periods])
    return [p.start in counted and counted[p.start].rag == RAG.RED for p in periods]


def _raise_concern(ret: KPIReturn, *, actor=None) -> None:
    """Raise a concern if this return, or a later counted red one within the 6-period window, now meets the rule.

    Only one concern is open per KPI at a time. A return saved late (Q1 after Q2) counts: the
    later return then makes 2 running and raises the concern. Once a concern is resolved, only
    a return for a later period than the one that raised it can raise another (accepting or
    re-saving the same return does not).
    """
    kpi = ret.kpi
    concerns = PerformanceConcern.objects.filter(kpi=kpi)
    if concerns.filter(resolved_at__isnull=True).exists():
        return
    last_raised = (
        concerns.order_by("-raised_by_return__period_start")
        .values_list("raised_by_return__period_start", flat=True)
        .first()
    )
    period = Period(ret.period_start, kpi.frequency)
    window_end = period
    for _ in range(5):
        window_end = window_end.next()
    candidates = [ret] if ret.status in COUNTED_RETURN_STATUSES and ret.rag == RAG.RED else []
    candidates += list(
        KPIReturn.objects.filter(
            kpi=kpi,
            period_start__gt=period.start,
            period_start__lte=window_end.start,
            status__in=COUNTED_RETURN_STATUSES,
            rag=RAG.RED,
        )
        .select_related("contract")
        .order_by("period_start")
    )
    if last_raised is not None:
        candidates = [c for c in candidates if c.period_start > last_raised]
    for candidate in candidates:
        candidate.kpi = kpi
        hit = concern_rule_for(_reds_up_to(candidate, 6))
        if hit is not None:
            _concern_create(candidate, hit, actor=actor)
            return


def _concern_create(ret: KPIReturn, hit: tuple[str, str], *, actor) -> None:
    rule, why = hit
    explanation = f"{ret.kpi.code} {ret.kpi.name}: {why} Latest: {ret.period.label}, {ret.rag_explanation}"
    concern = PerformanceConcern(
        contract=ret.contract,
        kpi=ret.kpi,
        rule=rule,
        explanation=explanation[:300],
        raised_by_return=ret,
    )
    concern.full_clean()
    attribute(concern, actor=actor, reason=f"Raised by the {ret.period.label} return")
    concern.save()


def _propose_deduction(ret: KPIReturn, *, actor, cause: KPIReturn | None = None) -> None:
    """Propose, recalculate or withdraw the deduction of one return; a decided deduction is left alone.

    The cap counts, in the same financial year, the deductions of earlier periods (proposed,
    applied or disputed) and the decided ones (applied or disputed) of later periods; later
    proposed ones are recalculated after this one, so the cap is used up in period order.
    """
    kpi = ret.kpi
    deduction = Deduction.objects.select_for_update().filter(kpi_return=ret).first()
    failing = ret.status in COUNTED_RETURN_STATUSES and ret.rag == RAG.RED
    spec = DeductionRuleSpec(kpi.deduction_rule, kpi.deduction_amount, kpi.deduction_percent, kpi.deduction_cap_percent)
    if not failing or spec.rule == DeductionRule.NONE:
        if deduction is not None and deduction.status == DeductionStatus.PROPOSED:
            deduction.status = DeductionStatus.WITHDRAWN
            why = "The return no longer fails" if not failing else "The KPI no longer has a deduction rule"
            attribute(deduction, actor=actor, reason=why)
            deduction.save()
        return
    if deduction is not None and deduction.status not in (DeductionStatus.PROPOSED, DeductionStatus.WITHDRAWN):
        return  # decided by the commissioner: a later change to the return does not undo that
    already = (
        Deduction.objects.filter(kpi=kpi, financial_year=ret.financial_year, status__in=CAPPED_DEDUCTION_STATUSES)
        .filter(Q(kpi_return__period_start__lt=ret.period_start) | ~Q(status=DeductionStatus.PROPOSED))
        .exclude(kpi_return=ret)
    )
    already_pounds = pence_to_pounds(already.aggregate(total=money_sum("amount"))["total"])
    calc = deduction_for(
        spec,
        annual_value=ret.contract.annual_value,
        frequency=kpi.frequency,
        failures_running=consecutive_failures(_reds_up_to(ret, 60)),
        already_this_year=already_pounds,
    )
    new = deduction is None
    deduction = deduction or Deduction(kpi_return=ret, contract=ret.contract, kpi=kpi)
    changed = set_fields(
        deduction,
        {
            "financial_year": ret.financial_year,
            "calculated_amount": calc.calculated,
            "amount": calc.amount,
            "calculation": calc.explanation[:500],
            "status": DeductionStatus.PROPOSED,
        },
    )
    if not (new or changed):
        return
    deduction.full_clean()
    if new:
        why = f"Proposed by the {ret.period.label} return"
    elif cause is not None:
        why = f"Recalculated: the {cause.period.label} return changed"
    else:
        why = f"Recalculated: the {ret.period.label} return changed"
    attribute(deduction, actor=actor, reason=why)
    deduction.save()


def _quarter_rag(score: Decimal | None) -> str:
    if score is None:
        return ""
    if score >= 85:
        return RAG.GREEN
    if score >= 50:
        return RAG.AMBER
    return RAG.RED


_RAG_ORDER = {RAG.RED: 0, RAG.AMBER: 1, RAG.GREEN: 2}
_RAG_SCORE = {RAG.GREEN: Decimal(100), RAG.AMBER: Decimal(50), RAG.RED: Decimal(0)}


def kpis_due_in_quarter(kpis: Iterable[KPI], quarter: Period) -> list[tuple[KPI, list[Period]]]:
    """Each KPI with the periods of it that end in the quarter (monthly: up to 3; annual: only in Q4)."""
    due = []
    for kpi in kpis:
        periods = [
            p for p in periods_in(kpi.frequency, quarter.start, quarter.end) if p.start >= kpi.first_period_start
        ]
        if periods:
            due.append((kpi, periods))
    return due


def contract_period_summary_refresh(*, contract: Contract, quarter: Period) -> ContractPeriodSummary:
    """Count the contract's KPIs green, amber, red and missing for a quarter and store the weighted score.

    A KPI counts once a quarter: a monthly one by its worst month returned, missing only if no
    month is. The score is the weight-averaged 100 (green) / 50 (amber) / 0 (red) over the
    KPIs reported; the quarter is green from 85, amber from 50, red below 50.
    """
    kpis = list(contract.kpis.filter(is_active=True))
    due = kpis_due_in_quarter(kpis, quarter)
    returns = KPIReturn.objects.filter(
        contract=contract,
        period_end__gte=quarter.start,
        period_end__lte=quarter.end,
        status__in=COUNTED_RETURN_STATUSES,
        actual__isnull=False,
    ).values_list("kpi_id", "rag")
    worst: dict[int, str] = {}
    for kpi_id, rag in returns:
        if kpi_id not in worst or _RAG_ORDER[rag] < _RAG_ORDER[worst[kpi_id]]:
            worst[kpi_id] = rag
    counts = {RAG.GREEN: 0, RAG.AMBER: 0, RAG.RED: 0}
    missing = 0
    weighted = Decimal(0)
    weights = 0
    for kpi, _periods in due:
        rag = worst.get(kpi.pk)
        if rag is None:
            missing += 1
            continue
        counts[rag] += 1
        weighted += _RAG_SCORE[rag] * kpi.weight
        weights += kpi.weight
    score = (weighted / weights).quantize(Decimal("0.1"), ROUND_HALF_UP) if weights else None
    summary, _ = ContractPeriodSummary.objects.update_or_create(
        contract=contract,
        period_start=quarter.start,
        defaults={
            "financial_year": quarter.financial_year,
            "green": counts[RAG.GREEN],
            "amber": counts[RAG.AMBER],
            "red": counts[RAG.RED],
            "missing": missing,
            "score": score,
            "rag": _quarter_rag(score),
        },
    )
    return summary


# --- Concerns and deductions ------------------------------------------------------------


@transaction.atomic
def performance_concern_resolve(*, concern: PerformanceConcern, note: str, actor=None) -> PerformanceConcern:
    """Close a concern with a note of what was done; it stays on record."""
    _scope(actor, concern.contract)
    if concern.resolved_at is not None:
        raise ValidationError("This concern is already resolved.")
    if not (note or "").strip():
        raise ValidationError({"resolution_note": "Say how the concern was resolved."})
    concern.resolved_at, concern.resolved_by, concern.resolution_note = timezone.now(), acting_user(actor), note.strip()
    concern.full_clean()
    attribute(concern, actor=actor, reason="Concern resolved")
    concern.save()
    return concern


def _deduction_decide(deduction: Deduction, *, status: str, reason: str, actor) -> Deduction:
    _scope(actor, deduction.contract)
    allowed = {
        DeductionStatus.APPLIED: (DeductionStatus.PROPOSED, DeductionStatus.DISPUTED),
        DeductionStatus.WAIVED: (DeductionStatus.PROPOSED, DeductionStatus.DISPUTED),
        DeductionStatus.DISPUTED: (DeductionStatus.PROPOSED, DeductionStatus.APPLIED),
    }[status]
    if deduction.status not in allowed:
        raise ValidationError(
            f"A deduction that is {deduction.get_status_display().lower()} cannot be marked "
            f"{DeductionStatus(status).label.lower()}."
        )
    deduction.status, deduction.reason = status, (reason or "").strip()
    deduction.decided_by, deduction.decided_at = acting_user(actor), timezone.now()
    deduction.full_clean()
    attribute(deduction, actor=actor, reason=deduction.reason or f"Deduction {DeductionStatus(status).label.lower()}")
    deduction.save()
    return deduction


@transaction.atomic
def deduction_apply(*, deduction: Deduction, actor=None, reason: str = "") -> Deduction:
    return _deduction_decide(deduction, status=DeductionStatus.APPLIED, reason=reason, actor=actor)


@transaction.atomic
def deduction_waive(*, deduction: Deduction, reason: str, actor=None) -> Deduction:
    """Waive a deduction; the reason is required (Deduction.clean)."""
    return _deduction_decide(deduction, status=DeductionStatus.WAIVED, reason=reason, actor=actor)


@transaction.atomic
def deduction_dispute(*, deduction: Deduction, reason: str, actor=None) -> Deduction:
    return _deduction_decide(deduction, status=DeductionStatus.DISPUTED, reason=reason, actor=actor)


# --- Procurement Act 2023 assessments ---------------------------------------------------


@transaction.atomic
def performance_assessment_propose(
    *,
    contract: Contract,
    period_start: datetime.date,
    period_end: datetime.date,
    reason: str,
    actor=None,
) -> PerformanceAssessment:
    """Propose a performance assessment: each key KPI rated from the mean of its counted returns in the period."""
    _scope(actor, contract)
    key_kpis = list(contract.kpis.filter(is_key=True, is_active=True).order_by("code"))
    if not key_kpis:
        raise ValidationError("This contract has no key KPIs to assess. Mark its key performance indicators first.")
    assessment = PerformanceAssessment(
        contract=contract, period_start=period_start, period_end=period_end, reason=reason
    )
    assessment.full_clean()
    attribute(assessment, actor=actor, reason="Assessment proposed from the returns")
    assessment.save()
    values: dict[int, list[Decimal]] = {kpi.pk: [] for kpi in key_kpis}
    for kpi_id, actual in KPIReturn.objects.filter(
        kpi__in=key_kpis,
        period_end__gte=period_start,
        period_end__lte=period_end,
        status__in=COUNTED_RETURN_STATUSES,
        actual__isnull=False,
    ).values_list("kpi_id", "actual"):
        values[kpi_id].append(Decimal(actual))
    for kpi in key_kpis:
        found = values[kpi.pk]
        mean = (sum(found) / len(found)) if found else None
        rating, explanation = rating_for(kpi, mean, returns=len(found))
        row = AssessmentRating(
            assessment=assessment,
            kpi=kpi,
            proposed_rating=rating,
            proposed_explanation=explanation[:300],
            rating=rating,
        )
        row.full_clean()
        attribute(row, actor=actor, reason="Proposed from the returns")
        row.save()
    return assessment


@transaction.atomic
def performance_assessment_confirm(
    *,
    assessment: PerformanceAssessment,
    ratings: dict[int, tuple[str, str]] | None = None,
    note: str = "",
    actor=None,
) -> PerformanceAssessment:
    """The commissioner confirms an assessment, changing any rating with a note saying why.

    `ratings` maps a KPI id to (rating, note); KPIs not given keep the proposed rating.
    """
    _scope(actor, assessment.contract)
    if assessment.status == AssessmentStatus.CONFIRMED:
        raise ValidationError("This assessment is already confirmed.")
    ratings = ratings or {}
    errors = {}
    rows = list(assessment.ratings.select_related("kpi"))
    for row in rows:
        if row.kpi_id in ratings:
            row.rating, row.note = ratings[row.kpi_id][0], (ratings[row.kpi_id][1] or "").strip()
        try:
            row.full_clean()
        except ValidationError as exc:
            errors[f"rating_{row.kpi_id}"] = f"{row.kpi.code}: " + " ".join(exc.messages)
    if errors:
        raise ValidationError(errors)
    for row in rows:
        attribute(row, actor=actor, reason="Rating confirmed")
        row.save()
    assessment.status = AssessmentStatus.CONFIRMED
    assessment.note = (note or assessment.note or "").strip()
    assessment.confirmed_by, assessment.confirmed_at = acting_user(actor), timezone.now()
    assessment.full_clean()
    attribute(assessment, actor=actor, reason="Assessment confirmed")
    assessment.save()
    return assessment
