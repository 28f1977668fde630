"""Contract register and outcome link filters: the contract's own filters plus the outcomes it serves."""

from decimal import Decimal

import pytest

from contracts.choices import ContractStatus
from outcomes_link.filtersets import ContractRegisterFilterSet, OutcomeLinkFilterSet
from outcomes_link.models import OutcomeLink
from outcomes_link.selectors import contract_register
from outcomes_link.services import outcome_link_create
from tests.commissioning.factories import FrameworkFactory, StrategicOutcomeFactory, SupportingOutcomeFactory
from tests.contracts.factories import ContractFactory


def _link(contract, outcome, share):
    return outcome_link_create(
        contract=contract, supporting_outcome=outcome, contribution_share=Decimal(share), rationale="r"
    )


@pytest.fixture
def register(kcc_framework, directorate, other_directorate):
    outcomes = {s.code: s for s in kcc_framework.supporting_outcomes.all()}
    strategic = {s.code: s for s in kcc_framework.strategic_outcomes.all()}
    a = ContractFactory(reference="A", title="Homecare", directorate=directorate)
    b = ContractFactory(reference="B", title="Roads", directorate=other_directorate, status=ContractStatus.EXPIRED)
    ContractFactory(reference="C", title="Libraries", directorate=other_directorate)
    _link(a, outcomes["3.1"], "70")
    _link(a, outcomes["3.5"], "30")
    _link(b, outcomes["2.2"], "100")
    return {"outcomes": outcomes, "strategic": strategic, "a": a, "b": b}


def _refs(params: dict) -> list[str]:
    fs = ContractRegisterFilterSet(params, queryset=contract_register())
    assert fs.is_valid(), fs.errors
    return sorted(c.reference for c in fs.qs)


def test_register_filter_by_supporting_outcome(register):
    assert _refs({"supporting_outcome_id": register["outcomes"]["3.5"].pk}) == ["A"]
    assert _refs({"supporting_outcome_id": register["outcomes"]["1.1"].pk}) == []


def test_register_filter_by_strategic_outcome_lists_each_contract_once(register):
    assert _refs({"strategic_outcome_id": register["strategic"]["3"].pk}) == ["A"]  # two links, one row
    assert _refs({"strategic_outcome_id": register["strategic"]["2"].pk}) == ["B"]


def test_register_filter_linked_or_not(register):
    assert _refs({"linked": "true"}) == ["A", "B"]
    assert _refs({"linked": "false"}) == ["C"]
    assert _refs({}) == ["A", "B", "C"]


def test_register_keeps_the_contract_filters(register, other_directorate):
    assert _refs({"q": "road"}) == ["B"]
    assert _refs({"directorate_id": other_directorate.pk, "linked": "false"}) == ["C"]
    assert _refs({"status": [ContractStatus.ACTIVE], "strategic_outcome_id": register["strategic"]["2"].pk}) == []


def test_register_refuses_an_outcome_of_another_framework(register):
    other = SupportingOutcomeFactory(strategic_outcome=StrategicOutcomeFactory(framework=FrameworkFactory(slug="x")))
    fs = ContractRegisterFilterSet({"supporting_outcome_id": other.pk}, queryset=contract_register())
    assert not fs.is_valid()
    assert "supporting_outcome_id" in fs.errors


def test_register_filter_keeps_the_share_total_annotation(register):
    fs = ContractRegisterFilterSet(
        {"supporting_outcome_id": register["outcomes"]["3.1"].pk}, queryset=contract_register()
    )
    assert [c.share_total for c in fs.qs] == [Decimal("100")]


def _links(params: dict) -> set[tuple[str, str]]:
    fs = OutcomeLinkFilterSet(params, queryset=OutcomeLink.objects.all())
    assert fs.is_valid(), fs.errors
    return {(link.contract.reference, link.supporting_outcome.code) for link in fs.qs}


def test_outcome_link_filters(register, directorate, other_directorate):
    a, outcomes, strategic = register["a"], register["outcomes"], register["strategic"]
    assert _links({"contract_id": a.pk}) == {("A", "3.1"), ("A", "3.5")}
    assert _links({"supporting_outcome_id": outcomes["2.2"].pk}) == {("B", "2.2")}
    assert _links({"strategic_outcome_id": strategic["3"].pk}) == {("A", "3.1"), ("A", "3.5")}
    assert _links({"directorate_id": other_directorate.pk}) == {("B", "2.2")}
    assert _links({"contract_status": ContractStatus.EXPIRED}) == {("B", "2.2")}
    assert _links({"is_primary": "true"}) == {("A", "3.1"), ("B", "2.2")}
    assert _links({"is_primary": "false"}) == {("A", "3.5")}
    assert _links({}) == {("A", "3.1"), ("A", "3.5"), ("B", "2.2")}


def test_every_register_and_link_filter_has_a_label():
    assert all(f.label for f in ContractRegisterFilterSet({}, queryset=contract_register().none()).filters.values())
    assert all(f.label for f in OutcomeLinkFilterSet({}, queryset=OutcomeLink.objects.none()).filters.values())
