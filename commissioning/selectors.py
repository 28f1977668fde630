"""Reads of the commissioning framework and the council's geography."""

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Prefetch, QuerySet

from commissioning import as_at
from commissioning.choices import AreaStatus, Role
from commissioning.direction import (
    Assessment,
    Comparison,
    OutcomeDirection,
    measure_direction,
    measure_vs_national,
    outcome_direction,
)
from commissioning.models import (
    Directorate,
    Framework,
    OutcomeMeasure,
    OutcomeMeasureValue,
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


# --- Outcome measures: each supporting outcome's basket and its direction of travel ---------------------


@dataclass
class MeasureRow:
    """One measure of a basket: its values up to today (as at), in date order, and its assessments."""

    measure: OutcomeMeasure
    values: list[OutcomeMeasureValue]
    dot_1yr: Assessment
    dot_3yr: Assessment
    vs_national: Comparison

    @property
    def latest(self) -> OutcomeMeasureValue | None:
        """The value for the latest period, whose published assessments count (it may have no figure)."""
        return self.values[-1] if self.values else None

    @property
    def latest_value(self) -> OutcomeMeasureValue | None:
        """The latest value with a figure."""
        return next((v for v in reversed(self.values) if v.value is not None), None)

    @property
    def published(self) -> bool:
        return self.dot_1yr.published or self.dot_3yr.published or self.vs_national.published


@dataclass
class Basket:
    """A supporting outcome's basket of measures and its overall 1 and 3 year direction of travel
    (the majority rule of the Strategic Statement Annual Report 2016; see commissioning.direction)."""

    outcome: SupportingOutcome
    measures: list[MeasureRow] = field(default_factory=list)
    dot_1yr: OutcomeDirection = field(default_factory=lambda: outcome_direction([]))
    dot_3yr: OutcomeDirection = field(default_factory=lambda: outcome_direction([]))

    @property
    def published(self) -> bool:
        return any(row.published for row in self.measures)


def outcome_measure_values_shown() -> QuerySet[OutcomeMeasureValue]:
    """Values whose period has ended by today (or the as-at day), oldest first. What was recorded
    after an as-at day is left out by the history (commissioning.as_at), not here."""
    return (
        OutcomeMeasureValue.objects.filter(period_end__lte=as_at.today())
        .select_related("recorded_by")
        .order_by("period_end")
    )


def outcome_measure_queryset() -> QuerySet[OutcomeMeasure]:
    """Every framework's outcome measures in order, each with its outcomes and its values shown as
    at today (the API filters this): two queries."""
    return (
        OutcomeMeasure.objects.select_related("framework", "supporting_outcome__strategic_outcome")
        .prefetch_related(Prefetch("values", queryset=outcome_measure_values_shown()))
        .order_by("framework_id", "supporting_outcome__order", "supporting_outcome__code", "order", "code")
    )


def outcome_measure_list(
    *, framework: Framework | None = None, supporting_outcome: SupportingOutcome | None = None
) -> QuerySet[OutcomeMeasure]:
    """Outcome measures of the framework (default if none given) or of one supporting outcome,
    in the framework's order, with their values as outcome_measure_queryset gives them."""
    if supporting_outcome is not None:
        return outcome_measure_queryset().filter(supporting_outcome=supporting_outcome)
    return outcome_measure_queryset().filter(framework=framework or framework_get_default())


def outcome_measure_get(*, code: str, framework: Framework | None = None) -> OutcomeMeasure:
    """One measure by its code (e.g. "1.11") in the framework, with its values. Raises DoesNotExist."""
    return outcome_measure_list(framework=framework).get(code=code)


def measure_row(measure: OutcomeMeasure) -> MeasureRow:
    """A measure's assessments from its prefetched values (outcome_measure_list): no query."""
    values = list(measure.values.all())
    rules = {"higher_is_better": measure.higher_is_better, "tolerance_percent": measure.maintaining_tolerance_percent}
    return MeasureRow(
        measure=measure,
        values=values,
        dot_1yr=measure_direction(values, years=1, **rules),
        dot_3yr=measure_direction(values, years=3, **rules),
        vs_national=measure_vs_national(values, **rules),
    )


def _basket(outcome: SupportingOutcome, measures: list[OutcomeMeasure]) -> Basket:
    rows = [measure_row(m) for m in measures]
    return Basket(
        outcome=outcome,
        measures=rows,
        dot_1yr=outcome_direction(r.dot_1yr.direction for r in rows),
        dot_3yr=outcome_direction(r.dot_3yr.direction for r in rows),
    )


def outcome_measure_basket(*, supporting_outcome: SupportingOutcome) -> Basket:
    """One supporting outcome's basket of measures with their values and directions: two queries."""
    return _basket(supporting_outcome, list(outcome_measure_list(supporting_outcome=supporting_outcome)))


def outcome_measure_baskets(*, framework: Framework | None = None) -> dict[int, Basket]:
    """Every supporting outcome's basket (all 20 for KCC, empty ones too), keyed by supporting
    outcome id in the framework's order: three queries whatever the number of measures and values (one
    more to find the default framework when none is given)."""
    framework = framework or framework_get_default()
    outcomes = list(supporting_outcome_list(framework=framework))
    by_outcome: dict[int, list[OutcomeMeasure]] = {o.pk: [] for o in outcomes}
    for measure in outcome_measure_list(framework=framework):
        by_outcome.setdefault(measure.supporting_outcome_id, []).append(measure)
    return {o.pk: _basket(o, by_outcome[o.pk]) for o in outcomes}


def strategic_outcome_measure_baskets(*, strategic_outcome: StrategicOutcome) -> list[Basket]:
    """The baskets of a strategic outcome's supporting outcomes, in order (the report's summary
    table of 1 and 3 year directions): three queries."""
    baskets = outcome_measure_baskets(framework=strategic_outcome.framework)
    return [b for b in baskets.values() if b.outcome.strategic_outcome_id == strategic_outcome.pk]


def outcome_code_key(code: str) -> tuple:
    """Outcome codes in reading order: 2.2 before 2.10 (a text sort puts 2.10 first)."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in code.split("."))
