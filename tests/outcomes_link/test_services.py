"""Writing the golden thread: shares never pass 100%, one primary outcome, attributed changes."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from outcomes_link.models import OutcomeLink
from outcomes_link.services import (
    contract_outcome_links_set,
    outcome_link_create,
    outcome_link_delete,
    outcome_link_update,
)
from tests.contracts.factories import ContractFactory
from tests.outcomes_link.factories import OutcomeLinkFactory


@pytest.fixture
def contract(directorate):
    return ContractFactory(reference="KCC-00100", directorate=directorate)


@pytest.fixture
def outcomes(kcc_framework):
    return {s.code: s for s in kcc_framework.supporting_outcomes.all()}


def _link(contract, outcome, share, **kwargs):
    return outcome_link_create(
        contract=contract,
        supporting_outcome=outcome,
        contribution_share=Decimal(share),
        rationale="Serves it",
        **kwargs,
    )


def _primary_codes(contract) -> list[str]:
    return list(
        OutcomeLink.objects.filter(contract=contract, is_primary=True).values_list(
            "supporting_outcome__code", flat=True
        )
    )


def test_first_link_of_a_contract_becomes_primary(contract, outcomes):
    first = _link(contract, outcomes["1.2"], "60")
    second = _link(contract, outcomes["3.1"], "40")
    assert first.is_primary
    assert not second.is_primary
    assert _primary_codes(contract) == ["1.2"]


def test_share_taking_the_contract_past_100_is_refused_with_the_current_total_and_headroom(contract, outcomes):
    _link(contract, outcomes["1.2"], "60")
    _link(contract, outcomes["1.3"], "15.5")
    with pytest.raises(ValidationError) as exc:
        _link(contract, outcomes["3.1"], "30")
    assert exc.value.message_dict == {
        "contribution_share": [
            "A share of 30% would take KCC-00100 past 100%: its other links already total 75.50%, "
            "so at most 24.50% is left."
        ]
    }
    assert OutcomeLink.objects.filter(contract=contract).count() == 2


def test_share_bringing_the_contract_to_exactly_100_is_accepted(contract, outcomes):
    _link(contract, outcomes["1.2"], "75.5")
    _link(contract, outcomes["3.1"], "24.5")
    assert sum(OutcomeLink.objects.filter(contract=contract).values_list("contribution_share", flat=True)) == 100


def test_making_a_new_link_primary_clears_the_old_primary(contract, outcomes, commissioner):
    old = _link(contract, outcomes["1.2"], "50")
    _link(contract, outcomes["3.1"], "50", is_primary=True, actor=commissioner, reason="Main purpose is care")
    assert _primary_codes(contract) == ["3.1"]
    old.refresh_from_db()
    assert old.history.first().history_user == commissioner
    assert old.history.first().history_change_reason == "Main purpose is care"


def test_refused_primary_link_leaves_the_old_primary_in_place(contract, outcomes):
    _link(contract, outcomes["1.2"], "80")
    with pytest.raises(ValidationError):
        _link(contract, outcomes["3.1"], "30", is_primary=True)
    assert _primary_codes(contract) == ["1.2"]
    assert OutcomeLink.objects.get(contract=contract).history.count() == 1


def test_refused_update_to_primary_leaves_the_old_primary_in_place(contract, outcomes):
    _link(contract, outcomes["1.2"], "80")
    other = _link(contract, outcomes["3.1"], "20")
    with pytest.raises(ValidationError):
        outcome_link_update(link=other, data={"is_primary": True, "contribution_share": Decimal("21")})
    assert _primary_codes(contract) == ["1.2"]


def test_linking_the_same_outcome_twice_is_refused(contract, outcomes):
    _link(contract, outcomes["1.2"], "50")
    with pytest.raises(ValidationError) as exc:
        _link(contract, outcomes["1.2"], "10")
    assert "This contract is already linked to that supporting outcome." in exc.value.messages


def test_commissioner_cannot_link_another_directorates_contract(other_directorate, outcomes, commissioner):
    contract = ContractFactory(directorate=other_directorate)
    with pytest.raises(PermissionDenied):
        _link(contract, outcomes["1.2"], "50", actor=commissioner)
    assert not OutcomeLink.objects.exists()


def test_member_cannot_link(contract, outcomes, member):
    with pytest.raises(PermissionDenied):
        _link(contract, outcomes["1.2"], "50", actor=member)


def test_link_history_records_actor_and_reason(contract, outcomes, commissioner):
    link = _link(contract, outcomes["1.2"], "50", actor=commissioner, reason="Agreed at contract review")
    record = link.history.get()
    assert (record.history_user, record.history_change_reason) == (commissioner, "Agreed at contract review")


def test_update_checks_the_total_without_counting_its_own_share(contract, outcomes):
    link = _link(contract, outcomes["1.2"], "60")
    _link(contract, outcomes["3.1"], "30")
    outcome_link_update(link=link, data={"contribution_share": Decimal("70")}, reason="Rebalanced")
    link.refresh_from_db()
    assert link.contribution_share == Decimal("70")
    with pytest.raises(ValidationError) as exc:
        outcome_link_update(link=link, data={"contribution_share": Decimal("70.01")})
    assert exc.value.message_dict["contribution_share"] == [
        "A share of 70.01% would take KCC-00100 past 100%: its other links already total 30%, so at most 70% is left."
    ]
    assert OutcomeLink.objects.get(pk=link.pk).contribution_share == Decimal("70")


def test_update_making_a_link_primary_clears_the_other(contract, outcomes):
    _link(contract, outcomes["1.2"], "50")
    other = _link(contract, outcomes["3.1"], "50")
    outcome_link_update(link=other, data={"is_primary": True}, reason="Care is the main purpose")
    assert _primary_codes(contract) == ["3.1"]


def test_update_refuses_fields_it_does_not_change(contract, outcomes):
    link = _link(contract, outcomes["1.2"], "50")
    with pytest.raises(TypeError, match="contract"):
        outcome_link_update(link=link, data={"contract": ContractFactory()})


def test_commissioner_cannot_update_another_directorates_link(other_directorate, outcomes, commissioner):
    link = _link(ContractFactory(directorate=other_directorate), outcomes["1.2"], "50")
    with pytest.raises(PermissionDenied):
        outcome_link_update(link=link, data={"rationale": "Changed"}, actor=commissioner)
    assert OutcomeLink.objects.get(pk=link.pk).rationale == "Serves it"


def test_deleting_the_primary_passes_it_to_the_largest_remaining_share(contract, outcomes, commissioner):
    primary = _link(contract, outcomes["1.2"], "40")
    _link(contract, outcomes["1.3"], "25")
    _link(contract, outcomes["3.1"], "35")
    outcome_link_delete(link=primary, actor=commissioner, reason="Not what the contract does")
    assert _primary_codes(contract) == ["3.1"]
    successor = OutcomeLink.objects.get(contract=contract, supporting_outcome=outcomes["3.1"])
    assert successor.history.first().history_change_reason == "Became primary when the primary link was removed"
    deleted = OutcomeLink.history.filter(history_type="-").get()
    assert (deleted.history_user, deleted.history_change_reason) == (commissioner, "Not what the contract does")


def test_deleting_the_primary_with_equal_shares_promotes_the_earliest_link(contract, outcomes):
    primary = _link(contract, outcomes["1.2"], "40")
    _link(contract, outcomes["1.3"], "30")
    _link(contract, outcomes["3.1"], "30")
    outcome_link_delete(link=primary)
    assert _primary_codes(contract) == ["1.3"]


def test_deleting_a_link_that_is_not_primary_keeps_the_primary(contract, outcomes):
    _link(contract, outcomes["1.2"], "40")
    other = _link(contract, outcomes["3.1"], "60")
    outcome_link_delete(link=other)
    assert _primary_codes(contract) == ["1.2"]


def test_deleting_the_only_link_leaves_the_contract_unlinked(contract, outcomes):
    outcome_link_delete(link=_link(contract, outcomes["1.2"], "100"))
    assert not OutcomeLink.objects.filter(contract=contract).exists()


# --- Replacing all links at once ---------------------------------------------------------------


def _item(outcome, share, primary=False, rationale="Serves it"):
    return {
        "supporting_outcome": outcome,
        "contribution_share": Decimal(share),
        "is_primary": primary,
        "rationale": rationale,
    }


def test_set_replaces_the_links_of_a_contract(contract, outcomes, commissioner):
    _link(contract, outcomes["1.2"], "100")
    result = contract_outcome_links_set(
        contract=contract,
        links=[_item(outcomes["3.1"], "70", primary=True), _item(outcomes["3.5"], "30")],
        actor=commissioner,
        reason="Re-linked after review",
    )
    assert [link.supporting_outcome.code for link in result] == ["3.1", "3.5"]
    assert set(OutcomeLink.objects.filter(contract=contract).values_list("supporting_outcome__code", flat=True)) == {
        "3.1",
        "3.5",
    }
    assert _primary_codes(contract) == ["3.1"]
    removed = OutcomeLink.history.filter(history_type="-").get()
    assert (removed.supporting_outcome_id, removed.history_user) == (outcomes["1.2"].pk, commissioner)


@pytest.mark.parametrize(("shares", "total"), [(("60", "30"), "90"), (("60", "40.01"), "100.01")])
def test_set_requires_shares_totalling_exactly_100(contract, outcomes, shares, total):
    with pytest.raises(ValidationError) as exc:
        contract_outcome_links_set(
            contract=contract,
            links=[_item(outcomes["1.2"], shares[0], primary=True), _item(outcomes["3.1"], shares[1])],
        )
    assert exc.value.messages == [f"The shares must total 100%; they total {total}%."]
    assert not OutcomeLink.objects.exists()


@pytest.mark.parametrize("primaries", [(False, False), (True, True)])
def test_set_requires_exactly_one_primary(contract, outcomes, primaries):
    with pytest.raises(ValidationError) as exc:
        contract_outcome_links_set(
            contract=contract,
            links=[
                _item(outcomes["1.2"], "50", primary=primaries[0]),
                _item(outcomes["3.1"], "50", primary=primaries[1]),
            ],
        )
    assert exc.value.messages == ["Choose exactly one primary outcome."]


def test_set_refuses_the_same_outcome_twice(contract, outcomes):
    with pytest.raises(ValidationError) as exc:
        contract_outcome_links_set(
            contract=contract, links=[_item(outcomes["1.2"], "50", primary=True), _item(outcomes["1.2"], "50")]
        )
    assert exc.value.messages == ["Each supporting outcome can be linked only once."]


def test_set_refuses_an_empty_set(contract):
    with pytest.raises(ValidationError, match="at least one supporting outcome"):
        contract_outcome_links_set(contract=contract, links=[])


def test_set_failure_leaves_existing_links_untouched(contract, outcomes):
    _link(contract, outcomes["1.2"], "100")
    with pytest.raises(ValidationError):
        contract_outcome_links_set(contract=contract, links=[_item(outcomes["3.1"], "50", primary=True)])
    assert list(
        OutcomeLink.objects.filter(contract=contract).values_list("supporting_outcome__code", "contribution_share")
    ) == [("1.2", Decimal("100.00"))]


def test_set_keeps_unchanged_links_and_their_history_untouched(contract, outcomes):
    unchanged = _link(contract, outcomes["1.2"], "60", reason="Original")
    changed = _link(contract, outcomes["3.1"], "40")
    unchanged_history = list(unchanged.history.values_list("history_id", flat=True))
    changed_history = changed.history.count()

    result = contract_outcome_links_set(
        contract=contract,
        links=[
            _item(outcomes["1.2"], "60.00", primary=True),
            _item(outcomes["3.1"], "30"),
            _item(outcomes["2.1"], "10"),
        ],
        reason="Added 2.1",
    )

    assert result[0].pk == unchanged.pk
    assert list(unchanged.history.values_list("history_id", flat=True)) == unchanged_history
    assert changed.history.count() == changed_history + 1
    assert OutcomeLink.objects.get(pk=changed.pk).contribution_share == Decimal("30")


def test_set_can_move_the_primary_between_kept_links(contract, outcomes):
    _link(contract, outcomes["1.2"], "60")
    _link(contract, outcomes["3.1"], "40")
    contract_outcome_links_set(
        contract=contract, links=[_item(outcomes["1.2"], "60"), _item(outcomes["3.1"], "40", primary=True)]
    )
    assert _primary_codes(contract) == ["3.1"]


def test_set_by_a_commissioner_of_another_directorate_is_refused(other_directorate, outcomes, commissioner):
    contract = ContractFactory(directorate=other_directorate)
    with pytest.raises(PermissionDenied):
        contract_outcome_links_set(
            contract=contract, links=[_item(outcomes["1.2"], "100", primary=True)], actor=commissioner
        )


def test_factory_links_go_through_the_service(contract, outcomes):
    link = OutcomeLinkFactory(contract=contract, supporting_outcome=outcomes["2.2"], contribution_share=Decimal("100"))
    assert link.is_primary
    with pytest.raises(ValidationError):
        OutcomeLinkFactory(contract=contract, supporting_outcome=outcomes["2.3"], contribution_share=Decimal("1"))
