from decimal import Decimal

import factory

from outcomes_link.models import OutcomeLink
from outcomes_link.services import outcome_link_create
from tests.commissioning.factories import SupportingOutcomeFactory
from tests.contracts.factories import ContractFactory


class OutcomeLinkFactory(factory.Factory):
    class Meta:
        model = dict

    contract = factory.SubFactory(ContractFactory)
    supporting_outcome = factory.SubFactory(SupportingOutcomeFactory)
    contribution_share = Decimal("100")
    rationale = "Delivers the outcome directly."
    is_primary = False

    @classmethod
    def _create(cls, model_class, *args, **kwargs) -> OutcomeLink:
        return outcome_link_create(**kwargs)
