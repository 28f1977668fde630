"""The measures catalogue: the page every role reads, and the upload administrators use to
import the default catalogue again or the council's own (for example a licensed National TOMs
catalogue). Thin: social_value.selectors.catalogue reads, social_value.services.catalogue imports.
"""

from __future__ import annotations

from django.shortcuts import render
from django.views import View
from django.views.generic import TemplateView

from commissioning import as_at
from commissioning.downloads import DownloadsMixin
from commissioning.permissions import RoleRequiredMixin
from social_value.downloads import measures_table
from social_value.forms_catalogue import CatalogueImportForm
from social_value.importers.catalogue import COLUMNS
from social_value.selectors.catalogue import catalogue_tree
from social_value.services.catalogue import CATALOGUE_PERMISSION, catalogue_import


class MeasureListView(RoleRequiredMixin, DownloadsMixin, TemplateView):
    """Themes → outcomes → measures, each with its unit, council area, supporting outcomes and the
    proxy value in force today (with its source and year) and earlier versions. Fixed query count."""

    template_name = "social_value/measure_list.html"

    def get_downloads(self):
        return {"measures": lambda: measures_table(catalogue_tree(on=as_at.today()))}

    def get_context_data(self, **kwargs):
        today = as_at.today()
        themes = catalogue_tree(on=today)
        return super().get_context_data(
            themes=themes,
            today=today,
            measure_count=sum(t.measure_count for t in themes),
            can_import=self.request.user.has_perm(CATALOGUE_PERMISSION),
            **kwargs,
        )


class CatalogueImportView(RoleRequiredMixin, View):
    """Upload a catalogue file: check it (a dry run, saving nothing) or import it, all or nothing."""

    permission_required = CATALOGUE_PERMISSION
    template_name = "social_value/catalogue_import.html"

    def get(self, request):
        return self.page(CatalogueImportForm())

    def post(self, request):
        form = CatalogueImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.page(form, status=400)
        upload = form.cleaned_data["file"]
        result = catalogue_import(
            handle_or_path=upload,
            file_name=upload.name,
            actor=request.user,
            dry_run=form.cleaned_data["check_only"],
        )
        return self.page(form, result=result, status=400 if result.errors else 200)

    def page(self, form, *, result=None, status: int = 200):
        context = {"form": form, "result": result, "columns": COLUMNS}
        return render(self.request, self.template_name, context, status=status)
