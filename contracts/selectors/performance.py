"""Reads of contract performance. Every query here runs a fixed number of SQL statements,
whatever the number of contracts, KPIs or returns."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import Case, Count, DecimalField, Q, QuerySet, Value, When

from commissioning import as_at
from commissioning.db import money_sum, pence_to_pounds
from contracts.choices import (
    COUNTED_RETURN_STATUSES,
    AssessmentReason,
    AssessmentStatus,
    ContractStatus,
    DeductionStatus,
    Frequency,
)
from contracts.models import (
    KPI,
    Contract,
    ContractPeriodSummary,
    Deduction,
    KPIReturn,
    PerformanceAssessment,
    PerformanceConcern,
)
from contracts.periods import Period, periods_between, periods_in

# Procurement Act 2023 s.52: contracts above this total value must publish at least three key KPIs.
KEY_KPI_THRESHOLD = Decimal("5000000")
KEY_KPI_MINIMUM = 3


def kpi_list() -> QuerySet[KPI]:
    return KPI.objects.select_related(
        "contract", "contract__directorate", "contract__provider", "supporting_outcome"
    ).order_by("contract__reference", "code")


def kpis_of_contract(*, contract: Contract) -> QuerySet[KPI]:
    return kpi_list().filter(contract=contract)


def kpi_return_list() -> QuerySet[KPIReturn]:
    return KPIReturn.objects.select_related(
        "kpi", "contract", "contract__directorate", "contract__provider", "submitted_by", "reviewed_by"
    ).order_by("contract__reference", "kpi__code", "period_start")


def concern_list() -> QuerySet[PerformanceConcern]:
    # raised_by_return__kpi: the return that raised a concern is named by its period, which needs its KPI.
    return PerformanceConcern.objects.select_related(
        "contract",
        "contract__provider",
        "contract__directorate",
        "contract__commissioner",
        "kpi",
        "resolved_by",
        "raised_by_return__kpi",
    ).order_by("-created")


def open_concerns() -> QuerySet[PerformanceConcern]:
    return concern_list().filter(resolved_at__isnull=True)


def deduction_list() -> QuerySet[Deduction]:
    # kpi_return__kpi: a deduction's period label needs its return's KPI frequency, so each row
    # names its period without a query of its own.
    return Deduction.objects.select_related(
        "contract", "contract__provider", "contract__directorate", "kpi", "kpi_return__kpi", "decided_by"
    ).order_by("-financial_year", "contract__reference", "kpi__code", "kpi_return__period_start")


def assessment_list() -> QuerySet[PerformanceAssessment]:
    return (
        PerformanceAssessment.objects.select_related(
            "contract", "contract__provider", "contract__directorate", "confirmed_by"
        )
        .prefetch_related("ratings__kpi")
        .order_by("contract__reference", "-period_end")
    )


@dataclass
class KPISeries:
    """One KPI of a contract with its returns in period order, for the performance page and its chart."""

    kpi: KPI
    returns: list[KPIReturn] = field(default_factory=list)

    @property
    def latest(self) -> KPIReturn | None:
        counted = [r for r in self.returns if r.status in COUNTED_RETURN_STATUSES and r.actual is not None]
        return counted[-1] if counted else None


def contract_performance(*, contract: Contract) -> list[KPISeries]:
    """Every KPI of a contract with all its returns, in two queries."""
    series = {kpi.pk: KPISeries(kpi) for kpi in kpis_of_contract(contract=contract)}
    for ret in (
        KPIReturn.objects.filter(contract=contract)
        .select_related("submitted_by", "reviewed_by")
        .order_by("period_start")
    ):
        if ret.kpi_id in series:
            ret.kpi = series[ret.kpi_id].kpi
            series[ret.kpi_id].returns.append(ret)
    return list(series.values())


@dataclass
class DueReturn:
    """A KPI period that is due (or overdue) with the return recorded for it, if any."""

    kpi: KPI
    period: Period
    kpi_return: KPIReturn | None
    due_date: datetime.date

    @property
    def contract(self) -> Contract:
        return self.kpi.contract


def overdue_days() -> int:
    return settings.KPI_RETURN_OVERDUE_DAYS


def period_in_term(contract: Contract, start: datetime.date, end: datetime.date) -> bool:
    """Whether a KPI period from `start` to `end` falls in the contract's term (start to current end).

    A start or end not known (a contract from a register that did not give it) does not cut the
    period out: a KPI's periods run from the first period its commissioner set, so its returns are
    still due. This is only for KPI periods; counting a contract as active or ending in a period
    needs its dates known (contracts.selectors.ending_soon_q and the quarter reports).
    """
    return (contract.start_date is None or end >= contract.start_date) and (
        contract.current_end_date is None or start <= contract.current_end_date
    )


def _active_kpis(contracts: QuerySet[Contract]) -> QuerySet[KPI]:
    return kpi_list().filter(is_active=True, contract__in=contracts).select_related("contract__commissioner")


def overdue_returns(
    *, contracts: QuerySet[Contract] | None = None, today: datetime.date | None = None
) -> list[DueReturn]:
    """KPI periods with no counted return after their due date.

    A return is due KPI_RETURN_OVERDUE_DAYS after its period ends (30 June + 30 days = 30 July)
    and overdue from the day after. Only active contracts, and only periods that end within
    the contract's term. A draft or a return sent back does not stop a return being overdue.
    Two queries.
    """
    today = today or as_at.today()
    contracts = contracts if contracts is not None else Contract.objects.all()
    contracts = contracts.filter(status=ContractStatus.ACTIVE)
    last_end = today - datetime.timedelta(days=overdue_days() + 1)
    kpis = list(_active_kpis(contracts))
    recorded = {
        (r.kpi_id, r.period_start): r
        for r in KPIReturn.objects.filter(kpi__in=[k.pk for k in kpis]).only(
            "id", "kpi_id", "period_start", "status", "actual", "rag"
        )
    }
    out = []
    for kpi in kpis:
        term_end = kpi.contract.current_end_date
        for period in periods_between(kpi.first_period, last_end if term_end is None else min(last_end, term_end)):
            if not period_in_term(kpi.contract, period.start, period.end):
                continue
            ret = recorded.get((kpi.pk, period.start))
            if ret is None or ret.status not in COUNTED_RETURN_STATUSES:
                out.append(DueReturn(kpi, period, ret, period.end + datetime.timedelta(days=overdue_days())))
    out.sort(key=lambda d: (d.due_date, d.kpi.contract.reference, d.kpi.code))
    return out


def returns_due_in_quarter(*, contracts: QuerySet[Contract], quarter: Period) -> list[DueReturn]:
    """Every KPI period of the contracts ending in the quarter, with any return already recorded (the grid)."""
    kpis = list(_active_kpis(contracts.filter(status=ContractStatus.ACTIVE)))
    recorded = {
        (r.kpi_id, r.period_start): r
        for r in KPIReturn.objects.filter(
            kpi__in=[k.pk for k in kpis], period_end__gte=quarter.start, period_end__lte=quarter.end
        ).select_related("submitted_by")
    }
    out = []
    for kpi in kpis:
        for period in periods_in(kpi.frequency, quarter.start, quarter.end):
            if period.start < kpi.first_period_start or not period_in_term(kpi.contract, period.start, period.end):
                continue
            out.append(
                DueReturn(
                    kpi,
                    period,
                    recorded.get((kpi.pk, period.start)),
                    period.end + datetime.timedelta(days=overdue_days()),
                )
            )
    out.sort(key=lambda d: (d.kpi.contract.reference, d.kpi.code, d.period.start))
    return out


@dataclass
class RAGMatrix:
    quarters: list[Period]
    rows: list[tuple[Contract, list[ContractPeriodSummary | None]]]


def rag_matrix(*, contracts: QuerySet[Contract], quarters: list[Period]) -> RAGMatrix:
    """Contracts × quarters, each cell the stored quarter summary (or None). Two queries."""
    contracts = list(contracts.select_related("provider", "directorate").order_by("reference"))
    starts = [q.start for q in quarters]
    cells: dict[tuple[int, datetime.date], ContractPeriodSummary] = {
        (s.contract_id, s.period_start): s
        for s in ContractPeriodSummary.objects.filter(contract__in=[c.pk for c in contracts], period_start__in=starts)
    }
    rows = [(c, [cells.get((c.pk, start)) for start in starts]) for c in contracts]
    return RAGMatrix(quarters=quarters, rows=rows)


def recent_quarters(*, count: int = 8, today: datetime.date | None = None) -> list[Period]:
    """The last `count` quarters that have ended, oldest first."""
    today = today or as_at.today()
    quarter = Period.containing(today, Frequency.QUARTERLY).previous()
    out = [quarter]
    while len(out) < count:
        out.insert(0, out[0].previous())
    return out


def contract_summaries(*, contract: Contract) -> list[ContractPeriodSummary]:
    return list(contract.period_summaries.order_by("period_start"))


@dataclass
class DeductionTotal:
    key: tuple
    label: str
    proposed: Decimal
    applied: Decimal
    waived: Decimal
    disputed: Decimal


_TOTAL_GROUPS = {
    "contract": ("contract_id", "contract__reference", "contract__title"),
    "provider": ("contract__provider_id", "contract__provider__name"),
    "directorate": ("contract__directorate_id", "contract__directorate__name"),
    "financial_year": ("financial_year",),
}


def deduction_totals(*, by: str, deductions: QuerySet[Deduction] | None = None) -> list[DeductionTotal]:
    """Deductions summed to the penny per contract, provider, directorate or financial year and status. One query."""
    fields = _TOTAL_GROUPS[by]
    deductions = deductions if deductions is not None else Deduction.objects.all()
    rows = (
        deductions.values(*fields)
        .annotate(
            proposed=money_sum_filtered(DeductionStatus.PROPOSED),
            applied=money_sum_filtered(DeductionStatus.APPLIED),
            waived=money_sum_filtered(DeductionStatus.WAIVED),
            disputed=money_sum_filtered(DeductionStatus.DISPUTED),
        )
        .order_by(*fields)
    )
    out = []
    for row in rows:
        key = tuple(row[f] for f in fields)
        if by == "financial_year":
            label = f"{key[0]}-{(key[0] + 1) % 100:02d}"
        else:
            label = " ".join(str(part) for part in key[1:])
        out.append(
            DeductionTotal(
                key=key,
                label=label,
                proposed=pence_to_pounds(row["proposed"]),
                applied=pence_to_pounds(row["applied"]),
                waived=pence_to_pounds(row["waived"]),
                disputed=pence_to_pounds(row["disputed"]),
            )
        )
    return out


def money_sum_filtered(status: str):
    """Exact sum (in pence) of the amounts of deductions in one status."""
    return money_sum(
        Case(
            When(status=status, then="amount"),
            default=Value(Decimal("0.00")),
            output_field=DecimalField(max_digits=14, decimal_places=2),
        )
    )


def contracts_missing_key_kpis(*, contracts: QuerySet[Contract] | None = None) -> QuerySet[Contract]:
    """Procurement Act 2023 s.52: contracts over £5m with fewer than three key KPIs and no reason recorded."""
    contracts = contracts if contracts is not None else Contract.objects.all()
    return (
        contracts.filter(total_value__gt=KEY_KPI_THRESHOLD, key_kpi_exemption_reason="")
        .exclude(status__in=[ContractStatus.EXPIRED, ContractStatus.TERMINATED])
        .annotate(key_kpi_count=Count("kpis", filter=Q(kpis__is_key=True, kpis__is_active=True)))
        .filter(key_kpi_count__lt=KEY_KPI_MINIMUM)
        .select_related("provider", "directorate", "commissioner")
        .order_by("reference")
    )


@dataclass
class OverdueAssessment:
    contract: Contract
    reason: str
    due_date: datetime.date | None  # None: the contract has ended on a day not known
    last_period_end: datetime.date | None


def overdue_assessments(
    *, contracts: QuerySet[Contract] | None = None, today: datetime.date | None = None
) -> list[OverdueAssessment]:
    """Contracts with key KPIs whose assessment is overdue (Procurement Act 2023 s.71).

    An active contract needs a confirmed assessment at least every 12 months from its start
    (or from the end of its last assessed period); a contract that has ended needs one
    covering its end (its due date None when the end is not known). An active contract never
    assessed whose start is not known is not listed: there is no day to count the 12 months from.
    Two queries.
    """
    today = today or as_at.today()
    contracts = contracts if contracts is not None else Contract.objects.all()
    contracts = list(
        # Only active key KPIs: a contract whose key KPIs are all retired has nothing to assess
        # (performance_assessment_propose refuses it), so listing it as overdue would be a dead end.
        contracts.filter(kpis__is_key=True, kpis__is_active=True)
        .exclude(status=ContractStatus.PIPELINE)
        .distinct()
        .select_related("provider", "directorate", "commissioner")
        .order_by("reference")
    )
    last_end: dict[int, datetime.date] = defaultdict(lambda: None)
    final: set[int] = set()
    for contract_id, period_end, reason in PerformanceAssessment.objects.filter(
        contract__in=[c.pk for c in contracts], status=AssessmentStatus.CONFIRMED
    ).values_list("contract_id", "period_end", "reason"):
        if last_end[contract_id] is None or period_end > last_end[contract_id]:
            last_end[contract_id] = period_end
        if reason == AssessmentReason.CONTRACT_END:
            final.add(contract_id)
    out = []
    for contract in contracts:
        last = last_end[contract.pk]
        if contract.status in (ContractStatus.EXPIRED, ContractStatus.TERMINATED):
            if contract.pk not in final:
                out.append(
                    OverdueAssessment(
                        contract, "The contract has ended: assess its performance.", contract.current_end_date, last
                    )
                )
            continue
        if last is None and contract.start_date is None:
            continue
        since = last or contract.start_date - datetime.timedelta(days=1)
        due = since + relativedelta(years=1)
        if due < today:
            what = "No assessment in the last 12 months." if last else "No assessment since the contract started."
            out.append(OverdueAssessment(contract, what, due, last))
    return out


def contracts_with_kpis(*, exclude: Contract | None = None) -> QuerySet[Contract]:
    """Contracts that have active KPIs, each with `kpi_count`: the sources a KPI set can be copied from."""
    contracts = Contract.objects.all()
    if exclude is not None:
        contracts = contracts.exclude(pk=exclude.pk)
    return (
        contracts.annotate(kpi_count=Count("kpis", filter=Q(kpis__is_active=True)))
        .filter(kpi_count__gt=0)
        .order_by("reference")
    )


# --- Added for the performance API and the import of returns (helper "api") ----------------------


def contract_period_summary_list() -> QuerySet[ContractPeriodSummary]:
    """Every stored quarter summary (a cell of the RAG matrix), by contract then quarter."""
    return ContractPeriodSummary.objects.select_related("contract", "contract__directorate").order_by(
        "contract__reference", "period_start"
    )


def kpis_for_import(*, contract_references: set[str]) -> QuerySet[KPI]:
    """The KPIs of the contracts named in an imported file (any case), with what checking a row needs. One query."""
    q = Q()
    for reference in contract_references:
        q |= Q(contract__reference__iexact=reference)
    if not contract_references:
        return KPI.objects.none()
    return KPI.objects.filter(q).select_related("contract", "contract__directorate").order_by("contract_id", "code")


def contracts_by_reference(*, references: set[str]) -> QuerySet[Contract]:
    """Contracts named in an imported file, matched without regard to case. One query."""
    if not references:
        return Contract.objects.none()
    q = Q()
    for reference in references:
        q |= Q(reference__iexact=reference)
    return Contract.objects.filter(q).select_related("directorate")


# --- Monitoring pages (issue 3): one deduction or concern, a KPI's recent returns, change history ----------


def deduction_get(*, pk: int) -> Deduction:
    """One deduction with its contract, KPI, the return that caused it and who decided it. One query.

    Raises Deduction.DoesNotExist."""
    deduction = deduction_list().select_related("contract__commissioner", "kpi_return__submitted_by").get(pk=pk)
    return deduction


def concern_get(*, pk: int) -> PerformanceConcern:
    """One performance concern with its contract, KPI and the return that raised it. One query.

    Raises PerformanceConcern.DoesNotExist."""
    return concern_list().get(pk=pk)


def kpi_recent_returns(*, kpi: KPI, count: int = 6) -> list[KPIReturn]:
    """The KPI's latest `count` returns, oldest first, whatever their status. One query.

    Six periods because a concern looks back over the last six (red in 3 of the last 6)."""
    rows = list(KPIReturn.objects.filter(kpi=kpi).select_related("submitted_by").order_by("-period_start")[:count])
    for row in rows:
        row.kpi = kpi
    return rows[::-1]


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    """One saved change of a record: when, by whom, why, and which of the shown fields changed."""

    when: datetime.datetime
    who: object
    action: str
    reason: str
    changes: list[FieldChange]


def _history_value(record, model_field) -> str:
    from commissioning.templatetags.gt import money  # the council's money format, also used by the pages

    value = getattr(record, model_field.attname)
    if value in (None, ""):
        return "–"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, Decimal):
        return money(value) if model_field.decimal_places == 2 else f"{value.normalize():f}"
    if isinstance(value, datetime.datetime):
        from django.utils import timezone

        return f"{timezone.localtime(value):%-d %B %Y, %H:%M}"
    return str(value)


def change_history(*, instance, fields: list[str], limit: int = 50) -> list[HistoryEntry]:
    """A record's saved changes (django-simple-history), newest first, with the listed fields that changed
    in each (old and new value as the pages show them). One query."""
    records = list(instance.history.select_related("history_user").order_by("history_date", "history_id"))
    model_fields = [instance._meta.get_field(name) for name in fields]
    actions = {"+": "Added", "~": "Changed", "-": "Deleted"}
    out = []
    previous = None
    for record in records:
        changes = []
        if previous is not None:
            for model_field in model_fields:
                old, new = _history_value(previous, model_field), _history_value(record, model_field)
                if old != new:
                    changes.append(FieldChange(str(model_field.verbose_name).capitalize(), old, new))
        out.append(
            HistoryEntry(
                when=record.history_date,
                who=record.history_user,
                action=actions.get(record.history_type, "Changed"),
                reason=record.history_change_reason or "",
                changes=changes,
            )
        )
        previous = record
    return out[::-1][:limit]


# --- Contract performance notices and the assessment pages (helper "notices") ------------------------------


def confirmed_assessments(*, contracts: QuerySet[Contract] | None = None) -> QuerySet[PerformanceAssessment]:
    """Assessments the commissioner has confirmed: only these are published as contract performance notices
    (Procurement Act 2023 s.71). With contract, provider, directorate and the ratings' KPIs; three queries."""
    assessments = assessment_list().filter(status=AssessmentStatus.CONFIRMED)
    if contracts is not None:
        assessments = assessments.filter(contract__in=contracts)
    return assessments


@dataclass
class NoticeFacts:
    """What a contract performance notice reports besides the ratings: each rated KPI's average over the
    period's counted returns (as the proposal used) and how many, and the deductions applied for returns
    ending in the period."""

    means: dict[int, Decimal | None] = field(default_factory=dict)
    counts: dict[int, int] = field(default_factory=dict)
    deductions: list[Deduction] = field(default_factory=list)


def assessment_notice_facts(*, assessments: list[PerformanceAssessment]) -> dict[int, NoticeFacts]:
    """NoticeFacts per assessment id. Returns count when their period ends inside the assessment period, as in
    contracts.services.performance_assessment_propose. Two queries, whatever the number of assessments."""
    out = {a.pk: NoticeFacts() for a in assessments}
    if not assessments:
        return out
    first = min(a.period_start for a in assessments)
    last = max(a.period_end for a in assessments)
    kpi_ids = {row.kpi_id for a in assessments for row in a.ratings.all()}
    actuals: dict[int, list[tuple[datetime.date, Decimal]]] = defaultdict(list)
    for kpi_id, period_end, actual in KPIReturn.objects.filter(
        kpi_id__in=kpi_ids,
        status__in=COUNTED_RETURN_STATUSES,
        actual__isnull=False,
        period_end__gte=first,
        period_end__lte=last,
    ).values_list("kpi_id", "period_end", "actual"):
        actuals[kpi_id].append((period_end, Decimal(actual)))
    deductions = list(
        Deduction.objects.filter(
            contract_id__in={a.contract_id for a in assessments},
            status=DeductionStatus.APPLIED,
            kpi_return__period_end__gte=first,
            kpi_return__period_end__lte=last,
        )
        .select_related("kpi", "kpi_return__kpi")
        .order_by("kpi_return__period_start", "kpi__code")
    )
    for assessment in assessments:
        facts = out[assessment.pk]
        for row in assessment.ratings.all():
            found = [v for end, v in actuals[row.kpi_id] if assessment.period_start <= end <= assessment.period_end]
            facts.counts[row.kpi_id] = len(found)
            facts.means[row.kpi_id] = (sum(found) / len(found)) if found else None
        facts.deductions = [
            d
            for d in deductions
            if d.contract_id == assessment.contract_id
            and assessment.period_start <= d.kpi_return.period_end <= assessment.period_end
        ]
    return out


def assessment_history(*, assessment: PerformanceAssessment) -> list:
    """The saved changes of an assessment and of its ratings (django-simple-history records), newest first:
    who proposed and confirmed it, and each rating's changes with the reason. Two queries."""
    from contracts.models import AssessmentRating

    records = list(assessment.history.select_related("history_user"))
    records += list(AssessmentRating.history.filter(assessment_id=assessment.pk).select_related("history_user", "kpi"))
    return sorted(records, key=lambda r: (r.history_date, r.history_id), reverse=True)
