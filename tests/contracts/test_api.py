"""API of providers and contracts: the shared test set, then the rules users rely on."""

import datetime
from decimal import Decimal

import pytest

from commissioning.choices import Role
from contracts.choices import ContractStatus, Location, Sector, SizeBand
from contracts.models import Contract, Provider
from tests.api_testing import REASON, APITestSet, api_client, detail_url, list_url
from tests.commissioning.factories import UserFactory
from tests.contracts.factories import ContractFactory, ProviderFactory

CONTRACTS = "contracts-api:contract"
PROVIDERS = "contracts-api:provider"


class TestProviderAPI(APITestSet):
    basename = PROVIDERS
    model = Provider
    add_roles = change_roles = delete_roles = frozenset({Role.PROCUREMENT, Role.ADMIN})

    def make_object(self, world):
        return ProviderFactory()

    def create_data(self, world):
        return {
            "name": "Medway Valley Care Ltd",
            "legal_form": "private_company",
            "employee_band": "10-49",
            "town": "Maidstone",
            "postcode": "ME14 1XX",
        }

    def update_data(self, world, obj):
        return {"employee_band": "250+", "town": "Ashford"}


class TestContractAPI(APITestSet):
    basename = CONTRACTS
    model = Contract
    # The commissioner's records are made in their own directorate (world.directorate).
    add_roles = change_roles = frozenset({Role.COMMISSIONER, Role.ADMIN})
    deletable = False  # contracts end by status (expired, terminated); they are never deleted

    def make_object(self, world):
        return ContractFactory(directorate=world.directorate)

    def create_data(self, world):
        return {
            "reference": "KCC-API-0001",
            "title": "Supported living, West Kent",
            "directorate_id": world.directorate.pk,
            "provider_id": ProviderFactory().pk,
            "status": ContractStatus.ACTIVE,
            "start_date": "2025-04-01",
            "end_date": "2028-03-31",
            "extension_months_available": 12,
            "annual_value": "120000.50",
            "total_value": "360001.50",
        }

    def update_data(self, world, obj):
        return {"annual_value": "99999.99", "extension_months_taken": 6}


def contract_payload(directorate, provider, **changes) -> dict:
    data = {
        "reference": "KCC-API-0100",
        "title": "Home care, East Kent",
        "directorate_id": directorate.pk,
        "provider_id": provider.pk,
        "start_date": "2025-04-01",
        "end_date": "2027-03-31",
        "annual_value": "50000.00",
        "total_value": "100000.00",
    }
    return {**data, **changes}


# --- Providers ---


def test_a_new_provider_is_classified_with_reasons(procurement, kcc_framework):
    response = api_client(procurement).post(
        list_url(PROVIDERS),
        {"name": "Canterbury Carers", "legal_form": "cio", "employee_band": "0-9", "postcode": "CT1 2AA"},
        format="json",
    )
    assert response.status_code == 201, response.data
    assert response.data["sector"] == Sector.VCS
    assert response.data["size"] == SizeBand.MICRO
    assert response.data["is_sme"] is True
    assert response.data["location"] == Location.LOCAL
    assert response.data["location_reason"]
    assert response.data["contract_count"] == 0


def test_derived_classification_cannot_be_written(procurement, kcc_framework):
    provider = ProviderFactory(legal_form="private_company")
    response = api_client(procurement).patch(
        detail_url(PROVIDERS, provider.pk), {"sector": Sector.VCS, "size": SizeBand.MICRO}, format="json"
    )
    assert response.status_code == 200
    provider.refresh_from_db()
    assert provider.sector == Sector.PRIVATE


def test_deleting_a_provider_with_contracts_is_refused_saying_how_many(procurement, directorate):
    provider = ProviderFactory()
    for _ in range(3):
        ContractFactory(provider=provider, directorate=directorate)
    response = api_client(procurement).delete(detail_url(PROVIDERS, provider.pk))
    assert response.status_code == 400
    assert "holds 3 contracts" in response.data["non_field_errors"][0]
    assert Provider.objects.filter(pk=provider.pk).exists()


def test_provider_lists_count_their_contracts(member, directorate):
    provider = ProviderFactory()
    ContractFactory(provider=provider, directorate=directorate)
    ContractFactory(provider=provider, directorate=directorate, status=ContractStatus.EXPIRED)
    data = api_client(member).get(detail_url(PROVIDERS, provider.pk)).data
    assert (data["contract_count"], data["active_contract_count"]) == (2, 1)


def test_a_decision_without_a_note_names_the_field(procurement, kcc_framework):
    response = api_client(procurement).post(
        list_url(PROVIDERS), {"name": "Split District Ltd", "location_decision": "inside"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.data) == ["location_decision_note"]


def test_a_bad_choice_is_a_400_naming_the_field(procurement, kcc_framework):
    response = api_client(procurement).post(list_url(PROVIDERS), {"name": "X", "legal_form": "pirate"}, format="json")
    assert response.status_code == 400
    assert list(response.data) == ["legal_form"]


# --- Contracts ---


def test_a_commissioner_cannot_edit_another_directorates_contract(commissioner, other_directorate):
    contract = ContractFactory(directorate=other_directorate, title="Roads")
    response = api_client(commissioner).patch(detail_url(CONTRACTS, contract.pk), {"title": "Mine"}, format="json")
    assert response.status_code == 403
    contract.refresh_from_db()
    assert contract.title == "Roads"


def test_a_commissioner_cannot_create_a_contract_in_another_directorate(commissioner, other_directorate):
    response = api_client(commissioner).post(
        list_url(CONTRACTS), contract_payload(other_directorate, ProviderFactory()), format="json"
    )
    assert response.status_code == 403
    assert "own directorate" in response.data["detail"]
    assert not Contract.objects.exists()


def test_a_commissioner_cannot_move_their_contract_to_another_directorate(commissioner, directorate, other_directorate):
    contract = ContractFactory(directorate=directorate)
    response = api_client(commissioner).patch(
        detail_url(CONTRACTS, contract.pk), {"directorate_id": other_directorate.pk}, format="json"
    )
    assert response.status_code == 403
    contract.refresh_from_db()
    assert contract.directorate == directorate


def test_an_admin_can_change_any_directorates_contract(admin_user, other_directorate):
    contract = ContractFactory(directorate=other_directorate)
    response = api_client(admin_user).patch(detail_url(CONTRACTS, contract.pk), {"title": "Renamed"}, format="json")
    assert response.status_code == 200
    assert response.data["title"] == "Renamed"


def test_a_contract_ending_before_it_starts_is_refused_under_end_date(commissioner, directorate):
    data = contract_payload(directorate, ProviderFactory(), start_date="2026-04-01", end_date="2026-03-31")
    response = api_client(commissioner).post(list_url(CONTRACTS), data, format="json")
    assert response.status_code == 400
    assert response.data == {"end_date": ["End date must be on or after the start date."]}


def test_more_extension_taken_than_available_is_refused_under_its_field(commissioner, directorate):
    contract = ContractFactory(directorate=directorate, extension_months_available=12)
    response = api_client(commissioner).patch(
        detail_url(CONTRACTS, contract.pk), {"extension_months_taken": 18}, format="json"
    )
    assert response.status_code == 400
    assert "cannot be more than the months available (12)" in response.data["extension_months_taken"][0]


def test_a_commissioner_of_another_directorate_is_refused_under_commissioner_id(
    admin_user, directorate, other_directorate
):
    elsewhere = UserFactory(role=Role.COMMISSIONER, directorate=other_directorate)
    data = contract_payload(directorate, ProviderFactory(), commissioner_id=elsewhere.pk)
    response = api_client(admin_user).post(list_url(CONTRACTS), data, format="json")
    assert response.status_code == 400
    assert "belongs to another directorate" in response.data["commissioner_id"][0]


def test_a_duplicate_reference_is_refused_under_reference(commissioner, directorate):
    ContractFactory(directorate=directorate, reference="KCC-API-0100")
    response = api_client(commissioner).post(
        list_url(CONTRACTS), contract_payload(directorate, ProviderFactory()), format="json"
    )
    assert response.status_code == 400
    assert list(response.data) == ["reference"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("annual_value", "a lot"), ("start_date", "31/02/2025"), ("provider_id", 999999), ("annual_value", "-5")],
)
def test_malformed_values_are_400s_naming_the_field(commissioner, directorate, field, value):
    data = contract_payload(directorate, ProviderFactory(), **{field: value})
    response = api_client(commissioner).post(list_url(CONTRACTS), data, format="json")
    assert response.status_code == 400
    assert field in response.data


def test_money_is_decimal_strings_and_the_end_date_includes_extensions(member, directorate):
    contract = ContractFactory(
        directorate=directorate,
        annual_value=Decimal("1234.50"),
        end_date=datetime.date(2027, 3, 31),
        extension_months_taken=6,
    )
    data = api_client(member).get(detail_url(CONTRACTS, contract.pk)).data
    assert data["annual_value"] == "1234.50"
    assert data["current_end_date"] == "2027-09-30"
    assert data["provider"]["id"] == contract.provider_id


def test_the_reason_is_recorded_with_the_commissioner(commissioner, directorate):
    contract = ContractFactory(directorate=directorate)
    api_client(commissioner).patch(
        detail_url(CONTRACTS, contract.pk), {"title": "New", "reason": REASON}, format="json"
    )
    row = contract.history.order_by("-history_id").first()
    assert (row.history_user, row.history_change_reason) == (commissioner, REASON)


def test_contracts_filter_by_directorate_and_order_by_value(member, directorate, other_directorate):
    small = ContractFactory(directorate=directorate, annual_value=Decimal("10.00"))
    large = ContractFactory(directorate=directorate, annual_value=Decimal("900.00"))
    ContractFactory(directorate=other_directorate)
    response = api_client(member).get(
        list_url(CONTRACTS), {"directorate_id": directorate.pk, "ordering": "-annual_value"}
    )
    assert [row["id"] for row in response.data["results"]] == [large.pk, small.pk]


def test_an_unknown_directorate_filter_is_a_400(member, directorate):
    response = api_client(member).get(list_url(CONTRACTS), {"directorate_id": 999999})
    assert response.status_code == 400
    assert "directorate_id" in response.data


def test_a_directorate_with_contracts_cannot_be_deleted(admin_user, directorate):
    ContractFactory(directorate=directorate)
    response = api_client(admin_user).delete(detail_url("commissioning-api:directorate", directorate.pk))
    assert response.status_code == 400
    assert "1 contract " in response.data["non_field_errors"][0]
