"""Provider and contract filters, as the list pages and the API use them."""

import datetime
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta

from commissioning.choices import Role
from contracts.choices import ContractCategory, ContractStatus, EmployeeBand, LegalForm, Location, Sector, SizeBand
from contracts.filtersets import ContractFilterSet, ProviderFilterSet
from contracts.models import Contract, Provider
from tests.commissioning.factories import DirectorateFactory, UserFactory
from tests.contracts.factories import ContractFactory, ProviderFactory

pytestmark = pytest.mark.django_db
D = datetime.date


def _providers(params: dict) -> set[str]:
    fs = ProviderFilterSet(params, queryset=Provider.objects.all())
    assert fs.is_valid(), fs.errors
    return {p.name for p in fs.qs}


def _contracts(params: dict) -> set[str]:
    fs = ContractFilterSet(params, queryset=Contract.objects.all())
    assert fs.is_valid(), fs.errors
    return {c.reference for c in fs.qs}


@pytest.fixture
def providers(kcc_framework):
    ProviderFactory(
        name="Oak Care Ltd",
        town="Maidstone",
        postcode="ME14 1XQ",
        companies_house_number="00123456",
        employee_band=EmployeeBand.UNDER_10,
        legal_form=LegalForm.PRIVATE_COMPANY,
    )
    ProviderFactory(
        name="Medway Helpers",
        town="Chatham",
        postcode="ME4 4TR",
        charity_number="1100001",
        employee_band=EmployeeBand.FROM_250,
        legal_form=LegalForm.CHARITY,
    )
    ProviderFactory(
        name="County Hospital Trust",
        town="Tunbridge Wells",
        postcode="TN16 9ZZ",
        employee_band=EmployeeBand.FROM_50,
        legal_form=LegalForm.PUBLIC_BODY,
    )


def test_provider_filter_with_no_parameters_returns_everything(providers):
    assert _providers({}) == {"Oak Care Ltd", "Medway Helpers", "County Hospital Trust"}


@pytest.mark.parametrize(
    ("q", "names"),
    [
        ("oak", {"Oak Care Ltd"}),
        ("00123456", {"Oak Care Ltd"}),
        ("1100001", {"Medway Helpers"}),
        ("ME4", {"Medway Helpers"}),
        ("ME", {"Oak Care Ltd", "Medway Helpers"}),
        ("tunbridge", {"County Hospital Trust"}),
        ("  ", {"Oak Care Ltd", "Medway Helpers", "County Hospital Trust"}),
        ("nobody", set()),
    ],
)
def test_provider_search(providers, q, names):
    assert _providers({"q": q}) == names


def test_provider_filter_by_location_size_sector_and_legal_form(providers):
    assert _providers({"location": [Location.LOCAL]}) == {"Oak Care Ltd"}
    assert _providers({"location": [Location.OUTSIDE, Location.UNKNOWN]}) == {"Medway Helpers", "County Hospital Trust"}
    assert _providers({"size": [SizeBand.MICRO, SizeBand.MEDIUM]}) == {"Oak Care Ltd", "County Hospital Trust"}
    assert _providers({"sector": [Sector.VCS]}) == {"Medway Helpers"}
    assert _providers({"sector": [Sector.PUBLIC]}) == {"County Hospital Trust"}
    assert _providers({"legal_form": LegalForm.PRIVATE_COMPANY}) == {"Oak Care Ltd"}


def test_provider_filter_refuses_an_unknown_sector(providers):
    assert not ProviderFilterSet({"sector": ["mystery"]}, queryset=Provider.objects.all()).is_valid()


@pytest.fixture
def contracts(db):
    today = datetime.date.today()
    asch = DirectorateFactory(code="ASCH", name="Adult Social Care and Health")
    get = DirectorateFactory(code="GET", name="Growth, Environment and Transport")
    alice = UserFactory(role=Role.COMMISSIONER, directorate=asch)
    oak = ProviderFactory(name="Oak Care Ltd")
    road = ProviderFactory(name="Roadworks Plc")
    ContractFactory(
        reference="A-1",
        title="Homecare north",
        description="Visits at home",
        directorate=asch,
        provider=oak,
        commissioner=alice,
        annual_value=Decimal("100000.00"),
        category=ContractCategory.ADULT_SOCIAL_CARE,
        start_date=today - relativedelta(years=2),
        end_date=today + relativedelta(months=3),
    )
    ContractFactory(
        reference="A-2",
        title="Day centres",
        description="Includes transport to the centre",
        directorate=asch,
        provider=oak,
        annual_value=Decimal("250000.00"),
        status=ContractStatus.PIPELINE,
        start_date=today + relativedelta(months=1),
        end_date=today + relativedelta(months=4),
    )
    ContractFactory(
        reference="G-1",
        title="Pothole repairs",
        directorate=get,
        provider=road,
        annual_value=Decimal("2500000.00"),
        category=ContractCategory.HIGHWAYS_TRANSPORT,
        start_date=today - relativedelta(years=1),
        end_date=today + relativedelta(years=3),
    )
    ContractFactory(
        reference="G-2",
        title="Gritting",
        directorate=get,
        provider=road,
        annual_value=Decimal("99999.99"),
        status=ContractStatus.EXPIRED,
        category=ContractCategory.HIGHWAYS_TRANSPORT,
        start_date=today - relativedelta(years=3),
        end_date=today - relativedelta(days=1),
    )
    return {"asch": asch, "get": get, "alice": alice, "oak": oak, "road": road}


def test_contract_filter_with_no_parameters_returns_everything(contracts):
    assert _contracts({}) == {"A-1", "A-2", "G-1", "G-2"}


@pytest.mark.parametrize(
    ("q", "refs"),
    [
        ("a-1", {"A-1"}),
        ("homecare", {"A-1"}),
        ("transport", {"A-2"}),  # description
        ("roadworks", {"G-1", "G-2"}),  # provider name
        ("zzz", set()),
    ],
)
def test_contract_search_covers_reference_title_description_and_provider(contracts, q, refs):
    assert _contracts({"q": q}) == refs


def test_contract_filter_by_directorate_provider_and_commissioner(contracts):
    assert _contracts({"directorate_id": contracts["get"].pk}) == {"G-1", "G-2"}
    assert _contracts({"provider_id": contracts["oak"].pk}) == {"A-1", "A-2"}
    assert _contracts({"commissioner_id": contracts["alice"].pk}) == {"A-1"}


def test_contract_filter_by_several_statuses(contracts):
    assert _contracts({"status": [ContractStatus.ACTIVE]}) == {"A-1", "G-1"}
    assert _contracts({"status": [ContractStatus.PIPELINE, ContractStatus.EXPIRED]}) == {"A-2", "G-2"}


def test_contract_filter_by_category(contracts):
    assert _contracts({"category": ContractCategory.HIGHWAYS_TRANSPORT}) == {"G-1", "G-2"}


def test_contract_filter_by_annual_value_range_includes_both_ends(contracts):
    assert _contracts({"annual_value_min": "100000", "annual_value_max": "250000"}) == {"A-1", "A-2"}
    assert _contracts({"annual_value_min": "100000.01"}) == {"A-2", "G-1"}
    assert _contracts({"annual_value_max": "99999.99"}) == {"G-2"}


def test_contract_filter_ending_on_or_before_a_date(contracts):
    today = datetime.date.today()
    assert _contracts({"ending_before": (today + relativedelta(months=3)).isoformat()}) == {"A-1", "G-2"}
    assert _contracts({"ending_before": (today - relativedelta(days=2)).isoformat()}) == set()


def test_contract_filter_ending_soon_means_active_and_within_six_months(contracts):
    assert _contracts({"ending_soon": "true"}) == {"A-1"}
    assert _contracts({"ending_soon": "false"}) == {"A-2", "G-1", "G-2"}


def test_contract_filters_combine(contracts):
    assert _contracts({"directorate_id": contracts["asch"].pk, "status": [ContractStatus.ACTIVE], "q": "home"}) == {
        "A-1"
    }


def test_contract_filter_refuses_an_unknown_directorate(contracts):
    fs = ContractFilterSet({"directorate_id": 999999}, queryset=Contract.objects.all())
    assert not fs.is_valid()
    assert "directorate_id" in fs.errors


def test_every_contract_filter_has_a_label():
    fs = ContractFilterSet({}, queryset=Contract.objects.none())
    assert all(f.label for f in fs.filters.values())
    fs = ProviderFilterSet({}, queryset=Provider.objects.none())
    assert all(f.label for f in fs.filters.values())
