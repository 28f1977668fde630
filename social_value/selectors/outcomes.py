"""Social value on the golden thread (issue 5): what providers' commitments add to the council's
outcomes, for the outcome pages and the outcomes API.

Golden-thread rule: social value reaches a supporting outcome through its measure's mapping
(`SocialValueMeasure.supporting_outcomes`). A commitment counts in full for each supporting
outcome its measure serves, and once for a strategic outcome however many of its supporting
outcomes it serves; so figures by outcome do not add up to the total.

This is not the contract value attributed to an outcome (a contract's annual value × its
OutcomeLink share, in outcomes_link): a contract can deliver social value for an outcome whose
share of its contract value it does not claim, and the other way round.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet

from commissioning.models import StrategicOutcome, SupportingOutcome
from social_value.models import SocialValueCommitment, SocialValueMeasure
from social_value.selectors.commitments import (
    CommitmentProgress,
    SocialValueFigures,
    by_strategic_outcome,
    by_supporting_outcome,
    commitment_list,
    commitment_progress,
    figures_by,
    figures_total,
    measure_outcomes,
)


@dataclass(frozen=True)
class MeasureSocialValue:
    """One measure's commitments towards an outcome: units are summed, as it is one measure."""

    measure: SocialValueMeasure
    figures: SocialValueFigures


@dataclass(frozen=True)
class OutcomeSocialValue:
    """A supporting outcome's social value: the total, by measure, and one row per commitment
    (a contract with its measure), ordered by contract reference then measure code."""

    figures: SocialValueFigures
    measures: list[MeasureSocialValue]
    commitments: list[CommitmentProgress]


@dataclass(frozen=True)
class SupportingOutcomeSocialValue:
    outcome: SupportingOutcome
    figures: SocialValueFigures


@dataclass(frozen=True)
class StrategicOutcomeSocialValue:
    """A strategic outcome's social value, each commitment once, and each of its supporting
    outcomes' (where a commitment serving two of them counts in full for both)."""

    figures: SocialValueFigures
    supporting: list[SupportingOutcomeSocialValue]


@dataclass(frozen=True)
class ThreadSocialValue:
    """Figures of every outcome with commitments, by supporting outcome id and strategic outcome id."""

    supporting: dict[int, SocialValueFigures]
    strategic: dict[int, SocialValueFigures]


def commitments_serving(
    *, supporting_outcome: SupportingOutcome | None = None, strategic_outcome: StrategicOutcome | None = None
) -> QuerySet[SocialValueCommitment]:
    """`commitment_list()` narrowed in the database to the commitments whose measure serves the
    supporting outcome (or any supporting outcome of the strategic outcome), by contract reference
    then measure code."""
    measures = SocialValueMeasure.objects.all()
    if supporting_outcome is not None:
        measures = measures.filter(supporting_outcomes=supporting_outcome)
    if strategic_outcome is not None:
        measures = measures.filter(supporting_outcomes__strategic_outcome=strategic_outcome)
    # A subquery, not a join: joining a measure serving two supporting outcomes of one strategic
    # outcome would double its verified returns in commitment_list()'s sum of delivered units.
    return commitment_list().filter(measure__in=measures.values("pk"))


def outcome_social_value(supporting_outcome: SupportingOutcome, *, on: datetime.date) -> OutcomeSocialValue:
    """Social value committed and delivered (verified returns only) for a supporting outcome on a
    day, by measure and by commitment. One query."""
    progress = commitment_progress(commitments_serving(supporting_outcome=supporting_outcome), on=on)
    by_measure = figures_by(progress, lambda p: [p.commitment.measure])
    measures = sorted(
        (MeasureSocialValue(measure, figures) for measure, figures in by_measure.items()),
        key=lambda row: row.measure.code,
    )
    return OutcomeSocialValue(figures=figures_total(progress), measures=measures, commitments=progress)


def strategic_outcome_social_value(
    strategic_outcome: StrategicOutcome, *, on: datetime.date
) -> StrategicOutcomeSocialValue:
    """Social value committed and delivered for a strategic outcome (each commitment once) and for
    each of its supporting outcomes, in the framework's order. Two queries, or three when the
    strategic outcome's supporting outcomes were not prefetched (`strategic_outcome_list` does)."""
    progress = commitment_progress(commitments_serving(strategic_outcome=strategic_outcome), on=on)
    by_supporting = figures_by(progress, _supporting_outcome_ids(measure_outcomes()))
    return StrategicOutcomeSocialValue(
        figures=figures_total(progress),
        supporting=[
            SupportingOutcomeSocialValue(outcome, by_supporting.get(outcome.pk, SocialValueFigures()))
            for outcome in strategic_outcome.supporting_outcomes.all()
        ],
    )


def social_value_on_thread(*, on: datetime.date) -> ThreadSocialValue:
    """Every outcome's social value on a day: by supporting outcome (a commitment in full for each
    its measure serves) and by strategic outcome (each commitment once). Two queries."""
    progress = commitment_progress(commitment_list(), on=on)
    outcomes = measure_outcomes()
    return ThreadSocialValue(
        supporting=figures_by(progress, _supporting_outcome_ids(outcomes)),
        strategic={key[0]: f for key, f in figures_by(progress, by_strategic_outcome(outcomes)).items()},
    )


def _supporting_outcome_ids(outcomes):
    refs = by_supporting_outcome(outcomes)
    return lambda p: [ref.id for ref in refs(p)]
