"""The import of KPI returns from providers' files, and the template to fill in.

Only people who may add returns (commissioners and admins) use these pages; a commissioner
imports, and downloads a template for, their own directorate's contracts only. The rules are
contracts.importers.returns' (every row checked, all or nothing); these views only move the file in
and the result out.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from commissioning.choices import Role
from commissioning.permissions import RoleRequiredMixin
from contracts.forms import ReturnImportForm, ReturnTemplateForm
from contracts.importers.returns import (
    ImportFileError,
    ImportResult,
    ImportRow,
    read_returns_file,
    returns_import,
    returns_template_csv,
    returns_template_xlsx,
)
from contracts.models import Contract
from contracts.selectors import recent_quarters, returns_due_in_quarter

TEMPLATE = "contracts/kpireturn_import.html"

# Between "Check" and "Import" the checked rows are kept in the user's session, as text, rather
# than asking for the file again or keeping the upload on disk: choosing the file a second time
# is a chance to choose a different one; a file on disk needs cleaning up and storage every web
# worker can reach. The rows are small (importers.MAX_ROWS caps them), belong to this user's
# session alone, and are checked again in full when imported, so nothing stale is saved. The
# token ties the "Import" button to the very preview the user saw (another tab may check another file).
SESSION_KEY = "kpireturn_import"


def _contracts_in_scope(user) -> QuerySet[Contract]:
    """The contracts whose returns the user may import: all for an admin, their directorate's for a commissioner."""
    if user.has_role(Role.ADMIN):
        return Contract.objects.all()
    if user.has_role(Role.COMMISSIONER) and user.directorate_id:
        return Contract.objects.filter(directorate_id=user.directorate_id)
    return Contract.objects.none()


def _default_quarter():
    return recent_quarters(count=1)[-1]


class KPIReturnImportView(RoleRequiredMixin, View):
    """Upload a returns file; check it (a dry run showing what each row would do) and import it."""

    permission_required = "contracts.add_kpireturn"

    def get(self, request):
        return self.page(ReturnImportForm())

    def post(self, request):
        action = request.POST.get("action", "check")
        if action == "confirm":
            return self.confirm()
        form = ReturnImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.page(form, status=400)
        upload = form.cleaned_data["file"]
        try:
            rows = read_returns_file(content=upload.read(), filename=upload.name)
        except ImportFileError as exc:
            for message in exc.messages:
                form.add_error("file", message)
            return self.page(form, status=400)
        dry_run = action != "import"
        result = returns_import(
            rows=rows,
            actor=request.user,
            submit=form.submit,
            dry_run=dry_run,
            reason=form.cleaned_data["reason"],
        )
        if result.errors:
            return self.page(form, result=result, filename=upload.name, status=400)
        if not dry_run:
            return self.done(result, upload.name)
        token = uuid.uuid4().hex
        request.session[SESSION_KEY] = {
            "token": token,
            "filename": upload.name,
            "submit": form.submit,
            "reason": form.cleaned_data["reason"],
            "rows": [row.as_dict() for row in rows],
        }
        return self.page(ReturnImportForm(), result=result, filename=upload.name, token=token)

    def confirm(self):
        request = self.request
        held = request.session.get(SESSION_KEY)
        if not held or held.get("token") != request.POST.get("token"):
            return self.page(ReturnImportForm(), expired=True, status=400)
        rows = [ImportRow(**row) for row in held["rows"]]
        result = returns_import(rows=rows, actor=request.user, submit=held["submit"], reason=held["reason"])
        if result.errors:
            # Something changed since the check (a return accepted, a KPI retired): nothing was saved.
            return self.page(ReturnImportForm(), result=result, filename=held["filename"], status=400)
        del request.session[SESSION_KEY]
        return self.done(result, held["filename"])

    def done(self, result: ImportResult, filename: str):
        messages.success(self.request, f"{filename} imported. {result.summary()}")
        return redirect("contracts:kpireturn_import")

    def page(
        self,
        form,
        *,
        result: ImportResult | None = None,
        filename: str = "",
        token: str = "",
        expired: bool = False,
        status: int = 200,
    ):
        quarter = _default_quarter()
        context = {
            "form": form,
            "expired": expired,
            "result": result,
            "filename": filename,
            "token": token,
            "template_form": ReturnTemplateForm(initial={"quarter": quarter.label, "format": "xlsx"}),
        }
        return render(self.request, TEMPLATE, context, status=status)


class KPIReturnImportTemplateView(RoleRequiredMixin, View):
    """A file to fill in: the user's KPIs due in a quarter, one row per KPI period, value and commentary blank."""

    permission_required = "contracts.add_kpireturn"

    def get(self, request):
        data = {
            "quarter": request.GET.get("quarter") or _default_quarter().code,
            "format": request.GET.get("format") or "xlsx",
        }
        template_form = ReturnTemplateForm(data)
        if not template_form.is_valid():
            context = {"form": ReturnImportForm(), "template_form": template_form, "result": None}
            return render(request, TEMPLATE, context, status=400)
        quarter = template_form.cleaned_data["quarter"]
        due = returns_due_in_quarter(contracts=_contracts_in_scope(request.user), quarter=quarter)
        name = f"kpi-returns-{quarter.code}"
        if template_form.cleaned_data["format"] == "csv":
            response = HttpResponse(returns_template_csv(due), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        else:
            response = HttpResponse(
                returns_template_xlsx(due, title=quarter.label),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
