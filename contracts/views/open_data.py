"""Open data pages (issue 7): take contracts in from a council's contracts register or OCDS releases, and the
record of each import; the `/open-data/` page gathers them with the exports the council publishes.

Thin: contracts.services.open_data checks and writes, all or nothing; contracts.selectors reads. Each
import is checked first (a dry run showing what it would add and change, and every value recorded as
not known), then imported; the file is held on disk between the two steps (contracts.views.uploads).
Every role reads these pages; procurement and administrators import.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views import View
from django.views.generic import TemplateView

from commissioning.models import Directorate
from commissioning.permissions import RoleRequiredMixin
from contracts.forms.open_data import PUBLISHER_LIST_ID, OCDSUploadForm, RegisterColumnsForm, RegisterUploadForm
from contracts.importers.register import FIELDS
from contracts.models import ContractImport
from contracts.selectors import contract_import_get, contract_import_list, contracts_of_import, register_publisher_list
from contracts.services.open_data import ContractImportError, contracts_register_import, ocds_import
from contracts.views.uploads import discard_upload, held_path, hold_upload

IMPORT_PERMISSION = "contracts.add_contractimport"
PER_PAGE = 25
REGISTER_SESSION_KEY = "register_import_upload"
OCDS_SESSION_KEY = "ocds_import_upload"


class OpenDataView(RoleRequiredMixin, TemplateView):
    """What comes in (registers, OCDS) and what goes out (the Transparency Code register, OCDS), with every import."""

    template_name = "contracts/open_data.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = Paginator(contract_import_list(), PER_PAGE).get_page(self.request.GET.get("page"))
        context.update(
            page_obj=page,
            imports=page.object_list,
            can_import=self.request.user.has_perm(IMPORT_PERMISSION),
        )
        return context


class ContractImportDetailView(RoleRequiredMixin, TemplateView):
    """One import: the file, who and when, what it added and changed, its warnings, and the contracts it added."""

    template_name = "contracts/contract_import_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            record = contract_import_get(pk=self.kwargs["pk"])
        except ContractImport.DoesNotExist as exc:
            raise Http404("No contracts import with that number.") from exc
        page = Paginator(contracts_of_import(contract_import=record), PER_PAGE * 2).get_page(
            self.request.GET.get("page")
        )
        context.update(
            record=record,
            page_obj=page,
            contracts=page.object_list,
            columns=[(FIELDS.get(name, name), heading) for name, heading in record.columns.items()],
        )
        return context


class _ContractImportView(RoleRequiredMixin, View):
    """Upload, check (a dry run), then import the held file. Subclasses say how to read and import it."""

    permission_required = IMPORT_PERMISSION
    session_key = ""
    template_name = ""
    form_class = None

    def get(self, request):
        return self.page(self.form_class())

    def post(self, request):
        action = request.POST.get("action", "check")
        if action == "cancel":
            discard_upload(request.session, self.session_key)
            messages.info(request, "The file was not imported and is no longer held.")
            return redirect(request.path)
        if "token" in request.POST:
            held = request.session.get(self.session_key)
            path = held_path(held.get("token", "")) if held else None
            if not held or held["token"] != request.POST.get("token") or path is None or not path.exists():
                return self.page(self.form_class(), expired=True, status=400)
            self.update_held(held)
            request.session[self.session_key] = held
            return self.run(held, dry_run=action != "import")
        form = self.form_class(request.POST, request.FILES)
        if not form.is_valid():
            return self.page(form, status=400)
        discard_upload(request.session, self.session_key)
        upload = form.cleaned_data["file"]
        held = {"token": hold_upload(upload), "file_name": Path(upload.name).name, **self.options(form)}
        request.session[self.session_key] = held
        return self.run(held, dry_run=action != "import")

    def options(self, form) -> dict:
        raise NotImplementedError

    def update_held(self, held: dict) -> None:
        """A later step may change the options held (the register's columns)."""

    def call(self, held: dict, content: bytes, *, dry_run: bool):
        raise NotImplementedError

    def run(self, held: dict, *, dry_run: bool):
        content = held_path(held["token"]).read_bytes()
        try:
            result = self.call(held, content, dry_run=dry_run)
        except ContractImportError as exc:
            return self.page(None, held=held, problems=exc, status=400)
        if dry_run:
            return self.page(None, held=held, result=result)
        discard_upload(self.request.session, self.session_key)
        messages.success(self.request, f"{held['file_name']} imported: {result.summary()}")
        return redirect("contracts:contract_import_detail", pk=result.contract_import.pk)

    def page(self, form, *, held=None, result=None, problems=None, expired=False, status=200):
        context = {
            "form": form,
            "held": held,
            "result": result,
            "problems": problems,
            "expired": expired,
            **self.extra_context(held, result, problems),
        }
        return render(self.request, self.template_name, context, status=status)

    def extra_context(self, held, result, problems) -> dict:
        return {}


def _directorate(pk) -> Directorate | None:
    return Directorate.objects.filter(pk=pk).first() if pk else None


class RegisterImportView(_ContractImportView):
    """Take in a council's contracts register (CSV or Excel) as providers and contracts."""

    session_key = REGISTER_SESSION_KEY
    template_name = "contracts/register_import.html"
    form_class = RegisterUploadForm

    def options(self, form) -> dict:
        directorate = form.cleaned_data["directorate"]
        return {
            "publisher": form.cleaned_data["publisher"],
            "directorate": directorate.pk if directorate else None,
            "columns": {},
            "headings": [],
        }

    def update_held(self, held: dict) -> None:
        if self.request.POST.get("step") == "map":
            columns_form = RegisterColumnsForm(self.request.POST, headings=held["headings"], columns=held["columns"])
            if columns_form.is_valid():
                held["columns"] = columns_form.columns

    def call(self, held: dict, content: bytes, *, dry_run: bool):
        try:
            result = contracts_register_import(
                content=content,
                file_name=held["file_name"],
                publisher=held["publisher"],
                directorate=_directorate(held["directorate"]),
                columns=held["columns"] or None,
                actor=self.request.user,
                dry_run=dry_run,
            )
        except ContractImportError as exc:
            if exc.headings:
                held["headings"] = exc.headings
                self.request.session[self.session_key] = held
            raise
        held["headings"] = sorted(set(result.columns.values()) | set(result.unused_headings), key=str.lower)
        held["columns"] = result.columns
        self.request.session[self.session_key] = held
        return result

    def extra_context(self, held, result, problems) -> dict:
        columns_form = None
        if held and held.get("headings") and (result is not None or (problems is not None and problems.headings)):
            columns_form = RegisterColumnsForm(headings=held["headings"], columns=held.get("columns") or {})
        return {
            "columns_form": columns_form,
            "columns_used": [(FIELDS[name], heading) for name, heading in (result.columns.items() if result else ())],
            "not_known": [
                (FIELDS.get(name, name), count) for name, count in (result.not_known.items() if result else ())
            ],
            "publishers": register_publisher_list().values_list("name", flat=True),
            "publisher_list_id": PUBLISHER_LIST_ID,
        }


class OCDSImportView(_ContractImportView):
    """Take in OCDS releases (Contracts Finder, Find a Tender) as providers and contracts."""

    session_key = OCDS_SESSION_KEY
    template_name = "contracts/ocds_import.html"
    form_class = OCDSUploadForm

    def options(self, form) -> dict:
        return {"buyer": form.buyer_filter, "directorate": form.cleaned_data["directorate"].pk}

    def call(self, held: dict, content: bytes, *, dry_run: bool):
        return ocds_import(
            content=content,
            file_name=held["file_name"],
            directorate=_directorate(held["directorate"]),
            buyer=held["buyer"],
            actor=self.request.user,
            dry_run=dry_run,
        )
