"""Providers (suppliers) and the contracts the council holds with them."""

import datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from commissioning import as_at
from commissioning.db import TimeStampedModel
from commissioning.models import Directorate
from contracts.choices import (
    SME_SIZES,
    ContractCategory,
    ContractStatus,
    DeclaredSize,
    EmployeeBand,
    LegalForm,
    Location,
    LocationDecision,
    ProcurementRoute,
    Sector,
    SizeBand,
)

MONEY = {"max_digits": 14, "decimal_places": 2, "validators": [MinValueValidator(0)]}


class Provider(TimeStampedModel):
    """A supplier the council pays: company, charity, social enterprise, sole trader or public body.

    Location (Kent-based), size and sector are derived by contracts.services from the facts
    recorded here and stored with the reason shown to users, so reports never re-derive them
    and a person can always see why a provider counts as local, an SME or VCS.
    """

    name = models.CharField(max_length=300)
    normalised_name = models.CharField(max_length=300, db_index=True, editable=False)
    companies_house_number = models.CharField("Companies House number", max_length=8, blank=True)
    charity_number = models.CharField(max_length=20, blank=True)
    legal_form = models.CharField(max_length=20, choices=LegalForm.choices, default=LegalForm.UNKNOWN)
    is_non_profit = models.BooleanField(
        "Non-profit",
        default=False,
        help_text="For a company limited by guarantee: its articles bar distributing profit",
    )
    address_line_1 = models.CharField(max_length=200, blank=True)
    address_line_2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    employee_band = models.CharField(
        max_length=10, choices=EmployeeBand.choices, blank=True, default=EmployeeBand.UNKNOWN
    )
    location_decision = models.CharField(
        max_length=10,
        choices=LocationDecision.choices,
        blank=True,
        default=LocationDecision.NONE,
        help_text="Only where the postcode district is split between councils",
    )
    location_decision_note = models.CharField(max_length=300, blank=True)
    # What the supplier declared in published data (Contracts Finder's scale and VCSE flag, a
    # register's SME column), used only where the facts above do not decide size or sector.
    declared_size = models.CharField(max_length=10, choices=DeclaredSize.choices, blank=True, default="")
    declared_vcse = models.BooleanField("Declared a VCSE", null=True, blank=True)
    declared_source = models.CharField(
        "Where declared", max_length=200, blank=True, help_text="For example, a Contracts Finder award notice"
    )

    # Derived by contracts.services.provider_classification, stored with the reason.
    location = models.CharField(max_length=10, choices=Location.choices, default=Location.UNKNOWN, editable=False)
    location_reason = models.CharField(max_length=300, blank=True, editable=False)
    size = models.CharField(max_length=10, choices=SizeBand.choices, default=SizeBand.UNKNOWN, editable=False)
    size_reason = models.CharField(max_length=300, blank=True, editable=False)
    sector = models.CharField(max_length=10, choices=Sector.choices, default=Sector.UNKNOWN, editable=False)
    sector_reason = models.CharField(max_length=300, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["location", "size", "sector"])]
        constraints = [
            models.UniqueConstraint(
                fields=["companies_house_number"],
                condition=~Q(companies_house_number=""),
                name="provider_companies_house_number_unique",
                violation_error_message="Another provider already has this Companies House number.",
            ),
            models.UniqueConstraint(
                fields=["charity_number"],
                condition=~Q(charity_number=""),
                name="provider_charity_number_unique",
                violation_error_message="Another provider already has this charity number.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.location_decision and not self.location_decision_note.strip():
            raise ValidationError(
                {"location_decision_note": "Say why you decided the location (e.g. the full address checked)."}
            )

    @property
    def is_sme(self) -> bool:
        return self.size in SME_SIZES

    @property
    def is_vcs(self) -> bool:
        return self.sector == Sector.VCS

    @property
    def address(self) -> str:
        return ", ".join(p for p in [self.address_line_1, self.address_line_2, self.town, self.postcode] if p)


class Contract(TimeStampedModel):
    """A contract the council holds with a provider, owned by a directorate.

    Values are Decimal pounds. `current_end_date` is the end date after the extensions
    taken; it is derived by contracts.services and stored so lists can filter on it.

    Dates and values may be unknown (None) for a contract taken from a published register or
    notice that does not give them ("TBC", "-", blank): the record says "not known" rather than
    inventing a date or a value. Forms and the API still require them when a person enters one.
    """

    reference = models.CharField(
        max_length=50, unique=True, error_messages={"unique": "Another contract already has this reference."}
    )
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    directorate = models.ForeignKey(Directorate, on_delete=models.PROTECT, related_name="contracts")
    commissioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="commissioned_contracts",
        verbose_name="responsible commissioner",
    )
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="contracts")
    procurement_route = models.CharField(max_length=30, choices=ProcurementRoute.choices, default=ProcurementRoute.OPEN)
    status = models.CharField(max_length=12, choices=ContractStatus.choices, default=ContractStatus.ACTIVE)
    category = models.CharField(max_length=30, choices=ContractCategory.choices, default=ContractCategory.OTHER)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True, help_text="End of the initial term, before any extension")
    extension_months_available = models.PositiveSmallIntegerField(default=0)
    extension_months_taken = models.PositiveSmallIntegerField(default=0)
    current_end_date = models.DateField(null=True, editable=False, db_index=True)
    review_date = models.DateField(
        null=True, blank=True, help_text="When the council next reviews the contract (Transparency Code 2015)"
    )
    annual_value = models.DecimalField(**MONEY, null=True, blank=True)
    total_value = models.DecimalField(
        **MONEY, null=True, blank=True, help_text="Whole-life value including extensions taken"
    )
    irrecoverable_vat = models.DecimalField(
        "VAT that cannot be recovered",
        **MONEY,
        null=True,
        blank=True,
        help_text="Published in the contracts register (Transparency Code 2015); blank if not known",
    )
    key_kpi_exemption_reason = models.TextField(
        "Reason for fewer than three key KPIs",
        blank=True,
        help_text=(
            "Procurement Act 2023 s.52: a contract over £5m must publish at least three key KPIs "
            "unless a reason is recorded"
        ),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["reference"]
        indexes = [models.Index(fields=["status", "current_end_date"]), models.Index(fields=["directorate", "status"])]
        constraints = [
            # A one-day job (a survey on one day) starts and ends on the same day.
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="contract_end_on_or_after_start",
                violation_error_message="End date must be on or after the start date.",
            ),
            models.CheckConstraint(
                condition=Q(extension_months_taken__lte=F("extension_months_available")),
                name="contract_extension_taken_within_available",
                violation_error_message="Extension months taken cannot be more than the months available.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def clean(self) -> None:
        errors = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = "End date must be on or after the start date."
        if (self.extension_months_taken or 0) > (self.extension_months_available or 0):
            errors["extension_months_taken"] = (
                f"Extension months taken ({self.extension_months_taken}) cannot be more than "
                f"the months available ({self.extension_months_available})."
            )
        if errors:
            raise ValidationError(errors)

    def end_date_with_extensions(self) -> datetime.date | None:
        if self.end_date is None:
            return None
        return self.end_date + relativedelta(months=self.extension_months_taken or 0)

    def is_ending_soon(self, today: datetime.date | None = None) -> bool:
        """Active and ending within CONTRACT_ENDING_SOON_MONTHS (6) of today."""
        today = today or as_at.today()
        horizon = today + relativedelta(months=settings.CONTRACT_ENDING_SOON_MONTHS)
        end = self.current_end_date
        return self.status == ContractStatus.ACTIVE and end is not None and today <= end <= horizon

    @property
    def extension_months_remaining(self) -> int:
        return max((self.extension_months_available or 0) - (self.extension_months_taken or 0), 0)
