"""Provider and contract writes: derived classification, normalisation, directorate scope, history."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from commissioning.choices import Role
from commissioning.services import postcodes_load
from contracts.choices import ContractStatus, EmployeeBand, LegalForm, Location, LocationDecision, Sector, SizeBand
from contracts.models import Contract, Provider
from contracts.services import (
    contract_create,
    contract_update,
    normalise_company_number,
    normalise_provider_name,
    provider_create,
    provider_delete,
    provider_reclassify_all,
    provider_update,
)
from tests.commissioning.factories import UserFactory
from tests.contracts.factories import ContractFactory, ProviderFactory

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
D = datetime.date


# --- Names and numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("The Smith & Sons Ltd.", "smith and sons"),
        ("Smith and Sons Limited", "smith and sons"),
        ("SMITH & SONS LTD", "smith and sons"),
        ("Acme Holdings PLC", "acme holdings"),
        ("Acme Holdings plc", "acme holdings"),
        ("Kent Care Partners LLP", "kent care partners"),
        ("Jones Cleaning T/A Sparkle Services", "jones cleaning"),
        ("Jones Cleaning t/a Sparkle", "jones cleaning"),
        ("Bloggs Builders trading as Bloggs & Co", "bloggs builders"),
        ("  Homecare   (Kent)  Ltd ", "homecare kent"),
        ("Ltd Lane Bakery", "lane bakery"),
        ("", ""),
    ],
)
def test_normalise_provider_name(raw, normalised):
    assert normalise_provider_name(raw) == normalised


def test_name_variants_of_one_provider_match():
    assert normalise_provider_name("A & B Care Ltd") == normalise_provider_name("a and b care limited")


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("123456", "00123456"),
        ("1234567", "01234567"),
        ("12345678", "12345678"),
        (" 01 234 567 ", "01234567"),
        ("sc123456", "SC123456"),
        ("NI012345", "NI012345"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalise_company_number_pads_to_eight_characters(raw, number):
    assert normalise_company_number(raw) == number


@pytest.mark.django_db
def test_provider_create_stores_normalised_name_postcode_and_number():
    provider = ProviderFactory(name="  The Oak   Trust Ltd ", postcode="me141xq", companies_house_number="123456")
    provider.refresh_from_db()
    assert provider.name == "The Oak Trust Ltd"
    assert provider.normalised_name == "oak trust"
    assert provider.postcode == "ME14 1XQ"
    assert provider.companies_house_number == "00123456"


@pytest.mark.django_db
def test_same_companies_house_number_written_without_zeros_is_a_duplicate():
    ProviderFactory(companies_house_number="00123456")
    with pytest.raises(ValidationError) as exc:
        ProviderFactory(companies_house_number="123456")
    assert exc.value.messages == ["Another provider already has this Companies House number."]
    assert Provider.objects.count() == 1


@pytest.mark.django_db
def test_duplicate_charity_number_is_refused():
    ProviderFactory(charity_number="1122334", legal_form=LegalForm.CHARITY)
    with pytest.raises(ValidationError) as exc:
        ProviderFactory(charity_number=" 1122334 ", legal_form=LegalForm.CHARITY)
    assert exc.value.messages == ["Another provider already has this charity number."]


def test_provider_create_refuses_unknown_fields(db):
    with pytest.raises(TypeError, match="colour"):
        provider_create(name="X", colour="red")


# --- Classification -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("band", "size", "reason"),
    [
        (EmployeeBand.UNDER_10, SizeBand.MICRO, "Employee band fewer than 10 staff: micro."),
        (EmployeeBand.FROM_10, SizeBand.SMALL, "Employee band 10 to 49 staff: small (under 50)."),
        (EmployeeBand.FROM_50, SizeBand.MEDIUM, "Employee band 50 to 249 staff: medium (under 250)."),
        (EmployeeBand.FROM_250, SizeBand.LARGE, "Employee band 250 staff or more: large."),
        (EmployeeBand.UNKNOWN, SizeBand.UNKNOWN, "Employee band not recorded."),
    ],
)
def test_provider_size_from_employee_band(kcc_framework, band, size, reason):
    provider = ProviderFactory(employee_band=band)
    assert (provider.size, provider.size_reason) == (size, reason)
    assert provider.is_sme is (size in {SizeBand.MICRO, SizeBand.SMALL, SizeBand.MEDIUM})


@pytest.mark.parametrize(
    ("facts", "sector", "reason"),
    [
        (
            {"legal_form": LegalForm.PRIVATE_COMPANY, "charity_number": "1100001"},
            Sector.VCS,
            "Registered charity number 1100001.",
        ),
        ({"legal_form": LegalForm.CIO}, Sector.VCS, "Legal form: Charitable incorporated organisation (CIO)."),
        ({"legal_form": LegalForm.CIC}, Sector.VCS, "Legal form: Community interest company (CIC)."),
        ({"legal_form": LegalForm.CHARITY}, Sector.VCS, "Legal form: Charity (trust or unincorporated association)."),
        ({"legal_form": LegalForm.COMMUNITY_BENEFIT_SOCIETY}, Sector.VCS, "Legal form: Community benefit society."),
        (
            {"legal_form": LegalForm.COMPANY_LIMITED_BY_GUARANTEE, "is_non_profit": True},
            Sector.VCS,
            "Company limited by guarantee marked non-profit.",
        ),
        (
            {"legal_form": LegalForm.COMPANY_LIMITED_BY_GUARANTEE, "is_non_profit": False},
            Sector.PRIVATE,
            "Legal form: Company limited by guarantee, with no charity number.",
        ),
        ({"legal_form": LegalForm.PUBLIC_BODY}, Sector.PUBLIC, "Legal form: public body."),
        (
            {"legal_form": LegalForm.PRIVATE_COMPANY},
            Sector.PRIVATE,
            "Legal form: Private company limited by shares, with no charity number.",
        ),
        ({"legal_form": LegalForm.PLC}, Sector.PRIVATE, "Legal form: Public limited company, with no charity number."),
        ({"legal_form": LegalForm.SOLE_TRADER}, Sector.PRIVATE, "Legal form: Sole trader, with no charity number."),
        (
            {"legal_form": LegalForm.LLP},
            Sector.PRIVATE,
            "Legal form: Limited liability partnership, with no charity number.",
        ),
        ({"legal_form": LegalForm.OTHER}, Sector.UNKNOWN, "Legal form not known and no charity number recorded."),
        ({"legal_form": LegalForm.UNKNOWN}, Sector.UNKNOWN, "Legal form not known and no charity number recorded."),
    ],
)
def test_provider_sector_rules(kcc_framework, facts, sector, reason):
    provider = ProviderFactory(**facts)
    assert (provider.sector, provider.sector_reason) == (sector, reason)


@pytest.mark.parametrize(
    ("postcode", "location"),
    [
        ("ME14 1XQ", Location.LOCAL),
        ("ME4 4TR", Location.OUTSIDE),  # Medway
        ("DA6 7AT", Location.OUTSIDE),  # Bexley
        ("TN20 6AA", Location.OUTSIDE),  # corrected: Wealden
        ("M1 1AE", Location.OUTSIDE),
        ("TN16 9ZZ", Location.UNKNOWN),  # split district, not in the directory
        ("", Location.UNKNOWN),
        ("ME14 1X", Location.UNKNOWN),  # not a valid postcode
    ],
)
def test_provider_location_from_postcode(kcc_framework, postcode, location):
    provider = ProviderFactory(postcode=postcode)
    assert provider.location == location
    assert provider.location_reason


@pytest.mark.parametrize(
    ("decision", "location"), [(LocationDecision.INSIDE, Location.LOCAL), (LocationDecision.OUTSIDE, Location.OUTSIDE)]
)
def test_recorded_location_decision_settles_a_split_district(kcc_framework, decision, location):
    provider = ProviderFactory(
        postcode="TN16 9ZZ", location_decision=decision, location_decision_note="Checked the address."
    )
    assert provider.location == location
    assert provider.location_reason == "Decision recorded: Checked the address."


def test_recorded_location_decision_without_a_note_is_refused(kcc_framework):
    with pytest.raises(ValidationError) as exc:
        ProviderFactory(postcode="TN16 9ZZ", location_decision=LocationDecision.INSIDE, location_decision_note="")
    assert "location_decision_note" in exc.value.message_dict
    assert Provider.objects.count() == 0


def test_removing_the_decision_clears_its_note_and_goes_back_to_the_postcode(kcc_framework):
    provider = ProviderFactory(
        postcode="TN16 9ZZ", location_decision=LocationDecision.INSIDE, location_decision_note="Checked."
    )
    provider = provider_update(
        provider=provider, data={"location_decision": LocationDecision.NONE}, reason="Wrong decision"
    )
    provider.refresh_from_db()
    assert provider.location == Location.UNKNOWN
    assert provider.location_decision_note == ""


def test_provider_update_derives_the_classification_again(kcc_framework, procurement):
    provider = ProviderFactory(employee_band=EmployeeBand.FROM_250, legal_form=LegalForm.PRIVATE_COMPANY)
    provider_update(
        provider=provider,
        data={"employee_band": EmployeeBand.UNDER_10, "legal_form": LegalForm.CIC},
        actor=procurement,
        reason="Companies House filing",
    )
    provider.refresh_from_db()
    assert (provider.size, provider.sector) == (SizeBand.MICRO, Sector.VCS)
    latest = provider.history.first()
    assert (latest.history_user, latest.history_change_reason) == (procurement, "Companies House filing")


def test_reclassify_all_settles_split_districts_after_loading_full_postcodes(kcc_framework):
    split = ProviderFactory(postcode="TN16 1AA")
    settled = ProviderFactory(postcode="ME14 1XQ")
    assert split.location == Location.UNKNOWN
    settled_history = settled.history.count()
    postcodes_load(path=FIXTURES / "ons_postcodes_extract.csv", area_codes={"E07000111"})

    assert provider_reclassify_all() == 1

    split.refresh_from_db()
    assert split.location == Location.LOCAL
    assert split.history.first().history_change_reason == "Classification derived again from reference data"
    assert settled.history.count() == settled_history
    assert provider_reclassify_all() == 0


def test_provider_delete_refuses_with_the_number_of_contracts(kcc_framework, directorate):
    provider = ProviderFactory(name="Busy Care Ltd")
    ContractFactory(provider=provider, directorate=directorate)
    ContractFactory(provider=provider, directorate=directorate)
    with pytest.raises(ValidationError) as exc:
        provider_delete(provider=provider)
    assert exc.value.messages == [
        "Busy Care Ltd cannot be deleted: it holds 2 contracts. Move the contracts to another provider first."
    ]
    assert Provider.objects.filter(pk=provider.pk).exists()


def test_provider_delete_refusal_says_one_contract_in_the_singular(kcc_framework, directorate):
    provider = ProviderFactory(name="Solo Ltd")
    ContractFactory(provider=provider, directorate=directorate)
    with pytest.raises(ValidationError, match="it holds 1 contract\\. "):
        provider_delete(provider=provider)


def test_provider_delete_without_contracts_deletes_and_records_who(kcc_framework, procurement):
    provider = ProviderFactory()
    pk = provider.pk
    provider_delete(provider=provider, actor=procurement, reason="Duplicate record")
    assert not Provider.objects.filter(pk=pk).exists()
    deleted = Provider.history.filter(id=pk, history_type="-").get()
    assert (deleted.history_user, deleted.history_change_reason) == (procurement, "Duplicate record")


# --- Contracts ----------------------------------------------------------------------------------


def _contract_data(directorate, **kwargs) -> dict:
    data = {
        "reference": "KCC-00042",
        "title": "Homecare in Ashford",
        "directorate": directorate,
        "provider": ProviderFactory(),
        "start_date": D(2024, 4, 1),
        "end_date": D(2027, 3, 31),
        "extension_months_available": 24,
        "extension_months_taken": 0,
        "annual_value": Decimal("100000.00"),
        "total_value": Decimal("300000.00"),
    }
    data.update(kwargs)
    return data


def test_contract_create_derives_the_current_end_date(kcc_framework, directorate):
    contract = contract_create(**_contract_data(directorate, extension_months_taken=12))
    contract.refresh_from_db()
    assert contract.current_end_date == D(2028, 3, 31)


def test_contract_end_before_start_is_refused_with_a_plain_message_on_end_date(kcc_framework, directorate):
    with pytest.raises(ValidationError) as exc:
        contract_create(**_contract_data(directorate, start_date=D(2025, 4, 1), end_date=D(2025, 3, 31)))
    assert exc.value.message_dict["end_date"] == ["End date must be on or after the start date."]
    assert Contract.objects.count() == 0


def test_contract_extension_taken_beyond_available_is_refused(kcc_framework, directorate):
    with pytest.raises(ValidationError) as exc:
        contract_create(**_contract_data(directorate, extension_months_available=6, extension_months_taken=12))
    assert exc.value.message_dict["extension_months_taken"] == [
        "Extension months taken (12) cannot be more than the months available (6)."
    ]
    assert Contract.objects.count() == 0


def test_contract_reference_must_be_unique(kcc_framework, directorate):
    contract_create(**_contract_data(directorate, reference="KCC-1"))
    with pytest.raises(ValidationError) as exc:
        contract_create(**_contract_data(directorate, reference=" KCC-1 "))
    assert "reference" in exc.value.message_dict


def test_commissioner_from_another_directorate_is_refused(kcc_framework, directorate, other_directorate):
    elsewhere = UserFactory(
        role=Role.COMMISSIONER, directorate=other_directorate, first_name="Gus", last_name="Travers"
    )
    with pytest.raises(ValidationError) as exc:
        contract_create(**_contract_data(directorate, commissioner=elsewhere))
    assert exc.value.message_dict == {
        "commissioner": [
            "Gus Travers belongs to another directorate; choose a commissioner of Adult Social Care and Health."
        ]
    }


def test_responsible_commissioner_must_have_the_commissioner_role(kcc_framework, directorate):
    officer = UserFactory(role=Role.PROCUREMENT, directorate=directorate, first_name="Pat", last_name="Lee")
    with pytest.raises(ValidationError) as exc:
        contract_create(**_contract_data(directorate, commissioner=officer))
    assert exc.value.message_dict == {"commissioner": ["Pat Lee is not a commissioner."]}


def test_commissioner_of_the_directorate_is_accepted(kcc_framework, directorate, commissioner):
    contract = contract_create(**_contract_data(directorate, commissioner=commissioner), actor=commissioner)
    assert contract.commissioner == commissioner


def test_commissioner_cannot_create_a_contract_in_another_directorate(kcc_framework, commissioner, other_directorate):
    with pytest.raises(PermissionDenied):
        contract_create(**_contract_data(other_directorate), actor=commissioner)
    assert Contract.objects.count() == 0


def test_commissioner_cannot_update_another_directorates_contract(kcc_framework, commissioner, other_directorate):
    contract = ContractFactory(directorate=other_directorate)
    with pytest.raises(PermissionDenied):
        contract_update(contract=contract, data={"title": "Mine now"}, actor=commissioner, reason="Tidy up")
    contract.refresh_from_db()
    assert contract.title != "Mine now"


def test_commissioner_cannot_move_their_contract_to_another_directorate(
    kcc_framework, commissioner, directorate, other_directorate
):
    contract = ContractFactory(directorate=directorate)
    with pytest.raises(PermissionDenied):
        contract_update(contract=contract, data={"directorate": other_directorate}, actor=commissioner, reason="Move")
    assert Contract.objects.get(pk=contract.pk).directorate == directorate


@pytest.mark.parametrize("role", [Role.MEMBER, Role.PROCUREMENT])
def test_roles_without_contract_rights_cannot_create_contracts(kcc_framework, directorate, role):
    actor = UserFactory(role=role, directorate=directorate)
    with pytest.raises(PermissionDenied):
        contract_create(**_contract_data(directorate), actor=actor)


def test_admin_may_write_in_any_directorate(kcc_framework, admin_user, other_directorate):
    contract = contract_create(
        **_contract_data(other_directorate), actor=admin_user, reason="Imported from the register"
    )
    contract_update(contract=contract, data={"title": "Renamed"}, actor=admin_user, reason="Typo")
    assert Contract.objects.get(pk=contract.pk).title == "Renamed"


def test_contract_history_records_actor_and_reason(kcc_framework, commissioner, directorate):
    contract = contract_create(**_contract_data(directorate), actor=commissioner, reason="New homecare contract")
    contract_update(
        contract=contract, data={"extension_months_taken": 12}, actor=commissioner, reason="Extension agreed at board"
    )
    history = list(contract.history.order_by("history_id"))
    assert [(h.history_type, h.history_user, h.history_change_reason) for h in history] == [
        ("+", commissioner, "New homecare contract"),
        ("~", commissioner, "Extension agreed at board"),
    ]
    assert history[-1].current_end_date == D(2028, 3, 31)


def test_contract_update_validates_the_changed_contract(kcc_framework, directorate):
    contract = ContractFactory(directorate=directorate, extension_months_available=6)
    with pytest.raises(ValidationError) as exc:
        contract_update(contract=contract, data={"extension_months_taken": 7})
    assert "extension_months_taken" in exc.value.message_dict
    assert Contract.objects.get(pk=contract.pk).extension_months_taken == 0


def test_contract_update_refuses_unknown_fields(kcc_framework, directorate):
    contract = ContractFactory(directorate=directorate)
    with pytest.raises(TypeError, match="current_end_date"):
        contract_update(contract=contract, data={"current_end_date": D(2040, 1, 1)})


def test_contract_status_change_is_kept(kcc_framework, directorate):
    contract = ContractFactory(directorate=directorate)
    contract_update(contract=contract, data={"status": ContractStatus.TERMINATED}, reason="Provider exited the market")
    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.TERMINATED
