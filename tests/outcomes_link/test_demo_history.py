"""The demo's past (outcomes_link.demo_history): every record dated as if entered over the years.

The full demo takes about a minute, so the step runs here on a small set built through the
services, shaped like the demo's: contracts in each status (one extended, one pipeline), a KPI
with two years of returns, red ones raising a concern and deductions, an assessment, social
value delivery (one return rejected and sent again) and a spend file. It is built and dated
once per module inside a transaction rolled back afterwards, as in test_demo.py.
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.db import transaction
from django.utils import timezone

from commissioning.as_at import DOMAIN_APPS, as_at
from commissioning.models import Directorate, Framework, SupportingOutcome
from commissioning.services import directorates_load, framework_load_file, postcode_districts_load
from contracts.choices import AssessmentReason, ContractStatus, DeductionRule, DeductionStatus, Frequency
from contracts.models import (
    KPI,
    Contract,
    ContractPeriodSummary,
    Deduction,
    KPIReturn,
    PerformanceAssessment,
    PerformanceConcern,
    Provider,
    SpendImport,
    SpendLine,
)
from contracts.periods import Period
from contracts.services import (
    deduction_apply,
    kpi_return_accept,
    kpi_return_save,
    performance_assessment_confirm,
    performance_assessment_propose,
    performance_concern_resolve,
)
from outcomes_link.demo_history import demo_history_backdate
from outcomes_link.models import OutcomeLink
from social_value.models import DeliveryReturn, DeliveryStatus, SocialValueCommitment
from social_value.services import (
    commitment_create,
    delivery_return_reject,
    delivery_return_submit,
    delivery_return_verify,
)
from tests.contracts.factories import ContractFactory, KPIFactory, import_spend, spend_csv
from tests.outcomes_link.factories import OutcomeLinkFactory
from tests.social_value.factories import measure

# A KPI's quarters, oldest first: red twice running in the third and fourth (a concern, two deductions).
ACTUALS = ["92", "91", "70", "72", "90", "93", "91", "90"]


def _history_models():
    for model in apps.get_models():
        manager = getattr(model, "history", None)
        if model._meta.app_label in DOMAIN_APPS and hasattr(manager, "model"):
            yield model, manager.model


def _snapshot() -> dict:
    """Every historical record's moment and timestamps, and every spend import's, without ids."""
    out = {}
    for model, historical in _history_models():
        stamps = [f.attname for f in model._meta.concrete_fields if f.get_internal_type() == "DateTimeField"]
        key = model._meta.pk.attname
        out[model._meta.label] = sorted(historical.objects.values_list(key, "history_type", "history_date", *stamps))
    out["spend imports"] = sorted(SpendImport.objects.values_list("pk", "created", "modified"))
    return out


def _month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _build(today: datetime.date) -> dict:
    asch = Directorate.objects.get(code="ASCH")
    outcome = SupportingOutcome.objects.get(code="1.1")
    last = Period.containing(today, Frequency.QUARTERLY).previous()
    quarters = [last]
    while len(quarters) < len(ACTUALS):
        quarters.insert(0, quarters[0].previous())

    start = quarters[0].start - relativedelta(years=2)
    active = ContractFactory(directorate=asch, start_date=start, end_date=start + relativedelta(years=6, days=-1))
    start = _month(today) - relativedelta(years=5, months=6)
    expired = ContractFactory(
        directorate=asch,
        status=ContractStatus.EXPIRED,
        start_date=start,
        end_date=start + relativedelta(years=4, days=-1),
        extension_months_available=12,
        extension_months_taken=12,
        total_value=Decimal("1250000.00"),
    )
    start = _month(today) - relativedelta(years=3)
    terminated = ContractFactory(
        directorate=asch,
        status=ContractStatus.TERMINATED,
        start_date=start,
        end_date=start + relativedelta(years=5, days=-1),
    )
    start = _month(today) + relativedelta(months=3)
    pipeline = ContractFactory(
        directorate=asch,
        status=ContractStatus.PIPELINE,
        start_date=start,
        end_date=start + relativedelta(years=3, days=-1),
    )
    OutcomeLinkFactory(contract=active, supporting_outcome=outcome, is_primary=True)

    kpi = KPIFactory(
        contract=active,
        first_period_start=quarters[0].start,
        is_key=True,
        supporting_outcome=outcome,
        deduction_rule=DeductionRule.FIXED,
        deduction_amount=Decimal("500"),
    )
    for quarter, actual in zip(quarters, ACTUALS, strict=True):
        red = Decimal(actual) < kpi.red_threshold
        kpi_return_save(
            kpi=kpi, period=quarter, actual=Decimal(actual), submit=True, commentary="Staff shortages." if red else ""
        )
    for ret in KPIReturn.objects.filter(kpi=kpi, period_start__lt=quarters[-2].start):
        kpi_return_accept(kpi_return=ret)
    deduction_apply(deduction=Deduction.objects.order_by("kpi_return__period_start").first(), reason="At review")
    performance_concern_resolve(concern=PerformanceConcern.objects.get(kpi=kpi), note="Back on target.")
    assessment = performance_assessment_propose(
        contract=active,
        period_start=quarters[-5].start,
        period_end=quarters[-2].end,
        reason=AssessmentReason.ANNUAL,
    )
    performance_assessment_confirm(assessment=assessment, note="Agreed with the provider.")

    item = measure("LET1", proxies=[("100.00", datetime.date(2015, 4, 1))])
    commitment = commitment_create(
        contract=active, measure=item, quantity=Decimal("40"), committed_on=active.start_date
    )
    for quarter in quarters[-4:-1]:
        delivered = delivery_return_submit(
            commitment=commitment,
            period_start=quarter.start,
            period_end=quarter.end,
            quantity=Decimal("3"),
            evidence_note="Timesheets.",
        )
        delivery_return_verify(delivery=delivered)
    wrong = delivery_return_submit(
        commitment=commitment,
        period_start=last.start,
        period_end=last.end,
        quantity=Decimal("30"),
        evidence_note="Timesheets.",
    )
    delivery_return_reject(delivery=wrong, reason="The evidence covers another contract.")
    delivery_return_submit(
        commitment=commitment,
        period_start=last.start,
        period_end=last.end,
        quantity=Decimal("3"),
        evidence_note="Timesheets.",
    )

    paid = [today - relativedelta(months=14), today - relativedelta(months=13)]
    rows = [(day.strftime("%d/%m/%Y"), f"T{i}", active.provider.name, "1000.00") for i, day in enumerate(paid)]
    import_spend(spend_csv(rows), file_name="kcc-spend.csv")
    return {
        "active": active,
        "expired": expired,
        "terminated": terminated,
        "pipeline": pipeline,
        "kpi": kpi,
        "quarters": quarters,
        "commitment": commitment,
    }


@pytest.fixture(scope="module")
def dated(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with transaction.atomic():
            framework_load_file()
            directorates_load()
            postcode_districts_load()
            data = _build(timezone.localdate())
            now = timezone.now()
            # Once to compare with (rolled back), then for the tests.
            savepoint = transaction.savepoint()
            demo_history_backdate(now=now)
            first_run = _snapshot()
            transaction.savepoint_rollback(savepoint)
            result = demo_history_backdate(now=now)
            yield SimpleNamespace(now=now, result=result, first_run=first_run, **data)
            transaction.set_rollback(True)


@pytest.fixture
def demo(dated, db):
    return dated


def test_no_record_is_dated_in_the_future(demo):
    for model, historical in _history_models():
        assert not historical.objects.filter(history_date__gt=demo.now).exists(), model.__name__
    assert not SpendImport.objects.filter(created__gt=demo.now).exists()


def test_each_objects_records_are_in_order_the_first_one_creating_it(demo):
    checked = 0
    for model, historical in _history_models():
        key = model._meta.pk.attname
        previous = None
        for pk, kind, moment in historical.objects.order_by(key, "history_id").values_list(
            key, "history_type", "history_date"
        ):
            if previous is None or previous[0] != pk:
                assert kind == "+", (model.__name__, pk)
            else:
                assert moment > previous[1], (model.__name__, pk)
                checked += 1
            previous = (pk, moment)
    assert checked > 20  # the set has objects with several records


def test_the_demo_has_a_past_a_year_ago_fewer_contracts_and_returns_and_none_for_later_periods(demo):
    contracts, returns = Contract.objects.count(), KPIReturn.objects.count()
    day = timezone.localdate() - datetime.timedelta(days=365)
    with as_at(day):
        assert 0 < Contract.objects.count() < contracts
        assert 0 < KPIReturn.objects.count() < returns
        assert not KPIReturn.objects.filter(period_end__gt=day).exists()
        assert not Contract.objects.filter(start_date__gt=day).exclude(status=ContractStatus.PIPELINE).exists()


def test_parents_are_recorded_before_what_belongs_to_them(demo):
    def first(obj):
        return obj.history.order_by("history_date").first().history_date

    framework = Framework.objects.get(is_default=True)
    for contract in Contract.objects.select_related("provider", "directorate"):
        assert first(contract.provider) < first(contract)
        assert first(contract.directorate) < first(contract)
    for link in OutcomeLink.objects.select_related("contract"):
        assert first(link) > first(link.contract) and first(link) > first(framework)
    for ret in KPIReturn.objects.select_related("kpi__contract"):
        assert first(ret.kpi.contract) < first(ret.kpi) < first(ret)
    for delivered in DeliveryReturn.objects.select_related("commitment"):
        assert first(delivered.commitment) < first(delivered)


def test_a_contract_is_awarded_in_the_pipeline_then_started_extended_and_expired_on_its_dates(demo):
    contract = Contract.objects.get(pk=demo.expired.pk)
    records = list(contract.history.order_by("history_id"))
    assert [r.status for r in records] == ["pipeline", "active", "active", "expired"]
    award, started, extended, ended = (timezone.localdate(r.history_date) for r in records)
    assert contract.start_date - datetime.timedelta(weeks=11) <= award < contract.start_date
    assert contract.start_date <= started <= contract.start_date + datetime.timedelta(days=2)
    assert records[1].current_end_date == contract.end_date and records[1].extension_months_taken == 0
    assert records[1].total_value == Decimal("1000000.00")  # four of the five years
    assert extended < contract.end_date and records[2].current_end_date == contract.current_end_date
    assert ended > contract.current_end_date
    assert contract.created == records[0].history_date and contract.modified == records[-1].history_date
    with as_at(contract.end_date - relativedelta(months=5)):
        then = Contract.objects.get(pk=contract.pk)
        assert (then.status, then.extension_months_taken, then.current_end_date) == ("active", 0, contract.end_date)
    with as_at(contract.current_end_date):
        assert Contract.objects.get(pk=contract.pk).status == ContractStatus.ACTIVE
    with as_at(ended):
        assert Contract.objects.get(pk=contract.pk).status == ContractStatus.EXPIRED


def test_terminated_and_pipeline_contracts_have_a_past_too(demo):
    terminated = Contract.objects.get(pk=demo.terminated.pk)
    statuses = list(terminated.history.order_by("history_id").values_list("status", "history_date"))
    assert [s for s, _ in statuses] == ["pipeline", "active", "terminated"]
    assert terminated.start_date < timezone.localdate(statuses[-1][1]) < timezone.localdate(demo.now)
    pipeline = Contract.objects.get(pk=demo.pipeline.pk)
    (record,) = pipeline.history.all()
    assert record.status == ContractStatus.PIPELINE
    assert timezone.localdate(demo.now) - datetime.timedelta(days=63) <= timezone.localdate(record.history_date)
    assert record.history_date < demo.now


def test_returns_are_submitted_after_their_period_and_accepted_later_with_their_timestamps(demo):
    returns = KPIReturn.objects.filter(kpi=demo.kpi)
    assert returns.count() == len(ACTUALS)
    for ret in returns:
        submitted, *later = ret.history.order_by("history_id")
        assert ret.submitted_at == submitted.history_date == submitted.submitted_at == ret.created
        # 5 to 25 days after the period, or the Monday after a weekend
        assert 5 <= (timezone.localdate(ret.submitted_at) - ret.period_end).days <= 27
        assert 9 <= timezone.localtime(ret.submitted_at).hour < 17
        if ret.status == "accepted":
            assert ret.reviewed_at == later[-1].history_date > ret.submitted_at
        else:
            assert not later and ret.reviewed_at is None


def test_summaries_concerns_and_deductions_come_in_with_the_return_that_set_them_off(demo):
    concern = PerformanceConcern.objects.select_related("raised_by_return").get(kpi=demo.kpi)
    assert concern.created == concern.raised_by_return.submitted_at + datetime.timedelta(seconds=1)
    for deduction in Deduction.objects.select_related("kpi_return"):
        assert deduction.created == deduction.kpi_return.submitted_at + datetime.timedelta(seconds=1)
        if deduction.status == DeductionStatus.APPLIED:
            assert deduction.decided_at > deduction.kpi_return.reviewed_at
    moments = set(KPIReturn.history.values_list("history_date", flat=True))
    for summary in ContractPeriodSummary.history.all():
        assert summary.history_date - datetime.timedelta(seconds=1) in moments
        assert summary.computed_at == summary.history_date


def test_a_concern_is_resolved_after_the_kpi_is_back_on_target_and_before_now(demo):
    concern = PerformanceConcern.objects.select_related("raised_by_return").get(kpi=demo.kpi)
    back = KPIReturn.objects.filter(kpi=demo.kpi, period_start__gt=concern.raised_by_return.period_start)
    second_green = back.order_by("period_start")[1]
    assert second_green.reviewed_at < concern.resolved_at < demo.now
    with as_at(timezone.localdate(second_green.reviewed_at)):
        assert PerformanceConcern.objects.get(pk=concern.pk).resolved_at is None


def test_an_assessment_is_proposed_after_its_period_and_confirmed_later(demo):
    assessment = PerformanceAssessment.objects.get()
    proposed, confirmed = assessment.history.order_by("history_id")
    assert assessment.period_end < timezone.localdate(proposed.history_date) < timezone.localdate(demo.now)
    assert assessment.confirmed_at == confirmed.history_date > proposed.history_date
    for rating in assessment.ratings.all():
        assert [r.history_date for r in rating.history.order_by("history_id")] == [
            proposed.history_date + datetime.timedelta(seconds=1),
            confirmed.history_date + datetime.timedelta(seconds=1),
        ]


def test_social_value_is_committed_on_its_day_and_delivered_after_each_period(demo):
    commitment = SocialValueCommitment.objects.get(pk=demo.commitment.pk)
    (record,) = commitment.history.all()
    assert 0 <= (timezone.localdate(record.history_date) - commitment.committed_on).days <= 2
    for delivered in commitment.returns.all():
        submitted, *checked = delivered.history.order_by("history_id")
        assert timezone.localdate(submitted.history_date) > delivered.period_end
        if delivered.status != DeliveryStatus.SUBMITTED:
            assert delivered.verified_at == checked[-1].history_date > submitted.history_date
    rejected = commitment.returns.get(status=DeliveryStatus.REJECTED)
    corrected = commitment.returns.get(period_start=rejected.period_start, status=DeliveryStatus.SUBMITTED)
    assert corrected.created > rejected.verified_at


def test_a_spend_file_is_imported_weeks_after_its_last_payment_and_its_lines_count_from_then(demo):
    spend_import = SpendImport.objects.get()
    day = timezone.localdate(spend_import.created)
    assert 14 <= (day - spend_import.last_date).days <= 37
    with as_at(day - datetime.timedelta(days=1)):
        assert not SpendLine.objects.exists()
    with as_at(day):
        assert SpendLine.objects.count() == 2


def test_the_same_seed_and_data_give_the_same_dates(demo):
    assert _snapshot() == demo.first_run


def test_only_what_was_recorded_since_is_dated_and_the_rest_keeps_its_history(demo):
    before = _snapshot()
    since = timezone.now()
    start = _month(timezone.localdate()) - relativedelta(years=1)
    late = ContractFactory(
        directorate=Directorate.objects.get(code="ASCH"),
        start_date=start,
        end_date=start + relativedelta(years=3, days=-1),
    )
    demo_history_backdate(since=since)
    after = _snapshot()
    for label, records in before.items():
        if label not in ("contracts.Contract", "contracts.Provider"):
            assert after[label] == records, label
    assert set(before["contracts.Contract"]) <= set(after["contracts.Contract"])
    assert set(before["contracts.Provider"]) <= set(after["contracts.Provider"])
    statuses = list(late.history.order_by("history_id").values_list("status", "history_date"))
    assert [s for s, _ in statuses] == ["pipeline", "active"]
    assert Provider.history.get(id=late.provider_id).history_date < statuses[0][1]
    assert timezone.localdate(statuses[0][1]) < start <= timezone.localdate(statuses[1][1])


def test_a_kpi_is_recorded_at_its_contracts_start(demo):
    kpi = KPI.objects.select_related("contract").get(pk=demo.kpi.pk)
    (record,) = kpi.history.all()
    assert 0 <= (timezone.localdate(record.history_date) - kpi.contract.start_date).days <= 2
