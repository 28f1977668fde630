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
