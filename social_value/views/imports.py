"""The import of providers' social value commitments and delivery returns from a spreadsheet,
and the templates to fill in.

Only people who may add commitments (commissioners and admins) use these pages. The rules are
social_value.services.imports' (every row checked, the directorate rule row by row, all or
nothing, duplicates skipped); these views only move the file in and the result out.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views import View

from commissioning.permissions import RoleRequiredMixin
from social_value.forms_imports import SocialValueImportForm
from social_value.importers.commitments import KIND_LABELS, template_csv
from social_value.services import social_value_import

PERMISSION = "social_value.add_socialvaluecommitment"


class SocialValueImportView(RoleRequiredMixin, View):
    """Upload a commitments or delivery returns file; check it (dry run) or import it."""

    permission_required = PERMISSION

    def get(self, request):
        return self.form_page(SocialValueImportForm())

    def post(self, request):
        form = SocialValueImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.form_page(form, status=400)
        upload = form.cleaned_data["file"]
        result = social_value_import(
            handle=upload,
            file_name=upload.name,
            actor=request.user,
            dry_run=form.cleaned_data["dry_run"],
            kind=form.chosen_kind,
        )
        context = {"result": result, "form": SocialValueImportForm(), "kinds": KIND_LABELS}
        return render(request, "social_value/import_result.html", context, status=400 if result.errors else 200)

    def form_page(self, form, *, status: int = 200):
        context = {"form": form, "kinds": KIND_LABELS}
        return render(self.request, "social_value/import_form.html", context, status=status)


class SocialValueImportTemplateView(RoleRequiredMixin, View):
    """A CSV file with the headings of a commitments or delivery returns file and one example row."""

    permission_required = PERMISSION

    def get(self, request, kind: str):
        if kind not in KIND_LABELS:
            raise Http404("There is no template of that kind.")
        response = HttpResponse(template_csv(kind), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="social-value-{kind}-template.csv"'
        return response
