"""Open data downloads (issue 7): the Transparency Code contracts register (CSV) and the contracts as an OCDS
release package (JSON), built by contracts.exports. Both are public data, so every role may download them.
The links and what each is for are in templates/contracts/_open_data_exports.html."""

from __future__ import annotations

import logging

from django.http import Http404, HttpResponse, JsonResponse
from django.views import View

from commissioning.permissions import RoleRequiredMixin
from contracts.exports import (
    REGISTER_ENCODING,
    contracts_register_csv,
    contracts_release_package,
    ocds_filename,
    register_filename,
)
from contracts.models import Contract
from contracts.ocds import validate_release_package

logger = logging.getLogger(__name__)


class ContractsRegisterExportView(RoleRequiredMixin, View):
    """The contracts register as the Local Government Transparency Code 2015 asks: every contract over £5,000."""

    def get(self, request, *args, **kwargs):
        response = HttpResponse(
            contracts_register_csv().encode(REGISTER_ENCODING), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{register_filename()}"'
        return response


class OCDSExportView(RoleRequiredMixin, View):
    """The council's contracts as one OCDS 1.1 release package, or one contract's with `?contract=<reference>`:
    payments, KPI returns, applied deductions and variations. Validated before it is handed out."""

    def get(self, request, *args, **kwargs):
        reference = request.GET.get("contract", "").strip()
        contracts = None
        if reference:
            contracts = Contract.objects.filter(reference__iexact=reference)
            if not contracts.exists():
                raise Http404("No contract has this reference.")
        try:
            package = contracts_release_package(contracts=contracts, uri=request.build_absolute_uri())
        except ValueError as exc:
            raise Http404(str(exc)) from exc
        errors = validate_release_package(package)
        if errors:
            # Never hand out a package that would be refused; say so, and log why.
            logger.error("The OCDS export is not valid: %s", "; ".join(errors[:50]))
            return HttpResponse(
                "The OCDS export did not pass validation and cannot be downloaded. The problem has been logged.",
                status=500,
                content_type="text/plain; charset=utf-8",
            )
        response = JsonResponse(package, json_dumps_params={"indent": 2, "ensure_ascii": False})
        response["Content-Disposition"] = f'attachment; filename="{ocds_filename(reference or None)}"'
        return response
