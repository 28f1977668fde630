"""Contract and provider rules that hold on one row: dates, extensions, ending soon, SME/VCS flags."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from contracts.choices import ContractStatus, Sector, SizeBand
from contracts.models import Contract, Provider
from tests.contracts.factories import ContractFactory, ProviderFactory

D = datetime.date


def _contract(**kwargs) -> Contract:
    values = {
        "reference": "KCC-1",
        "title": "Homecare",
        "start_date": D(2024, 4, 1),
        "end_date": D(2027, 3, 31),
        "extension_months_available": 12,
        "extension_months_taken": 0,
        "annual_value": Decimal("100.00"),
        "total_value": Decimal("300.00"),
        "status": ContractStatus.ACTIVE,
    }
    values.update(kwargs)
    contract = Contract(**values)
    contract.current_end_date = contract.end_date_with_extensions()
    return contract


def test_contract_ending_before_its_start_is_refused_on_end_date():
    contract = _contract(end_date=D(2024, 3, 31))
    with pytest.raises(ValidationError) as exc:
        contract.clean()
    assert exc.value.message_dict == {"end_date": ["End date must be on or after the start date."]}


def test_a_one_day_contract_may_end_on_the_day_it_starts():
    contract = _contract(end_date=D(2024, 4, 1))
    contract.clean()
    assert contract.end_date_with_extensions() == D(2024, 4, 1)


def test_contract_ending_the_day_after_it_starts_is_allowed():
    _contract(start_date=D(2024, 4, 1), end_date=D(2024, 4, 2)).clean()


def test_extension_taken_beyond_available_is_refused_with_both_numbers():
    contract = _contract(extension_months_available=12, extension_months_taken=13)
    with pytest.raises(ValidationError) as exc:
        contract.clean()
    assert exc.value.message_dict == {
        "extension_months_taken": ["Extension months taken (13) cannot be more than the months available (12)."]
    }


def test_extension_taken_equal_to_available_is_allowed():
    _contract(extension_months_available=12, extension_months_taken=12).clean()


def test_both_date_and_extension_errors_are_reported_together():
    contract = _contract(end_date=D(2020, 1, 1), extension_months_available=0, extension_months_taken=1)
    with pytest.raises(ValidationError) as exc:
        contract.clean()
    assert set(exc.value.message_dict) == {"end_date", "extension_months_taken"}


@pytest.mark.django_db
def test_database_refuses_end_before_start_even_without_validation():
    contract = ContractFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.filter(pk=contract.pk).update(end_date=contract.start_date - datetime.timedelta(days=1))


@pytest.mark.django_db
def test_database_refuses_extension_taken_beyond_available_even_without_validation():
    contract = ContractFactory(extension_months_available=6)
    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.filter(pk=contract.pk).update(extension_months_taken=7)


@pytest.mark.django_db
def test_negative_money_is_refused():
    contract = ContractFactory()
    with pytest.raises(ValidationError) as exc:
        contract.annual_value = Decimal("-0.01")
        contract.full_clean()
    assert "annual_value" in exc.value.message_dict


@pytest.mark.parametrize(
    ("end", "taken", "current"),
    [
        (D(2027, 3, 31), 0, D(2027, 3, 31)),
        (D(2027, 3, 31), 12, D(2028, 3, 31)),
        (D(2027, 3, 31), 6, D(2027, 9, 30)),
        (D(2027, 8, 31), 6, D(2028, 2, 29)),  # month end carried into a leap February
    ],
)
def test_current_end_date_adds_the_extension_months_taken(end, taken, current):
    assert (
        _contract(end_date=end, extension_months_available=24, extension_months_taken=taken).end_date_with_extensions()
        == current
    )


def test_extension_months_remaining():
    assert _contract(extension_months_available=24, extension_months_taken=6).extension_months_remaining == 18
    assert _contract(extension_months_available=0, extension_months_taken=0).extension_months_remaining == 0


TODAY = D(2025, 1, 15)


@pytest.mark.parametrize(
    ("current_end", "ending_soon"),
    [
        (D(2025, 1, 14), False),  # ended yesterday
        (D(2025, 1, 15), True),  # ends today
        (D(2025, 7, 15), True),  # exactly six months ahead
        (D(2025, 7, 16), False),  # six months and a day
    ],
)
def test_is_ending_soon_boundaries(current_end, ending_soon):
    contract = _contract(start_date=D(2020, 1, 1), end_date=current_end, extension_months_taken=0)
    assert contract.is_ending_soon(TODAY) is ending_soon


@pytest.mark.parametrize("status", [ContractStatus.PIPELINE, ContractStatus.EXPIRED, ContractStatus.TERMINATED])
def test_only_active_contracts_are_ending_soon(status):
    contract = _contract(start_date=D(2020, 1, 1), end_date=D(2025, 2, 1), status=status)
    assert contract.is_ending_soon(TODAY) is False


def test_ending_soon_counts_from_the_end_after_extensions():
    contract = _contract(
        start_date=D(2020, 1, 1), end_date=D(2025, 2, 1), extension_months_available=12, extension_months_taken=12
    )
    assert contract.is_ending_soon(TODAY) is False


def test_recorded_location_decision_needs_a_note():
    provider = Provider(name="Edge Care", location_decision="inside", location_decision_note="  ")
    with pytest.raises(ValidationError) as exc:
        provider.clean()
    assert exc.value.message_dict == {
        "location_decision_note": ["Say why you decided the location (e.g. the full address checked)."]
    }


@pytest.mark.parametrize(
    ("size", "is_sme"),
    [
        (SizeBand.MICRO, True),
        (SizeBand.SMALL, True),
        (SizeBand.MEDIUM, True),
        (SizeBand.LARGE, False),
        (SizeBand.UNKNOWN, False),
    ],
)
def test_provider_is_sme_when_micro_small_or_medium(size, is_sme):
    assert Provider(size=size).is_sme is is_sme


def test_provider_is_vcs_only_in_the_vcs_sector():
    assert Provider(sector=Sector.VCS).is_vcs
    assert not Provider(sector=Sector.PRIVATE).is_vcs


def test_provider_address_skips_blank_parts():
    provider = ProviderFactory.build(address_line_1="1 High St", address_line_2="", town="Ashford", postcode="TN23 1PL")
    assert provider.address == "1 High St, Ashford, TN23 1PL"


@pytest.mark.django_db
def test_two_providers_may_both_have_no_companies_house_or_charity_number():
    ProviderFactory(companies_house_number="", charity_number="")
    ProviderFactory(companies_house_number="", charity_number="")
    assert Provider.objects.filter(companies_house_number="", charity_number="").count() == 2


@pytest.mark.django_db
def test_database_refuses_a_duplicate_charity_number():
    ProviderFactory(charity_number="1122334")
    with pytest.raises(IntegrityError), transaction.atomic():
        Provider.objects.create(name="Copy", normalised_name="copy", charity_number="1122334")
