"""Procurement's spend-file pages (issue 4): upload a published spend file, map the columns Golden Thread
cannot recognise, check it (a dry run) and import it; the record of each import and its rollback; the
spend lines themselves; and the suppliers not yet matched to a provider.

Thin: contracts.services.spend writes (all or nothing, the column mapping saved for the publisher),
contracts.selectors.spend reads, the forms parse. Every role reads these pages; procurement and
administrators import, roll back and match (commissioning/roles.py).

Between "Check file", the column mapping and "Import" the uploaded file is kept on disk, not in
memory or the session: spend files run to hundreds of megabytes (contracts.views.uploads).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import ListView, TemplateView
from django_filters.views import FilterView
from django_tables2 import RequestConfig, SingleTableMixin

from commissioning.db import pence_to_pounds
from commissioning.downloads import DownloadsMixin, TableDownloadsMixin
from commissioning.permissions import RoleRequiredMixin
from commissioning.templatetags.gt import money
from contracts.downloads import spend_lines_table, unmatched_suppliers_table
from contracts.filtersets import SpendLineFilterSet
from contracts.forms.spend import (
    PROVIDER_LIST_ID,
    PUBLISHER_LIST_ID,
    ProvidersCreateForm,
    SpendColumnsForm,
    SpendUploadForm,
    SupplierAliasConfirmForm,
)
from contracts.importers.spend import FIELDS, MAX_PROBLEMS_SHOWN, SpendColumnsMissing, SpendFileError
from contracts.models import Contract, Provider, SpendImport, SpendImportStatus, SpendLine
from contracts.selectors import (
    spend_import_get,
    spend_import_list,
    spend_line_counts,
    spend_line_list,
    spend_line_totals,
    spend_publisher_list,
    unmatched_line_count,
    unmatched_line_totals,
    unmatched_suppliers,
    unmatched_suppliers_queryset,
)
from contracts.services import (
    providers_create_from_spend,
    spend_file_import,
    spend_import_rollback,
    spend_lines_match,
    supplier_alias_confirm,
)
from contracts.services.providers import normalise_provider_name
from contracts.tables_spend import SpendImportTable, SpendLineTable
from contracts.views.uploads import discard_upload, held_path, hold_upload

PER_PAGE = 50
IMPORT_PERMISSION = "contracts.add_spendimport"
ROLLBACK_PERMISSION = "contracts.change_spendimport"
MATCH_PERMISSIONS = ("contracts.change_spendline", "contracts.add_supplieralias", "contracts.change_supplieralias")
CREATE_PROVIDER_PERMISSIONS = ("contracts.change_spendline", "contracts.add_provider")

SESSION_KEY = "spend_import_upload"


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count:,} {word if count == 1 else (plural or word + 's')}"


# Columns read beside the fields of a spend line: who published it, and gross and VAT where a file gives
# no net amount (the amount is then gross less VAT).
_OTHER_COLUMNS = {"publisher": "publisher", "gross": "gross amount", "vat": "VAT"}


def columns_used(columns: dict[str, str]) -> list[tuple[str, str]]:
    """(field, heading) pairs in the order of the fields, for the check page and the import's page."""
    labels = {**FIELDS, **_OTHER_COLUMNS}
    order = list(labels)
    ranked = sorted(columns.items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order))
    return [(labels.get(name, name), heading) for name, heading in ranked]


# --- Upload, map, check and import -----------------------------------------------------------------------


class SpendImportCreateView(RoleRequiredMixin, View):
    """Upload a spend file; map any column Golden Thread cannot recognise; check it (a dry run showing
    what would be imported) and import it, all or nothing."""

    permission_required = IMPORT_PERMISSION
    template_name = "contracts/spend_import_form.html"

    def get(self, request):
        return self.page(SpendUploadForm())

    def post(self, request):
        action = request.POST.get("action", "check")
        if action == "cancel":
            discard_upload(request.session, SESSION_KEY)
            messages.info(request, "The file was not imported and is no longer held.")
            return redirect("contracts:spend_import_add")
        if "token" in request.POST:
            return self.next_step(action)
        form = SpendUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.page(form, status=400)
        discard_upload(request.session, SESSION_KEY)
        upload = form.cleaned_data["file"]
        held = {
            "token": hold_upload(upload),
            "file_name": Path(upload.name).name,
            "publisher": form.cleaned_data["publisher"],
            "columns": {},
            "missing": [],
            "headings": [],
        }
        request.session[SESSION_KEY] = held
        return self.run(held, dry_run=action != "import")

    def next_step(self, action: str):
        """The file is already held: the column mapping was chosen, or "Import" pressed after the check."""
        request = self.request
        held = request.session.get(SESSION_KEY)
        path = held_path(held.get("token", "")) if held else None
        if not held or held["token"] != request.POST.get("token") or path is None or not path.exists():
            return self.page(SpendUploadForm(), expired=True, status=400)
        if request.POST.get("step") == "map":
            columns_form = SpendColumnsForm(request.POST, missing=held["missing"], headings=held["headings"])
            if not columns_form.is_valid():
                return self.page(None, held=held, columns_form=columns_form, status=400)
            held["columns"] = {**held["columns"], **columns_form.columns}
            request.session[SESSION_KEY] = held
        return self.run(held, dry_run=action != "import")

    def run(self, held: dict, *, dry_run: bool):
        # The file is closed only after the page is made, so the reader's generators (held by an
        # exception's traceback) finish while it is still open.
        with held_path(held["token"]).open("rb") as handle:
            return self.run_file(held, handle, dry_run=dry_run)

    def run_file(self, held: dict, handle, *, dry_run: bool):
        request = self.request
        try:
            result = spend_file_import(
                handle=handle,
                file_name=held["file_name"],
                publisher=held["publisher"],
                columns=held["columns"] or None,
                actor=request.user,
                dry_run=dry_run,
            )
        except SpendColumnsMissing as exc:
            held["missing"], held["headings"] = exc.missing, exc.headings
            request.session[SESSION_KEY] = held
            columns_form = SpendColumnsForm(missing=exc.missing, headings=exc.headings, initial=held["columns"])
            return self.page(None, held=held, columns_form=columns_form)
        except SpendFileError as exc:
            if held["columns"]:
                # The columns chosen may be what is wrong: offer the mapping again, with the file still held.
                columns_form = SpendColumnsForm(
                    missing=held["missing"], headings=held["headings"], initial=held["columns"]
                )
                return self.page(None, held=held, columns_form=columns_form, problems=exc, status=400)
            discard_upload(request.session, SESSION_KEY)
            return self.page(
                SpendUploadForm(initial={"publisher": held["publisher"]}), held=held, problems=exc, status=400
            )
        if dry_run:
            return self.page(None, held=held, result=result)
        discard_upload(request.session, SESSION_KEY)
        spend_import = result.spend_import
        text = (
            f"{spend_import.file_name} imported: {_plural(result.lines_added, 'line')} added "
            f"({money(spend_import.added)})"
        )
        if result.lines_already_there:
            text += f"; {_plural(result.lines_already_there, 'line was', 'lines were')} already imported"
        if result.mapping_saved:
            text += f". The column mapping is saved for {result.publisher}"
        messages.success(request, text + ".")
        return redirect("contracts:spend_import_detail", pk=spend_import.pk)

    def page(
        self,
        form,
        *,
        held: dict | None = None,
        columns_form: SpendColumnsForm | None = None,
        result=None,
        problems: SpendFileError | None = None,
        expired: bool = False,
        status: int = 200,
    ):
        if result is not None:
            step = "check"
        elif columns_form is not None:
            step = "map"
        else:
            step = "upload"
        context = {
            "step": step,
            "form": form,
            "held": held,
            "columns_form": columns_form,
            "missing_labels": [FIELDS.get(name, name) for name in (columns_form.missing if columns_form else ())],
            "result": result,
            "columns_used": columns_used(result.columns) if result else [],
            "problems": problems,
            "max_problems": MAX_PROBLEMS_SHOWN,
            "expired": expired,
            "publishers": spend_publisher_list().values_list("name", flat=True) if step == "upload" else (),
            "publisher_list_id": PUBLISHER_LIST_ID,
        }
        return render(self.request, self.template_name, context, status=status)


# --- The record of imports -------------------------------------------------------------------------------


def _spend_import_or_404(pk: int) -> SpendImport:
    try:
        return spend_import_get(pk)
    except SpendImport.DoesNotExist as exc:
        raise Http404("No spend import with that number.") from exc


def _line_counts(lines: QuerySet[SpendLine]) -> dict:
    counts = spend_line_counts(lines)
    counts["total"] = pence_to_pounds(counts.pop("pence"))
    return counts


class SpendImportListView(RoleRequiredMixin, TableDownloadsMixin, SingleTableMixin, ListView):
    """Every spend file imported, latest first, 50 a page."""

    table_class = SpendImportTable
    template_name = "contracts/spend_import_list.html"
    table_pagination = {"per_page": PER_PAGE}
    table_download_name = "imports"

    def get_queryset(self):
        return spend_import_list()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            count=context["table"].paginator.count,
            can_import=user.has_perm(IMPORT_PERMISSION),
            can_match=user.has_perms(MATCH_PERMISSIONS),
        )
        return context


class SpendImportDetailView(RoleRequiredMixin, TemplateView):
    """One import: its file, who imported it and when, what it added, the columns it read, its lines."""

    template_name = "contracts/spend_import_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        spend_import = _spend_import_or_404(kwargs["pk"])
        context.update(
            spend_import=spend_import,
            counts=_line_counts(spend_import.lines.all()),
            columns_used=columns_used(spend_import.columns),
            rolled_back=spend_import.status == SpendImportStatus.ROLLED_BACK,
            can_rollback=self.request.user.has_perm(ROLLBACK_PERMISSION)
            and spend_import.status == SpendImportStatus.IMPORTED,
            lines_url=f"{reverse('contracts:spend_line_list')}?spend_import_id={spend_import.pk}",
            unmatched_url=f"{reverse('contracts:supplier_match_list')}?spend_import_id={spend_import.pk}",
        )
        return context


class SpendImportRollbackView(RoleRequiredMixin, TemplateView):
    """Remove every line an import added, after a confirmation; the record of the import stays."""

    permission_required = ROLLBACK_PERMISSION
    template_name = "contracts/spend_import_rollback.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        spend_import = _spend_import_or_404(kwargs["pk"])
        context.update(
            spend_import=spend_import,
            counts=_line_counts(spend_import.lines.all()),
            rolled_back=spend_import.status == SpendImportStatus.ROLLED_BACK,
        )
        return context

    def post(self, request, pk: int):
        spend_import = _spend_import_or_404(pk)
        try:
            removed = spend_import_rollback(spend_import=spend_import, actor=request.user)
        except SpendFileError as exc:
            messages.error(request, f"{spend_import.file_name} was not rolled back: {exc.problems[0].message}.")
            return redirect("contracts:spend_import_detail", pk=pk)
        messages.success(request, f"{spend_import.file_name} rolled back: {_plural(removed, 'spend line')} removed.")
        return redirect("contracts:spend_import_detail", pk=pk)


# --- Spend lines -----------------------------------------------------------------------------------------

# Drill-down filters set by links from other pages (an import, a provider, a contract, a supplier): kept
# as hidden fields so the visible filters narrow them further, and named above the results.
_DRILL_DOWN = ("spend_import_id", "provider_id", "contract_id", "supplier")


class _CountedPaginator(Paginator):
    """A paginator told the number of items, so the count is not asked of the database a second time."""

    def __init__(self, *args, count: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.__dict__["count"] = count  # Paginator.count is a cached_property: set its cached value


class SpendLineListView(RoleRequiredMixin, TableDownloadsMixin, SingleTableMixin, FilterView):
    """Spend lines, filtered and paged, with the total of every line the filters select."""

    filterset_class = SpendLineFilterSet
    table_class = SpendLineTable
    template_name = "contracts/spend_line_list.html"
    table_pagination = {"per_page": PER_PAGE}
    table_download_name = "lines"

    def get_queryset(self):
        return spend_line_list()

    def get_table_download(self):
        # The table sorts the filtered lines as the page does; the lines are then read as values.
        table = self.get_table_class()(self.get_download_data())
        RequestConfig(self.request, paginate=False).configure(table)
        return spend_lines_table(table.data.data)

    def totals(self) -> dict:
        """The filtered lines' count and total in pence, in one aggregate query (the pages reuse the count)."""
        if not hasattr(self, "_totals"):
            self._totals = spend_line_totals(self.object_list)
        return self._totals

    def get_table_pagination(self, table):
        pagination = super().get_table_pagination(table)
        if pagination:
            pagination["paginator_class"] = partial(_CountedPaginator, count=self.totals()["lines"])
        return pagination

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        for name in _DRILL_DOWN:
            filterset.form.fields[name].widget = forms.HiddenInput()
        # "Any" rather than Django's "Unknown" for a yes/no filter left empty.
        for name in ("matched", "redacted"):
            filterset.form.fields[name].widget = forms.Select(choices=[("", "Any"), ("true", "Yes"), ("false", "No")])
        return filterset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        totals = self.totals()
        context.update(
            count=totals["lines"],
            total=pence_to_pounds(totals["pence"]),
            drill_down=self.drill_down(),
        )
        return context

    def drill_down(self) -> list[tuple[str, str]]:
        """What the drill-down filters select, in words, each with a link that removes it."""
        form = self.filterset.form
        if not form.is_valid():
            return []
        data = form.cleaned_data
        found = []
        if data.get("spend_import_id"):
            item = SpendImport.objects.filter(pk=data["spend_import_id"]).values_list("file_name", flat=True).first()
            found.append(("spend_import_id", f"Imported from {item or 'an import no longer recorded'}"))
        if data.get("provider_id"):
            item = Provider.objects.filter(pk=data["provider_id"]).values_list("name", flat=True).first()
            found.append(("provider_id", f"Paid to {item or 'a provider no longer recorded'}"))
        if data.get("contract_id"):
            item = Contract.objects.filter(pk=data["contract_id"]).values_list("reference", flat=True).first()
            found.append(("contract_id", f"Under contract {item or 'no longer recorded'}"))
        if data.get("supplier"):
            found.append(
                ("supplier", f"With the supplier name “{data['supplier']}” (ignoring case, punctuation and Ltd)")
            )
        query = self.request.GET
        links = []
        for name, text in found:
            rest = query.copy()
            rest.pop(name, None)
            rest.pop("page", None)
            links.append((text, f"{self.request.path}?{rest.urlencode()}" if rest else self.request.path))
        return links


# --- Suppliers not yet matched to a provider --------------------------------------------------------------


class SupplierMatchListView(RoleRequiredMixin, DownloadsMixin, TemplateView):
    """Supplier names in the spend files that no provider is matched to, largest spend first, with close
    provider names suggested for a person to confirm. Procurement confirms a match, creates providers
    for the suppliers in bulk, or runs the matching again; everyone else reads."""

    template_name = "contracts/supplier_match_list.html"

    def spend_import(self) -> SpendImport | None:
        raw = self.request.GET.get("spend_import_id", "")
        if not raw.isdigit():
            return None
        return SpendImport.objects.filter(pk=int(raw)).select_related("publisher").first()

    def lines(self, spend_import: SpendImport | None) -> QuerySet[SpendLine]:
        return SpendLine.objects.all() if spend_import is None else SpendLine.objects.filter(spend_import=spend_import)

    def get_downloads(self):
        def suppliers():
            rows = list(unmatched_suppliers_queryset(self.lines(self.spend_import())))
            return unmatched_suppliers_table(unmatched_suppliers(rows))

        return {"suppliers": suppliers}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        spend_import = self.spend_import()
        lines = self.lines(spend_import)
        page = Paginator(unmatched_suppliers_queryset(lines), PER_PAGE).get_page(self.request.GET.get("page"))
        can_match = user.has_perms(MATCH_PERMISSIONS)
        totals = unmatched_line_totals(lines)
        context.update(
            spend_import=spend_import,
            page=page,
            suppliers=unmatched_suppliers(list(page.object_list)),
            unmatched_lines=totals["lines"],
            unmatched_total=pence_to_pounds(totals["pence"]),
            can_match=can_match,
            can_create=user.has_perms(CREATE_PROVIDER_PERMISSIONS),
            provider_names=Provider.objects.order_by("name").values_list("name", flat=True) if can_match else (),
            provider_list_id=PROVIDER_LIST_ID,
            lines_url=reverse("contracts:spend_line_list"),
            confirm_form=kwargs.get("confirm_form"),
            create_form=kwargs.get("create_form"),
        )
        return context

    def post(self, request):
        action = request.POST.get("action")
        if action == "confirm":
            return self.confirm()
        if action == "create":
            return self.create()
        if action == "match":
            if not request.user.has_perms(MATCH_PERMISSIONS):
                raise PermissionDenied("Your role does not allow this.")
            matched = spend_lines_match()
            messages.success(request, f"Matching run again: {_plural(matched, 'line')} matched to a provider.")
            return redirect(request.get_full_path())
        return self.render_to_response(self.get_context_data(), status=400)

    def confirm(self):
        request = self.request
        if not request.user.has_perms(MATCH_PERMISSIONS):
            raise PermissionDenied("Your role does not allow this.")
        form = SupplierAliasConfirmForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(confirm_form=form), status=400)
        name = form.cleaned_data["supplier"]
        provider = form.cleaned_data["provider_obj"]
        count = unmatched_line_count([normalise_provider_name(name)])
        try:
            supplier_alias_confirm(name=name, provider=provider, actor=request.user)
        except SpendFileError as exc:
            form.add_error(None, exc.problems[0].message.capitalize())
            return self.render_to_response(self.get_context_data(confirm_form=form), status=400)
        messages.success(request, f"{name} is now matched to {provider.name}: {_plural(count, 'line')} matched.")
        return redirect(request.get_full_path())

    def create(self):
        request = self.request
        if not request.user.has_perms(CREATE_PROVIDER_PERMISSIONS):
            raise PermissionDenied("Your role does not allow this.")
        form = ProvidersCreateForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(create_form=form), status=400)
        names = form.cleaned_data["supplier"]
        count = unmatched_line_count(names)
        created = providers_create_from_spend(normalised_names=names, actor=request.user)
        messages.success(
            request,
            f"{_plural(len(created), 'provider')} created from the selected suppliers: "
            f"{_plural(count, 'line')} matched. Record each one's postcode, staff and legal form so "
            "its location, size and sector are known.",
        )
        return redirect(request.get_full_path())
