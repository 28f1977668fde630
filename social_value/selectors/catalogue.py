"""Reads of the measures catalogue (issue 5): themes → outcomes → measures, each measure with
its supporting outcomes and the proxy value in force on a day."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch

from commissioning.models import SupportingOutcome
from social_value.models import (
    MeasureUnit,
    ProxyValue,
    SocialValueMeasure,
    SocialValueOutcome,
    SocialValueTheme,
)


@dataclass(frozen=True)
class CatalogueMeasure:
    """A measure as the catalogue shows it on a day: the proxy version in force (None where none
    applies), earlier versions (newest first) and versions still to come."""

    measure: SocialValueMeasure
    supporting_outcomes: list[SupportingOutcome]
    proxy: ProxyValue | None
    earlier: list[ProxyValue]
    upcoming: list[ProxyValue]

    @property
    def face_value(self) -> bool:
        """A measure counted in pounds with no proxy of its own is worth its face value."""
        return self.proxy is None and self.measure.unit == MeasureUnit.POUNDS


@dataclass(frozen=True)
class CatalogueOutcome:
    outcome: SocialValueOutcome
    measures: list[CatalogueMeasure]


@dataclass(frozen=True)
class CatalogueTheme:
    theme: SocialValueTheme
    outcomes: list[CatalogueOutcome]

    @property
    def measure_count(self) -> int:
        return sum(len(o.measures) for o in self.outcomes)


def catalogue_tree(*, on: datetime.date) -> list[CatalogueTheme]:
    """The whole catalogue in its order, in five queries whatever its size (themes, outcomes,
    measures, their supporting outcomes, proxy versions)."""
    measures = SocialValueMeasure.objects.order_by("code").prefetch_related(
        Prefetch(
            "supporting_outcomes",
            queryset=SupportingOutcome.objects.order_by("order", "code"),
        ),
        Prefetch("proxy_values", queryset=ProxyValue.objects.order_by("-valid_from")),
    )
    themes = SocialValueTheme.objects.order_by("order", "code").prefetch_related(
        Prefetch(
            "outcomes",
            queryset=SocialValueOutcome.objects.order_by("order", "code").prefetch_related(
                Prefetch("measures", queryset=measures)
            ),
        )
    )
    tree = []
    for theme in themes:
        outcomes = []
        for outcome in theme.outcomes.all():
            outcomes.append(CatalogueOutcome(outcome, [_measure(m, on) for m in outcome.measures.all()]))
        tree.append(CatalogueTheme(theme, outcomes))
    return tree


def _measure(measure: SocialValueMeasure, on: datetime.date) -> CatalogueMeasure:
    # Newest first, so the first version started by `on` is the one in force
    # (rules.proxy_in_force, as commitments take it).
    versions = list(measure.proxy_values.all())
    in_force = next((p for p in versions if p.valid_from <= on), None)
    return CatalogueMeasure(
        measure=measure,
        supporting_outcomes=list(measure.supporting_outcomes.all()),
        proxy=in_force,
        earlier=[p for p in versions if in_force is not None and p.valid_from < in_force.valid_from],
        upcoming=[p for p in reversed(versions) if p.valid_from > on],
    )
