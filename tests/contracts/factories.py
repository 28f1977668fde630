import csv
import datetime
import io
from decimal import Decimal

import factory

from contracts.choices import (
    ContractCategory,
    ContractStatus,
    DeductionRule,
    EmployeeBand,
    Frequency,
    KPIUnit,
    LegalForm,
    Polarity,
    ProcurementRoute,
)
from contracts.models import KPI, Contract, Provider
from contracts.services import contract_create, kpi_create, provider_create, spend_file_import
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


class KPIFactory(factory.Factory):
    """KPIs are created through kpi_create. Defaults: a quarterly % KPI, target 90, amber below 85, red below 80."""

    class Meta:
        model = dict

    contract = factory.SubFactory(ContractFactory)
    code = factory.Sequence(lambda n: f"KPI{n:02d}")
    name = factory.Sequence(lambda n: f"Visits on time {n}")
    description = "Share of planned visits made on time."
    unit = KPIUnit.PERCENT
    polarity = Polarity.HIGHER
    target = Decimal("90")
    amber_threshold = Decimal("85")
    red_threshold = Decimal("80")
    tolerance = Decimal("0.5")
    frequency = Frequency.QUARTERLY
    first_period_start = datetime.date(2024, 4, 1)
    weight = 1
    is_key = False
    deduction_rule = DeductionRule.NONE

    @classmethod
    def _create(cls, model_class, *args, **kwargs) -> KPI:
        return kpi_create(**kwargs)

    @classmethod
    def _build(cls, model_class, *args, **kwargs) -> KPI:
        return KPI(**kwargs)


def kpi_return(kpi: KPI, period: str, actual, *, submit: bool = True, actor=None, commentary: str = ""):
    """Record a return through kpi_return_save: `period` as written ("2024-25 Q1", "May 2024", "2024-25")."""
    from contracts.periods import parse_period
    from contracts.services import kpi_return_save

    return kpi_return_save(
        kpi=kpi,
        period=parse_period(period, kpi.frequency),
        actual=None if actual is None else Decimal(str(actual)),
        commentary=commentary,
        submit=submit,
        actor=actor,
    )


# ---------------------------------------------------------------- spend files (issue 4)

SPEND_HEADINGS = ["Body Name", "Payment Date", "Transaction Number", "Supplier Name", "Net Amount", "Service Area",
                  "Expense Type", "Capital / Revenue"]  # fmt: skip


def spend_csv(rows: list[tuple], *, headings: list[str] | None = None, publisher: str = "Kent County Council") -> bytes:
    """A small spend file in a real publishing layout. Each row is
    (date, transaction number, supplier, amount[, service area[, expense type[, capital/revenue]]])."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headings or SPEND_HEADINGS)
    for row in rows:
        row = list(row) + [""] * (7 - len(row))
        writer.writerow([publisher, *row])
    return out.getvalue().encode("utf-8")


def import_spend(content: bytes, *, file_name: str = "spend.csv", actor=None, **kwargs):
    """Import spend-file bytes through the real service (all or nothing), returning its result."""
    return spend_file_import(handle=io.BytesIO(content), file_name=file_name, actor=actor, **kwargs)
