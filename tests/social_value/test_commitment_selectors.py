"""Figures for groups of commitments: how social value adds up by outcome, contract value
counted once, and a fixed number of queries."""

import datetime
from decimal import Decimal

from commissioning.models import SupportingOutcome
from social_value.selectors import (
    by_strategic_outcome,
    by_supporting_outcome,
    commitment_list,
    commitment_progress,
    figures_by,
    figures_total,
    measure_outcomes,
)
from social_value.services import commitment_create, delivery_return_submit, delivery_return_verify
from tests.contracts.factories import ContractFactory
from tests.social_value.factories import measure

D = datetime.date
ON = D(2026, 4, 1)  # half way through a 2025-04-01 to 2027-04-01 contract


def _commit(contract, m, quantity, actor, delivered=None):
    c = commitment_create(contract=contract, measure=m, quantity=Decimal(quantity), committed_on=D(2025, 4, 1),
                          start_date=D(2025, 4, 1), due_date=D(2027, 4, 1), actor=actor)  # fmt: skip
    if delivered:
        r = delivery_return_submit(commitment=c, period_start=D(2025, 4, 1), period_end=D(2025, 9, 30),
                                   quantity=Decimal(delivered), evidence_note="Payroll", actor=actor)  # fmt: skip
        delivery_return_verify(delivery=r, actor=actor)
    return c


def test_a_measure_serving_two_supporting_outcomes_counts_in_full_for_each_and_once_for_their_strategic_outcome(
    kcc_framework, directorate, commissioner
):
    so_22, so_23, so_31 = (SupportingOutcome.objects.get(code=c) for c in ("2.2", "2.3", "3.1"))
    jobs = measure("J1", proxies=[("100.00", D(2020, 1, 1))], supporting_outcomes=[so_22, so_23])
    care = measure("C1", unit="hours", proxies=[("10.00", D(2020, 1, 1))], supporting_outcomes=[so_31])
    contract = ContractFactory(directorate=directorate, total_value=Decimal("100000.00"))
    _commit(contract, jobs, "10", commissioner, delivered="4")  # £1,000 committed, £400 delivered
    _commit(contract, care, "50", commissioner)  # £500 committed, nothing delivered

    progress = commitment_progress(commitment_list(), on=ON)
    outcomes = measure_outcomes()
    by_so = {o.code: f for o, f in figures_by(progress, by_supporting_outcome(outcomes)).items()}
    by_strategic = {code: f for (_, code, _), f in figures_by(progress, by_strategic_outcome(outcomes)).items()}
    total = figures_total(progress)

    assert (by_so["2.2"].committed_value, by_so["2.2"].delivered_value) == (Decimal("1000.00"), Decimal("400.00"))
    assert by_so["2.3"].committed_value == Decimal("1000.00")
    assert by_strategic["2"].committed_value == Decimal("1000.00")  # not £2,000
    assert by_strategic["3"].committed_value == Decimal("500.00")
    assert total.committed_value == Decimal("1500.00")
    # The contract's value is counted once, however many commitments it has.
    assert total.contract_value == Decimal("100000.00")
    assert total.committed_share_of_contract_value == Decimal("1.5")
    # Units add up only within one measure.
    assert (by_so["2.2"].unit, by_so["2.2"].committed_units, by_so["2.2"].delivered_units) == (
        "people", Decimal("10"), Decimal("4"))  # fmt: skip
    assert total.unit is None
    # Half way, 5 of 10 jobs expected and 4 verified is 80%: at risk; nothing of 50 hours is behind.
    assert (total.on_track, total.at_risk, total.behind) == (0, 1, 1)
    assert total.shortfall_value == Decimal("100.00") + Decimal("250.00")


def test_figures_by_outcome_take_two_queries_whatever_the_number_of_commitments(
    kcc_framework, directorate, commissioner, django_assert_max_num_queries
):
    so = SupportingOutcome.objects.get(code="2.2")
    jobs = measure("J1", proxies=[("100.00", D(2020, 1, 1))], supporting_outcomes=[so])
    for n in (2, 12):
        while len(commitment_list()) < n:
            _commit(ContractFactory(directorate=directorate), jobs, "3", commissioner, delivered="1")
        with django_assert_max_num_queries(2):
            progress = commitment_progress(commitment_list(), on=ON)
            figures = figures_by(progress, by_supporting_outcome(measure_outcomes()))
        assert sum(f.commitments for f in figures.values()) == n
