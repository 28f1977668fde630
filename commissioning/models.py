"""The council's commissioning framework: outcomes, directorates and the people who use it.

The framework is data, not code: KCC's "Increasing Opportunities, Improving Outcomes
2015-2020" is loaded from commissioning/data/ by `manage.py load_framework`, and another
council loads its own in the same JSON shape.
"""

from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from commissioning.choices import MEASURE_DIRECTION_CHOICES, AreaStatus, NationalComparison, Role
from commissioning.db import TimeStampedModel


class Directorate(TimeStampedModel):
    """A directorate of the council; commissioners belong to one and own its contracts."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in. Their role is the Django group they belong to (see roles.py)."""

    directorate = models.ForeignKey(
        Directorate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        help_text="Commissioners maintain the contracts of their own directorate.",
    )
    job_title = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def roles(self) -> set[str]:
        """Role names from the user's groups; cached on the instance for one request."""
        if not hasattr(self, "_roles_cache"):
            self._roles_cache = {g.name for g in self.groups.all()} & set(Role.values)
            if self.is_superuser:
                self._roles_cache.add(Role.ADMIN)
        return self._roles_cache

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    @property
    def role_label(self) -> str:
        for role in (Role.ADMIN, Role.COMMISSIONER, Role.PROCUREMENT, Role.MEMBER):
            if role in self.roles:
                return Role(role).label
        return "No role"


class Framework(TimeStampedModel):
    """An outcomes framework: the council's strategic statement for a period."""

    slug = models.SlugField(max_length=100, unique=True)
    council = models.CharField(max_length=200)
    name = models.CharField(max_length=300, help_text="Short name, e.g. Increasing Opportunities, Improving Outcomes")
    title = models.CharField(max_length=500, help_text="Full title as the council publishes it")
    period_start = models.PositiveSmallIntegerField(help_text="First year, e.g. 2015")
    period_end = models.PositiveSmallIntegerField(help_text="Last year, e.g. 2020")
    vision = models.TextField()
    is_default = models.BooleanField(default=False, help_text="The framework contracts are linked to by default")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-is_default", "-period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="framework_single_default",
                violation_error_message="Only one framework can be the default.",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="framework_period_order",
                violation_error_message="The period must end in or after the year it starts.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.period}"

    @property
    def period(self) -> str:
        return f"{self.period_start}-{self.period_end}"


class StrategicOutcome(TimeStampedModel):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="strategic_outcomes")
    code = models.CharField(max_length=10)
    title = models.CharField(max_length=500)
    short_title = models.CharField(
        max_length=200, blank=True, help_text="Label for narrow screens; not the council's wording"
    )
    order = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["framework", "order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "code"],
                name="strategic_outcome_code_unique",
                violation_error_message="A strategic outcome with this code already exists in the framework.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.title}"


class SupportingOutcome(TimeStampedModel):
    """A supporting outcome (e.g. 2.3); contracts are linked to these (outcomes_link)."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="supporting_outcomes")
    strategic_outcome = models.ForeignKey(
        StrategicOutcome, on_delete=models.CASCADE, related_name="supporting_outcomes"
    )
    code = models.CharField(max_length=10)
    title = models.CharField(max_length=500)
    short_title = models.CharField(
        max_length=200, blank=True, help_text="Label for narrow screens; not the council's wording"
    )
    order = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["framework", "order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "code"],
                name="supporting_outcome_code_unique",
                violation_error_message="A supporting outcome with this code already exists in the framework.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class SuggestedMeasure(TimeStampedModel):
    """A measure the framework suggests for tracking a supporting outcome's direction of travel."""

    supporting_outcome = models.ForeignKey(
        SupportingOutcome, on_delete=models.CASCADE, related_name="suggested_measures"
    )
    text = models.CharField(max_length=500)
    order = models.PositiveSmallIntegerField(default=0)
    source = models.CharField(max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["supporting_outcome", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["supporting_outcome", "text"],
                name="suggested_measure_unique",
                violation_error_message="This supporting outcome already has that measure.",
            )
        ]

    def __str__(self) -> str:
        return self.text


class PostcodeDistrict(models.Model):
    """A postcode district (e.g. TN16) and whether it lies inside the council's area.

    A split district needs a full postcode (see Postcode) or a decision recorded on the
    provider; it is never guessed.
    """

    district = models.CharField(max_length=4, unique=True)
    status = models.CharField(max_length=10, choices=AreaStatus.choices)
    local_authorities = models.CharField(max_length=300, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["district"]

    def __str__(self) -> str:
        return f"{self.district} ({self.get_status_display()})"


class Postcode(models.Model):
    """A full postcode with its local authority, loaded from an ONS postcode directory extract.

    Optional: only needed to settle providers in split postcode districts.
    """

    postcode = models.CharField(max_length=8, unique=True, help_text="Normalised, e.g. TN16 1AA")
    local_authority = models.CharField(max_length=100)
    inside_area = models.BooleanField()

    class Meta:
        ordering = ["postcode"]

    def __str__(self) -> str:
        return self.postcode


class OutcomeMeasure(TimeStampedModel):
    """An outcome measure in a supporting outcome's basket (e.g. 1.11 Infant mortality, in 1.1).

    The council reports each supporting outcome's direction of travel from its basket of
    measures (Strategic Statement Annual Report 2016: "based on the majority performance
    direction of travel of the supporting outcome measures"). KCC's 73 measures of 2016 are
    loaded by `manage.py load_outcome_measures`; officers record their values over time.
    """

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="outcome_measures")
    # PROTECT: an outcome whose measures hold values cannot be deleted by accident.
    supporting_outcome = models.ForeignKey(SupportingOutcome, on_delete=models.PROTECT, related_name="outcome_measures")
    code = models.CharField(max_length=10, help_text="As the council numbers it, e.g. 1.11")
    name = models.CharField(max_length=300)
    unit = models.CharField(max_length=200, blank=True, help_text="What a value counts, e.g. % of children")
    higher_is_better = models.BooleanField(
        null=True,
        blank=True,
        help_text="Whether a rise is an improvement; blank when the council has not said, so only "
        "'Maintaining' can be told from the values.",
    )
    # The report's "Maintaining" means "not statistically significantly changed". That needs
    # confidence intervals, which the council rarely holds for these measures; a change smaller
    # than this share of the earlier value stands in for it, and where the council published its
    # own assessment, that is recorded on the value and shown instead (commissioning.direction).
    maintaining_tolerance_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("2.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="A change smaller than this percentage of the earlier value counts as Maintaining, and a "
        "value this close to the national average as In line.",
    )
    source = models.CharField(max_length=500, blank=True, help_text="Where the measure and its values come from")
    order = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["framework", "order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "code"],
                name="outcome_measure_code_unique",
                violation_error_message="An outcome measure with this code already exists in the framework.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean_fields(self, exclude=None) -> None:
        # The measure belongs to its supporting outcome's framework (its code is unique within it),
        # so the framework is set from the outcome before the fields are checked.
        if self.supporting_outcome_id:
            self.framework_id = self.supporting_outcome.framework_id
        super().clean_fields(exclude=exclude)


class OutcomeMeasureValue(TimeStampedModel):
    """A measure's value for one period, entered by an officer, imported, or taken from a published report.

    A value imported from a published report may carry the council's own assessments of it
    (direction of travel over 1 and 3 years, against the national average): they are shown as
    published rather than worked out again. Such a value may stand without its figure, as the
    2016 report gives most measures' directions but not their values.
    """

    measure = models.ForeignKey(OutcomeMeasure, on_delete=models.CASCADE, related_name="values")
    period = models.CharField(max_length=40, help_text="As the source labels it, e.g. 2015-16, 2016 or March 2016")
    period_end = models.DateField(help_text="The last day of the period; directions compare values by this date")
    value = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    national_average = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="outcome_measure_values"
    )
    dot_1yr = models.CharField(
        "published 1 year direction of travel", max_length=20, choices=MEASURE_DIRECTION_CHOICES, blank=True
    )
    dot_1yr_years = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="Years the published 1 year direction spans when not 1 (a survey held every 2 years)",
    )
    dot_3yr = models.CharField(
        "published 3 year direction of travel", max_length=20, choices=MEASURE_DIRECTION_CHOICES, blank=True
    )
    dot_3yr_years = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="Years the published 3 year direction spans when not 3 (the 2016 report gives the 2 year "
        "direction when the 3 year is not available)",
    )
    vs_national = models.CharField(
        "published comparison with the national average", max_length=20, choices=NationalComparison.choices, blank=True
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["measure", "period_end"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "period_end"],
                name="outcome_measure_value_period_unique",
                violation_error_message="This measure already has a value for the period ending on that date.",
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=False) | ~Q(dot_1yr="") | ~Q(dot_3yr="") | ~Q(vs_national=""),
                name="outcome_measure_value_given",
                violation_error_message="Enter the value: only a published assessment can stand without one.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure.code} {self.period}"

    def clean(self) -> None:
        if self.dot_1yr_years and not self.dot_1yr:
            raise ValidationError({"dot_1yr_years": "Give the published 1 year direction this span belongs to."})
        if self.dot_3yr_years and not self.dot_3yr:
            raise ValidationError({"dot_3yr_years": "Give the published 3 year direction this span belongs to."})
