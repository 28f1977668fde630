"""Writes of contract performance: what saving a return sets off, and the commissioner's decisions."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from commissioning.choices import Role
from contracts.choices import (
    RAG,
    AssessmentReason,
    AssessmentStatus,
    ConcernRule,
    DeductionRule,
    DeductionStatus,
    Direction,
    Frequency,
    PerformanceRating,
    Polarity,
    ReturnStatus,
)
from contracts.models import (
    KPI,
    ContractPeriodSummary,
    Deduction,
    KPIReturn,
    PerformanceAssessment,
    PerformanceConcern,
)
from contracts.periods import parse_period
from contracts.services import (
    ReturnBatchError,
    ReturnEntry,
    contract_period_summary_refresh,
    deduction_apply,
    deduction_dispute,
    deduction_waive,
    kpi_create,
    kpi_return_accept,
    kpi_return_save,
    kpi_return_send_back,
    kpi_returns_save_many,
    kpi_set_copy,
    kpi_update,
    performance_assessment_confirm,
    performance_assessment_propose,
    performance_concern_resolve,
)
from tests.commissioning.factories import UserFactory
from tests.contracts.factories import ContractFactory, KPIFactory

D = datetime.date
M, Q, A = Frequency.MONTHLY, Frequency.QUARTERLY, Frequency.ANNUAL


@pytest.fixture
def contract(directorate, commissioner):
    return ContractFactory(
        directorate=directorate, commissioner=commissioner, annual_value=Decimal("100000.00"), reference="KCC-SVC-1"
    )


@pytest.fixture
def kpi(contract):
    """Quarterly %, higher is better: target 90, amber below 85, red below 80, tolerance 0.5, from 2024-25 Q1."""
    return KPIFactory(contract=contract, code="KPI01")


@pytest.fixture
def outsider(other_directorate):
    return UserFactory(role=Role.COMMISSIONER, directorate=other_directorate, username="outsider")


def save(kpi, label, actual, *, submit=True, actor=None, reason="", commentary=""):
    return kpi_return_save(
        kpi=kpi,
        period=parse_period(label, kpi.frequency),
        actual=None if actual is None else Decimal(str(actual)),
        commentary=commentary,
        submit=submit,
        actor=actor,
        reason=reason,
    )


def reload(obj):
    obj.refresh_from_db()
    return obj


def deduction_of(ret) -> Deduction | None:
    return Deduction.objects.filter(kpi_return=ret).first()


# --- RAG and direction of travel --------------------------------------------------------


def test_saving_a_return_derives_and_stores_rag_and_direction_of_travel(kpi):
    save(kpi, "2024-25 Q1", "82")
    q2 = reload(save(kpi, "2024-25 Q2", "86"))
    assert (q2.rag, q2.direction_previous, q2.direction_year) == (RAG.GREEN, Direction.IMPROVING, "")
    assert q2.rag_explanation == "86.0% against a target of 90%; amber below 85%, red below 80%."
    assert q2.direction_previous_explanation.startswith("Improving: 86.0% against 82.0% in 2024-25 Q1")
    assert q2.direction_year_explanation == "No return for 2023-24 Q2 to compare with."
    next_year = reload(save(kpi, "2025-26 Q2", "70"))
    assert (next_year.rag, next_year.direction_year) == (RAG.RED, Direction.DECLINING)
    assert "against 86.0% in 2024-25 Q2" in next_year.direction_year_explanation


def test_lower_is_better_return_is_red_above_the_red_threshold_and_improving_when_it_falls(contract):
    kpi = KPIFactory(
        contract=contract,
        polarity=Polarity.LOWER,
        unit="days",
        target=Decimal(10),
        amber_threshold=Decimal(15),
        red_threshold=Decimal(20),
        tolerance=Decimal(1),
    )
    assert save(kpi, "2024-25 Q1", "21").rag == RAG.RED
    q2 = save(kpi, "2024-25 Q2", "12")
    assert (q2.rag, q2.direction_previous) == (RAG.GREEN, Direction.IMPROVING)


def test_annual_kpi_direction_against_the_year_before_is_both_directions(contract):
    kpi = KPIFactory(contract=contract, frequency=A)
    save(kpi, "2024-25", "82")
    ret = save(kpi, "2025-26", "88")
    assert ret.direction_previous == ret.direction_year == Direction.IMPROVING


def test_revising_an_earlier_return_rederives_the_next_periods_direction_of_travel(kpi, commissioner):
    save(kpi, "2024-25 Q1", "82")
    q2 = save(kpi, "2024-25 Q2", "86")
    assert q2.direction_previous == Direction.IMPROVING
    save(kpi, "2024-25 Q1", "90", actor=commissioner)
    q2 = reload(q2)
    assert q2.direction_previous == Direction.DECLINING
    assert q2.direction_previous_explanation.startswith("Declining: 86.0% against 90.0% in 2024-25 Q1")
    assert q2.rag == RAG.GREEN  # its own RAG is not touched
    latest = q2.history.first()
    assert latest.history_user == commissioner
    assert latest.history_change_reason == "Direction of travel updated: the 2024-25 Q1 return changed"


def test_revising_an_earlier_return_rederives_the_year_later_direction_of_travel(kpi):
    save(kpi, "2024-25 Q1", "82")
    year_later = save(kpi, "2025-26 Q1", "85")
    assert year_later.direction_year == Direction.IMPROVING
    save(kpi, "2024-25 Q1", "85.3")
    assert reload(year_later).direction_year == Direction.NO_CHANGE  # within the 0.5 tolerance


def test_sending_back_an_earlier_return_leaves_the_next_with_nothing_to_compare(kpi):
    q1 = save(kpi, "2024-25 Q1", "82")
    q2 = save(kpi, "2024-25 Q2", "86")
    kpi_return_send_back(kpi_return=q1, reason="Figures do not match the invoice")
    q2 = reload(q2)
    assert q2.direction_previous == ""
    assert q2.direction_previous_explanation == "No return for 2024-25 Q1 to compare with."


def test_a_draft_earlier_return_is_not_compared_with(kpi):
    save(kpi, "2024-25 Q1", "82", submit=False)
    assert save(kpi, "2024-25 Q2", "86").direction_previous == ""


# --- What counts ------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["draft", "returned"])
def test_draft_and_returned_returns_do_not_count(contract, how):
    kpi = KPIFactory(contract=contract, deduction_rule=DeductionRule.FIXED, deduction_amount=Decimal("1000"))
    for label in ("2024-25 Q1", "2024-25 Q2"):
        ret = save(kpi, label, "70", submit=how != "draft")
        if how == "returned":
            kpi_return_send_back(kpi_return=ret, reason="Wrong figure")
    assert not PerformanceConcern.objects.exists()
    assert not Deduction.objects.exclude(status=DeductionStatus.WITHDRAWN).exists()
    summary = ContractPeriodSummary.objects.get(contract=contract, period_start=D(2024, 7, 1))
    assert (summary.red, summary.missing, summary.score, summary.rag) == (0, 1, None, "")


# --- Submission and review --------------------------------------------------------------


def test_submitting_records_who_and_when_and_a_draft_clears_it(kpi, commissioner):
    ret = save(kpi, "2024-25 Q1", "82", actor=commissioner)
    assert ret.status == ReturnStatus.SUBMITTED
    assert ret.submitted_by == commissioner and ret.submitted_at is not None
    first_submitted = ret.submitted_at
    ret = save(kpi, "2024-25 Q1", "82", commentary="Two visits missed", actor=commissioner)
    assert ret.submitted_at == first_submitted  # same value: still the original submission
    ret = save(kpi, "2024-25 Q1", "83", actor=commissioner)
    assert ret.submitted_at > first_submitted  # a changed value is a new submission
    ret = reload(save(kpi, "2024-25 Q1", "83", submit=False, actor=commissioner))
    assert (ret.status, ret.submitted_at, ret.submitted_by) == (ReturnStatus.DRAFT, None, None)


def test_accepting_and_sending_back_only_a_submitted_return(kpi, commissioner):
    ret = save(kpi, "2024-25 Q1", "82")
    ret = kpi_return_accept(kpi_return=ret, actor=commissioner)
    assert (ret.status, ret.reviewed_by) == (ReturnStatus.ACCEPTED, commissioner)
    with pytest.raises(ValidationError, match="Only a submitted return can be accepted"):
        kpi_return_accept(kpi_return=ret, actor=commissioner)
    with pytest.raises(ValidationError, match="Only a submitted return can be sent back"):
        kpi_return_send_back(kpi_return=ret, reason="No", actor=commissioner)
    draft = save(kpi, "2024-25 Q2", "82", submit=False)
    with pytest.raises(ValidationError):
        kpi_return_accept(kpi_return=draft, actor=commissioner)


def test_sending_back_needs_a_reason(kpi):
    ret = save(kpi, "2024-25 Q1", "82")
    with pytest.raises(ValidationError) as exc:
        kpi_return_send_back(kpi_return=ret, reason="  ")
    assert "returned_reason" in exc.value.message_dict
    assert reload(ret).status == ReturnStatus.SUBMITTED


def test_changing_an_accepted_return_needs_a_reason_and_reopens_it(kpi, commissioner):
    ret = kpi_return_accept(kpi_return=save(kpi, "2024-25 Q1", "82"), actor=commissioner)
    with pytest.raises(ValidationError) as exc:
        save(kpi, "2024-25 Q1", "88")
    assert exc.value.message_dict["reason"] == ["KPI01 2024-25 Q1 was accepted: give a reason for changing it."]
    assert reload(ret).actual == Decimal("82")
    same = save(kpi, "2024-25 Q1", "82")  # saving the same value needs no reason and stays accepted
    assert same.status == ReturnStatus.ACCEPTED
    ret = reload(save(kpi, "2024-25 Q1", "88", reason="Provider corrected a miscount", actor=commissioner))
    assert (ret.status, ret.actual, ret.reviewed_by, ret.reviewed_at) == (
        ReturnStatus.SUBMITTED,
        Decimal("88"),
        None,
        None,
    )
    assert ret.history.first().history_change_reason == "Provider corrected a miscount"


def test_a_return_before_the_first_period_or_of_the_wrong_frequency_is_refused(kpi):
    with pytest.raises(ValidationError) as exc:
        save(kpi, "2023-24 Q4", "82")
    assert exc.value.message_dict["period"] == ["KPI01 is reported from 2024-25 Q1, not 2023-24 Q4."]
    with pytest.raises(ValidationError) as exc:
        kpi_return_save(kpi=kpi, period=parse_period("May 2024", M), actual=Decimal(1), submit=True)
    assert exc.value.message_dict["period"] == ["KPI01 is reported quarterly."]


# --- Saving many (grid and import) ------------------------------------------------------


def _entry(kpi, label, actual, commentary="", row=""):
    return ReturnEntry(
        kpi=kpi,
        period=parse_period(label, kpi.frequency),
        actual=None if actual is None else Decimal(str(actual)),
        commentary=commentary,
        label=row,
    )


def test_save_many_saves_every_entry_in_period_order(kpi):
    saved = kpi_returns_save_many(
        entries=[_entry(kpi, "2024-25 Q2", "86", row="Row 3"), _entry(kpi, "2024-25 Q1", "82", row="Row 2")],
        submit=True,
    )
    assert [r.period.label for r in saved] == ["2024-25 Q1", "2024-25 Q2"]
    assert reload(saved[1]).direction_previous == Direction.IMPROVING


def test_save_many_is_all_or_nothing_naming_the_row_and_field(kpi):
    entries = [
        _entry(kpi, "2024-25 Q1", "82", row="Row 2"),
        _entry(kpi, "2024-25 Q2", None, commentary="Not yet counted", row="Row 3"),
        _entry(kpi, "2023-24 Q4", "80", row="Row 4"),
    ]
    with pytest.raises(ReturnBatchError) as exc:
        kpi_returns_save_many(entries=entries, submit=True)
    assert exc.value.errors == [
        ("Row 3", "value", "Enter the actual value before submitting the return."),
        ("Row 4", "period", "KPI01 is reported from 2024-25 Q1, not 2023-24 Q4."),
    ]
    assert "Row 3, value: Enter the actual value" in str(exc.value)
    assert not KPIReturn.objects.exists()


def test_save_many_refuses_the_same_period_twice(kpi):
    entries = [_entry(kpi, "2024-25 Q1", "82", row="Row 2"), _entry(kpi, "Q1 2024-25", "83", row="Row 7")]
    with pytest.raises(ReturnBatchError) as exc:
        kpi_returns_save_many(entries=entries, submit=True)
    assert exc.value.errors == [("Row 7", "period", "KPI01 2024-25 Q1 is also given in Row 2.")]
    assert not KPIReturn.objects.exists()


def test_save_many_skips_empty_cells_and_unchanged_returns(kpi, commissioner):
    kpi_return_accept(kpi_return=save(kpi, "2024-25 Q1", "82"), actor=commissioner)
    submitted = save(kpi, "2024-25 Q2", "86")
    history = submitted.history.count()
    saved = kpi_returns_save_many(
        entries=[
            _entry(kpi, "2024-25 Q1", "82"),
            _entry(kpi, "2024-25 Q2", "86"),
            _entry(kpi, "2024-25 Q3", None),
        ],
        submit=False,
    )
    assert saved == []
    assert reload(submitted).status == ReturnStatus.SUBMITTED  # "save as draft" does not un-submit it
    assert submitted.history.count() == history
    assert KPIReturn.objects.count() == 2


def test_save_many_changing_an_accepted_return_needs_a_reason(kpi, commissioner):
    kpi_return_accept(kpi_return=save(kpi, "2024-25 Q1", "82"), actor=commissioner)
    with pytest.raises(ReturnBatchError) as exc:
        kpi_returns_save_many(entries=[_entry(kpi, "2024-25 Q1", "85", row="Row 2")], submit=True)
    assert exc.value.errors == [("Row 2", "actual", "KPI01 2024-25 Q1 is accepted: give a reason to change it.")]
    [ret] = kpi_returns_save_many(entries=[_entry(kpi, "2024-25 Q1", "85", row="Row 2")], submit=True, reason="Recount")
    assert (ret.status, ret.actual) == (ReturnStatus.SUBMITTED, Decimal("85"))


def test_save_many_names_entries_of_another_directorate_and_saves_nothing(kpi, commissioner, other_directorate):
    elsewhere = KPIFactory(contract=ContractFactory(directorate=other_directorate))
    entries = [_entry(kpi, "2024-25 Q1", "82", row="Row 2"), _entry(elsewhere, "2024-25 Q1", "82", row="Row 3")]
    with pytest.raises(ReturnBatchError) as exc:
        kpi_returns_save_many(entries=entries, submit=True, actor=commissioner)
    assert exc.value.errors == [("Row 3", "contract", "You can only change contracts of your own directorate.")]
    assert not KPIReturn.objects.exists()


# --- KPIs -------------------------------------------------------------------------------


def test_kpi_update_refuses_changing_its_periods_once_it_has_returns(kpi):
    kpi_update(kpi=kpi, data={"first_period_start": D(2024, 7, 1)})  # no returns yet: allowed
    save(kpi, "2024-25 Q2", "82")
    for data in ({"frequency": M}, {"first_period_start": D(2024, 4, 1)}):
        with pytest.raises(ValidationError) as exc:
            kpi_update(kpi=kpi, data=data)
        assert list(exc.value.message_dict) == list(data)
    kpi = KPI.objects.get(pk=kpi.pk)
    assert (kpi.frequency, kpi.first_period_start) == (Q, D(2024, 7, 1))
    kpi_update(kpi=kpi, data={"name": "Visits made on time", "target": Decimal("92")})
    assert KPI.objects.get(pk=kpi.pk).target == Decimal("92")


def test_kpi_create_refuses_a_code_the_contract_already_has(kpi):
    with pytest.raises(ValidationError):
        KPIFactory(contract=kpi.contract, code="kpi01 ")


def test_kpi_set_copy_copies_active_kpis_skips_codes_present_and_aligns_first_period(contract, directorate):
    target = ContractFactory(directorate=directorate, start_date=D(2025, 5, 15), end_date=D(2028, 3, 31))
    KPIFactory(contract=contract, code="KPI01", deduction_rule=DeductionRule.FIXED, deduction_amount=Decimal("500"))
    KPIFactory(contract=contract, code="KPI02", is_active=False)
    KPIFactory(contract=contract, code="KPI03", frequency=M)
    KPIFactory(contract=contract, code="KPI04", frequency=A)
    KPIFactory(contract=contract, code="KPI05")
    KPIFactory(contract=target, code="KPI05", name="Already here")
    copies = kpi_set_copy(source=contract, contract=target)
    assert {k.code: k.first_period_start for k in copies} == {
        "KPI01": D(2025, 7, 1),  # first quarter starting on or after 15 May 2025
        "KPI03": D(2025, 6, 1),
        "KPI04": D(2026, 4, 1),
    }
    assert target.kpis.get(code="KPI01").deduction_amount == Decimal("500")
    assert target.kpis.get(code="KPI05").name == "Already here"
    again = kpi_set_copy(source=contract, contract=target)
    assert again == []


def test_kpi_set_copy_aligns_a_given_first_period_to_its_frequency(contract, directorate):
    target = ContractFactory(directorate=directorate)
    KPIFactory(contract=contract, code="KPI01")
    KPIFactory(contract=contract, code="KPI02", frequency=M)
    copies = kpi_set_copy(source=contract, contract=target, first_period_start=D(2025, 5, 15))
    assert {k.code: k.first_period_start for k in copies} == {"KPI01": D(2025, 4, 1), "KPI02": D(2025, 5, 1)}


# --- Performance concerns ---------------------------------------------------------------


def test_concern_raised_once_for_two_reds_running_and_not_again_while_open(kpi):
    save(kpi, "2024-25 Q1", "70")
    assert not PerformanceConcern.objects.exists()
    q2 = save(kpi, "2024-25 Q2", "75")
    concern = PerformanceConcern.objects.get()
    assert (concern.rule, concern.raised_by_return, concern.is_open) == (ConcernRule.TWO_RUNNING, q2, True)
    assert concern.explanation.startswith("KPI01 ")
    assert "Red in 2 periods running. Latest: 2024-25 Q2, 75.0% against a target of 90%" in concern.explanation
    save(kpi, "2024-25 Q3", "72")
    save(kpi, "2024-25 Q3", "71")
    assert PerformanceConcern.objects.count() == 1


def test_concern_raised_again_after_resolution_only_when_the_rule_is_met_anew(kpi, commissioner):
    save(kpi, "2024-25 Q1", "70")
    save(kpi, "2024-25 Q2", "70")
    concern = performance_concern_resolve(
        concern=PerformanceConcern.objects.get(), note="Improvement plan agreed", actor=commissioner
    )
    assert (concern.is_open, concern.resolved_by, concern.resolution_note) == (
        False,
        commissioner,
        "Improvement plan agreed",
    )
    save(kpi, "2024-25 Q3", "88")
    assert PerformanceConcern.objects.count() == 1
    q4 = save(kpi, "2024-25 Q4", "70")  # Q3 green: not 2 running; but Q1, Q2, Q4 make 3 of the last 4
    new = PerformanceConcern.objects.get(resolved_at__isnull=True)
    assert (new.rule, new.raised_by_return) == (ConcernRule.THREE_OF_SIX, q4)


def test_concern_for_three_reds_in_six_periods_with_gaps(kpi):
    for label, actual in [("2024-25 Q1", 70), ("2024-25 Q2", 88), ("2024-25 Q3", 70), ("2025-26 Q1", 70)]:
        save(kpi, label, actual)  # 2024-25 Q4 has no return: not red
    concern = PerformanceConcern.objects.get()
    assert concern.rule == ConcernRule.THREE_OF_SIX
    assert "Red in 3 of the last 5 periods." in concern.explanation


def test_only_two_reds_in_six_periods_raise_no_concern(kpi):
    for label, actual in [("2024-25 Q1", 70), ("2024-25 Q2", 88), ("2024-25 Q3", 88), ("2024-25 Q4", 70)]:
        save(kpi, label, actual)
    assert not PerformanceConcern.objects.exists()


def test_a_late_earlier_return_raises_the_concern_of_the_later_red(kpi):
    q2 = save(kpi, "2024-25 Q2", "70")
    save(kpi, "2024-25 Q1", "70")
    assert PerformanceConcern.objects.get().raised_by_return == q2


def test_resolving_a_concern_needs_a_note_and_happens_once(kpi):
    save(kpi, "2024-25 Q1", "70")
    save(kpi, "2024-25 Q2", "70")
    concern = PerformanceConcern.objects.get()
    with pytest.raises(ValidationError) as exc:
        performance_concern_resolve(concern=concern, note="  ")
    assert exc.value.message_dict["resolution_note"] == ["Say how the concern was resolved."]
    performance_concern_resolve(concern=concern, note="Done")
    with pytest.raises(ValidationError, match="already resolved"):
        performance_concern_resolve(concern=concern, note="Again")


# --- Deductions -------------------------------------------------------------------------


@pytest.fixture
def fixed_kpi(contract):
    return KPIFactory(
        contract=contract,
        code="KPI02",
        deduction_rule=DeductionRule.FIXED,
        deduction_amount=Decimal("3000"),
        deduction_cap_percent=Decimal("5"),  # £5,000.00 a financial year
    )


def test_deduction_proposed_for_a_red_submitted_return_only(fixed_kpi):
    assert deduction_of(save(fixed_kpi, "2024-25 Q1", "82")) is None  # amber
    assert deduction_of(save(fixed_kpi, "2024-25 Q2", "70", submit=False)) is None  # draft
    deduction = deduction_of(save(fixed_kpi, "2024-25 Q3", "70"))
    assert (deduction.status, deduction.amount, deduction.financial_year) == (
        DeductionStatus.PROPOSED,
        Decimal("3000.00"),
        2024,
    )
    assert deduction.calculation == "Fixed £3,000.00 for a failed period."


def test_deduction_withdrawn_when_the_return_is_no_longer_red_and_proposed_again_when_it_is(fixed_kpi):
    ret = save(fixed_kpi, "2024-25 Q1", "70")
    save(fixed_kpi, "2024-25 Q1", "82")
    assert deduction_of(ret).status == DeductionStatus.WITHDRAWN
    save(fixed_kpi, "2024-25 Q1", "75")
    assert deduction_of(ret).status == DeductionStatus.PROPOSED
    kpi_return_send_back(kpi_return=reload(ret), reason="Check the figure")
    assert deduction_of(ret).status == DeductionStatus.WITHDRAWN
    assert Deduction.objects.count() == 1


def test_deduction_updated_when_an_earlier_return_is_revised(contract):
    kpi = KPIFactory(contract=contract, deduction_rule=DeductionRule.ESCALATING, deduction_amount=Decimal("500"))
    q1 = save(kpi, "2024-25 Q1", "70")
    q2 = save(kpi, "2024-25 Q2", "70")
    assert deduction_of(q2).amount == Decimal("1000.00")  # second failed period running
    save(kpi, "2024-25 Q1", "86")
    assert deduction_of(q1).status == DeductionStatus.WITHDRAWN
    assert (deduction_of(q2).status, deduction_of(q2).amount) == (DeductionStatus.PROPOSED, Decimal("500.00"))
    assert deduction_of(q2).history.first().history_change_reason == "Recalculated: the 2024-25 Q1 return changed"


def test_deduction_recalculated_when_its_kpi_rule_changed_and_the_return_saved_again(fixed_kpi):
    ret = save(fixed_kpi, "2024-25 Q1", "70")
    kpi_update(kpi=fixed_kpi, data={"deduction_amount": Decimal("2500")})
    save(fixed_kpi, "2024-25 Q1", "70")
    assert deduction_of(ret).amount == Decimal("2500.00")
    kpi_update(kpi=fixed_kpi, data={"deduction_rule": DeductionRule.NONE, "deduction_amount": None})
    save(fixed_kpi, "2024-25 Q1", "70")
    assert deduction_of(ret).status == DeductionStatus.WITHDRAWN


def test_decided_deduction_is_not_touched_when_the_return_changes(fixed_kpi, commissioner):
    ret = save(fixed_kpi, "2024-25 Q1", "70")
    deduction_apply(deduction=deduction_of(ret), actor=commissioner)
    save(fixed_kpi, "2024-25 Q1", "88")
    deduction = deduction_of(ret)
    assert (deduction.status, deduction.amount) == (DeductionStatus.APPLIED, Decimal("3000.00"))


def test_deduction_apply_waive_and_dispute(fixed_kpi, commissioner):
    deduction = deduction_of(save(fixed_kpi, "2024-25 Q1", "70"))
    deduction = deduction_dispute(deduction=deduction, reason="Provider disputes the count", actor=commissioner)
    assert (deduction.status, deduction.decided_by) == (DeductionStatus.DISPUTED, commissioner)
    deduction = deduction_apply(deduction=deduction, actor=commissioner)
    assert deduction.status == DeductionStatus.APPLIED and deduction.decided_at is not None
    deduction = deduction_dispute(deduction=deduction, reason="New evidence", actor=commissioner)
    deduction = deduction_waive(deduction=deduction, reason="Severe weather", actor=commissioner)
    assert (deduction.status, deduction.reason) == (DeductionStatus.WAIVED, "Severe weather")
    history = deduction.history.first()
    assert (history.history_user, history.history_change_reason) == (commissioner, "Severe weather")


def test_a_long_waiver_reason_is_kept_whole_in_the_history(fixed_kpi, commissioner):
    # The reason is the evidence an auditor reads; PostgreSQL refused reasons over 100 characters
    # when simple-history stored them in its default CharField.
    reason = "Waived at the quarterly review: " + "the provider evidenced the council's own referral change. " * 5
    deduction = deduction_waive(
        deduction=deduction_of(save(fixed_kpi, "2024-25 Q1", "70")), reason=reason, actor=commissioner
    )
    assert len(reason.strip()) > 250
    assert deduction.history.first().history_change_reason == reason.strip()


@pytest.mark.parametrize("service", [deduction_waive, deduction_dispute])
def test_waiving_or_disputing_needs_a_reason(fixed_kpi, service):
    deduction = deduction_of(save(fixed_kpi, "2024-25 Q1", "70"))
    with pytest.raises(ValidationError) as exc:
        service(deduction=deduction, reason=" ")
    assert "reason" in exc.value.message_dict
    assert deduction_of(deduction.kpi_return).status == DeductionStatus.PROPOSED


@pytest.mark.parametrize(
    ("status", "service"),
    [
        (DeductionStatus.WAIVED, deduction_apply),
        (DeductionStatus.WAIVED, deduction_dispute),
        (DeductionStatus.WAIVED, deduction_waive),
        (DeductionStatus.APPLIED, deduction_apply),
        (DeductionStatus.APPLIED, deduction_waive),
        (DeductionStatus.DISPUTED, deduction_dispute),
        (DeductionStatus.WITHDRAWN, deduction_apply),
        (DeductionStatus.WITHDRAWN, deduction_waive),
        (DeductionStatus.WITHDRAWN, deduction_dispute),
    ],
)
def test_refused_deduction_transitions(fixed_kpi, status, service):
    deduction = deduction_of(save(fixed_kpi, "2024-25 Q1", "70"))
    Deduction.objects.filter(pk=deduction.pk).update(status=status, reason="Earlier decision")
    deduction.refresh_from_db()
    with pytest.raises(ValidationError, match="cannot be marked"):
        service(deduction=deduction, reason="Because")
    assert deduction_of(deduction.kpi_return).status == status


def test_deduction_cap_counts_proposed_applied_and_disputed_but_not_waived_in_the_financial_year(
    fixed_kpi, commissioner
):
    q1 = save(fixed_kpi, "2024-25 Q1", "70")
    q2 = save(fixed_kpi, "2024-25 Q2", "70")
    q3 = save(fixed_kpi, "2024-25 Q3", "70")
    amounts = [deduction_of(r).amount for r in (q1, q2, q3)]
    assert amounts == [Decimal("3000.00"), Decimal("2000.00"), Decimal("0.00")]  # cap £5,000 reached
    assert deduction_of(q2).calculated_amount == Decimal("3000.00")
    assert "capped at £2,000.00" in deduction_of(q2).calculation
    deduction_apply(deduction=deduction_of(q1), actor=commissioner)
    deduction_dispute(deduction=deduction_of(q2), reason="Disputed", actor=commissioner)
    q4 = save(fixed_kpi, "2024-25 Q4", "70")
    assert deduction_of(q4).amount == Decimal("0.00")  # applied 3,000 + disputed 2,000
    deduction_dispute(deduction=deduction_of(q1), reason="Provider appeals", actor=commissioner)
    deduction_waive(deduction=deduction_of(q1), reason="Agreed at review", actor=commissioner)
    save(fixed_kpi, "2024-25 Q4", "71")  # saved again: waived no longer counts
    assert deduction_of(q4).amount == Decimal("3000.00")
    next_year = save(fixed_kpi, "2025-26 Q1", "70")
    assert (deduction_of(next_year).financial_year, deduction_of(next_year).amount) == (2025, Decimal("3000.00"))


def test_deduction_cap_is_used_up_in_period_order(fixed_kpi):
    q2 = save(fixed_kpi, "2024-25 Q2", "70")
    q1 = save(fixed_kpi, "2024-25 Q1", "70")  # saved late: the earlier period takes the cap first
    assert (deduction_of(q1).amount, deduction_of(q2).amount) == (Decimal("3000.00"), Decimal("2000.00"))


def test_percent_of_charge_deduction_is_pence_exact(contract):
    contract.annual_value = Decimal("100000.01")
    contract.save()
    kpi = KPIFactory(
        contract=contract, deduction_rule=DeductionRule.PERCENT_OF_CHARGE, deduction_percent=Decimal("2.5")
    )
    deduction = deduction_of(save(kpi, "2024-25 Q1", "70"))
    assert deduction.amount == Decimal("625.00")
    assert "£25,000.00 (annual value £100,000.01 ÷ 4)" in deduction.calculation


# --- Permissions and attribution --------------------------------------------------------


def _writes(kpi, ret, concern, deduction, assessment, contract):
    return {
        "kpi_create": lambda u: kpi_create(
            contract=contract,
            actor=u,
            code="NEW1",
            name="New",
            target=Decimal(1),
            amber_threshold=Decimal(1),
            red_threshold=Decimal(1),
            first_period_start=D(2024, 4, 1),
        ),
        "kpi_update": lambda u: kpi_update(kpi=kpi, data={"name": "Renamed"}, actor=u),
        "kpi_set_copy": lambda u: kpi_set_copy(source=contract, contract=contract, actor=u),
        "kpi_return_save": lambda u: save(kpi, "2024-25 Q3", "70", actor=u),
        "kpi_return_accept": lambda u: kpi_return_accept(kpi_return=ret, actor=u),
        "kpi_return_send_back": lambda u: kpi_return_send_back(kpi_return=ret, reason="No", actor=u),
        "performance_concern_resolve": lambda u: performance_concern_resolve(concern=concern, note="Done", actor=u),
        "deduction_apply": lambda u: deduction_apply(deduction=deduction, actor=u),
        "deduction_waive": lambda u: deduction_waive(deduction=deduction, reason="Why", actor=u),
        "deduction_dispute": lambda u: deduction_dispute(deduction=deduction, reason="Why", actor=u),
        "performance_assessment_propose": lambda u: performance_assessment_propose(
            contract=contract, period_start=D(2025, 4, 1), period_end=D(2026, 3, 31), reason="annual", actor=u
        ),
        "performance_assessment_confirm": lambda u: performance_assessment_confirm(assessment=assessment, actor=u),
    }


WRITES = list(_writes(*[None] * 6))


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize("who", ["outsider", "member"])
def test_every_write_service_refuses_a_user_who_cannot_write_in_the_directorate(
    request, contract, fixed_kpi, write, who
):
    fixed_kpi.is_key = True
    fixed_kpi.save()
    save(fixed_kpi, "2024-25 Q1", "70")
    ret = save(fixed_kpi, "2024-25 Q2", "70")
    assessment = performance_assessment_propose(
        contract=contract, period_start=D(2024, 4, 1), period_end=D(2025, 3, 31), reason=AssessmentReason.ANNUAL
    )
    service = _writes(fixed_kpi, ret, PerformanceConcern.objects.get(), deduction_of(ret), assessment, contract)[write]
    counts = [m.objects.count() for m in (KPI, KPIReturn, PerformanceAssessment)]
    with pytest.raises(PermissionDenied):
        service(request.getfixturevalue(who))
    assert [m.objects.count() for m in (KPI, KPIReturn, PerformanceAssessment)] == counts
    assert reload(ret).status == ReturnStatus.SUBMITTED
    assert deduction_of(ret).status == DeductionStatus.PROPOSED
    assert PerformanceConcern.objects.get().is_open
    assert reload(assessment).status == AssessmentStatus.PROPOSED


def test_every_write_is_attributed_to_its_actor_with_a_reason(contract, commissioner):
    kpi = KPIFactory(
        contract=contract,
        actor=commissioner,
        is_key=True,
        deduction_rule=DeductionRule.FIXED,
        deduction_amount=Decimal("100"),
    )
    save(kpi, "2024-25 Q1", "70", actor=commissioner)
    ret = save(kpi, "2024-25 Q2", "70", actor=commissioner)
    kpi_return_accept(kpi_return=ret, actor=commissioner)
    concern = PerformanceConcern.objects.get()
    deduction = deduction_of(ret)
    assessment = performance_assessment_propose(
        contract=contract, period_start=D(2024, 4, 1), period_end=D(2025, 3, 31), reason="annual", actor=commissioner
    )
    records = {
        "kpi": kpi.history.first(),
        "return": ret.history.first(),
        "concern raised": concern.history.first(),
        "deduction proposed": deduction.history.first(),
        "assessment": assessment.history.first(),
        "rating": assessment.ratings.get().history.first(),
    }
    performance_concern_resolve(concern=concern, note="Plan agreed", actor=commissioner)
    deduction_apply(deduction=deduction, actor=commissioner)
    performance_assessment_confirm(assessment=assessment, actor=commissioner)
    records.update(
        {
            "concern resolved": concern.history.first(),
            "deduction applied": deduction.history.first(),
            "assessment confirmed": assessment.history.first(),
        }
    )
    for name, record in records.items():
        assert record.history_user == commissioner, name
        assert record.history_change_reason, name
    assert records["return"].history_change_reason == "Return accepted"
    assert records["concern raised"].history_change_reason == "Raised by the 2024-25 Q2 return"


# --- Quarter summaries ------------------------------------------------------------------


def test_quarter_summary_counts_each_kpi_once(contract):
    monthly = KPIFactory(contract=contract, code="M1", frequency=M)
    quarterly = KPIFactory(contract=contract, code="Q1", weight=2)
    annual = KPIFactory(contract=contract, code="A1", frequency=A)
    KPIFactory(contract=contract, code="Q2")  # never returned: missing
    save(monthly, "April 2024", "95")
    save(monthly, "May 2024", "70")  # the worst month counts
    save(monthly, "June 2024", "95")
    save(quarterly, "2024-25 Q1", "95")
    q1 = ContractPeriodSummary.objects.get(contract=contract, period_start=D(2024, 4, 1))
    # The annual KPI is not due in Q1. Score (0 × 1 + 100 × 2) / 3.
    assert (q1.green, q1.amber, q1.red, q1.missing, q1.due) == (1, 0, 1, 1, 3)
    assert (q1.score, q1.rag, q1.financial_year) == (Decimal("66.7"), RAG.AMBER, 2024)
    save(annual, "2024-25", "82")
    q4 = ContractPeriodSummary.objects.get(contract=contract, period_start=D(2025, 1, 1))
    assert (q4.green, q4.amber, q4.red, q4.missing) == (0, 1, 0, 3)  # annual counted in Q4 only
    assert (q4.score, q4.rag) == (Decimal("50.0"), RAG.AMBER)


@pytest.mark.parametrize(
    ("returns", "score", "rag"),
    [
        ([("95", 1)], "100.0", RAG.GREEN),
        ([("95", 7), ("82", 3)], "85.0", RAG.GREEN),  # exactly 85
        ([("95", 69), ("82", 31)], "84.5", RAG.AMBER),
        ([("82", 1)], "50.0", RAG.AMBER),  # exactly 50
        ([("95", 1), ("70", 1)], "50.0", RAG.AMBER),
        ([("95", 49), ("70", 51)], "49.0", RAG.RED),
        ([("70", 1)], "0.0", RAG.RED),
    ],
)
def test_quarter_rag_bands_from_the_weighted_score(contract, returns, score, rag):
    for n, (actual, weight) in enumerate(returns):
        save(KPIFactory(contract=contract, code=f"K{n}", weight=weight), "2024-25 Q1", actual)
    summary = contract_period_summary_refresh(contract=contract, quarter=parse_period("2024-25 Q1", Q))
    assert (summary.score, summary.rag) == (Decimal(score), rag)


def test_quarter_summary_with_nothing_returned_has_no_score(contract):
    KPIFactory(contract=contract)
    summary = contract_period_summary_refresh(contract=contract, quarter=parse_period("2024-25 Q1", Q))
    assert (summary.missing, summary.score, summary.rag) == (1, None, "")
    again = contract_period_summary_refresh(contract=contract, quarter=parse_period("2024-25 Q1", Q))
    assert again.pk == summary.pk and ContractPeriodSummary.objects.count() == 1


# --- Procurement Act assessments --------------------------------------------------------


@pytest.fixture
def key_kpis(contract):
    return [
        KPIFactory(contract=contract, code="K1", is_key=True),
        KPIFactory(
            contract=contract,
            code="K2",
            is_key=True,
            polarity=Polarity.LOWER,
            unit="days",
            target=Decimal(10),
            amber_threshold=Decimal(15),
            red_threshold=Decimal(20),
        ),
        KPIFactory(contract=contract, code="K3", is_key=True),
        KPIFactory(contract=contract, code="K4", is_key=False),
    ]


def test_assessment_proposes_ratings_from_the_mean_of_counted_returns_in_the_period(contract, key_kpis):
    k1, k2, k3, _ = key_kpis
    for label, actual in [("2024-25 Q1", 88), ("2024-25 Q2", 92), ("2024-25 Q3", 90), ("2024-25 Q4", 90)]:
        save(k1, label, actual)  # mean 90: Good
    save(k1, "2025-26 Q1", "10")  # outside the period
    save(k2, "2024-25 Q1", "16")
    save(k2, "2024-25 Q2", "19")  # mean 17.5 days: Requires improvement
    save(k2, "2024-25 Q3", "1", submit=False)  # a draft does not count
    assessment = performance_assessment_propose(
        contract=contract, period_start=D(2024, 4, 1), period_end=D(2025, 3, 31), reason=AssessmentReason.ANNUAL
    )
    ratings = {r.kpi.code: r for r in assessment.ratings.all()}
    assert list(ratings) == ["K1", "K2", "K3"]
    assert {code: r.proposed_rating for code, r in ratings.items()} == {
        "K1": PerformanceRating.GOOD,
        "K2": PerformanceRating.REQUIRES_IMPROVEMENT,
        "K3": PerformanceRating.OTHER,
    }
    assert ratings["K1"].proposed_explanation == "Good: average 90.0% over 4 returns against a target of 90%."
    assert ratings["K2"].rating == PerformanceRating.REQUIRES_IMPROVEMENT
    assert assessment.status == AssessmentStatus.PROPOSED


def test_assessment_refused_without_key_kpis(contract):
    KPIFactory(contract=contract, is_key=False)
    KPIFactory(contract=contract, is_key=True, is_active=False)
    with pytest.raises(ValidationError, match="no key KPIs"):
        performance_assessment_propose(
            contract=contract, period_start=D(2024, 4, 1), period_end=D(2025, 3, 31), reason="annual"
        )
    assert not PerformanceAssessment.objects.exists()


def test_confirming_an_assessment_needs_a_note_to_change_a_rating_and_happens_once(contract, key_kpis, commissioner):
    k1 = key_kpis[0]
    save(k1, "2024-25 Q1", "95")
    assessment = performance_assessment_propose(
        contract=contract, period_start=D(2024, 4, 1), period_end=D(2025, 3, 31), reason="annual"
    )
    with pytest.raises(ValidationError) as exc:
        performance_assessment_confirm(
            assessment=assessment, ratings={k1.pk: (PerformanceRating.APPROACHING, "")}, actor=commissioner
        )
    assert list(exc.value.message_dict) == [f"rating_{k1.pk}"]
    assert reload(assessment).status == AssessmentStatus.PROPOSED
    performance_assessment_confirm(
        assessment=assessment,
        ratings={k1.pk: (PerformanceRating.APPROACHING, "Complaints upheld in Q3")},
        note="Reviewed at contract meeting",
        actor=commissioner,
    )
    assessment = reload(assessment)
    assert (assessment.status, assessment.confirmed_by, assessment.note) == (
        AssessmentStatus.CONFIRMED,
        commissioner,
        "Reviewed at contract meeting",
    )
    row = assessment.ratings.get(kpi=k1)
    assert (row.proposed_rating, row.rating, row.note) == (
        PerformanceRating.GOOD,
        PerformanceRating.APPROACHING,
        "Complaints upheld in Q3",
    )
    with pytest.raises(ValidationError, match="already confirmed"):
        performance_assessment_confirm(assessment=assessment, actor=commissioner)


def test_one_assessment_per_contract_and_period_end(contract, key_kpis):
    kwargs = {"contract": contract, "period_start": D(2024, 4, 1), "period_end": D(2025, 3, 31), "reason": "annual"}
    performance_assessment_propose(**kwargs)
    with pytest.raises(ValidationError):
        performance_assessment_propose(**kwargs)


def test_accepting_or_resaving_the_return_that_raised_a_resolved_concern_raises_no_other(kpi, commissioner):
    save(kpi, "2024-25 Q1", "70")
    q2 = save(kpi, "2024-25 Q2", "70")
    performance_concern_resolve(concern=PerformanceConcern.objects.get(), note="Plan agreed")
    kpi_return_accept(kpi_return=q2, actor=commissioner)
    save(kpi, "2024-25 Q2", "70", commentary="Agency staff shortage")
    assert PerformanceConcern.objects.filter(resolved_at__isnull=True).count() == 0
    q3 = save(kpi, "2024-25 Q3", "70")  # a later red meets the rule anew
    assert PerformanceConcern.objects.get(resolved_at__isnull=True).raised_by_return == q3
