from django.db import models


class Role(models.TextChoices):
    """The people who use Golden Thread (issue 2). Each role is a Django group of the same name."""

    MEMBER = "member", "Member (councillor)"
    COMMISSIONER = "commissioner", "Commissioner"
    PROCUREMENT = "procurement", "Procurement officer"
    ADMIN = "admin", "Administrator"


class AreaStatus(models.TextChoices):
    """Where a postcode district lies relative to the council's area."""

    INSIDE = "inside", "Inside the council's area"
    OUTSIDE = "outside", "Outside the council's area"
    SPLIT = "split", "Split between the council's area and others"


class Direction(models.TextChoices):
    """Direction of travel, in the words of the Strategic Statement Annual Report 2016 (its key:
    Improving, Maintaining, Mixed, Not improving; 'n/a' where no trend is available)."""

    IMPROVING = "improving", "Improving"
    MAINTAINING = "maintaining", "Maintaining"
    MIXED = "mixed", "Mixed"
    NOT_IMPROVING = "not_improving", "Not improving"
    NOT_AVAILABLE = "n/a", "n/a"


# A single measure's direction is never Mixed: that word sums up several measures.
MEASURE_DIRECTION_CHOICES = [choice for choice in Direction.choices if choice[0] != Direction.MIXED]


class NationalComparison(models.TextChoices):
    """Performance against the national average, as the 2016 report's measure tables show it."""

    ABOVE = "above", "Above"
    IN_LINE = "in_line", "In line"
    BELOW = "below", "Below"
    NOT_AVAILABLE = "n/a", "n/a"
