"""What the golden thread pages share: page sizes and the contract lookups with their permission checks."""

from django.http import Http404

from commissioning.permissions import can_write_in_directorate
from contracts.models import Contract
from contracts.selectors import contract_get

REGISTER_PAGE_SIZE = 50


HOME_LIST_LIMIT = 10


def contract_or_404(pk: int) -> Contract:
    try:
        return contract_get(pk=pk)
    except Contract.DoesNotExist as exc:
        raise Http404("No contract with that number.") from exc


def can_edit_contract(user, contract: Contract) -> bool:
    return can_write_in_directorate(user, contract.directorate_id) and user.has_perm("contracts.change_contract")


def can_edit_links(user, contract: Contract) -> bool:
    return can_write_in_directorate(user, contract.directorate_id) and user.has_perm("outcomes_link.change_outcomelink")
