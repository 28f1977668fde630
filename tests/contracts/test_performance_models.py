"""Same-row rules of the performance models: thresholds, periods, reasons and one-per constraints."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from contracts.choices import DeductionRule, DeductionStatus, Frequency, Polarity, ReturnStatus
from contracts.models import KPI, AssessmentRating, Deduction, KPIReturn, PerformanceAssessment, PerformanceConcern
from tests.contracts.factories import ContractFactory, KPIFactory, kpi_return

pytestmark = pytest.mark.django_db


def _kpi(**values) -> KPI:
    data = {
        "code": "KPI01",
        "name": "Visits on time",
        "target": Decimal("90"),
        "amber_threshold": Decimal("85"),
        "red_threshold": Decimal("80"),
        "frequency": Frequency.QUARTERLY,
        "first_period_start": datetime.date(2024, 4, 1),
    }
    data.update(values)
    return KPIFactory.build(contract=ContractFactory(), **data)


def _errors(instance) -> dict:
    with pytest.raises(ValidationError) as exc:
        instance.full_clean()
    return exc.value.message_dict


def test_kpi_with_thresholds_in_order_is_valid_for_both_polarities():
    _kpi().full_clean()
    _kpi(
        polarity=Polarity.LOWER, target=Decimal(10), amber_threshold=Decimal(15), red_threshold=Decimal(20)
    ).full_clean()
    _kpi(target=Decimal(90), amber_threshold=Decimal(90), red_threshold=Decimal(90)).full_clean()


def test_kpi_amber_threshold_better_than_target_is_refused_when_higher_is_better():
    assert _errors(_kpi(amber_threshold=Decimal("91")))["amber_threshold"] == [
        "The amber threshold must be at or below the target (90)."
    ]


def test_kpi_red_threshold_better_than_amber_is_refused_when_lower_is_better():
    kpi = _kpi(polarity=Polarity.LOWER, target=Decimal(10), amber_threshold=Decimal(15), red_threshold=Decimal(14))
    assert _errors(kpi)["red_threshold"] == ["The red threshold must be at or above the amber threshold (15)."]


def test_kpi_first_period_must_start_a_period_of_its_frequency():
    assert _errors(_kpi(first_period_start=datetime.date(2024, 5, 1)))["first_period_start"] == [
        "1 May 2024 does not start a quarterly period."
    ]


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        (DeductionRule.FIXED, "deduction_amount"),
        (DeductionRule.ESCALATING, "deduction_amount"),
        (DeductionRule.PERCENT_OF_CHARGE, "deduction_percent"),
    ],
)
def test_kpi_deduction_rule_needs_its_amount(rule, field):
    assert field in _errors(_kpi(deduction_rule=rule))


def test_kpi_return_needs_an_actual_to_be_submitted():
    kpi = KPIFactory()
    ret = KPIReturn(kpi=kpi, contract=kpi.contract, period_start=kpi.first_period_start, status=ReturnStatus.SUBMITTED)
    ret.period_end, ret.financial_year = ret.period.end, ret.period.financial_year
    assert _errors(ret)["actual"] == ["Enter the actual value before submitting the return."]


def test_kpi_return_sent_back_needs_a_reason():
    ret = kpi_return(KPIFactory(), "2024-25 Q1", "82")
    ret.status = ReturnStatus.RETURNED
    assert "returned_reason" in _errors(ret)


def test_one_return_per_kpi_and_period():
    ret = kpi_return(KPIFactory(), "2024-25 Q1", "82")
    with pytest.raises(IntegrityError):
        KPIReturn.objects.create(
            kpi=ret.kpi,
            contract=ret.contract,
            period_start=ret.period_start,
            period_end=ret.period_end,
            financial_year=2024,
        )


@pytest.mark.parametrize(
    ("status", "word"), [(DeductionStatus.WAIVED, "waived"), (DeductionStatus.DISPUTED, "disputed")]
)
def test_waived_or_disputed_deduction_needs_a_reason(status, word):
    deduction = Deduction(status=status, reason="  ")
    with pytest.raises(ValidationError) as exc:
        deduction.clean()
    assert exc.value.message_dict["reason"] == [f"Say why the deduction is {word}."]


def test_only_one_open_concern_per_kpi():
    kpi = KPIFactory()
    red = kpi_return(kpi, "2024-25 Q1", "70")
    PerformanceConcern.objects.create(contract=kpi.contract, kpi=kpi, rule="two_running", raised_by_return=red)
    with pytest.raises(IntegrityError):
        PerformanceConcern.objects.create(contract=kpi.contract, kpi=kpi, rule="two_running", raised_by_return=red)


def test_assessment_covers_at_most_twelve_months_and_ends_after_it_starts():
    contract = ContractFactory()
    too_long = PerformanceAssessment(
        contract=contract, period_start=datetime.date(2024, 4, 1), period_end=datetime.date(2025, 4, 2)
    )
    assert _errors(too_long)["period_end"] == ["An assessment covers at most 12 months."]
    backwards = PerformanceAssessment(
        contract=contract, period_start=datetime.date(2024, 4, 1), period_end=datetime.date(2024, 3, 1)
    )
    assert _errors(backwards)["period_end"] == ["The period must end after it starts."]
    PerformanceAssessment(
        contract=contract, period_start=datetime.date(2024, 4, 1), period_end=datetime.date(2025, 3, 31)
    ).full_clean()


def test_changed_rating_needs_a_note():
    rating = AssessmentRating(proposed_rating="met", rating="below", note="")
    with pytest.raises(ValidationError) as exc:
        rating.clean()
    assert "note" in exc.value.message_dict
    AssessmentRating(proposed_rating="met", rating="below", note="Complaints upheld").clean()
    AssessmentRating(proposed_rating="met", rating="met").clean()
