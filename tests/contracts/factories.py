import datetime
from decimal import Decimal

import factory

from contracts.choices import ContractCategory, ContractStatus, EmployeeBand, LegalForm, ProcurementRoute
from contracts.models import Contract, Provider
from contracts.services import contract_create, provider_create
from tests.commissioning.factories import DirectorateFactory


class ProviderFactory(factory.Factory):
    """Providers are created through provider_create, so their classification is derived as in use."""

    class Meta:
        model = dict

    name = factory.Faker("company", locale="en_GB")
    legal_form = LegalForm.PRIVATE_COMPANY
    employee_band = EmployeeBand.FROM_10
    address_line_1 = factory.Faker("street_address", locale="en_GB")
    town = "Maidstone"
    postcode = "ME14 1XX"

    @classmethod
    def _create(cls, model_class, *args, **kwargs) -> Provider:
        return provider_create(**kwargs)

    @classmethod
    def _build(cls, model_class, *args, **kwargs) -> Provider:
        return Provider(**kwargs)


class ContractFactory(factory.Factory):
    """Contracts are created through contract_create (derives current_end_date, checks the commissioner)."""

    class Meta:
        model = dict

    reference = factory.Sequence(lambda n: f"KCC-{n:05d}")
    title = factory.Sequence(lambda n: f"Community support service {n}")
    description = "Support for residents."
    directorate = factory.SubFactory(DirectorateFactory)
    provider = factory.SubFactory(ProviderFactory)
    commissioner = None
    procurement_route = ProcurementRoute.OPEN
    status = ContractStatus.ACTIVE
    category = ContractCategory.ADULT_SOCIAL_CARE
    start_date = datetime.date(2024, 4, 1)
    end_date = datetime.date(2029, 3, 31)
    extension_months_available = 24
    extension_months_taken = 0
    annual_value = Decimal("250000.00")
    total_value = Decimal("1250000.00")

    @classmethod
    def _create(cls, model_class, *args, **kwargs) -> Contract:
        return contract_create(**kwargs)

    @classmethod
    def _build(cls, model_class, *args, **kwargs) -> Contract:
        return Contract(**kwargs)
