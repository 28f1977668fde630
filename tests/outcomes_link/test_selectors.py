"""Reading across the golden thread: overview figures (active contracts only), register, gaps, queries."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts.choices import ContractStatus
from outcomes_link.selectors import (
    contract_register,
    contract_thread,
    contracts_without_links,
    outcome_link_list,
    outcome_overview,
    supporting_outcome_figures,
    supporting_outcome_links,
    supporting_outcomes_for_choice,
)
from outcomes_link.services import outcome_link_create
from tests.commissioning.factories import FrameworkFactory, StrategicOutcomeFactory, SupportingOutcomeFactory
from tests.contracts.factories import ContractFactory


def _link(contract, outcome, share, primary=False):
    return outcome_link_create(
        contract=contract,
        supporting_outcome=outcome,
        contribution_share=Decimal(share),
        rationale="Serves it",
        is_primary=primary,
    )


@pytest.fixture
def outcomes(kcc_framework):
    return {s.code: s for s in kcc_framework.supporting_outcomes.all()}


@pytest.fixture
def thread(directorate, other_directorate, outcomes):
    """A: two outcomes of strategic outcome 1. B: 1.2 and 3.1, at a half-penny.

    C: expired. D: an active gap. E: a pipeline gap.
    """
    a = ContractFactory(reference="A", directorate=directorate, annual_value=Decimal("100000.00"))
    b = ContractFactory(reference="B", directorate=other_directorate, annual_value=Decimal("10.01"))
    c = ContractFactory(
        reference="C", directorate=directorate, annual_value=Decimal("999.00"), status=ContractStatus.EXPIRED
    )
    d = ContractFactory(reference="D", directorate=directorate)
    e = ContractFactory(reference="E", directorate=directorate, status=ContractStatus.PIPELINE)
    _link(a, outcomes["1.2"], "60")
    _link(a, outcomes["1.3"], "40")
    _link(b, outcomes["1.2"], "50")
    _link(b, outcomes["3.1"], "50")
    _link(c, outcomes["1.2"], "100")
    return {"A": a, "B": b, "C": c, "D": d, "E": e}


def _row(overview, code):
    for strategic in overview.strategic:
        if strategic.outcome.code == code:
            return strategic
        for row in strategic.supporting:
            if row.outcome.code == code:
                return row
    raise KeyError(code)


def test_overview_counts_active_contracts_and_attributes_value_half_up(thread):
    overview = outcome_overview()
    assert (_row(overview, "1.2").figures.contract_count, _row(overview, "1.2").figures.attributed_value) == (
        2,
        Decimal("60005.01"),  # 60% of £100,000 + 50% of £10.01 (£5.005 rounds up); expired C left out
    )
    assert (_row(overview, "1.3").figures.contract_count, _row(overview, "1.3").figures.attributed_value) == (
        1,
        Decimal("40000.00"),
    )
    assert (_row(overview, "3.1").figures.contract_count, _row(overview, "3.1").figures.attributed_value) == (
        1,
        Decimal("5.01"),
    )
    assert (_row(overview, "2.1").figures.contract_count, _row(overview, "2.1").figures.attributed_value) == (
        0,
        Decimal("0.00"),
    )


def test_overview_counts_a_contract_once_under_a_strategic_outcome(thread):
    overview = outcome_overview()
    # A is linked to 1.2 and 1.3, B to 1.2: two distinct contracts under strategic outcome 1, not three.
    assert _row(overview, "1").figures.contract_count == 2
    assert _row(overview, "1").figures.attributed_value == Decimal("100005.01")
    assert _row(overview, "2").figures.contract_count == 0
    assert _row(overview, "3").figures.contract_count == 1


def test_overview_totals_linked_contracts_and_gaps(thread):
    overview = outcome_overview()
    assert overview.total_value == Decimal("100010.02")
    assert overview.linked_contracts == 2  # A and B; C is expired
    assert overview.gap_count == 1  # D; E is only in the pipeline
    assert [s.outcome.code for s in overview.strategic] == ["1", "2", "3"]
    assert [r.outcome.code for r in overview.strategic[0].supporting] == [
        "1.1",
        "1.2",
        "1.3",
        "1.4",
        "1.5",
        "1.6",
        "1.7",
    ]


def test_overview_without_a_framework_is_empty(db):
    overview = outcome_overview()
    assert (overview.framework, overview.strategic, overview.total_value, overview.linked_contracts) == (
        None,
        [],
        Decimal("0"),
        0,
    )


def test_overview_of_another_framework_ignores_links_to_the_default(thread):
    other = FrameworkFactory(slug="other")
    outcome = SupportingOutcomeFactory(strategic_outcome=StrategicOutcomeFactory(framework=other, code="X"))
    _link(thread["D"], outcome, "100")
    overview = outcome_overview(framework=other)
    assert overview.linked_contracts == 1
    assert overview.total_value == Decimal("250000.00")
    assert outcome_overview().linked_contracts == 2


def test_supporting_outcome_figures_count_active_contracts_only(thread, outcomes):
    figures = supporting_outcome_figures(supporting_outcome=outcomes["1.2"])
    assert (figures.contract_count, figures.attributed_value) == (2, Decimal("60005.01"))


def test_supporting_outcome_links_show_every_status_largest_first(thread, outcomes):
    links = supporting_outcome_links(supporting_outcome=outcomes["1.2"])
    assert [link.contract.reference for link in links] == ["A", "C", "B"]


def test_contracts_without_links_are_active_contracts_with_no_link(thread, directorate, other_directorate):
    assert [c.reference for c in contracts_without_links()] == ["D"]
    assert [c.reference for c in contracts_without_links(directorate_id=directorate.pk)] == ["D"]
    assert list(contracts_without_links(directorate_id=other_directorate.pk)) == []


def test_contract_register_shows_share_total_and_whether_linked(thread):
    rows = {c.reference: (c.share_total, c.is_linked) for c in contract_register()}
    assert rows == {
        "A": (Decimal("100"), True),
        "B": (Decimal("100"), True),
        "C": (Decimal("100"), True),
        "D": (Decimal("0"), False),
        "E": (Decimal("0"), False),
    }


def test_contract_register_share_total_of_a_partly_linked_contract(thread, outcomes):
    _link(thread["D"], outcomes["2.1"], "33.33")
    assert contract_register().get(reference="D").share_total == Decimal("33.33")


def test_contract_thread_primary_first_then_largest_share(thread, outcomes):
    links = list(contract_thread(contract=thread["A"]))
    assert [(link.supporting_outcome.code, link.is_primary) for link in links] == [("1.2", True), ("1.3", False)]
    assert links[0].supporting_outcome.strategic_outcome.framework.slug == "kcc-2015-2020"


def test_outcome_link_list_by_contract_primary_first(thread):
    assert [(link.contract.reference, link.supporting_outcome.code) for link in outcome_link_list()] == [
        ("A", "1.2"),
        ("A", "1.3"),
        ("B", "1.2"),
        ("B", "3.1"),
        ("C", "1.2"),
    ]


def test_supporting_outcomes_for_choice_are_the_default_frameworks(kcc_framework):
    SupportingOutcomeFactory(strategic_outcome=StrategicOutcomeFactory(framework=FrameworkFactory(slug="x")))
    assert len(supporting_outcomes_for_choice()) == 20


# --- Query counts: 2 contracts, then 12 -----------------------------------------------------------


def _queries(func) -> int:
    with CaptureQueriesContext(connection) as ctx:
        func()
    return len(ctx.captured_queries)


def _add_linked_contracts(n, directorate, outcomes):
    for i in range(n):
        contract = ContractFactory(directorate=directorate)
        _link(contract, outcomes["1.2"], "50")
        _link(contract, outcomes["3.1" if i % 2 else "1.3"], "50")
        ContractFactory(directorate=directorate)  # a gap as well


def _read_links(qs):
    return [
        (
            link.contract.reference,
            link.contract.provider.name,
            link.contract.directorate.name,
            link.supporting_outcome.code,
            link.supporting_outcome.strategic_outcome.title,
        )
        for link in qs
    ]


READERS = {
    "contract_register": lambda o: [
        (c.provider.name, c.directorate.name, c.share_total, c.is_linked) for c in contract_register()
    ],
    "contracts_without_links": lambda o: [(c.provider.name, c.directorate.name) for c in contracts_without_links()],
    "outcome_overview": lambda o: outcome_overview(),
    "supporting_outcome_figures": lambda o: supporting_outcome_figures(supporting_outcome=o["1.2"]),
    "supporting_outcome_links": lambda o: [
        (link.contract.provider.name, link.contract.directorate.name, str(link.contract.commissioner))
        for link in supporting_outcome_links(supporting_outcome=o["1.2"])
    ],
    "outcome_link_list": lambda o: _read_links(outcome_link_list()),
}


@pytest.mark.parametrize("name", READERS)
def test_selector_query_count_does_not_grow_with_rows(directorate, outcomes, name):
    read = READERS[name]
    _add_linked_contracts(2, directorate, outcomes)
    few = _queries(lambda: read(outcomes))
    _add_linked_contracts(10, directorate, outcomes)
    assert _queries(lambda: read(outcomes)) == few


def test_contract_thread_query_count_does_not_grow_with_links(directorate, outcomes):
    contract = ContractFactory(directorate=directorate)
    codes = [o for o in outcomes if o != "1.2"]
    for code in codes[:2]:
        _link(contract, outcomes[code], "1")

    def read():
        [(link.supporting_outcome.strategic_outcome.framework.name) for link in contract_thread(contract=contract)]

    few = _queries(read)
    for code in codes[2:12]:
        _link(contract, outcomes[code], "1")
    assert _queries(read) == few
