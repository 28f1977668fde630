"""Contract variations: every change to a contract's whole-life value or term is recorded as a
variation, with the contract change notice it may need (contracts.rules.variation_assessment).

contract_update and the register and OCDS imports call `contract_variation_record` after saving, so a
variation is recorded whichever way the change was made.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from commissioning import as_at
from commissioning.audit import acting_user
from contracts.models import Contract, ContractVariation
from contracts.rules import variation_assessment


def contract_variation_record(
    *,
    contract: Contract,
    total_value_before: Decimal | None,
    end_date_before: datetime.date | None,
    actor=None,
    reason: str = "",
    varied_on: datetime.date | None = None,
) -> ContractVariation | None:
    """Record the variation of a contract whose value or term has just changed; None when neither did.

    A value or end date first recorded (unknown before) is not a variation: nothing was varied.
    """
    after_value, after_end = contract.total_value, contract.current_end_date
    value_changed = total_value_before is not None and after_value != total_value_before
    term_changed = end_date_before is not None and after_end != end_date_before
    if not (value_changed or term_changed):
        return None
    assessment = variation_assessment(
        total_value_before=total_value_before,
        total_value_after=after_value,
        start_date=contract.start_date,
        end_date_before=end_date_before,
        end_date_after=after_end,
    )
    variation = ContractVariation(
        contract=contract,
        varied_on=varied_on or as_at.today(),
        varied_by=acting_user(actor),
        reason=reason,
        total_value_before=total_value_before,
        total_value_after=after_value,
        end_date_before=end_date_before,
        end_date_after=after_end,
        value_change_percent=assessment.value_change_percent,
        term_change_percent=assessment.term_change_percent,
        needs_change_notice=assessment.needs_change_notice,
        explanation=assessment.explanation[:500],
    )
    variation.full_clean()
    variation.save()
    return variation
