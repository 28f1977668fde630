"""Golden-thread link rules on one row: unique per outcome, one primary, share range, attributed value."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from outcomes_link.models import OutcomeLink, attributed_value
from tests.commissioning.factories import SupportingOutcomeFactory
from tests.contracts.factories import ContractFactory
from tests.outcomes_link.factories import OutcomeLinkFactory

pytestmark = pytest.mark.django_db


def test_a_contract_links_to_a_supporting_outcome_only_once():
    link = OutcomeLinkFactory(contribution_share=Decimal("40"))
    duplicate = OutcomeLink(
        contract=link.contract,
        supporting_outcome=link.supporting_outcome,
        contribution_share=Decimal("10"),
        rationale="x",
    )
    with pytest.raises(ValidationError) as exc:
        duplicate.full_clean()
    assert "This contract is already linked to that supporting outcome." in exc.value.messages
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_the_database_allows_only_one_primary_link_per_contract():
    link = OutcomeLinkFactory(contribution_share=Decimal("50"))
    assert link.is_primary
    second = OutcomeLink(
        contract=link.contract,
        supporting_outcome=SupportingOutcomeFactory(),
        contribution_share=Decimal("50"),
        rationale="x",
        is_primary=True,
    )
    with pytest.raises(ValidationError) as exc:
        second.full_clean()
    assert "A contract has only one primary outcome." in exc.value.messages
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()


def test_two_contracts_may_each_have_a_primary_link():
    outcome = SupportingOutcomeFactory()
    OutcomeLinkFactory(supporting_outcome=outcome)
    OutcomeLinkFactory(supporting_outcome=outcome)
    assert OutcomeLink.objects.filter(is_primary=True).count() == 2


@pytest.mark.parametrize("share", [Decimal("0"), Decimal("-5"), Decimal("100.01")])
def test_share_outside_0_to_100_is_refused(share):
    link = OutcomeLink(
        contract=ContractFactory(),
        supporting_outcome=SupportingOutcomeFactory(),
        contribution_share=share,
        rationale="x",
    )
    with pytest.raises(ValidationError) as exc:
        link.full_clean()
    assert "contribution_share" in exc.value.message_dict


@pytest.mark.parametrize("share", [Decimal("0"), Decimal("100.01")])
def test_the_database_refuses_a_share_outside_0_to_100(share):
    link = OutcomeLinkFactory(contribution_share=Decimal("50"))
    with pytest.raises(IntegrityError), transaction.atomic():
        OutcomeLink.objects.filter(pk=link.pk).update(contribution_share=share)


@pytest.mark.parametrize("share", [Decimal("0.01"), Decimal("100")])
def test_share_at_the_ends_of_the_range_is_allowed(share):
    OutcomeLink(
        contract=ContractFactory(),
        supporting_outcome=SupportingOutcomeFactory(),
        contribution_share=share,
        rationale="x",
    ).full_clean()


@pytest.mark.parametrize(
    ("annual", "share", "attributed"),
    [
        (Decimal("10.01"), Decimal("50"), Decimal("5.01")),  # 5.005: half up (to even would give 5.00)
        (Decimal("0.25"), Decimal("50"), Decimal("0.13")),  # 0.125: half up (to even would give 0.12)
        (Decimal("10.03"), Decimal("50"), Decimal("5.02")),  # 5.015
        (Decimal("100000.00"), Decimal("33.33"), Decimal("33330.00")),
        (Decimal("1.00"), Decimal("33.33"), Decimal("0.33")),  # 0.3333 rounds down
        (Decimal("250000.00"), Decimal("100"), Decimal("250000.00")),
        (Decimal("0.00"), Decimal("40"), Decimal("0.00")),
    ],
)
def test_attributed_value_rounds_half_up_to_the_penny(annual, share, attributed):
    result = attributed_value(annual, share)
    assert result == attributed
    assert result.as_tuple().exponent == -2


def test_link_is_shown_with_reference_code_and_share():
    outcome = SupportingOutcomeFactory(code="2.3")
    link = OutcomeLinkFactory(
        contract=ContractFactory(reference="KCC-9"), supporting_outcome=outcome, contribution_share=Decimal("40")
    )
    link.refresh_from_db()
    assert str(link) == "KCC-9 → 2.3 (40.00%)"
