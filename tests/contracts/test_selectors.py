"""Reads of providers and contracts: ending soon, pence-exact totals, constant query counts."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commissioning.choices import Role
from commissioning.db import money_sum, pence_to_pounds
from contracts.choices import ContractStatus
from contracts.models import Contract
from contracts.selectors import (
    contract_get,
    contract_list,
    contract_totals,
    contracts_ending_soon,
    contracts_of_provider,
    ending_soon_q,
    provider_get,
    provider_list,
)
from tests.commissioning.factories import DirectorateFactory, UserFactory
from tests.contracts.factories import ContractFactory, ProviderFactory

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = D(2025, 1, 15)


def _ending(day: datetime.date, **kwargs) -> Contract:
    return ContractFactory(start_date=D(2020, 1, 1), end_date=day, extension_months_available=0, **kwargs)


def test_contracts_ending_soon_boundaries():
    _ending(D(2025, 1, 14), reference="yesterday")
    _ending(D(2025, 1, 15), reference="today")
    _ending(D(2025, 4, 1), reference="in-april")
    _ending(D(2025, 7, 15), reference="six-months")
    _ending(D(2025, 7, 16), reference="six-months-and-a-day")
    assert [c.reference for c in contracts_ending_soon(today=TODAY)] == ["today", "in-april", "six-months"]


@pytest.mark.parametrize("status", [ContractStatus.EXPIRED, ContractStatus.PIPELINE, ContractStatus.TERMINATED])
def test_contracts_ending_soon_excludes_contracts_that_are_not_active(status):
    _ending(D(2025, 3, 1), status=status)
    assert list(contracts_ending_soon(today=TODAY)) == []


def test_contracts_ending_soon_uses_the_end_date_after_extensions():
    ContractFactory(
        start_date=D(2020, 1, 1), end_date=D(2025, 2, 1), extension_months_available=12, extension_months_taken=12
    )
    assert list(contracts_ending_soon(today=TODAY)) == []
    assert list(contracts_ending_soon(today=D(2025, 12, 1))) != []


def test_contracts_ending_soon_soonest_first_and_by_directorate():
    mine = DirectorateFactory(code="MINE")
    theirs = DirectorateFactory(code="THEIRS")
    late = _ending(D(2025, 6, 1), directorate=mine)
    early = _ending(D(2025, 2, 1), directorate=mine)
    _ending(D(2025, 3, 1), directorate=theirs)
    assert list(contracts_ending_soon(today=TODAY, directorate_id=mine.pk)) == [early, late]


def test_ending_soon_q_can_filter_through_a_relation():
    contract = _ending(D(2025, 2, 1))
    _ending(D(2026, 2, 1))
    assert list(Contract.objects.filter(ending_soon_q(TODAY))) == [contract]
    assert list(contract.provider.__class__.objects.filter(ending_soon_q(TODAY, prefix="contracts__"))) == [
        contract.provider
    ]


def test_provider_list_counts_all_and_active_contracts():
    provider = ProviderFactory()
    idle = ProviderFactory()
    ContractFactory(provider=provider)
    ContractFactory(provider=provider, status=ContractStatus.EXPIRED)
    rows = {p.pk: (p.contract_count, p.active_contract_count) for p in provider_list()}
    assert rows == {provider.pk: (2, 1), idle.pk: (0, 0)}
    assert provider_get(pk=provider.pk).contract_count == 2


def test_contracts_of_provider_latest_ending_first():
    provider = ProviderFactory()
    first = ContractFactory(provider=provider, end_date=D(2026, 1, 1))
    second = ContractFactory(provider=provider, end_date=D(2028, 1, 1))
    ContractFactory()
    assert list(contracts_of_provider(provider=provider)) == [second, first]


# --- Money ---------------------------------------------------------------------------------------

SMALL_VALUES = (
    [Decimal("0.10")] * 20 + [Decimal("0.20")] * 5 + [Decimal("0.30")] * 5
)  # £4.50; as floats 4.500000000000001
LARGE_VALUES = [Decimal("123456789.99"), Decimal("987654321.01"), Decimal("0.07"), Decimal("45000000.33")]


def test_float_summing_drifts_on_these_values():
    # The premise of money_sum: adding these as floats is not exact.
    assert sum(float(v) for v in SMALL_VALUES) != 4.5
    assert sum(float(v) for v in LARGE_VALUES + SMALL_VALUES) != float(Decimal("1156111115.90"))


def test_contract_totals_are_pence_exact_over_many_small_values():
    for value in SMALL_VALUES:
        ContractFactory(annual_value=value, total_value=value * 3)
    totals = contract_totals(Contract.objects.all())
    assert totals == type(totals)(30, Decimal("4.50"), Decimal("13.50"))
    assert isinstance(totals.annual_value, Decimal)


def test_contract_totals_are_pence_exact_with_large_values():
    for value in LARGE_VALUES + SMALL_VALUES:
        ContractFactory(annual_value=value, total_value=value)
    totals = contract_totals(Contract.objects.all())
    assert totals.count == 34
    assert totals.annual_value == Decimal("1156111115.90")
    assert totals.annual_value == sum(LARGE_VALUES + SMALL_VALUES)
    assert str(totals.total_value) == "1156111115.90"


def test_contract_totals_of_nothing_is_zero():
    totals = contract_totals(Contract.objects.none())
    assert (totals.count, totals.annual_value, totals.total_value) == (0, Decimal("0.00"), Decimal("0.00"))


def test_contract_totals_respect_the_filter_and_use_one_query():
    ContractFactory(annual_value=Decimal("10.01"), status=ContractStatus.ACTIVE)
    ContractFactory(annual_value=Decimal("99.99"), status=ContractStatus.EXPIRED)
    with CaptureQueriesContext(connection) as ctx:
        totals = contract_totals(contract_list().filter(status=ContractStatus.ACTIVE))
    assert len(ctx.captured_queries) == 1
    assert (totals.count, totals.annual_value) == (1, Decimal("10.01"))


def test_money_sum_gives_whole_pence_exactly():
    for value in LARGE_VALUES + SMALL_VALUES:
        ContractFactory(annual_value=value, total_value=value)
    row = Contract.objects.aggregate(pence=money_sum("annual_value"))
    assert row["pence"] == 115611111590
    assert pence_to_pounds(row["pence"]) == Decimal("1156111115.90")


@pytest.mark.parametrize(
    ("pence", "pounds"), [(0, "0.00"), (None, "0.00"), (1, "0.01"), (115611111590, "1156111115.90"), (-250, "-2.50")]
)
def test_pence_to_pounds(pence, pounds):
    assert pence_to_pounds(pence) == Decimal(pounds)


# --- Query counts: 2 rows, then 12 -----------------------------------------------------------------


def _queries(func) -> int:
    with CaptureQueriesContext(connection) as ctx:
        func()
    return len(ctx.captured_queries)


@pytest.fixture
def people():
    directorate = DirectorateFactory(code="QC")
    return directorate, UserFactory(role=Role.COMMISSIONER, directorate=directorate)


def _add_contracts(n, directorate, commissioner, **kwargs):
    for _ in range(n):
        ContractFactory(directorate=directorate, commissioner=commissioner, **kwargs)


def _read_contracts(qs):
    return [(c.reference, c.provider.name, c.directorate.name, str(c.commissioner)) for c in qs]


@pytest.mark.parametrize(
    "read",
    [
        lambda: _read_contracts(contract_list()),
        lambda: _read_contracts(contracts_ending_soon(today=D(2029, 1, 1))),
        lambda: [(p.name, p.contract_count, p.active_contract_count) for p in provider_list()],
        lambda: contract_totals(contract_list()),
    ],
    ids=["contract_list", "contracts_ending_soon", "provider_list", "contract_totals"],
)
def test_selector_query_count_does_not_grow_with_rows(people, read):
    directorate, commissioner = people
    _add_contracts(2, directorate, commissioner)
    few = _queries(read)
    _add_contracts(10, directorate, commissioner)
    assert _queries(read) == few


def test_contract_get_loads_its_relations_in_one_query(people):
    directorate, commissioner = people
    contract = ContractFactory(directorate=directorate, commissioner=commissioner)
    assert _queries(lambda: _read_contracts([contract_get(pk=contract.pk)])) == 1
