"""The council's commissioning framework: outcomes, directorates and the people who use it.

The framework is data, not code: KCC's "Increasing Opportunities, Improving Outcomes
2015-2020" is loaded from commissioning/data/ by `manage.py load_framework`, and another
council loads its own in the same JSON shape.
"""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from commissioning.choices import AreaStatus, Role
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
