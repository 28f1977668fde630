"""The outcome measure pages: every supporting outcome's basket of measures, one measure's values
over time, an officer's value for a period, and the import of values from a spreadsheet.

Every role reads; recording and importing values needs the value permission (commissioners and
admins, commissioning.roles). Measures belong to the council's framework, not to a directorate,
so any commissioner may record them. Thin: selectors read, services write, forms parse.
"""

from __future__ import annotations

from functools import cached_property

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views import View
from django.views.generic import FormView, TemplateView

from commissioning.downloads import DownloadsMixin
from commissioning.models import OutcomeMeasure
from commissioning.permissions import RoleRequiredMixin
from commissioning.selectors import Basket, measure_row, outcome_measure_baskets, outcome_measure_get
from commissioning.services import outcome_measure_value_record
from contracts.forms import apply_service_errors
from outcomes_link.forms_measures import OutcomeMeasureImportForm, OutcomeMeasureValueForm
from outcomes_link.importers import COLUMN_NAMES, measure_values_import, template_csv
from outcomes_link.measure_charts import format_value, measure_chart
from outcomes_link.measure_downloads import basket_table, directions_table, measure_values_table

VALUE_PERMISSION = "commissioning.add_outcomemeasurevalue"


def _measure_or_404(code: str) -> OutcomeMeasure:
    try:
        return outcome_measure_get(code=code)
    except ObjectDoesNotExist as exc:
        raise Http404("No outcome measure with that code.") from exc


class OutcomeMeasureListView(RoleRequiredMixin, DownloadsMixin, TemplateView):
    """Every supporting outcome's basket of measures and direction of travel, as the 2016 annual report
    shows them; `?strategic=2` or `?outcome=2.3` narrows the page and its downloads to one outcome."""

    template_name = "outcomes_link/outcomemeasure_list.html"
    download_filename = "outcome-measures"

    @cached_property
    def baskets(self) -> list[Basket]:
        baskets = list(outcome_measure_baskets().values())
        strategic, outcome = self.request.GET.get("strategic"), self.request.GET.get("outcome")
        if outcome:
            baskets = [b for b in baskets if b.outcome.code == outcome]
        elif strategic:
            baskets = [b for b in baskets if b.outcome.strategic_outcome.code == strategic]
        return baskets

    def get_downloads(self):
        return {"measures": lambda: basket_table(self.baskets), "directions": lambda: directions_table(self.baskets)}

    def get_context_data(self, **kwargs):
        groups: dict[int, tuple] = {}
        for basket in self.baskets:
            so = basket.outcome.strategic_outcome
            groups.setdefault(so.pk, (so, []))[1].append(basket)
        return super().get_context_data(
            groups=list(groups.values()),
            narrowed=bool(self.request.GET.get("strategic") or self.request.GET.get("outcome")),
            measure_count=sum(len(b.measures) for b in self.baskets),
            can_record=self.request.user.has_perm(VALUE_PERMISSION),
            **kwargs,
        )


class OutcomeMeasureDetailView(RoleRequiredMixin, DownloadsMixin, TemplateView):
    """One measure: its values over time (a chart and a table), its direction of travel and its source."""

    template_name = "outcomes_link/outcomemeasure_detail.html"

    @cached_property
    def row(self):
        return measure_row(_measure_or_404(self.kwargs["code"]))

    def get_download_filename(self, name: str) -> str:
        return super().get_download_filename(f"measure-{self.row.measure.code}-{name}")

    def get_downloads(self):
        return {"values": lambda: measure_values_table(self.row)}

    def get_context_data(self, **kwargs):
        row = self.row
        return super().get_context_data(
            row=row,
            measure=row.measure,
            outcome=row.measure.supporting_outcome,
            chart=measure_chart(row),
            latest_text=format_value(row.latest_value.value) if row.latest_value else "",
            can_record=self.request.user.has_perm(VALUE_PERMISSION),
            **kwargs,
        )


class OutcomeMeasureValueAddView(RoleRequiredMixin, FormView):
    """Record an officer's value of a measure for one period (commissioners and admins)."""

    permission_required = VALUE_PERMISSION
    form_class = OutcomeMeasureValueForm
    template_name = "outcomes_link/outcomemeasure_value_form.html"

    @cached_property
    def measure(self) -> OutcomeMeasure:
        return _measure_or_404(self.kwargs["code"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(measure=self.measure, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            value = outcome_measure_value_record(
                measure=self.measure,
                period=data["period"],
                period_end=data["period_end"],
                value=data["value"],
                national_average=data["national_average"],
                note=data["note"],
                actor=self.request.user,
                reason=data["reason"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"{self.measure.code} {self.measure.name}: {format_value(value.value)} for {value.period} recorded.",
        )
        return redirect("outcomes_link:outcomemeasure_detail", code=self.measure.code)


class OutcomeMeasureImportView(RoleRequiredMixin, View):
    """Upload a file of values; check it (dry run) or import it, all or nothing."""

    permission_required = VALUE_PERMISSION

    def get(self, request):
        return self.page(OutcomeMeasureImportForm())

    def post(self, request):
        form = OutcomeMeasureImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.page(form, status=400)
        upload = form.cleaned_data["file"]
        result = measure_values_import(
            content=upload.read(),
            filename=upload.name,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            dry_run=form.cleaned_data["dry_run"],
        )
        return self.page(OutcomeMeasureImportForm(), result=result, status=400 if result.errors else 200)

    def page(self, form, *, result=None, status: int = 200):
        context = {"form": form, "result": result, "columns": COLUMN_NAMES}
        return render(self.request, "outcomes_link/outcomemeasure_import.html", context, status=status)


class OutcomeMeasureImportTemplateView(RoleRequiredMixin, View):
    """A CSV file with the import's headings and one example row."""

    permission_required = VALUE_PERMISSION

    def get(self, request):
        response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="outcome-measure-values-template.csv"'
        return response
