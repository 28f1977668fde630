"""API of the golden thread: outcome links through the shared test set, the 100% rule, and the thread views."""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commissioning.choices import Role
from commissioning.models import SupportingOutcome
from contracts.choices import ContractStatus
from outcomes_link.models import OutcomeLink
from tests.api_testing import APITestSet, api_client, detail_url, list_url
from tests.contracts.factories import ContractFactory
from tests.outcomes_link.factories import OutcomeLinkFactory

LINKS = "outcomes_link-api:outcomelink"


def outcome(framework, code: str) -> SupportingOutcome:
    return SupportingOutcome.objects.get(framework=framework, code=code)


class TestOutcomeLinkAPI(APITestSet):
    basename = LINKS
    model = OutcomeLink
    add_roles = change_roles = delete_roles = frozenset({Role.COMMISSIONER, Role.ADMIN})

    def make_object(self, world):
        return OutcomeLinkFactory(
            contract=ContractFactory(directorate=world.directorate),
            supporting_outcome=world.supporting_outcome("1.1"),
            contribution_share=Decimal("60"),
        )

    def create_data(self, world):
        return {
            "contract_id": ContractFactory(directorate=world.directorate).pk,
            "supporting_outcome_id": world.supporting_outcome("2.1").pk,
            "contribution_share": "40.00",
            "rationale": "Apprenticeships in care settings.",
        }

    def update_data(self, world, obj):
        return {"contribution_share": "75.50", "rationale": "Most of the service is prevention."}


# --- Links ---


def test_a_share_past_100_percent_is_refused_with_the_current_total(commissioner, directorate, kcc_framework):
    contract = ContractFactory(directorate=directorate, reference="KCC-70001")
    OutcomeLinkFactory(
        contract=contract, supporting_outcome=outcome(kcc_framework, "1.1"), contribution_share=Decimal("60")
    )
    OutcomeLinkFactory(
        contract=contract, supporting_outcome=outcome(kcc_framework, "1.2"), contribution_share=Decimal("25.5")
    )
    response = api_client(commissioner).post(
        list_url(LINKS),
        {
            "contract_id": contract.pk,
            "supporting_outcome_id": outcome(kcc_framework, "2.1").pk,
            "contribution_share": "20",
            "rationale": "Some of it.",
        },
        format="json",
    )
    assert response.status_code == 400
    message = response.data["contribution_share"][0]
    assert "already total 85.50%" in message
    assert "at most 14.50% is left" in message
    assert contract.outcome_links.count() == 2


def test_raising_a_share_past_100_percent_is_refused_too(commissioner, directorate, kcc_framework):
    contract = ContractFactory(directorate=directorate)
    OutcomeLinkFactory(
        contract=contract, supporting_outcome=outcome(kcc_framework, "1.1"), contribution_share=Decimal("70")
    )
    other = OutcomeLinkFactory(
        contract=contract, supporting_outcome=outcome(kcc_framework, "1.2"), contribution_share=Decimal("30")
    )
    response = api_client(commissioner).patch(detail_url(LINKS, other.pk), {"contribution_share": "31"}, format="json")
    assert response.status_code == 400
    assert "already total 70%" in response.data["contribution_share"][0]


def test_a_commissioner_cannot_link_another_directorates_contract(commissioner, other_directorate, kcc_framework):
    contract = ContractFactory(directorate=other_directorate)
    response = api_client(commissioner).post(
        list_url(LINKS),
        {
            "contract_id": contract.pk,
            "supporting_outcome_id": outcome(kcc_framework, "1.1").pk,
            "contribution_share": "10",
            "rationale": "Not mine.",
        },
        format="json",
    )
    assert response.status_code == 403
    assert not contract.outcome_links.exists()


def test_a_commissioner_cannot_change_another_directorates_link(commissioner, other_directorate, kcc_framework):
    link = OutcomeLinkFactory(
        contract=ContractFactory(directorate=other_directorate), supporting_outcome=outcome(kcc_framework, "1.1")
    )
    response = api_client(commissioner).delete(detail_url(LINKS, link.pk))
    assert response.status_code == 403
    assert OutcomeLink.objects.filter(pk=link.pk).exists()


def test_linking_the_same_outcome_twice_is_refused_in_plain_english(commissioner, directorate, kcc_framework):
    contract = ContractFactory(directorate=directorate)
    OutcomeLinkFactory(
        contract=contract, supporting_outcome=outcome(kcc_framework, "1.1"), contribution_share=Decimal("50")
    )
    response = api_client(commissioner).post(
        list_url(LINKS),
        {
            "contract_id": contract.pk,
            "supporting_outcome_id": outcome(kcc_framework, "1.1").pk,
            "contribution_share": "10",
            "rationale": "Again.",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.data["non_field_errors"] == ["This contract is already linked to that supporting outcome."]


def test_a_zero_share_names_the_field(commissioner, directorate, kcc_framework):
    response = api_client(commissioner).post(
        list_url(LINKS),
        {
            "contract_id": ContractFactory(directorate=directorate).pk,
            "supporting_outcome_id": outcome(kcc_framework, "1.1").pk,
            "contribution_share": "0",
            "rationale": "Nothing.",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "contribution_share" in response.data


def test_a_links_contract_cannot_be_changed(commissioner, directorate, kcc_framework):
    link = OutcomeLinkFactory(
        contract=ContractFactory(directorate=directorate), supporting_outcome=outcome(kcc_framework, "1.1")
    )
    elsewhere = ContractFactory(directorate=directorate)
    response = api_client(commissioner).patch(detail_url(LINKS, link.pk), {"contract_id": elsewhere.pk}, format="json")
    assert response.status_code == 200
    link.refresh_from_db()
    assert link.contract_id != elsewhere.pk


def test_the_first_link_becomes_primary_and_shows_its_attributed_value(commissioner, directorate, kcc_framework):
    contract = ContractFactory(directorate=directorate, annual_value=Decimal("1000.01"))
    response = api_client(commissioner).post(
        list_url(LINKS),
        {
            "contract_id": contract.pk,
            "supporting_outcome_id": outcome(kcc_framework, "1.1").pk,
            "contribution_share": "33.33",
            "rationale": "A third.",
        },
        format="json",
    )
    assert response.status_code == 201, response.data
    assert response.data["is_primary"] is True
    # 1000.01 × 33.33% = 333.303333 → £333.30
    assert response.data["attributed_value"] == "333.30"


def test_links_filter_by_supporting_outcome(member, directorate, kcc_framework):
    wanted = OutcomeLinkFactory(
        contract=ContractFactory(directorate=directorate), supporting_outcome=outcome(kcc_framework, "1.1")
    )
    OutcomeLinkFactory(
        contract=ContractFactory(directorate=directorate), supporting_outcome=outcome(kcc_framework, "2.1")
    )
    response = api_client(member).get(list_url(LINKS), {"supporting_outcome_id": outcome(kcc_framework, "1.1").pk})
    assert [row["id"] for row in response.data["results"]] == [wanted.pk]


def test_a_supporting_outcome_with_contracts_cannot_be_deleted_and_says_why(admin_user, kcc_framework, directorate):
    target = outcome(kcc_framework, "1.1")
    for _ in range(2):
        OutcomeLinkFactory(contract=ContractFactory(directorate=directorate), supporting_outcome=target)
    response = api_client(admin_user).delete(detail_url("commissioning-api:supportingoutcome", target.pk))
    assert response.status_code == 400
    assert "2 outcome links" in response.data["non_field_errors"][0]
    assert SupportingOutcome.objects.filter(pk=target.pk).exists()


# --- The golden thread ---


def attributed(annual: str, share: str) -> Decimal:
    return (Decimal(annual) * Decimal(share) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.fixture
def thread(kcc_framework, directorate, other_directorate):
    """Three contracts across outcomes 1.1, 1.2 and 2.1, one of them expired."""
    a = ContractFactory(directorate=directorate, reference="KCC-A", annual_value=Decimal("100000.05"))
    b = ContractFactory(directorate=other_directorate, reference="KCC-B", annual_value=Decimal("3333.33"))
    expired = ContractFactory(
        directorate=directorate, reference="KCC-X", status=ContractStatus.EXPIRED, annual_value=Decimal("500.00")
    )
    OutcomeLinkFactory(
        contract=a,
        supporting_outcome=outcome(kcc_framework, "1.1"),
        contribution_share=Decimal("62.50"),
        rationale="Mostly 1.1",
    )
    OutcomeLinkFactory(
        contract=a,
        supporting_outcome=outcome(kcc_framework, "1.2"),
        contribution_share=Decimal("37.50"),
        rationale="Some 1.2",
    )
    OutcomeLinkFactory(
        contract=b,
        supporting_outcome=outcome(kcc_framework, "1.1"),
        contribution_share=Decimal("33.33"),
        rationale="A third",
    )
    OutcomeLinkFactory(
        contract=expired, supporting_outcome=outcome(kcc_framework, "2.1"), contribution_share=Decimal("100")
    )
    return {"a": a, "b": b, "expired": expired}


def test_the_overview_gives_each_outcomes_active_contracts_and_value(member, thread):
    response = api_client(member).get(reverse("outcomes_link-api:golden-thread"))
    assert response.status_code == 200
    strategic = {row["outcome"]["code"]: row for row in response.data["strategic_outcomes"]}
    supporting = {row["outcome"]["code"]: row for row in strategic["1"]["supporting_outcomes"]}
    value_11 = attributed("100000.05", "62.50") + attributed("3333.33", "33.33")
    assert supporting["1.1"]["contract_count"] == 2
    assert supporting["1.1"]["attributed_value"] == str(value_11)
    assert supporting["1.2"]["attributed_value"] == str(attributed("100000.05", "37.50"))
    assert strategic["1"]["attributed_value"] == str(value_11 + attributed("100000.05", "37.50"))
    # The expired contract counts nowhere.
    two = {row["outcome"]["code"]: row for row in strategic["2"]["supporting_outcomes"]}
    assert (two["2.1"]["contract_count"], two["2.1"]["attributed_value"]) == (0, "0.00")
    assert response.data["linked_contracts"] == 2
    assert supporting["1.1"]["golden_thread_url"].endswith(
        reverse("outcomes_link-api:golden-thread-supporting-outcome", kwargs={"code": "1.1"})
    )


def test_a_contract_serving_two_supporting_outcomes_counts_once_for_their_strategic_outcome(member, thread):
    response = api_client(member).get(reverse("outcomes_link-api:golden-thread"))
    strategic = {row["outcome"]["code"]: row for row in response.data["strategic_outcomes"]}
    assert strategic["1"]["contract_count"] == 2


def test_a_supporting_outcomes_thread_lists_its_contracts_with_figures(member, thread, kcc_framework):
    url = reverse("outcomes_link-api:golden-thread-supporting-outcome", kwargs={"code": "1.1"})
    response = api_client(member).get(url)
    assert response.status_code == 200
    data = response.data
    assert data["outcome"]["code"] == "1.1"
    assert data["strategic_outcome"]["code"] == "1"
    assert data["framework"]["id"] == kcc_framework.pk
    assert data["figures"]["contract_count"] == 2
    assert data["figures"]["attributed_value"] == str(attributed("100000.05", "62.50") + attributed("3333.33", "33.33"))
    rows = {row["contract"]["reference"]: row for row in data["contracts"]}
    assert set(rows) == {"KCC-A", "KCC-B"}
    a = rows["KCC-A"]
    assert a["annual_value"] == "100000.05"
    assert a["contribution_share"] == "62.50"
    assert a["attributed_value"] == str(attributed("100000.05", "62.50"))  # 62500.03125 → 62500.03
    assert a["is_primary"] is True
    assert a["rationale"] == "Mostly 1.1"
    assert a["end_date"] == thread["a"].current_end_date.isoformat()
    assert a["provider"]["id"] == thread["a"].provider_id
    assert rows["KCC-B"]["attributed_value"] == "1111.00"  # 3333.33 × 33.33% = 1110.9988... → 1111.00


def test_attributed_value_rounds_half_up_to_the_penny(member, directorate, kcc_framework):
    # 0.05 × 50% = 0.025 exactly: half up gives 0.03 (banker's rounding would give 0.02).
    contract = ContractFactory(directorate=directorate, annual_value=Decimal("0.05"))
    OutcomeLinkFactory(
        contract=contract, supporting_outcome=outcome(kcc_framework, "3.1"), contribution_share=Decimal("50")
    )
    url = reverse("outcomes_link-api:golden-thread-supporting-outcome", kwargs={"code": "3.1"})
    assert api_client(member).get(url).data["contracts"][0]["attributed_value"] == "0.03"


def test_an_unknown_supporting_outcome_is_not_found(member, kcc_framework):
    url = reverse("outcomes_link-api:golden-thread-supporting-outcome", kwargs={"code": "9.99"})
    assert api_client(member).get(url).status_code == 404


def test_a_contracts_thread_runs_up_to_the_framework(member, thread, kcc_framework):
    url = reverse("outcomes_link-api:golden-thread-contract", kwargs={"pk": thread["a"].pk})
    response = api_client(member).get(url)
    assert response.status_code == 200
    data = response.data
    assert data["contract"]["reference"] == "KCC-A"
    assert data["provider"]["id"] == thread["a"].provider_id
    assert data["directorate"]["code"] == "ASCH"
    assert data["share_total"] == "100.00"
    assert [link["supporting_outcome"]["code"] for link in data["links"]] == ["1.1", "1.2"]
    first = data["links"][0]
    assert first["strategic_outcome"]["code"] == "1"
    assert first["framework"]["id"] == kcc_framework.pk
    assert first["is_primary"] is True
    assert first["attributed_value"] == str(attributed("100000.05", "62.50"))


def test_an_unknown_contracts_thread_is_not_found(member, kcc_framework):
    url = reverse("outcomes_link-api:golden-thread-contract", kwargs={"pk": 999999})
    assert api_client(member).get(url).status_code == 404


def test_the_thread_needs_a_role(kcc_framework, no_role_user):
    assert api_client().get(reverse("outcomes_link-api:golden-thread")).status_code in (401, 403)
    assert api_client(no_role_user).get(reverse("outcomes_link-api:golden-thread")).status_code == 403


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def _link_contracts(directorate, framework, n: int, code: str = "1.1") -> None:
    for _ in range(n):
        OutcomeLinkFactory(
            contract=ContractFactory(directorate=directorate),
            supporting_outcome=outcome(framework, code),
            contribution_share=Decimal("10"),
        )


def test_the_thread_endpoints_run_a_fixed_number_of_queries(member, directorate, kcc_framework):
    client = api_client(member)
    overview = reverse("outcomes_link-api:golden-thread")
    supporting = reverse("outcomes_link-api:golden-thread-supporting-outcome", kwargs={"code": "1.1"})
    _link_contracts(directorate, kcc_framework, 2)
    before = (_count_queries(client, overview), _count_queries(client, supporting))
    _link_contracts(directorate, kcc_framework, 10)
    after = (_count_queries(client, overview), _count_queries(client, supporting))
    assert after == before


def test_a_contracts_thread_runs_a_fixed_number_of_queries(member, directorate, kcc_framework):
    client = api_client(member)
    contract = ContractFactory(directorate=directorate)
    codes = [o.code for o in SupportingOutcome.objects.filter(framework=kcc_framework).order_by("order")[:12]]
    url = reverse("outcomes_link-api:golden-thread-contract", kwargs={"pk": contract.pk})
    for code in codes[:2]:
        OutcomeLinkFactory(
            contract=contract, supporting_outcome=outcome(kcc_framework, code), contribution_share=Decimal("5")
        )
    before = _count_queries(client, url)
    for code in codes[2:]:
        OutcomeLinkFactory(
            contract=contract, supporting_outcome=outcome(kcc_framework, code), contribution_share=Decimal("5")
        )
    assert len(api_client(member).get(url).data["links"]) == 12
    assert _count_queries(client, url) == before
