"""Social value: the council's measures catalogue, what providers commit to under each contract,
and what they deliver (Public Services (Social Value) Act 2012; issue 5). The local spend
analysis (issue 4) reads contracts' spend lines and keeps no models here.

The catalogue is the council's own, organised by the government's Social Value Model themes
(PPN 06/20) and the council's three areas. A measure's proxy value (£ per unit) is versioned:
a commitment keeps the proxy value in force on the day it was made, with its source, so a
later change to the catalogue never rewrites what was promised.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from commissioning.db import TimeStampedModel
from commissioning.models import SupportingOutcome
from contracts.models import Contract

QUANTITY = {"max_digits": 14, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}
MONEY = {"max_digits": 14, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}


class MeasureUnit(models.TextChoices):
    PEOPLE = "people", "People"
    HOURS = "hours", "Hours"
    WEEKS = "weeks", "Weeks"
    POUNDS = "pounds", "£"
    TONNES_CO2E = "tonnes_co2e", "Tonnes CO2e"
    TONNES = "tonnes", "Tonnes"
    ORGANISATIONS = "organisations", "Organisations"
    PERCENT = "percent", "%"
    WELLBYS = "wellbys", "WELLBYs"
    NUMBER = "number", "Number"


class CouncilArea(models.TextChoices):
    """The council's three social value areas (KCC annual report 2016)."""

    EMPLOYMENT = "employment", "Local employment and training"
    COMMUNITIES = "communities", "Resilient communities"
    ENVIRONMENT = "environment", "Environment and waste"


class SocialValueTheme(TimeStampedModel):
    """A theme of the catalogue: a Social Value Model theme or one of the council's three areas."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    source = models.CharField(max_length=500, blank=True, help_text="Where the theme comes from")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class SocialValueOutcome(TimeStampedModel):
    """A policy outcome within a theme ("Create new businesses, new jobs and new skills")."""

    theme = models.ForeignKey(SocialValueTheme, on_delete=models.PROTECT, related_name="outcomes")
    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=300)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["theme__order", "order", "code"]

    def __str__(self) -> str:
        return self.name


class SocialValueMeasure(TimeStampedModel):
    """Something a provider can commit to and deliver, in a unit, contributing to supporting outcomes."""

    outcome = models.ForeignKey(SocialValueOutcome, on_delete=models.PROTECT, related_name="measures")
    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    unit = models.CharField(max_length=20, choices=MeasureUnit.choices)
    area = models.CharField(
        "Council area",
        max_length=20,
        choices=CouncilArea.choices,
        blank=True,
        help_text="Which of the council's three areas",
    )
    supporting_outcomes = models.ManyToManyField(SupportingOutcome, blank=True, related_name="social_value_measures")
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ProxyValue(TimeStampedModel):
    """£ per unit of a measure from `valid_from`, with the public source and year it comes from.

    The version in force on a day is the latest one starting on or before it. A proxy value is
    only recorded where a public source is cited; a measure without one is counted in units only.
    """

    measure = models.ForeignKey(SocialValueMeasure, on_delete=models.CASCADE, related_name="proxy_values")
    value = models.DecimalField("£ per unit", **MONEY)
    source = models.CharField(max_length=500)
    source_year = models.PositiveSmallIntegerField()
    valid_from = models.DateField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["measure", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "valid_from"],
                name="proxy_value_one_per_measure_and_day",
                violation_error_message="This measure already has a proxy value starting on that day.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure.code}: £{self.value} from {self.valid_from}"


class CommitmentBasis(models.TextChoices):
    BY_DATE = "by_date", "In total, by a date"
    PER_CONTRACT_YEAR = "per_year", "Each contract year"


class SocialValueCommitment(TimeStampedModel):
    """What a provider promised under a contract: a quantity of a measure, in total by a date or
    each contract year, valued at the proxy in force on the day it was made (kept here, so the
    catalogue can change without rewriting the promise). Varied only with a reason, with history."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="social_value_commitments")
    measure = models.ForeignKey(SocialValueMeasure, on_delete=models.PROTECT, related_name="commitments")
    basis = models.CharField(max_length=10, choices=CommitmentBasis.choices, default=CommitmentBasis.BY_DATE)
    quantity = models.DecimalField(
        **QUANTITY, help_text="In the measure's unit: in total, or each contract year for a yearly commitment"
    )
    start_date = models.DateField(help_text="When delivery starts (normally the contract start)")
    due_date = models.DateField(help_text="When the whole commitment is due (normally the contract end)")
    committed_on = models.DateField(help_text="The day the provider made the commitment (sets the proxy value)")
    proxy_value = models.DecimalField("Proxy £ per unit applied", null=True, blank=True, **MONEY)
    proxy_source = models.CharField(max_length=500, blank=True)
    total_quantity = models.DecimalField(**QUANTITY, editable=False, default=Decimal("0"))
    committed_value = models.DecimalField("Committed social value (£)", **MONEY, editable=False, default=0)
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["contract__reference", "measure__code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_date__gt=models.F("start_date")),
                name="commitment_due_after_start",
                violation_error_message="The due date must be after the start date.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract.reference}: {self.measure.code} × {self.total_quantity}"

    def clean(self) -> None:
        if self.start_date and self.due_date and self.due_date <= self.start_date:
            raise ValidationError({"due_date": "The due date must be after the start date."})


class DeliveryStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted, awaiting verification"
    VERIFIED = "verified", "Verified"
    REJECTED = "rejected", "Rejected"


# Only verified deliveries count towards a commitment.
COUNTED_DELIVERY_STATUSES = {DeliveryStatus.VERIFIED}


class DeliveryReturn(TimeStampedModel):
    """What was delivered against a commitment in a period, with its evidence; the commissioner
    verifies it (then it counts) or rejects it with a reason."""

    commitment = models.ForeignKey(SocialValueCommitment, on_delete=models.PROTECT, related_name="returns")
    period_start = models.DateField()
    period_end = models.DateField()
    quantity = models.DecimalField(**QUANTITY)
    evidence_note = models.TextField(blank=True)
    evidence_file = models.FileField(upload_to="social_value/evidence/%Y/%m/", blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.SUBMITTED)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["commitment", "-period_start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="delivery_return_period_end_after_start",
                violation_error_message="The period must end on or after its start.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.commitment}: {self.quantity} for {self.period_start}–{self.period_end}"

    def clean(self) -> None:
        errors = {}
        if self.period_start and self.period_end and self.period_end < self.period_start:
            errors["period_end"] = "The period must end on or after its start."
        if not (self.evidence_note or "").strip() and not self.evidence_file:
            errors["evidence_note"] = "Give the evidence: a note, a file, or both."
        if errors:
            raise ValidationError(errors)
