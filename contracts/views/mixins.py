"""What the contract pages share: loading a contract from the URL after the role checks, and the
directorate rule for pages that change it."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from commissioning.permissions import can_write_in_directorate
from contracts.models import Contract
from contracts.selectors import contract_get


def contract_or_404(pk: int) -> Contract:
    try:
        return contract_get(pk=pk)
    except Contract.DoesNotExist as exc:
        raise Http404("No contract with that number.") from exc


def ensure_contract_scope(user, contract: Contract, message: str) -> None:
    if not can_write_in_directorate(user, contract.directorate_id):
        raise PermissionDenied(message)


class ContractPageMixin:
    """Loads `self.contract` from the URL's pk in get/post, i.e. after RoleRequiredMixin's checks,
    so someone without the role is refused before any lookup.

    With `write_scope`, a contract of another directorate is refused on GET as well as POST:
    nobody is shown a form they could never submit.
    """

    write_scope = False
    scope_message = "You can only change contracts of your own directorate."

    def _load(self) -> None:
        self.contract = contract_or_404(self.kwargs["pk"])
        if self.write_scope:
            ensure_contract_scope(self.request.user, self.contract, self.scope_message)

    def get(self, request, *args, **kwargs):
        self._load()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self._load()
        return super().post(request, *args, **kwargs)
