"""The demonstration set's past (`manage.py demo`, last step): when each thing was entered.

Any page or report can be shown as at a past day (commissioning.as_at reads the history
tables), but the demo writes everything in one sitting, so without this step every past day
would show an empty council. This step dates what the demo wrote as if it had been entered
over the years its contracts run, in bulk, from each object's own dates:

- the framework, its outcomes and suggested measures on 1 April of its first year (the
  Strategic Statement 2015-2020 from 1 April 2015); the directorates a week before that, or
  before the first contract was awarded if that is earlier;
- a contract awarded 3 to 10 weeks before it starts (a pipeline contract some days ago at the
  latest), then as records of its own: started on its start date, an extension taken 1 to 4
  months before the initial end, expired the day after its current end or terminated during its
  term, each record with the status, end date and whole-life value as they then stood; a reason
  for fewer than three key KPIs a few weeks after the Procurement Act 2023 came into force; a
  variation of its value or term on the day the variation records (ContractVariation.varied_on);
- a provider 1 to 8 weeks before its first contract was awarded or its first payment; outcome
  links with their contract (not before the framework); KPIs at the contract's start;
- a KPI return submitted 5 to 25 days after its period ends and accepted 2 to 21 days later; a
  quarter summary, a performance concern or a proposed deduction the moment the return that set
  it off came in; a deduction decided 1 to 5 weeks after its return was last reviewed; a concern
  resolved 1 to 4 weeks after the KPI's second return back off red;
- a Procurement Act assessment proposed 2 to 6 weeks after its period ends, confirmed within 3 weeks;
- the social value catalogue two weeks before the first commitment; a commitment on the day it
  was committed; a delivery return 1 to 4 weeks after its period, verified or rejected 3 to 21
  days later, a corrected one after the rejection;
- a spend file imported 2 to 5 weeks after the last payment it holds (the demo's one file holds
  two financial years, so before its import day no spend shows);
- any other model with history (added after this step): a record for a period 2 to 6 weeks after
  the period ends, a part of the framework with the framework; anything else keeps its moment.

Times fall in office hours on working days. Each object's records stay in order (created before
changed) and none is later than the moment the step runs. The timestamps kept on the rows
(created, modified, submitted_at, reviewed_at, decided_at, resolved_at, confirmed_at,
verified_at, computed_at) move with their records, so a page says "submitted 14 October 2025",
not the day the demo ran. Deterministic: every date comes from `random.Random` seeded with the
demo's seed and the object. Only objects first recorded at or after `since` (the start of the
demo run) are touched: whatever was entered before, by people or an earlier run, keeps its history.
"""

from __future__ import annotations

import datetime
import random
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.db import connection, models, transaction
from django.db.models import Min
from django.utils import timezone

from commissioning.as_at import DOMAIN_APPS
from commissioning.models import Directorate, Framework, StrategicOutcome, SuggestedMeasure, SupportingOutcome
from contracts.choices import RAG, ContractStatus
from contracts.models import (
    KPI,
    AssessmentRating,
    Contract,
    ContractPeriodSummary,
    ContractVariation,
    Deduction,
    KPIReturn,
    PerformanceAssessment,
    PerformanceConcern,
    Provider,
    SpendImport,
    SpendLine,
)
from contracts.periods import financial_year_of, financial_year_start
from outcomes_link.demo import DEFAULT_SEED, PROCUREMENT_ACT_START
from outcomes_link.models import OutcomeLink
from social_value.models import DeliveryReturn, ProxyValue, SocialValueCommitment, SocialValueMeasure

SECOND = datetime.timedelta(seconds=1)
BATCH = 500
# A contract's fields that follow its life (award, start, extension, end) rather than an edit.
LIFECYCLE = ("status", "extension_months_taken", "current_end_date", "total_value")
# The lifecycle fields a variation changes (contracts.services.variations).
VARIED = ("current_end_date", "total_value")


@dataclass(frozen=True)
class DemoHistory:
    earliest: datetime.date  # the first day anything was recorded
    records: int  # historical records dated
    example: datetime.date  # a day to show the demo as at: the end of the last financial year


# --------------------------------------------------------------------------- moments


class _Clock:
    """The seed, the objects in scope (first recorded at or after `since`) and the latest moment allowed."""

    def __init__(self, seed: int, since: datetime.datetime | None, now: datetime.datetime) -> None:
        self.seed, self.since, self.ceiling = seed, since, now
        self.today = timezone.localdate(now)

    def rng(self, *key) -> random.Random:
        return random.Random(":".join(str(part) for part in (self.seed, *key)))

    def past(self, day: datetime.date, after: datetime.datetime, rng: random.Random) -> datetime.datetime:
        """A moment on `day`, or, when that day is still to come (a contract not yet started), on a day
        between `after` and yesterday: what is recorded today was entered before now."""
        if day < self.today:
            return _moment(day, rng)
        first = timezone.localdate(after) + datetime.timedelta(days=1)
        room = (self.today - first).days - 1
        if room < 0:
            return after + datetime.timedelta(hours=1)
        return _moment(first + datetime.timedelta(days=rng.randint(0, room)), rng)


def _moment(day: datetime.date, rng: random.Random) -> datetime.datetime:
    """A moment in office hours (09:00 to 17:00) on `day`, or on the Monday after when it falls at a weekend."""
    if day.weekday() >= 5:
        day += datetime.timedelta(days=7 - day.weekday())
    start = datetime.datetime.combine(day, datetime.time(9))
    return timezone.make_aware(start + datetime.timedelta(minutes=rng.randrange(8 * 60), seconds=rng.randrange(60)))


def _days_after(moment: datetime.datetime, rng: random.Random, low: int, high: int) -> datetime.datetime:
    """`low` to `high` days after `moment`, in office hours, and never before it."""
    day = timezone.localtime(moment).date() + datetime.timedelta(days=rng.randint(low, high))
    return max(_moment(day, rng), moment + SECOND)


def _in_order(moments: list[datetime.datetime], ceiling: datetime.datetime) -> list[datetime.datetime]:
    """The moments made strictly increasing and none after the ceiling (those past it pulled back just before)."""
    out = list(moments)
    for i in range(1, len(out)):
        out[i] = max(out[i], out[i - 1] + SECOND)
    out[-1] = min(out[-1], ceiling)
    for i in range(len(out) - 2, -1, -1):
        out[i] = min(out[i], out[i + 1] - SECOND)
    return out


def _first_dates(model: type[models.Model]) -> dict[int, datetime.datetime]:
    """Each object's first recorded moment, from its history (after the step has dated it)."""
    historical = model.history.model
    key = model._meta.pk.attname
    return dict(historical.objects.values_list(key).annotate(first=Min("history_date")).order_by())


def _stamp_kinds(model: type[models.Model]) -> dict[str, str]:
    """The row's own timestamps: "own" (auto_now: each record's moment), "first" (auto_now_add) or
    "event" (set when something happened: the moment of the record where it took its value)."""
    kinds = {}
    for f in model._meta.concrete_fields:
        if isinstance(f, models.DateTimeField):
            kinds[f.attname] = "own" if f.auto_now else "first" if f.auto_now_add else "event"
    return kinds


def _restamp(chain: list, kinds: dict[str, str]) -> None:
    """Move each record's timestamps with the records' new moments (chain oldest first, already dated)."""
    first = chain[0].history_date
    for name, kind in kinds.items():
        was_before = now_before = None
        for index, record in enumerate(chain):
            was = getattr(record, name)
            if kind == "own":
                new = record.history_date
            elif kind == "first":
                new = first
            elif was is None:
                new = None
            elif index and was == was_before:
                new = now_before
            else:
                new = record.history_date
            was_before, now_before = was, new
            setattr(record, name, new)


def _bulk_set(model: type[models.Model], rows: list[tuple], fields: list[str]) -> None:
    """Set `fields` on many rows, each given as (primary key, *values), with one UPDATE per 500 rows.

    `WITH v AS (VALUES ...) UPDATE ... FROM v` reads the same on PostgreSQL and SQLite (3.33 on);
    Django's bulk_update builds a CASE per field and row in Python, which takes minutes here.
    """
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    key = model._meta.pk
    columns = [model._meta.get_field(name) for name in fields]
    names = ["gt_key", *(f"gt_{i}" for i in range(len(columns)))]
    sets = ", ".join(f"{qn(f.column)} = v.{name}" for f, name in zip(columns, names[1:], strict=True))
    types = [key.rel_db_type(connection), *(f.db_type(connection) for f in columns)]
    # PostgreSQL types the VALUES from their first row: say what they are, as a column of NULLs has none.
    first = ", ".join(f"CAST(%s AS {t})" if connection.vendor == "postgresql" else "%s" for t in types)
    other = ", ".join(["%s"] * len(types))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            values = ", ".join([f"({first})"] + [f"({other})"] * (len(batch) - 1))
            params = []
            for pk, *row in batch:
                params.append(pk)
                params.extend(f.get_db_prep_value(v, connection) for f, v in zip(columns, row, strict=True))
            cursor.execute(
                f"WITH v({', '.join(names)}) AS (VALUES {values}) "  # noqa: S608 (names from the model registry)
                f"UPDATE {table} SET {sets} FROM v WHERE {table}.{qn(key.column)} = v.gt_key",
                params,
            )


# --------------------------------------------------------------------------- one model's records


class _History:
    """One model's historical records for the objects in scope, per object and oldest first.

    Each record keeps its original moment as `was`; the rules set `history_date`, then `save`
    puts each object's records in order under the ceiling and writes them and the live rows'
    timestamps with a few bulk UPDATEs.
    """

    def __init__(self, model: type[models.Model], clock: _Clock, *fields: str) -> None:
        self.model, self.historical, self.clock = model, model.history.model, clock
        self.key = model._meta.pk.attname
        self.kinds = _stamp_kinds(model)
        records = self.historical.objects.all()
        if clock.since is not None:
            created_since = self.historical.objects.filter(history_type="+", history_date__gte=clock.since)
            records = records.filter(**{f"{self.key}__in": created_since.values(self.key)})
        self.chains: dict[int, list] = defaultdict(list)
        only = ("history_id", "history_date", "history_type", self.key, *self.kinds, *fields)
        for record in records.only(*only).order_by(self.key, "history_id"):
            record.was = record.history_date
            self.chains[getattr(record, self.key)].append(record)

    def records(self) -> Iterator:
        for chain in self.chains.values():
            yield from chain

    def date_first(self, when: Callable[[object, random.Random], datetime.datetime | None]) -> None:
        """Date each object's first record with `when(record, rng)`; None leaves it as it is."""
        for pk, chain in self.chains.items():
            moment = when(chain[0], self.clock.rng(self.model.__name__, pk))
            if moment is not None:
                chain[0].history_date = moment

    def save(self) -> int:
        for chain in self.chains.values():
            for record, moment in zip(
                chain, _in_order([r.history_date for r in chain], self.clock.ceiling), strict=True
            ):
                record.history_date = moment
            _restamp(chain, self.kinds)
        fields = ["history_date", *self.kinds]
        records = [(r.history_id, *(getattr(r, f) for f in fields)) for r in self.records()]
        _bulk_set(self.historical, records, fields)
        if self.kinds:
            live = set(self.model.objects.filter(pk__in=list(self.chains)).values_list("pk", flat=True))
            rows = [
                (pk, *(getattr(chain[-1], f) for f in self.kinds)) for pk, chain in self.chains.items() if pk in live
            ]
            _bulk_set(self.model, rows, list(self.kinds))
        return len(records)

    def events(self, field: str) -> dict[object, tuple[list, list]]:
        """Per value of `field`, every record's (original moments, new moments), in original order: the
        events that later records follow (a summary follows the return that set it off)."""
        pairs = defaultdict(list)
        for record in self.records():
            pairs[getattr(record, field)].append((record.was, record.history_date))
        return {value: tuple(map(list, zip(*sorted(items), strict=True))) for value, items in pairs.items()}


def _follow(record, events: dict, value) -> datetime.datetime | None:
    """A second after the latest event (of `value`) that came before this record originally, if any."""
    was, new = events.get(value, ([], []))
    index = bisect_right(was, record.was) - 1
    return new[index] + SECOND if index >= 0 else None


# --------------------------------------------------------------------------- the step


@transaction.atomic
def demo_history_backdate(
    *, seed: int = DEFAULT_SEED, since: datetime.datetime | None = None, now: datetime.datetime | None = None
) -> DemoHistory:
    """Date the history of the objects first recorded at or after `since` (all when None) as described above.

    `now` (default: the clock) is the latest moment any record may have. Parents come first, so a
    contract is never recorded before its provider, nor a return before its KPI.
    """
    clock = _Clock(seed, since, now or timezone.now())
    count = _reference_data(clock)
    count += _contracts(clock)
    count += _directorates(clock)
    count += _providers(clock)
    count += _links_and_kpis(clock)
    count += _performance(clock)
    count += _social_value(clock)
    count += _others(clock)
    _spend_imports(clock)
    firsts = [min(_first_dates(model).values(), default=None) for model in (Directorate, Framework, Contract)]
    earliest = min((m for m in firsts if m is not None), default=clock.ceiling)
    example = financial_year_start(financial_year_of(clock.today)) - datetime.timedelta(days=1)
    return DemoHistory(earliest=timezone.localdate(earliest), records=count, example=example)


def _framework_start(clock: _Clock) -> datetime.datetime:
    """When the default framework (else the first) was recorded; the ceiling when there is none."""
    firsts = _first_dates(Framework)
    default = Framework.objects.filter(is_default=True).values_list("pk", flat=True).first()
    return firsts.get(default) or min(firsts.values(), default=clock.ceiling)


def _reference_data(clock: _Clock) -> int:
    """The framework on 1 April of its first year; its outcomes and suggested measures a minute later."""
    frameworks = _History(Framework, clock, "period_start")
    frameworks.date_first(lambda r, rng: _moment(datetime.date(r.period_start, 4, 1), rng))
    count = frameworks.save()
    starts = _first_dates(Framework)
    of_outcome = dict(SupportingOutcome.objects.values_list("pk", "framework_id"))
    for model, framework_of in (
        (StrategicOutcome, lambda r: r.framework_id),
        (SupportingOutcome, lambda r: r.framework_id),
        (SuggestedMeasure, lambda r: of_outcome.get(r.supporting_outcome_id)),
    ):
        history = _History(model, clock, "framework" if model is not SuggestedMeasure else "supporting_outcome")
        history.date_first(
            lambda r, rng, framework_of=framework_of: (
                starts[framework_of(r)] + datetime.timedelta(minutes=1 + rng.randrange(30))
                if framework_of(r) in starts
                else None
            )
        )
        count += history.save()
    return count


def _contracts(clock: _Clock) -> int:
    """Each contract's life as records of its own: awarded (pipeline), started, extended, expired or terminated.

    The demo creates a contract as it stands today; its later edits (a key-KPI reason) are
    replayed on top of the lifecycle, so the last record is the contract as it is now.
    """
    historical = Contract.history.model
    records = historical.objects.all()
    if clock.since is not None:
        created_since = historical.objects.filter(history_type="+", history_date__gte=clock.since)
        records = records.filter(id__in=created_since.values("id"))
    chains: dict[int, list] = defaultdict(list)
    for record in records.order_by("id", "history_id"):
        chains[record.id].append(record)
    fields = [f.attname for f in historical._meta.concrete_fields if not f.primary_key]
    edited = [
        f for f in fields if f not in LIFECYCLE and f not in ("created", "modified") and not f.startswith("history_")
    ]

    varied_on: dict[int, list[datetime.date]] = defaultdict(list)
    variations = ContractVariation.objects.filter(contract_id__in=list(chains)).order_by("pk")
    for contract_id, day in variations.values_list("contract_id", "varied_on"):
        varied_on[contract_id].append(day)
    rows, old, dated = [], [], {}
    for pk, chain in chains.items():
        if chain[-1].history_type == "-":
            continue  # deleted since: left as it is
        rng = clock.rng("Contract", chain[0].reference)
        moments, states, reasons = _contract_life(clock, rng, chain, edited, varied_on.get(pk, []))
        moments = _in_order(moments, clock.ceiling)
        for index, (moment, state, (reason, user)) in enumerate(zip(moments, states, reasons, strict=True)):
            state = {**state, "created": moments[0], "modified": moment}
            rows.append(
                historical(
                    **state,
                    history_date=moment,
                    history_type="+" if index == 0 else "~",
                    history_change_reason=reason,
                    history_user_id=user,
                )
            )
        old.extend(r.history_id for r in chain)
        dated[pk] = (moments[0], moments[-1])
    for start in range(0, len(old), BATCH):
        historical.objects.filter(history_id__in=old[start : start + BATCH]).delete()
    historical.objects.bulk_create(rows, batch_size=BATCH)
    _bulk_set(Contract, [(pk, *moments) for pk, moments in dated.items()], ["created", "modified"])
    return len(rows)


def _contract_life(clock: _Clock, rng: random.Random, chain: list, edited: list[str], varied_on: list[datetime.date]):
    """The moments, states and (reason, user) of one contract's records, oldest first (not yet capped).

    The lifecycle starts from the contract as created; a later record that changed its whole-life value or
    current end date is a variation (contract_update records one for each, in order) and is dated on the day
    in `varied_on`."""
    base, final = chain[0], chain[-1]
    start, end, today = base.start_date, base.end_date, clock.today
    award_day = start - datetime.timedelta(weeks=rng.randint(3, 10))
    if final.status == ContractStatus.PIPELINE or start > today:
        award_day = min(award_day, today - datetime.timedelta(days=rng.randint(1, 60)))
    award = _moment(award_day, rng)

    taken = base.extension_months_taken or 0
    term = relativedelta(end + datetime.timedelta(days=1), start)
    term_months = term.years * 12 + term.months
    before_extension = base.total_value
    if taken and term_months:
        before_extension = (base.total_value * term_months / (term_months + taken)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
    state = {f: getattr(base, f) for f in [*edited, *LIFECYCLE]}
    state.update(
        status=ContractStatus.PIPELINE, extension_months_taken=0, current_end_date=end, total_value=before_extension
    )
    if final.status == ContractStatus.PIPELINE:
        state["total_value"] = base.total_value

    events = []  # (moment, changes, (reason, user))
    if final.status != ContractStatus.PIPELINE:
        events.append((_moment(start, rng), {"status": ContractStatus.ACTIVE}, ("Contract started", None)))
    if taken:
        decided = min(
            end - relativedelta(months=rng.randint(1, 4)), today - datetime.timedelta(days=rng.randint(1, 30))
        )
        changes = {
            "extension_months_taken": taken,
            "current_end_date": base.current_end_date,
            "total_value": base.total_value,
        }
        events.append(
            (_moment(max(decided, start + datetime.timedelta(days=1)), rng), changes, ("Extension taken", None))
        )
    if final.status == ContractStatus.EXPIRED:
        ended = _moment(final.current_end_date + datetime.timedelta(days=1), rng)
        events.append((ended, {"status": ContractStatus.EXPIRED}, ("Contract expired", None)))
    elif final.status == ContractStatus.TERMINATED:
        low = start + datetime.timedelta(days=30)
        high = min(final.current_end_date, today - datetime.timedelta(days=14))
        day = low + datetime.timedelta(days=rng.randint(0, (high - low).days)) if high > low else max(start, high)
        events.append((_moment(day, rng), {"status": ContractStatus.TERMINATED}, ("Contract terminated", None)))
    # The demo's own later edits, after the award; a key-KPI reason only once the Act required one; a
    # variation on its day.
    previous, last = base, award
    days = iter(varied_on)
    for record in chain[1:]:
        changes = {f: getattr(record, f) for f in edited if getattr(record, f) != getattr(previous, f)}
        varied = {f: getattr(record, f) for f in VARIED if getattr(record, f) != getattr(previous, f)}
        previous = record
        if varied:
            day = next(days, None)
            changes.update(varied)
            if day is not None:
                moment = max(clock.past(day, award, rng), award + SECOND)
                events.append((moment, changes, (record.history_change_reason, record.history_user_id)))
                continue
        if not changes:
            continue
        moment = record.history_date
        if "key_kpi_exemption_reason" in changes:
            day = max(PROCUREMENT_ACT_START, timezone.localdate(award)) + datetime.timedelta(days=rng.randint(7, 56))
            moment = clock.past(day, award, rng)
        last = max(moment, last + SECOND)
        events.append((last, changes, (record.history_change_reason, record.history_user_id)))
    events.sort(key=lambda e: e[0])

    moments, states, reasons = [award], [dict(state)], [(base.history_change_reason, base.history_user_id)]
    for moment, changes, reason in events:
        state.update(changes)
        moments.append(moment)
        states.append(dict(state))
        reasons.append(reason)
    return moments, states, reasons


def _directorates(clock: _Clock) -> int:
    """A week before the framework, or before the first contract was awarded if that is earlier."""
    firsts = [_framework_start(clock), *_first_dates(Contract).values()]
    day = timezone.localdate(min(firsts)) - datetime.timedelta(days=7)
    history = _History(Directorate, clock)
    history.date_first(lambda r, rng: _moment(day, rng))
    return history.save()


def _providers(clock: _Clock) -> int:
    """1 to 8 weeks before the provider's first contract was awarded or its first payment, whichever is first."""
    awards = _first_dates(Contract)
    first_day: dict[int, datetime.date] = {}
    for contract, provider in Contract.objects.values_list("pk", "provider_id"):
        if contract in awards:
            day = timezone.localdate(awards[contract])
            first_day[provider] = min(day, first_day.get(provider, day))
    paid = (
        SpendLine.objects.filter(provider__isnull=False).values_list("provider_id").annotate(first=Min("payment_date"))
    )
    for provider, day in paid.order_by():
        first_day[provider] = min(day, first_day.get(provider, day))
    history = _History(Provider, clock)
    history.date_first(
        lambda r, rng: (
            _moment(first_day[r.id] - datetime.timedelta(weeks=rng.randint(1, 8)), rng) if r.id in first_day else None
        )
    )
    return history.save()


def _links_and_kpis(clock: _Clock) -> int:
    """Outcome links with their contract (not before the framework); KPIs at the contract's start."""
    awards = _first_dates(Contract)
    framework = _framework_start(clock) + datetime.timedelta(days=1)
    starts = dict(Contract.objects.values_list("pk", "start_date"))

    links = _History(OutcomeLink, clock, "contract")
    links.date_first(
        lambda r, rng: (
            max(awards[r.contract_id] + datetime.timedelta(minutes=rng.randint(10, 240)), framework)
            if r.contract_id in awards
            else None
        )
    )
    count = links.save()

    def kpi_moment(record, rng) -> datetime.datetime | None:
        if record.contract_id not in awards:
            return None
        award = awards[record.contract_id]
        moment = max(clock.past(starts[record.contract_id], award, rng), award + datetime.timedelta(hours=1))
        return max(moment, framework) if record.supporting_outcome_id else moment

    kpis = _History(KPI, clock, "contract", "supporting_outcome")
    kpis.date_first(kpi_moment)
    return count + kpis.save()


def _performance(clock: _Clock) -> int:
    """Returns, then what they set off (summaries, concerns, deductions), then decisions and assessments."""
    kpi_first = _first_dates(KPI)
    returns = _History(KPIReturn, clock, "kpi", "contract", "period_start", "period_end", "rag")
    for pk, chain in returns.chains.items():
        rng = clock.rng("KPIReturn", pk)
        moment = _moment(chain[0].period_end + datetime.timedelta(days=rng.randint(5, 25)), rng)
        if chain[0].kpi_id in kpi_first:
            moment = max(moment, kpi_first[chain[0].kpi_id] + datetime.timedelta(minutes=1))
        chain[0].history_date = moment
        for record in chain[1:]:  # accepted (or sent back, or corrected) some days after the one before
            moment = _days_after(moment, rng, 2, 21)
            record.history_date = moment
    count = returns.save()
    by_contract = returns.events("contract_id")

    summaries = _History(ContractPeriodSummary, clock, "contract")
    for record in summaries.records():
        record.history_date = _follow(record, by_contract, record.contract_id) or record.history_date
    count += summaries.save()

    # A return's last review, and its KPI's returns back off red by period: what decisions wait for.
    reviewed = {pk: chain[-1].history_date for pk, chain in returns.chains.items()}
    of_kpi = defaultdict(list)
    for pk, chain in returns.chains.items():
        last = chain[-1]
        of_kpi[last.kpi_id].append((last.period_start, last.rag, pk))
    for items in of_kpi.values():
        items.sort()
    period_of = {pk: chain[-1].period_start for pk, chain in returns.chains.items()}

    concerns = _History(PerformanceConcern, clock, "contract", "kpi", "raised_by_return")
    for pk, chain in concerns.chains.items():
        rng = clock.rng("PerformanceConcern", pk)
        for index, record in enumerate(chain):
            resolved_now = record.resolved_at is not None and (index == 0 or chain[index - 1].resolved_at is None)
            if resolved_now and index:
                raised = chain[0].history_date
                later = [
                    reviewed[ret]
                    for start, rag, ret in of_kpi.get(record.kpi_id, [])
                    if rag != RAG.RED and start > period_of.get(record.raised_by_return_id, start)
                ]
                after = later[1] if len(later) > 1 else (later[0] if later else raised)
                record.history_date = _days_after(max(after, raised), rng, 7, 28)
            else:
                record.history_date = _follow(record, by_contract, record.contract_id) or record.history_date
    count += concerns.save()

    deductions = _History(Deduction, clock, "contract", "kpi_return")
    for pk, chain in deductions.chains.items():
        rng = clock.rng("Deduction", pk)
        for index, record in enumerate(chain):
            decided_now = record.decided_at is not None and (index == 0 or chain[index - 1].decided_at is None)
            if decided_now and index:
                after = max(reviewed.get(record.kpi_return_id, chain[0].history_date), chain[0].history_date)
                record.history_date = _days_after(after, rng, 7, 35)
            else:
                record.history_date = _follow(record, by_contract, record.contract_id) or record.history_date
    count += deductions.save()

    assessments = _History(PerformanceAssessment, clock, "period_end")
    for pk, chain in assessments.chains.items():
        rng = clock.rng("PerformanceAssessment", pk)
        moment = _moment(chain[0].period_end + datetime.timedelta(days=rng.randint(14, 42)), rng)
        chain[0].history_date = moment
        for record in chain[1:]:
            moment = _days_after(moment, rng, 1, 21)
            record.history_date = moment
    count += assessments.save()
    # A rating is proposed with its assessment and confirmed with it (written just before it, so
    # the n-th record of a rating goes with the n-th of its assessment rather than the one before).
    ratings = _History(AssessmentRating, clock, "assessment")
    for chain in ratings.chains.values():
        steps = assessments.chains.get(chain[0].assessment_id)
        if steps:
            for index, record in enumerate(chain):
                record.history_date = steps[min(index, len(steps) - 1)].history_date + SECOND
    return count + ratings.save()


def _social_value(clock: _Clock) -> int:
    """The catalogue before the first commitment, commitments when committed, delivery returns after their period."""
    first_commitment = SocialValueCommitment.objects.aggregate(first=Min("committed_on"))["first"]
    count = 0
    if first_commitment is not None:
        day = first_commitment - datetime.timedelta(days=14)
        for model in (SocialValueMeasure, ProxyValue):
            history = _History(model, clock)
            history.date_first(lambda r, rng: _moment(day, rng))
            count += history.save()

    awards = _first_dates(Contract)
    catalogue = _first_dates(SocialValueMeasure)
    commitments = _History(SocialValueCommitment, clock, "contract", "measure", "committed_on")

    def committed(record, rng) -> datetime.datetime:
        floors = [f for f in (awards.get(record.contract_id), catalogue.get(record.measure_id)) if f]
        moment = clock.past(record.committed_on, max(floors, default=clock.ceiling), rng)
        return max([moment] + [f + datetime.timedelta(hours=1) for f in floors])

    commitments.date_first(committed)
    count += commitments.save()

    commitment_first = _first_dates(SocialValueCommitment)
    returns = _History(DeliveryReturn, clock, "commitment", "period_start", "period_end")
    # A corrected return for the same period comes after the one rejected.
    last_in_period: dict[tuple, datetime.datetime] = {}
    for pk in sorted(returns.chains):
        chain = returns.chains[pk]
        rng = clock.rng("DeliveryReturn", pk)
        first = chain[0]
        moment = _moment(first.period_end + datetime.timedelta(days=rng.randint(7, 30)), rng)
        if first.commitment_id in commitment_first:
            moment = max(moment, commitment_first[first.commitment_id] + datetime.timedelta(minutes=1))
        period = (first.commitment_id, first.period_start)
        if period in last_in_period:
            moment = max(moment, _days_after(last_in_period[period], rng, 1, 10))
        first.history_date = moment
        for record in chain[1:]:
            moment = _days_after(moment, rng, 3, 21)
            record.history_date = moment
        last_in_period[period] = moment
    return count + returns.save()


# The models dated by the rules above; any other model with history is dated by _others.
DATED = (
    Framework, StrategicOutcome, SupportingOutcome, SuggestedMeasure, Directorate, Contract, Provider, OutcomeLink,
    KPI, KPIReturn, ContractPeriodSummary, PerformanceConcern, Deduction, PerformanceAssessment, AssessmentRating,
    SocialValueMeasure, ProxyValue, SocialValueCommitment, DeliveryReturn,
)  # fmt: skip
FRAMEWORK_PARTS = (Framework, StrategicOutcome, SupportingOutcome)


def _others(clock: _Clock) -> int:
    """Models with history that the rules above do not name (added since): a record for a period is
    entered 2 to 6 weeks after the period ends (not before the framework), and a part of the framework
    (anything pointing at it or its outcomes) a few minutes after it; anything else keeps its moment."""
    start = _framework_start(clock)
    count = 0
    for model in apps.get_models():
        manager = getattr(model, "history", None)
        if model._meta.app_label not in DOMAIN_APPS or model in DATED or not hasattr(manager, "model"):
            continue
        fields = {f.name: f for f in model._meta.concrete_fields}
        if isinstance(fields.get("period_end"), models.DateField):
            history = _History(model, clock, "period_end")
            history.date_first(
                lambda r, rng: (
                    max(
                        _moment(r.period_end + datetime.timedelta(days=rng.randint(14, 42)), rng),
                        start + datetime.timedelta(hours=1),
                    )
                    if r.period_end
                    else None
                )
            )
        elif any(f.is_relation and f.related_model in FRAMEWORK_PARTS for f in fields.values()):
            history = _History(model, clock)
            history.date_first(lambda r, rng: start + datetime.timedelta(minutes=1 + rng.randrange(30)))
        else:
            continue
        count += history.save()
    return count


def _spend_imports(clock: _Clock) -> None:
    """A spend file imported 2 to 5 weeks after the last payment it holds (lines count from their import)."""
    imports = SpendImport.objects.filter(last_date__isnull=False)
    if clock.since is not None:
        imports = imports.filter(created__gte=clock.since)
    rows = []
    for pk, last_date, rolled_back_at in imports.values_list("pk", "last_date", "rolled_back_at"):
        rng = clock.rng("SpendImport", pk)
        created = min(_moment(last_date + datetime.timedelta(days=rng.randint(14, 35)), rng), clock.ceiling)
        rows.append((pk, created, max(created, rolled_back_at or created)))
    _bulk_set(SpendImport, rows, ["created", "modified"])
