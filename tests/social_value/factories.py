"""Spend lines for the local spend tests, written straight to the database so each test says
exactly which lines exist (the importer has its own tests), and providers pinned to a
classification (Kent-based, size, sector) without depending on postcode data."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from contracts.choices import Location, Sector, SizeBand
from contracts.models import CapitalRevenue, Provider, SpendImport, SpendLine, SpendPublisher
from contracts.services.providers import normalise_provider_name
from social_value.models import ProxyValue, SocialValueMeasure, SocialValueOutcome, SocialValueTheme
from tests.contracts.factories import ProviderFactory


def classified_provider(name: str, location: str, size: str, sector: str) -> Provider:
    """A provider whose location, size and sector are exactly these (they are derived fields)."""
    provider = ProviderFactory(name=name)
    Provider.objects.filter(pk=provider.pk).update(
        location=location,
        location_reason=f"Test: {location}",
        size=size,
        size_reason=f"Test: {size}",
        sector=sector,
        sector_reason=f"Test: {sector}",
    )
    provider.refresh_from_db()
    return provider


class SpendLines:
    """Adds spend lines to one import of one publisher."""

    def __init__(self, publisher: str = "Kent County Council"):
        self.publisher, _ = SpendPublisher.objects.get_or_create(name=publisher)
        self.spend_import = SpendImport.objects.create(publisher=self.publisher, file_name="test.csv", file_sha256="0")
        self.row = 1

    def add(
        self,
        day: datetime.date | str,
        supplier: str,
        pounds: str,
        *,
        provider: Provider | None = None,
        contract=None,
        redacted: bool = False,
        service_area: str = "",
        expense_type: str = "",
        capital_revenue: str = CapitalRevenue.UNKNOWN,
        publisher: SpendPublisher | None = None,
    ) -> SpendLine:
        if isinstance(day, str):
            day = datetime.date.fromisoformat(day)
        self.row += 1
        pence = int((Decimal(pounds) * 100).to_integral_value())
        return SpendLine.objects.create(
            spend_import=self.spend_import,
            publisher=publisher or self.publisher,
            row_number=self.row,
            transaction_number=f"T{self.row}",
            payment_date=day,
            supplier_name=supplier,
            normalised_supplier="" if redacted else normalise_provider_name(supplier),
            amount_pence=pence,
            redacted=redacted,
            provider=provider,
            contract=contract,
            service_area=service_area,
            expense_type=expense_type,
            capital_revenue=capital_revenue,
        )


@dataclass
class SpendDataset:
    """A small council's year of spend covering every case the annual report's table has."""

    kent_sme: Provider
    kent_micro_vcs: Provider
    outside_large: Provider
    outside_vcs: Provider
    unknown: Provider
    lines: SpendLines


def spend_dataset() -> SpendDataset:
    """Eleven lines, £18,100.00 in all:

    | line | date       | supplier (provider)                         | £         | service area      |
    |------|------------|---------------------------------------------|-----------|-------------------|
    | 1    | 31/03/2024 | Kent Care Ltd (Kent, small, private)        | 1,000.00  | Adult Social Care |
    | 2    | 01/04/2024 | KENT CARE LIMITED (same provider)           | 2,000.00  | Adult Social Care |
    | 3    | 30/06/2024 | Maidstone Mind (Kent, micro, VCS)           | 500.00    | Adult Social Care |
    | 4    | 01/07/2024 | Maidstone Mind (credit)                     | -100.00   | Adult Social Care |
    | 5    | 15/05/2024 | Big Outsourcing plc (outside, large)        | 10,000.00 | Highways (capital)|
    | 6    | 31/12/2024 | London Charity (outside, medium, VCS)       | 2,500.00  |                   |
    | 7    | 01/01/2025 | Mystery Ltd (location/size/sector unknown)  | 700.00    |                   |
    | 8    | 31/03/2025 | Bob's Plumbing (unmatched)                  | 800.00    |                   |
    | 9    | 01/04/2025 | Bob's Plumbing (unmatched)                  | 200.00    |                   |
    | 10   | 10/08/2024 | Redacted Personal Information (redacted)    | 400.00    |                   |
    | 11   | 11/08/2024 | REDACTED (redacted)                         | 100.00    |                   |
    """
    kent_sme = classified_provider("Kent Care Ltd", Location.LOCAL, SizeBand.SMALL, Sector.PRIVATE)
    kent_micro_vcs = classified_provider("Maidstone Mind", Location.LOCAL, SizeBand.MICRO, Sector.VCS)
    outside_large = classified_provider("Big Outsourcing plc", Location.OUTSIDE, SizeBand.LARGE, Sector.PRIVATE)
    outside_vcs = classified_provider("London Charity", Location.OUTSIDE, SizeBand.MEDIUM, Sector.VCS)
    unknown = classified_provider("Mystery Ltd", Location.UNKNOWN, SizeBand.UNKNOWN, Sector.UNKNOWN)
    lines = SpendLines()
    asc, rev, mind = "Adult Social Care", CapitalRevenue.REVENUE, "Maidstone Mind"
    lines.add("2024-03-31", "Kent Care Ltd", "1000.00", provider=kent_sme, service_area=asc, capital_revenue=rev)
    lines.add("2024-04-01", "KENT CARE LIMITED", "2000.00", provider=kent_sme, service_area=asc, capital_revenue=rev)
    lines.add("2024-06-30", mind, "500.00", provider=kent_micro_vcs, service_area=asc, expense_type="Grants")
    lines.add("2024-07-01", mind, "-100.00", provider=kent_micro_vcs, service_area=asc)
    lines.add(
        "2024-05-15",
        "Big Outsourcing plc",
        "10000.00",
        provider=outside_large,
        service_area="Highways",
        expense_type="Construction",
        capital_revenue=CapitalRevenue.CAPITAL,
    )
    lines.add("2024-12-31", "London Charity", "2500.00", provider=outside_vcs, expense_type="Grants")
    lines.add("2025-01-01", "Mystery Ltd", "700.00", provider=unknown)
    lines.add("2025-03-31", "Bob's Plumbing", "800.00")
    lines.add("2025-04-01", "Bob's Plumbing", "200.00")
    lines.add("2024-08-10", "Redacted Personal Information", "400.00", redacted=True)
    lines.add("2024-08-11", "REDACTED", "100.00", redacted=True)
    return SpendDataset(kent_sme, kent_micro_vcs, outside_large, outside_vcs, unknown, lines)


# ---------------------------------------------------------------- social value catalogue (issue 5)


def measure(code: str = "LET1", *, unit: str = "people", proxies: list[tuple] = (), supporting_outcomes=()):
    """A catalogue measure under a test theme and outcome, with proxy versions (value, valid_from)."""
    theme, _ = SocialValueTheme.objects.get_or_create(code="T-LET", defaults={"name": "Local employment"})
    outcome, _ = SocialValueOutcome.objects.get_or_create(
        code="O-LET", defaults={"theme": theme, "name": "More local people in work"}
    )
    item = SocialValueMeasure.objects.create(outcome=outcome, code=code, name=f"Measure {code}", unit=unit)
    for value, valid_from in proxies:
        ProxyValue.objects.create(
            measure=item, value=Decimal(value), source=f"Test source {valid_from.year}", source_year=valid_from.year,
            valid_from=valid_from,
        )  # fmt: skip
    item.supporting_outcomes.set(supporting_outcomes)
    return item
