"""Contract performance: KPIs, periodic returns, performance concerns, deductions and
Procurement Act 2023 performance assessments.

The council's Total Facilities Management contracts run "a performance regime where
deduction penalties are made for poor performance" (Annual Report 2016); the Procurement
Act 2023 requires at least three published key performance indicators for contracts over
£5m (s.52) and contract performance notices assessing them (s.71). Everything computed
(RAG, direction of travel, summaries, concerns, proposed deductions) is derived by
contracts.services when a return is saved and stored here with its explanation.
"""

from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from commissioning.db import TimeStampedModel
from commissioning.models import SupportingOutcome
from contracts.choices import (
    RAG,
    AssessmentReason,
    AssessmentStatus,
    ConcernRule,
    DeductionRule,
    DeductionStatus,
    Direction,
    Frequency,
    KPIUnit,
    PerformanceRating,
    Polarity,
    ReturnStatus,
)
from contracts.models.contract import MONEY, Contract
from contracts.periods import Period

# KPI values: percentages to one decimal place and counts, days, ratios and pounds alike.
MEASURE = {"max_digits": 16, "decimal_places": 4}
PERCENT = {
    "max_digits": 6,
    "decimal_places": 2,
    "validators": [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
}


class KPI(TimeStampedModel):
    """A key performance indicator of one contract, with its target, thresholds and deduction rule.

    RAG (contracts.performance.rag_for): green when at or better than the amber threshold;
    amber when worse than the amber threshold but not worse than the red threshold; red when
    worse than the red threshold. The target is the contractual standard: a green return
    short of the target is "Approaching target" in a Procurement Act assessment.
    """

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="kpis")
    code = models.CharField(max_length=20, help_text="Short code providers use in returns, e.g. KPI01")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    unit = models.CharField(max_length=10, choices=KPIUnit.choices, default=KPIUnit.PERCENT)
    polarity = models.CharField(max_length=10, choices=Polarity.choices, default=Polarity.HIGHER)
    target = models.DecimalField(**MEASURE)
    amber_threshold = models.DecimalField(
        **MEASURE, help_text="Worse than this is amber (below it when higher is better, above it when lower is better)"
    )
    red_threshold = models.DecimalField(**MEASURE, help_text="Worse than this is red")
    tolerance = models.DecimalField(
        "direction of travel tolerance",
        max_digits=16,
        decimal_places=4,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="A change no bigger than this, in the KPI's unit, counts as no change",
    )
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.QUARTERLY)
    first_period_start = models.DateField(help_text="First day of the first period reported")
    weight = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1), MaxValueValidator(100)])
    is_key = models.BooleanField(
        "key performance indicator",
        default=False,
        help_text="One of the contract's published key performance indicators (Procurement Act 2023 s.52)",
    )
    supporting_outcome = models.ForeignKey(
        SupportingOutcome,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="kpis",
        help_text="The supporting outcome this KPI evidences, if any",
    )
    deduction_rule = models.CharField(max_length=12, choices=DeductionRule.choices, default=DeductionRule.NONE)
    deduction_amount = models.DecimalField(
        "deduction £",
        **MONEY,
        null=True,
        blank=True,
        help_text="£ per failed period (fixed), or for the first failure (escalating: then 2×, 3× ...)",
    )
    deduction_percent = models.DecimalField(
        "deduction %", **PERCENT, null=True, blank=True, help_text="% of the period's contract charge"
    )
    deduction_cap_percent = models.DecimalField(
        "deduction cap %",
        **PERCENT,
        null=True,
        blank=True,
        help_text="Deductions for this KPI in a financial year stop at this % of the contract's annual value",
    )
    is_active = models.BooleanField(default=True, help_text="Retired KPIs keep their returns but are no longer due")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "KPI"
        ordering = ["contract", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "code"],
                name="kpi_code_unique_per_contract",
                violation_error_message="This contract already has a KPI with this code.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        errors = {}
        if None not in (self.target, self.amber_threshold, self.red_threshold):
            higher = self.polarity == Polarity.HIGHER
            word = "at or below" if higher else "at or above"
            if (self.amber_threshold > self.target) if higher else (self.amber_threshold < self.target):
                errors["amber_threshold"] = (
                    f"The amber threshold must be {word} the target ({self.target.normalize():f})."
                )
            if (self.red_threshold > self.amber_threshold) if higher else (self.red_threshold < self.amber_threshold):
                errors["red_threshold"] = (
                    f"The red threshold must be {word} the amber threshold ({self.amber_threshold.normalize():f})."
                )
        if self.first_period_start and self.frequency in Frequency.values:
            try:
                Period(self.first_period_start, self.frequency)
            except ValueError as exc:
                errors["first_period_start"] = str(exc)
        if self.deduction_rule in (DeductionRule.FIXED, DeductionRule.ESCALATING) and not self.deduction_amount:
            errors["deduction_amount"] = "Give the £ deducted per failed period."
        if self.deduction_rule == DeductionRule.PERCENT_OF_CHARGE and not self.deduction_percent:
            errors["deduction_percent"] = "Give the % of the period's contract charge deducted."
        if errors:
            raise ValidationError(errors)

    @property
    def first_period(self) -> Period:
        return Period(self.first_period_start, self.frequency)


class KPIReturn(TimeStampedModel):
    """A KPI's actual value for one period, with the RAG and direction of travel derived when saved.

    Only submitted and accepted returns count towards summaries, concerns, deductions and
    assessments; a draft is work in progress and a returned one is waiting for the provider.
    """

    kpi = models.ForeignKey(KPI, on_delete=models.PROTECT, related_name="returns")
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="kpi_returns", editable=False)
    period_start = models.DateField()
    period_end = models.DateField(editable=False)
    financial_year = models.PositiveSmallIntegerField(editable=False, db_index=True)
    actual = models.DecimalField(**MEASURE, null=True, blank=True)
    commentary = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=ReturnStatus.choices, default=ReturnStatus.DRAFT)
    returned_reason = models.TextField(blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    # Derived by contracts.services.kpi_return_save and stored with the explanation shown.
    rag = models.CharField(max_length=5, choices=RAG.choices, blank=True, editable=False)
    rag_explanation = models.CharField(max_length=300, blank=True, editable=False)
    direction_previous = models.CharField(max_length=10, choices=Direction.choices, blank=True, editable=False)
    direction_previous_explanation = models.CharField(max_length=300, blank=True, editable=False)
    direction_year = models.CharField(max_length=10, choices=Direction.choices, blank=True, editable=False)
    direction_year_explanation = models.CharField(max_length=300, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "KPI return"
        ordering = ["kpi", "period_start"]
        indexes = [models.Index(fields=["contract", "period_start"]), models.Index(fields=["status", "period_end"])]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "period_start"],
                name="kpi_return_one_per_period",
                violation_error_message="This KPI already has a return for this period.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi.code} {self.period}"

    @property
    def period(self) -> Period:
        return Period(self.period_start, self.kpi.frequency)

    def clean(self) -> None:
        if self.status in (ReturnStatus.SUBMITTED, ReturnStatus.ACCEPTED) and self.actual is None:
            raise ValidationError({"actual": "Enter the actual value before submitting the return."})
        if self.status == ReturnStatus.RETURNED and not self.returned_reason.strip():
            raise ValidationError({"returned_reason": "Say why the return is sent back, so the provider can fix it."})


class ContractPeriodSummary(models.Model):
    """A contract's KPIs for one quarter: how many green, amber, red and missing, and the weighted score.

    Stored so the RAG matrix (contracts × quarters) reads one row per cell. Each KPI due in
    the quarter counts once: a monthly KPI by its worst month, an annual KPI in the quarter its
    year ends. The score weights green 100, amber 50 and red 0 over the KPIs reported.
    """

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="period_summaries")
    period_start = models.DateField(help_text="First day of the quarter")
    financial_year = models.PositiveSmallIntegerField(db_index=True)
    green = models.PositiveSmallIntegerField(default=0)
    amber = models.PositiveSmallIntegerField(default=0)
    red = models.PositiveSmallIntegerField(default=0)
    missing = models.PositiveSmallIntegerField(default=0)
    score = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    rag = models.CharField(max_length=5, choices=RAG.choices, blank=True)
    computed_at = models.DateTimeField(auto_now=True)
    # Kept so a page or report as at a past date shows the quarter as it was then (commissioning.as_at).
    history = HistoricalRecords()

    class Meta:
        ordering = ["contract", "period_start"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "period_start"], name="contract_period_summary_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.contract.reference} {self.period}"

    @property
    def period(self) -> Period:
        return Period(self.period_start, Frequency.QUARTERLY)

    @property
    def due(self) -> int:
        return self.green + self.amber + self.red + self.missing


class PerformanceConcern(TimeStampedModel):
    """Raised when a KPI is red in 2 periods running or in 3 of its last 6; open until resolved with a note."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="concerns")
    kpi = models.ForeignKey(KPI, on_delete=models.PROTECT, related_name="concerns")
    rule = models.CharField(max_length=15, choices=ConcernRule.choices)
    explanation = models.CharField(max_length=300)
    raised_by_return = models.ForeignKey(KPIReturn, on_delete=models.PROTECT, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution_note = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi"],
                condition=Q(resolved_at__isnull=True),
                name="concern_one_open_per_kpi",
                violation_error_message="This KPI already has an open performance concern.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract.reference} {self.kpi.code}: {self.explanation}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class Deduction(TimeStampedModel):
    """A deduction (service credit) for a failed (red) return: proposed with its calculation, then
    applied, waived with a reason, or disputed by the commissioner. Never deleted."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="deductions", editable=False)
    kpi = models.ForeignKey(KPI, on_delete=models.PROTECT, related_name="deductions", editable=False)
    kpi_return = models.OneToOneField(KPIReturn, on_delete=models.PROTECT, related_name="deduction")
    financial_year = models.PositiveSmallIntegerField(db_index=True, editable=False)
    calculated_amount = models.DecimalField(**MONEY, help_text="Before the cap")
    amount = models.DecimalField(**MONEY, help_text="After the cap: what is deducted if applied")
    calculation = models.CharField(max_length=500)
    status = models.CharField(max_length=10, choices=DeductionStatus.choices, default=DeductionStatus.PROPOSED)
    reason = models.TextField(blank=True, help_text="Why it was waived or disputed")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-financial_year", "contract", "kpi"]

    def __str__(self) -> str:
        return f"£{self.amount} {self.contract.reference} {self.kpi.code}"

    def clean(self) -> None:
        if self.status in (DeductionStatus.WAIVED, DeductionStatus.DISPUTED) and not self.reason.strip():
            word = "waived" if self.status == DeductionStatus.WAIVED else "disputed"
            raise ValidationError({"reason": f"Say why the deduction is {word}."})


class PerformanceAssessment(TimeStampedModel):
    """A Procurement Act 2023 s.71 assessment of a contract's key KPIs over a period.

    Required at least every 12 months and when the contract ends. Ratings are proposed from
    the returns and confirmed by the commissioner; a confirmed assessment is published as a
    contract performance notice (OCDS with the UK extension).
    """

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="assessments")
    period_start = models.DateField()
    period_end = models.DateField()
    reason = models.CharField(max_length=15, choices=AssessmentReason.choices, default=AssessmentReason.ANNUAL)
    status = models.CharField(max_length=10, choices=AssessmentStatus.choices, default=AssessmentStatus.PROPOSED)
    note = models.TextField(blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["contract", "-period_end"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "period_end"],
                name="assessment_one_per_contract_period_end",
                violation_error_message="This contract already has an assessment ending on this date.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract.reference} {self.period_start:%d %b %Y} to {self.period_end:%d %b %Y}"

    def clean(self) -> None:
        if self.period_start and self.period_end:
            if self.period_end < self.period_start:
                raise ValidationError({"period_end": "The period must end after it starts."})
            if self.period_end >= self.period_start + relativedelta(years=1):
                raise ValidationError({"period_end": "An assessment covers at most 12 months."})


class AssessmentRating(models.Model):
    """The rating of one key KPI in an assessment: proposed from the returns, then confirmed."""

    assessment = models.ForeignKey(PerformanceAssessment, on_delete=models.CASCADE, related_name="ratings")
    kpi = models.ForeignKey(KPI, on_delete=models.PROTECT, related_name="ratings")
    proposed_rating = models.CharField(max_length=20, choices=PerformanceRating.choices)
    proposed_explanation = models.CharField(max_length=300)
    rating = models.CharField(max_length=20, choices=PerformanceRating.choices)
    note = models.TextField(blank=True, help_text="Required when the rating differs from the one proposed")
    history = HistoricalRecords()

    class Meta:
        ordering = ["assessment", "kpi__code"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "kpi"], name="assessment_rating_one_per_kpi"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi.code}: {self.get_rating_display()}"

    def clean(self) -> None:
        if self.rating and self.proposed_rating and self.rating != self.proposed_rating and not self.note.strip():
            raise ValidationError({"note": "Say why the rating differs from the one proposed from the returns."})
