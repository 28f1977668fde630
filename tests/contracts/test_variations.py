"""Contract variations (issue 7, part 3): recorded by contract_update, flagged when they need a Procurement Act 2023
contract change notice (a change of value or term of more than 10%), and shown on the contract's page, the
variations page and the API."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contracts.models import Contract, ContractVariation
from contracts.services import contract_update
from tests.api_testing import ALL_ROLES, ANONYMOUS, NO_ROLE, READ_ROLES, api_client, assert_refused
from tests.contracts.factories import ContractFactory, ProviderFactory
from tests.contracts.test_views import contract_post_data
from tests.downloads_testing import assert_every_table_downloadable, check_download

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def provider(kcc_framework):
    return ProviderFactory(name="Weald Care Ltd")


@pytest.fixture
def contract(directorate, commissioner, provider) -> Contract:
    """Five years from 1 April 2024 (1,825 days), worth £1,000,000, with no extension available."""
    return ContractFactory(
        reference="KCC-ASC-001",
        directorate=directorate,
        commissioner=commissioner,
        provider=provider,
        start_date=D(2024, 4, 1),
        end_date=D(2029, 3, 31),
        extension_months_available=0,
        total_value=Decimal("1000000.00"),
    )


def vary(contract: Contract, actor=None, reason: str = "Agreed at the contract review", **data) -> Contract:
    return contract_update(contract=Contract.objects.get(pk=contract.pk), data=data, actor=actor, reason=reason)


# --- The rule ----------------------------------------------------------------------------------------------


def test_a_value_change_of_9_percent_is_recorded_but_not_flagged(contract):
    vary(contract, total_value=Decimal("1090000.00"))
    variation = ContractVariation.objects.get(contract=contract)
    assert variation.value_change_percent == Decimal("9.0")
    assert variation.term_change_percent is None or variation.term_change_percent == 0
    assert not variation.needs_change_notice
    assert "contract change notice" not in variation.explanation


def test_a_value_change_of_11_percent_needs_a_change_notice(contract):
    vary(contract, total_value=Decimal("1110000.00"))
    variation = ContractVariation.objects.get(contract=contract)
    assert variation.value_change_percent == Decimal("11.0")
    assert variation.needs_change_notice
    assert "contract change notice" in variation.explanation
    assert (variation.total_value_before, variation.total_value_after) == (Decimal("1000000.00"), Decimal("1110000.00"))


def test_a_reduction_of_more_than_10_percent_needs_a_change_notice_too(contract):
    vary(contract, total_value=Decimal("880000.00"))
    variation = ContractVariation.objects.get(contract=contract)
    assert variation.value_change_percent == Decimal("-12.0")
    assert variation.needs_change_notice


def test_a_term_extension_of_more_than_10_percent_needs_a_change_notice(contract):
    vary(contract, end_date=D(2030, 3, 31))  # a year more on five: 20%
    variation = ContractVariation.objects.get(contract=contract)
    assert (variation.end_date_before, variation.end_date_after) == (D(2029, 3, 31), D(2030, 3, 31))
    assert variation.term_change_percent == Decimal("20.0")
    assert variation.value_change_percent == Decimal("0.0")
    assert variation.needs_change_notice
    assert "term" in variation.explanation


def test_a_term_extension_of_under_10_percent_is_not_flagged(contract):
    vary(contract, end_date=D(2029, 8, 31))  # five months on five years: 8.4%
    variation = ContractVariation.objects.get(contract=contract)
    assert variation.term_change_percent == Decimal("8.4")
    assert not variation.needs_change_notice


def test_a_value_or_end_date_first_recorded_is_not_a_variation(directorate, provider):
    unknown = ContractFactory(
        directorate=directorate,
        provider=provider,
        start_date=D(2024, 4, 1),
        end_date=None,
        extension_months_available=0,
        total_value=None,
    )
    vary(unknown, total_value=Decimal("500000.00"), end_date=D(2027, 3, 31))
    assert not ContractVariation.objects.filter(contract=unknown).exists()


def test_a_change_of_neither_value_nor_term_is_not_a_variation(contract):
    vary(contract, title="Home care in Swale and Sheppey")
    assert not ContractVariation.objects.exists()


def test_a_variation_records_who_when_and_why(contract, commissioner):
    vary(contract, actor=commissioner, reason="Winter pressures", total_value=Decimal("1050000.00"))
    variation = ContractVariation.objects.get(contract=contract)
    assert (variation.varied_by, variation.reason) == (commissioner, "Winter pressures")
    assert variation.varied_on == timezone.localdate()
    contract_update(
        contract=Contract.objects.get(pk=contract.pk),
        data={"total_value": Decimal("1060000.00")},
        reason="Agreed in writing in January",
        varied_on=D(2025, 1, 15),
    )
    assert ContractVariation.objects.order_by("pk").last().varied_on == D(2025, 1, 15)


def test_the_contract_forms_reason_goes_into_the_variation(client, commissioner, contract):
    client.force_login(commissioner)
    data = contract_post_data(
        directorate=contract.directorate,
        provider=contract.provider,
        commissioner=commissioner,
        reference=contract.reference,
        start_date="2024-04-01",
        end_date="2029-03-31",
        extension_months_available="0",
        total_value="1250000.00",
        reason="Extra hours agreed at the March board",
    )
    response = client.post(reverse("contracts:contract_edit", args=[contract.pk]), data)
    assert response.status_code == 302
    variation = ContractVariation.objects.get(contract=contract)
    assert variation.reason == "Extra hours agreed at the March board"
    assert variation.varied_by == commissioner
    assert variation.needs_change_notice  # +25%


# --- The contract's page -----------------------------------------------------------------------------------


def test_the_contract_page_lists_its_variations_and_tags_those_needing_a_notice(client, member, contract):
    vary(contract, total_value=Decimal("1050000.00"), reason="Inflation uplift")
    vary(contract, total_value=Decimal("1300000.00"), reason="Second service added")
    client.force_login(member)
    response = client.get(reverse("outcomes_link:contract_detail", args=[contract.pk]))
    assert response.status_code == 200
    html = response.text
    assert 'id="variations"' in html
    assert "Inflation uplift" in html and "Second service added" in html
    assert html.count("Contract change notice needed") == 1
    assert "£1,050,000.00 → £1,300,000.00" in html
    assert reverse("contracts:variation_list") in html


def test_a_contract_never_varied_says_so(client, member, contract):
    client.force_login(member)
    response = client.get(reverse("outcomes_link:contract_detail", args=[contract.pk]))
    assert "This contract has not been varied" in response.text


# --- The variations page -----------------------------------------------------------------------------------


def _login(client, users, no_role_user, role):
    user = {**users, NO_ROLE: no_role_user, ANONYMOUS: None}[role]
    if user is not None:
        client.force_login(user)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_role_reads_the_variations_page(client, users, no_role_user, contract, role):
    vary(contract, total_value=Decimal("1200000.00"))
    _login(client, users, no_role_user, role)
    response = client.get(reverse("contracts:variation_list"))
    if role == ANONYMOUS:
        assert response.status_code == 302
    elif role == NO_ROLE:
        assert response.status_code == 403
    else:
        assert response.status_code == 200
        assert "KCC-ASC-001" in response.text
        assert "Contract change notice needed" in response.text


def test_the_variations_page_filters_those_needing_a_change_notice(client, member, contract, directorate, provider):
    other = ContractFactory(reference="KCC-ASC-002", directorate=directorate, provider=provider)
    vary(contract, total_value=Decimal("1200000.00"))  # +20%: flagged
    vary(other, total_value=Decimal("1300000.00"))  # +4%: not flagged
    client.force_login(member)
    url = reverse("contracts:variation_list")
    assert client.get(url).context["count"] == 2
    flagged = client.get(url, {"needs_change_notice": "true"})
    assert flagged.context["count"] == 1
    assert [v.contract.reference for v in flagged.context["table"].data] == ["KCC-ASC-001"]
    assert client.get(url, {"needs_change_notice": "false"}).context["count"] == 1


def test_the_variations_table_downloads_as_csv_and_excel(client, member, contract):
    vary(contract, total_value=Decimal("1200000.00"), reason="Second service added")
    client.force_login(member)
    url = reverse("contracts:variation_list")
    assert_every_table_downloadable(client, url)
    check_download(
        client,
        url,
        "variations",
        {
            "Contract": "KCC-ASC-001",
            "Value before (£)": Decimal("1000000.00"),
            "Value after (£)": Decimal("1200000.00"),
            "Value change": Decimal("20.0"),
            "Contract change notice": "Needed",
            "Reason given": "Second service added",
        },
    )


def _varied_contracts(count, directorate, provider, commissioner):
    for _ in range(count):
        contract = ContractFactory(directorate=directorate, provider=provider, total_value=Decimal("1000000.00"))
        vary(contract, actor=commissioner, total_value=Decimal("1150000.00"))


def test_the_variations_page_runs_a_fixed_number_of_queries(
    client, member, directorate, provider, commissioner, django_assert_max_num_queries
):
    client.force_login(member)
    url = reverse("contracts:variation_list")
    _varied_contracts(2, directorate, provider, commissioner)
    with CaptureQueriesContext(connection) as two:
        client.get(url)
    _varied_contracts(10, directorate, provider, commissioner)
    with django_assert_max_num_queries(len(two)):
        response = client.get(url)
    assert response.context["count"] == 12


# --- The API -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_role_reads_the_variations_endpoint_and_none_writes(users, no_role_user, contract, role):
    vary(contract, total_value=Decimal("1200000.00"), reason="Second service added")
    user = {**users, NO_ROLE: no_role_user, ANONYMOUS: None}[role]
    client = api_client(user)
    url = reverse("contracts-api:contractvariation-list")
    response = client.get(url)
    if role not in READ_ROLES:
        assert_refused(response, role)
        return
    assert response.status_code == 200
    (row,) = response.data["results"]
    assert row["contract"]["reference"] == "KCC-ASC-001"
    assert (row["total_value_before"], row["total_value_after"]) == ("1000000.00", "1200000.00")
    assert row["needs_change_notice"] is True
    assert row["reason"] == "Second service added"
    detail = client.get(reverse("contracts-api:contractvariation-detail", args=[row["id"]]))
    assert detail.status_code == 200
    assert detail.data["display"].startswith("Variation of KCC-ASC-001")
    assert client.post(url, {"contract_id": contract.pk}, format="json").status_code in (403, 405)


def test_the_variations_endpoint_filters(member, contract, directorate, provider):
    other = ContractFactory(reference="KCC-ASC-002", directorate=directorate, provider=provider)
    vary(contract, total_value=Decimal("1200000.00"))
    vary(other, total_value=Decimal("1300000.00"))
    ContractVariation.objects.filter(contract=other).update(varied_on=D(2024, 6, 1))
    client = api_client(member)
    url = reverse("contracts-api:contractvariation-list")

    def references(**params):
        return sorted(row["contract"]["reference"] for row in client.get(url, params).data["results"])

    assert references() == ["KCC-ASC-001", "KCC-ASC-002"]
    assert references(contract_id=other.pk) == ["KCC-ASC-002"]
    assert references(needs_change_notice="true") == ["KCC-ASC-001"]
    assert references(needs_change_notice="false") == ["KCC-ASC-002"]
    assert references(varied_on_before="2024-12-31") == ["KCC-ASC-002"]
    assert references(varied_on_after="2025-01-01") == ["KCC-ASC-001"]


def test_the_variations_endpoint_runs_a_fixed_number_of_queries(member, directorate, provider, commissioner):
    client = api_client(member)
    url = reverse("contracts-api:contractvariation-list")
    _varied_contracts(2, directorate, provider, commissioner)
    with CaptureQueriesContext(connection) as two:
        first = client.get(url, {"page_size": 500})
    _varied_contracts(10, directorate, provider, commissioner)
    with CaptureQueriesContext(connection) as twelve:
        second = client.get(url, {"page_size": 500})
    assert (first.data["count"], second.data["count"]) == (2, 12)
    assert len(twelve) == len(two)
