"""The golden thread: which supporting outcomes each contract serves, and how much of it.

"with a 'golden thread' running through our plans and strategies that directly links
delivery to these outcomes" (Strategic Statement 2015-2020).
"""

from decimal import ROUND_HALF_UP, Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from commissioning.db import PENNY, TimeStampedModel
from commissioning.models import SupportingOutcome
from contracts.models import Contract


class OutcomeLink(TimeStampedModel):
    """A contract serves a supporting outcome, with a share of its value and a one-line rationale.

    A contract's shares total 100%; at most one link is its primary outcome.
    """

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="outcome_links")
    supporting_outcome = models.ForeignKey(SupportingOutcome, on_delete=models.PROTECT, related_name="contract_links")
    is_primary = models.BooleanField("Primary outcome", default=False)
    contribution_share = models.DecimalField(
        "Share of contract value (%)",
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )
    rationale = models.CharField(max_length=255, help_text="One line: how this contract serves the outcome")
    history = HistoricalRecords()

    class Meta:
        ordering = ["contract", "-is_primary", "supporting_outcome__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "supporting_outcome"],
                name="outcome_link_unique",
                violation_error_message="This contract is already linked to that supporting outcome.",
            ),
            models.UniqueConstraint(
                fields=["contract"],
                condition=Q(is_primary=True),
                name="outcome_link_single_primary",
                violation_error_message="A contract has only one primary outcome.",
            ),
            models.CheckConstraint(
                condition=Q(contribution_share__gt=0) & Q(contribution_share__lte=100),
                name="outcome_link_share_range",
                violation_error_message="The share must be more than 0% and no more than 100%.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract.reference} → {self.supporting_outcome.code} ({self.contribution_share}%)"


def attributed_value(annual_value: Decimal | None, share: Decimal) -> Decimal | None:
    """The part of a contract's annual value attributed to an outcome, rounded half up to the penny.

    None when the annual value is not known (a contract from a register that did not give it): its
    part is unknown too, and sums of attributed value leave it out rather than count it as £0."""
    if annual_value is None:
        return None
    return (Decimal(annual_value) * Decimal(share) / 100).quantize(PENNY, rounding=ROUND_HALF_UP)
