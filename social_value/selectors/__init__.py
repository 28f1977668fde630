"""Reads of the social value app: local spend (spend.py, issue 4); commitments and their
delivery (commitments.py) and the dashboard's groupings (dashboard.py) for issue 5.
Import from here: `from social_value.selectors import ...`."""

from social_value.selectors.commitments import (
    CommitmentProgress,
    OutcomeRef,
    SocialValueFigures,
    by_strategic_outcome,
    by_supporting_outcome,
    commitment_list,
    commitment_progress,
    figures_by,
    figures_total,
    measure_outcomes,
)
from social_value.selectors.spend import (
    CLASSIFICATION,
    DIMENSIONS,
    spend_by_contract,
    spend_by_day,
    spend_by_dimension,
    spend_by_supplier,
)

__all__ = [
    "CLASSIFICATION",
    "DIMENSIONS",
    "CommitmentProgress",
    "OutcomeRef",
    "SocialValueFigures",
    "by_strategic_outcome",
    "by_supporting_outcome",
    "commitment_list",
    "commitment_progress",
    "figures_by",
    "figures_total",
    "measure_outcomes",
    "spend_by_contract",
    "spend_by_day",
    "spend_by_dimension",
    "spend_by_supplier",
]
