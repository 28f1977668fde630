"""Reads of contract performance: what is overdue, the grid, the RAG matrix, deduction totals and the
Procurement Act flags. Each list runs a fixed number of queries whatever the number of rows."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts.choices import AssessmentReason, ContractStatus, DeductionRule, DeductionStatus, Frequency
from contracts.models import Contract, Deduction
from contracts.periods import Period, parse_period
from contracts.selectors import (
    contracts_missing_key_kpis,
    deduction_totals,
    overdue_assessments,
    overdue_returns,
    rag_matrix,
    returns_due_in_quarter,
)
from contracts.services import (
    deduction_apply,
    deduction_dispute,
    deduction_waive,
    kpi_return_send_back,
    kpi_update,
    performance_assessment_confirm,
    performance_assessment_propose,
)
from tests.contracts.factories import ContractFactory, KPIFactory, ProviderFactory, kpi_return

pytestmark = pytest.mark.django_db

D = datetime.date
M, Q, A = Frequency.MONTHLY, Frequency.QUARTERLY, Frequency.ANNUAL


def queries(fn):
    """(number of queries, result) of evaluating a selector and everything a page reads of its rows."""
    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    return len(ctx), result


def _labels(due) -> list[tuple[str, str]]:
    return [(d.kpi.code, d.period.label) for d in due]


# --- Overdue returns --------------------------------------------------------------------


@pytest.fixture
def kpi(db):
    """Quarterly KPI of a contract from 1 April 2024 to 31 March 2029."""
    return KPIFactory(code="KPI01")


@pytest.mark.parametrize(
    ("today", "overdue"),
    [
        (D(2024, 7, 30), []),  # 2024-25 Q1 ended 30 June: due 30 July, not overdue on the day
        (D(2024, 7, 31), ["2024-25 Q1"]),
        (D(2024, 10, 30), ["2024-25 Q1"]),
        (D(2024, 10, 31), ["2024-25 Q1", "2024-25 Q2"]),
    ],
)
def test_overdue_returns_thirty_days_after_the_period_ends(kpi, today, overdue):
    due = overdue_returns(today=today)
    assert [d.period.label for d in due] == overdue
    if due:
        assert due[0].due_date == D(2024, 7, 30) and due[0].kpi_return is None and due[0].contract == kpi.contract


def test_overdue_days_follow_the_setting(kpi, settings):
    settings.KPI_RETURN_OVERDUE_DAYS = 10
    assert overdue_returns(today=D(2024, 7, 10)) == []
    assert [d.due_date for d in overdue_returns(today=D(2024, 7, 11))] == [D(2024, 7, 10)]


def test_a_draft_or_returned_return_does_not_stop_a_return_being_overdue(kpi):
    draft = kpi_return(kpi, "2024-25 Q1", "82", submit=False)
    returned = kpi_return_send_back(kpi_return=kpi_return(kpi, "2024-25 Q2", "82"), reason="Wrong figure")
    kpi_return(kpi, "2024-25 Q3", "82")
    due = overdue_returns(today=D(2025, 3, 1))
    assert [(d.period.label, d.kpi_return) for d in due] == [("2024-25 Q1", draft), ("2024-25 Q2", returned)]


def test_overdue_returns_ignore_periods_outside_the_contract_term(directorate):
    contract = ContractFactory(
        directorate=directorate, start_date=D(2024, 5, 15), end_date=D(2024, 11, 15), extension_months_available=0
    )
    kpi = KPIFactory(contract=contract, frequency=M, first_period_start=D(2024, 3, 1))
    due = overdue_returns(today=D(2026, 1, 1))
    # March and April 2024 end before the contract starts; November 2024 ends after it ends.
    assert [d.period.label for d in due] == [
        "May 2024",
        "June 2024",
        "July 2024",
        "August 2024",
        "September 2024",
        "October 2024",
    ]
    assert {d.kpi for d in due} == {kpi}


def test_overdue_returns_ignore_ended_contracts_and_retired_kpis(kpi, directorate):
    KPIFactory(contract=ContractFactory(directorate=directorate, status=ContractStatus.EXPIRED))
    KPIFactory(contract=kpi.contract, is_active=False)
    assert _labels(overdue_returns(today=D(2024, 8, 1))) == [("KPI01", "2024-25 Q1")]
    assert overdue_returns(contracts=Contract.objects.exclude(pk=kpi.contract_id), today=D(2024, 8, 1)) == []


# --- The grid ---------------------------------------------------------------------------


def test_returns_due_in_quarter_lists_every_period_ending_in_it_with_any_return(directorate):
    contract = ContractFactory(directorate=directorate, reference="KCC-1")
    monthly = KPIFactory(contract=contract, code="A", frequency=M)
    KPIFactory(contract=contract, code="B")
    KPIFactory(contract=contract, code="C", frequency=A)
    KPIFactory(contract=contract, code="D", first_period_start=D(2025, 4, 1))  # not started yet
    KPIFactory(contract=contract, code="E", is_active=False)
    feb = kpi_return(monthly, "February 2025", "90", submit=False)
    q4 = returns_due_in_quarter(contracts=Contract.objects.all(), quarter=parse_period("2024-25 Q4", Q))
    assert _labels(q4) == [
        ("A", "January 2025"),
        ("A", "February 2025"),
        ("A", "March 2025"),
        ("B", "2024-25 Q4"),
        ("C", "2024-25"),
    ]
    assert [d.kpi_return for d in q4] == [None, feb, None, None, None]
    assert q4[3].due_date == D(2025, 4, 30)
    q3 = returns_due_in_quarter(contracts=Contract.objects.all(), quarter=parse_period("2024-25 Q3", Q))
    assert ("C", "2024-25") not in _labels(q3)  # an annual KPI is due only in Q4


# --- RAG matrix -------------------------------------------------------------------------


def test_rag_matrix_has_a_row_per_contract_and_a_cell_per_quarter(directorate):
    first = ContractFactory(directorate=directorate, reference="KCC-B")
    second = ContractFactory(directorate=directorate, reference="KCC-A")
    kpi_return(KPIFactory(contract=first), "2024-25 Q2", "70")
    quarters = [parse_period("2024-25 Q1", Q), parse_period("2024-25 Q2", Q)]
    matrix = rag_matrix(contracts=Contract.objects.all(), quarters=quarters)
    assert matrix.quarters == quarters
    assert [(c.reference, [cell and cell.rag for cell in cells]) for c, cells in matrix.rows] == [
        ("KCC-A", [None, None]),
        ("KCC-B", [None, "red"]),
    ]
    assert second in [c for c, _ in matrix.rows]


# --- Deduction totals -------------------------------------------------------------------


def _failing(contract, *, amount, months, code="KPI01"):
    """A monthly KPI with a fixed deduction, red every month from April 2024: one deduction a month."""
    kpi = KPIFactory(
        contract=contract, code=code, frequency=M, deduction_rule=DeductionRule.FIXED, deduction_amount=Decimal(amount)
    )
    period = Period(D(2024, 4, 1), M)
    for _ in range(months):
        kpi_return(kpi, period.label, "50")
        period = period.next()
    return kpi


def test_deduction_totals_are_pence_exact_by_status_and_grouping(directorate, other_directorate):
    provider = ProviderFactory(name="Acme Care Ltd")
    first = ContractFactory(directorate=directorate, provider=provider, reference="KCC-1", title="Home care")
    second = ContractFactory(directorate=other_directorate, provider=provider, reference="KCC-2", title="Meals")
    _failing(first, amount="0.10", months=15)  # 12 in 2024-25, 3 in 2025-26
    _failing(second, amount="33.33", months=3)
    deductions = list(Deduction.objects.filter(contract=first).order_by("kpi_return__period_start"))
    deduction_apply(deduction=deductions[0])
    deduction_apply(deduction=deductions[1])
    deduction_waive(deduction=deductions[2], reason="Agreed")
    deduction_dispute(deduction=deductions[3], reason="Disputed")
    for d in Deduction.objects.filter(contract=second):
        deduction_apply(deduction=d)

    by_contract = {t.label: t for t in deduction_totals(by="contract")}
    assert list(by_contract) == ["KCC-1 Home care", "KCC-2 Meals"]
    one = by_contract["KCC-1 Home care"]
    assert (one.proposed, one.applied, one.waived, one.disputed) == (
        Decimal("1.10"),
        Decimal("0.20"),
        Decimal("0.10"),
        Decimal("0.10"),
    )
    assert by_contract["KCC-2 Meals"].applied == Decimal("99.99")
    assert one.key[0] == first.pk

    [acme] = deduction_totals(by="provider")
    assert (acme.label, acme.applied, acme.proposed) == ("Acme Care Ltd", Decimal("100.19"), Decimal("1.10"))
    assert {t.label: t.applied for t in deduction_totals(by="directorate")} == {
        directorate.name: Decimal("0.20"),
        other_directorate.name: Decimal("99.99"),
    }
    years = deduction_totals(by="financial_year")
    assert [(t.label, t.proposed, t.applied) for t in years] == [
        ("2024-25", Decimal("0.80"), Decimal("100.19")),
        ("2025-26", Decimal("0.30"), Decimal("0.00")),
    ]
    only_first = deduction_totals(by="contract", deductions=Deduction.objects.filter(contract=first))
    assert [t.label for t in only_first] == ["KCC-1 Home care"]


def test_deduction_totals_ignore_withdrawn_deductions(kpi):
    kpi_update(kpi=kpi, data={"deduction_rule": DeductionRule.FIXED, "deduction_amount": Decimal("10")})
    kpi_return(kpi, "2024-25 Q1", "70")
    kpi_return(kpi, "2024-25 Q1", "88")
    assert Deduction.objects.get().status == DeductionStatus.WITHDRAWN
    [total] = deduction_totals(by="contract")
    assert (total.proposed, total.applied, total.waived, total.disputed) == (Decimal("0.00"),) * 4


# --- Procurement Act flags --------------------------------------------------------------


@pytest.mark.parametrize(
    ("total_value", "key_kpis", "reason", "flagged"),
    [
        ("5000000.00", 0, "", False),  # exactly £5m is not over £5m
        ("5000000.01", 0, "", True),
        ("5000000.01", 2, "", True),
        ("5000000.01", 3, "", False),
        ("5000000.01", 0, "Grant agreement: outcomes reported to the funder", False),
        ("12000000.00", 1, "", True),
    ],
)
def test_contracts_over_five_million_missing_three_key_kpis(directorate, total_value, key_kpis, reason, flagged):
    contract = ContractFactory(directorate=directorate, total_value=Decimal(total_value))
    if reason:
        Contract.objects.filter(pk=contract.pk).update(key_kpi_exemption_reason=reason)
    for n in range(key_kpis):
        KPIFactory(contract=contract, code=f"K{n}", is_key=True)
    KPIFactory(contract=contract, code="OTHER", is_key=False)
    assert (contract in contracts_missing_key_kpis()) is flagged


def test_retired_key_kpis_do_not_count_and_ended_contracts_are_not_flagged(directorate):
    contract = ContractFactory(directorate=directorate, total_value=Decimal("6000000"))
    KPIFactory(contract=contract, code="K1", is_key=True)
    KPIFactory(contract=contract, code="K2", is_key=True)
    KPIFactory(contract=contract, code="K3", is_key=True, is_active=False)
    ended = ContractFactory(directorate=directorate, total_value=Decimal("6000000"), status=ContractStatus.EXPIRED)
    flagged = list(contracts_missing_key_kpis())
    assert flagged == [contract]
    assert flagged[0].key_kpi_count == 2
    assert ended not in flagged


# --- Overdue assessments ----------------------------------------------------------------


def _assess(contract, start, end, reason=AssessmentReason.ANNUAL, confirm=True):
    assessment = performance_assessment_propose(contract=contract, period_start=start, period_end=end, reason=reason)
    return performance_assessment_confirm(assessment=assessment) if confirm else assessment


@pytest.fixture
def key_contract(directorate):
    """An active contract from 1 April 2024 with a key KPI."""
    contract = ContractFactory(directorate=directorate)
    KPIFactory(contract=contract, is_key=True)
    return contract


def test_active_contract_assessment_due_twelve_months_after_it_starts(key_contract, directorate):
    KPIFactory(contract=ContractFactory(directorate=directorate))  # no key KPIs: never listed
    assert overdue_assessments(today=D(2025, 3, 31)) == []
    [overdue] = overdue_assessments(today=D(2025, 4, 1))
    assert (overdue.contract, overdue.due_date, overdue.last_period_end, overdue.reason) == (
        key_contract,
        D(2025, 3, 31),
        None,
        "No assessment since the contract started.",
    )


def test_active_contract_assessment_due_twelve_months_after_the_last_confirmed_one(key_contract):
    _assess(key_contract, D(2024, 10, 1), D(2025, 3, 31), confirm=False)
    assert len(overdue_assessments(today=D(2025, 4, 1))) == 1  # a proposed assessment does not count
    key_contract.assessments.all().delete()
    _assess(key_contract, D(2024, 10, 1), D(2025, 3, 31))
    assert overdue_assessments(today=D(2026, 3, 31)) == []
    [overdue] = overdue_assessments(today=D(2026, 4, 1))
    assert (overdue.due_date, overdue.last_period_end, overdue.reason) == (
        D(2026, 3, 31),
        D(2025, 3, 31),
        "No assessment in the last 12 months.",
    )


def test_ended_contract_needs_a_contract_end_assessment(key_contract):
    Contract.objects.filter(pk=key_contract.pk).update(status=ContractStatus.EXPIRED)
    _assess(key_contract, D(2024, 4, 1), D(2025, 3, 31))
    [overdue] = overdue_assessments(today=D(2025, 4, 2))
    assert (overdue.reason, overdue.due_date) == ("The contract has ended: assess its performance.", D(2029, 3, 31))
    _assess(key_contract, D(2025, 4, 1), D(2026, 3, 31), reason=AssessmentReason.CONTRACT_END)
    assert overdue_assessments(today=D(2025, 4, 2)) == []


# --- A fixed number of queries ----------------------------------------------------------


def _contract_with_everything(directorate, n):
    contract = ContractFactory(directorate=directorate, total_value=Decimal("6000000"), reference=f"KCC-Q{n:02d}")
    kpi = KPIFactory(
        contract=contract,
        code="KPI01",
        is_key=True,
        deduction_rule=DeductionRule.FIXED,
        deduction_amount=Decimal("10"),
    )
    KPIFactory(contract=contract, code="KPI02", frequency=M)
    kpi_return(kpi, "2024-25 Q1", "70", submit=False)
    kpi_return(kpi, "2024-25 Q2", "70")
    return contract


SELECTORS = {
    "overdue_returns": lambda: [
        (d.kpi.contract.provider.name, d.kpi.contract.directorate.name, d.kpi_return and d.kpi_return.status)
        for d in overdue_returns(today=D(2025, 6, 1))
    ],
    "returns_due_in_quarter": lambda: [
        (d.contract.reference, d.kpi_return and d.kpi_return.status)
        for d in returns_due_in_quarter(contracts=Contract.objects.all(), quarter=Period(D(2024, 7, 1), Q))
    ],
    "rag_matrix": lambda: [
        (c.provider.name, [cell and cell.rag for cell in cells])
        for c, cells in rag_matrix(
            contracts=Contract.objects.all(), quarters=[Period(D(2024, 4, 1), Q), Period(D(2024, 7, 1), Q)]
        ).rows
    ],
    "deduction_totals": lambda: deduction_totals(by="contract"),
    "contracts_missing_key_kpis": lambda: [
        (c.provider.name, c.directorate.name, c.key_kpi_count) for c in contracts_missing_key_kpis()
    ],
    "overdue_assessments": lambda: [
        (o.contract.provider.name, o.contract.directorate.name) for o in overdue_assessments(today=D(2026, 1, 1))
    ],
}


@pytest.mark.parametrize("name", list(SELECTORS))
def test_selector_runs_a_fixed_number_of_queries(directorate, name, django_assert_num_queries):
    for n in range(2):
        _contract_with_everything(directorate, n)
    count, rows = queries(SELECTORS[name])
    assert len(rows) >= 2
    for n in range(2, 12):
        _contract_with_everything(directorate, n)
    with django_assert_num_queries(count):
        more = SELECTORS[name]()
    assert len(more) == len(rows) * 6
