"""Reads of the commissioning framework and the council's geography."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch, QuerySet

from commissioning.choices import AreaStatus, Role
from commissioning.models import (
    Directorate,
    Framework,
    Postcode,
    PostcodeDistrict,
    StrategicOutcome,
    SupportingOutcome,
    User,
)
from commissioning.postcodes import postcode_area, split_postcode


def framework_get_default() -> Framework | None:
    return Framework.objects.filter(is_default=True).first()


def strategic_outcome_list(*, framework: Framework | None = None) -> QuerySet[StrategicOutcome]:
    """Strategic outcomes of the framework (default if none given) with their supporting outcomes."""
    framework = framework or framework_get_default()
    return (
        StrategicOutcome.objects.filter(framework=framework)
        .select_related("framework")
        .prefetch_related(Prefetch("supporting_outcomes", queryset=SupportingOutcome.objects.order_by("order", "code")))
        .order_by("order", "code")
    )


def supporting_outcome_list(*, framework: Framework | None = None) -> QuerySet[SupportingOutcome]:
    framework = framework or framework_get_default()
    return (
        SupportingOutcome.objects.filter(framework=framework)
        .select_related("strategic_outcome", "framework")
        .order_by("order", "code")
    )


def supporting_outcome_get(*, code: str, framework: Framework | None = None) -> SupportingOutcome:
    return supporting_outcome_list(framework=framework).prefetch_related("suggested_measures").get(code=code)


def directorate_list() -> QuerySet[Directorate]:
    return Directorate.objects.order_by("order", "name")


def commissioner_list(*, directorate_id: int | None = None) -> QuerySet[User]:
    qs = User.objects.filter(groups__name=Role.COMMISSIONER, is_active=True).select_related("directorate")
    if directorate_id is not None:
        qs = qs.filter(directorate_id=directorate_id)
    return qs.order_by("last_name", "first_name", "username").distinct()


@dataclass(frozen=True)
class AreaAnswer:
    """Whether a postcode is inside the council's area: "inside", "outside" or "unknown", and why."""

    status: str
    reason: str


def postcode_area_status(postcode: str) -> AreaAnswer:
    """Place a postcode inside or outside the council's area, or say why it cannot be placed.

    Rules (issue 2): a full postcode found in the postcode directory is decided by its local
    authority; otherwise the district decides when it lies wholly inside or outside; a split
    district without a directory entry, a missing or invalid postcode, is unknown, never guessed.
    """
    council = settings.COUNCIL_NAME
    if not postcode or not postcode.strip():
        return AreaAnswer("unknown", "No postcode recorded.")
    parts = split_postcode(postcode)
    if parts is None:
        return AreaAnswer("unknown", f"'{postcode}' is not a valid UK postcode.")
    district, full = parts
    if full:
        entry = Postcode.objects.filter(postcode=full).first()
        if entry is not None:
            where = "inside" if entry.inside_area else "outside"
            return AreaAnswer(where, f"{full} is in {entry.local_authority}, {where} {council}'s area.")
    row = PostcodeDistrict.objects.filter(district=district).first()
    if row is None:
        area = postcode_area(district)
        if not PostcodeDistrict.objects.filter(district__regex=rf"^{area}[0-9]").exists():
            return AreaAnswer("outside", f"Postcode area {area} has no district in {council}'s area.")
        return AreaAnswer("unknown", f"Postcode district {district} is not in the council's postcode list.")
    if row.status == AreaStatus.INSIDE:
        return AreaAnswer(
            "inside", f"Postcode district {district} lies wholly inside {council}'s area ({row.local_authorities})."
        )
    if row.status == AreaStatus.OUTSIDE:
        return AreaAnswer(
            "outside", f"Postcode district {district} is outside {council}'s area ({row.local_authorities})."
        )
    shown = full or district
    return AreaAnswer(
        "unknown",
        f"Postcode district {district} is split between {_and_list(row.local_authorities)}; {shown} is not in the "
        "postcode directory, so record a decision on the provider.",
    )


def _and_list(authorities: str) -> str:
    names = [a.strip() for a in authorities.split(";") if a.strip()]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
