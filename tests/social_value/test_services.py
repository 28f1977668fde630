"""Social value commitments and delivery returns: the proxy in force, variations with history,
verification, and the directorate rule."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from social_value.models import DeliveryStatus
from social_value.selectors import commitment_list, commitment_progress
from social_value.services import (
    commitment_create,
    commitment_vary,
    delivery_return_reject,
    delivery_return_submit,
    delivery_return_verify,
)
from tests.contracts.factories import ContractFactory
from tests.social_value.factories import measure

D = datetime.date


@pytest.fixture
def contract(directorate):
    return ContractFactory(directorate=directorate, start_date=D(2025, 4, 1), end_date=D(2028, 3, 31))


@pytest.fixture
def jobs():
    return measure("LET1", proxies=[("1000.00", D(2023, 4, 1)), ("1250.50", D(2025, 4, 1))])


def test_a_commitment_keeps_the_proxy_value_in_force_on_the_day_it_was_made(contract, jobs, commissioner):
    before = commitment_create(contract=contract, measure=jobs, quantity=Decimal("4"), committed_on=D(2025, 3, 31),
                               actor=commissioner)  # fmt: skip
    after = commitment_create(contract=contract, measure=jobs, quantity=Decimal("4"), committed_on=D(2025, 4, 1),
                              actor=commissioner)  # fmt: skip
    assert (before.proxy_value, before.committed_value) == (Decimal("1000.00"), Decimal("4000.00"))
    assert (after.proxy_value, after.committed_value) == (Decimal("1250.50"), Decimal("5002.00"))
    assert after.proxy_source == "Test source 2025"
    assert (after.start_date, after.due_date) == (contract.start_date, contract.current_end_date)


def test_a_measure_without_a_proxy_is_committed_in_units_only(contract, commissioner):
    trees = measure("ENV9", unit="number")
    commitment = commitment_create(contract=contract, measure=trees, quantity=Decimal("200"),
                                   committed_on=D(2025, 4, 1), actor=commissioner)  # fmt: skip
    assert commitment.proxy_value is None
    assert commitment.committed_value == Decimal("0.00")
    assert commitment.total_quantity == Decimal("200")


def test_varying_needs_a_reason_keeps_the_proxy_and_records_history(contract, jobs, commissioner):
    commitment = commitment_create(contract=contract, measure=jobs, quantity=Decimal("4"),
                                   committed_on=D(2025, 4, 1), actor=commissioner)  # fmt: skip
    with pytest.raises(ValidationError):
        commitment_vary(commitment=commitment, reason=" ", quantity=Decimal("6"), actor=commissioner)
    varied = commitment_vary(commitment=commitment, reason="Second site opened", quantity=Decimal("6"),
                             actor=commissioner)  # fmt: skip
    assert varied.committed_value == Decimal("7503.00")
    assert varied.proxy_value == Decimal("1250.50")
    latest = varied.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (commissioner, "Varied: Second site opened")
    assert varied.history.count() == 2


def test_a_commissioner_cannot_commit_for_another_directorates_contract(other_directorate, jobs, commissioner):
    theirs = ContractFactory(directorate=other_directorate)
    with pytest.raises(PermissionDenied):
        commitment_create(contract=theirs, measure=jobs, quantity=Decimal("1"), committed_on=D(2025, 4, 1),
                          actor=commissioner)  # fmt: skip


def test_a_return_needs_evidence_and_counts_once_verified(contract, jobs, commissioner):
    commitment = commitment_create(contract=contract, measure=jobs, quantity=Decimal("4"),
                                   committed_on=D(2025, 4, 1), actor=commissioner)  # fmt: skip
    with pytest.raises(ValidationError) as error:
        delivery_return_submit(commitment=commitment, period_start=D(2025, 4, 1), period_end=D(2025, 6, 30),
                               quantity=Decimal("1"), actor=commissioner)  # fmt: skip
    assert "evidence_note" in error.value.message_dict
    delivery = delivery_return_submit(commitment=commitment, period_start=D(2025, 4, 1), period_end=D(2025, 6, 30),
                                      quantity=Decimal("1"), evidence_note="Payroll extract, 2 starters",
                                      actor=commissioner)  # fmt: skip
    assert (delivery.status, delivery.submitted_by) == (DeliveryStatus.SUBMITTED, commissioner)
    verified = delivery_return_verify(delivery=delivery, actor=commissioner)
    assert (verified.status, verified.verified_by) == (DeliveryStatus.VERIFIED, commissioner)
    assert verified.history.latest().history_change_reason == "Delivery return verified"
    with pytest.raises(ValidationError):
        delivery_return_verify(delivery=verified, actor=commissioner)


def test_a_rejected_return_says_why(contract, jobs, commissioner):
    commitment = commitment_create(contract=contract, measure=jobs, quantity=Decimal("4"),
                                   committed_on=D(2025, 4, 1), actor=commissioner)  # fmt: skip
    delivery = delivery_return_submit(commitment=commitment, period_start=D(2025, 4, 1), period_end=D(2025, 6, 30),
                                      quantity=Decimal("3"), evidence_note="Said so", actor=commissioner)  # fmt: skip
    with pytest.raises(ValidationError):
        delivery_return_reject(delivery=delivery, reason="", actor=commissioner)
    rejected = delivery_return_reject(delivery=delivery, reason="No payroll evidence", actor=commissioner)
    assert (rejected.status, rejected.rejection_reason) == (DeliveryStatus.REJECTED, "No payroll evidence")


def test_progress_counts_only_verified_returns_against_the_straight_line(
    contract, jobs, commissioner, django_assert_max_num_queries
):
    commitment = commitment_create(contract=contract, measure=jobs, quantity=Decimal("10"), committed_on=D(2025, 4, 1),
                                   start_date=D(2025, 4, 1), due_date=D(2027, 4, 1), actor=commissioner)  # fmt: skip
    for quantity, verify in ((Decimal("3"), True), (Decimal("1.5"), True), (Decimal("4"), False)):
        delivery = delivery_return_submit(commitment=commitment, period_start=D(2025, 4, 1),
                                          period_end=D(2025, 12, 31), quantity=quantity, evidence_note="Payroll",
                                          actor=commissioner)  # fmt: skip
        if verify:
            delivery_return_verify(delivery=delivery, actor=commissioner)
    with django_assert_max_num_queries(1):
        (progress,) = commitment_progress(commitment_list(), on=D(2026, 4, 1))  # half way: 5 expected
    assert progress.delivered == Decimal("4.50")
    assert progress.delivered_value == Decimal("5627.25")  # 4.5 × £1,250.50
    assert progress.share == Decimal("45.0")
    assert progress.shortfall == Decimal("0.50")
    assert progress.status_label == "At risk"  # 4.5 is 90% of the 5 expected


def test_commitment_list_runs_one_query_whatever_the_number(directorate, jobs, commissioner,
                                                            django_assert_max_num_queries):  # fmt: skip
    for _ in range(2):
        commitment_create(contract=ContractFactory(directorate=directorate), measure=jobs, quantity=Decimal("1"),
                          committed_on=D(2025, 4, 1), actor=commissioner)  # fmt: skip
    with django_assert_max_num_queries(1):
        assert len(list(commitment_list())) == 2
    for _ in range(10):
        commitment_create(contract=ContractFactory(directorate=directorate), measure=jobs, quantity=Decimal("1"),
                          committed_on=D(2025, 4, 1), actor=commissioner)  # fmt: skip
    with django_assert_max_num_queries(1):
        assert len(list(commitment_list())) == 12
