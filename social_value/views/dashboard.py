"""The social value dashboard (issue 5): committed against delivered social value for the
council, grouped by theme, measure, council area, directorate, provider, supporting outcome or
strategic outcome, on a day, with the top and the lagging contracts, SVG charts and downloads.

Thin: social_value.reports.SocialValueReport chooses the figures, social_value.charts and
social_value.formatters render them. Every signed-in role may read. A fixed number of queries
whatever the number of commitments (the commitments, the measures' outcomes when grouping by
outcome, the directorates for the filter).
"""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django import forms
from django.http import Http404, HttpResponse
from django.views import View
from django.views.generic import TemplateView

from commissioning import as_at
from commissioning.downloads import DownloadsMixin
from commissioning.permissions import RoleRequiredMixin
from commissioning.selectors import directorate_list
from social_value import charts, formatters
from social_value.downloads import contracts_social_value_table
from social_value.reports import OUTCOME_GROUPINGS, OUTCOME_NOTE, SOCIAL_VALUE_GROUPINGS, SocialValueReport
from social_value.rules import ProfileStatus

DEFAULT_GROUPING = "theme"
DOWNLOAD_FORMATS = {
    "csv": ("text/csv; charset=utf-8", formatters.social_value_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", formatters.social_value_xlsx),
}
_GROUPINGS_IN_WORDS = "theme, measure, council area, directorate, provider, supporting outcome or strategic outcome"


class SocialValueFilterForm(forms.Form):
    """The dashboard's query string: grouping, the day, directorate and status."""

    by = forms.ChoiceField(
        label="Group by",
        choices=list(SOCIAL_VALUE_GROUPINGS.items()),
        required=False,
        error_messages={"invalid_choice": f"Group by {_GROUPINGS_IN_WORDS}."},
    )
    on = forms.DateField(
        label="As on",
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The day the figures are worked out for. For example, 2026-04-01",
        error_messages={"invalid": "Enter the date as year-month-day, for example 2026-04-01."},
    )
    directorate = forms.ModelChoiceField(
        label="Directorate",
        queryset=directorate_list(),
        required=False,
        empty_label="All directorates",
        error_messages={"invalid_choice": "Choose a directorate from the list."},
    )
    status = forms.ChoiceField(
        label="Status against the profile",
        choices=[("", "Any status"), *ProfileStatus.choices],
        required=False,
        error_messages={"invalid_choice": "Choose on track, at risk or behind."},
    )

    def clean_by(self) -> str:
        return self.cleaned_data.get("by") or DEFAULT_GROUPING

    def clean_on(self) -> datetime.date:
        return self.cleaned_data.get("on") or as_at.today()


def _applied(cleaned: dict) -> list[tuple[str, str]]:
    """The choices a download was made with, in words."""
    applied = [
        ("Grouped by", SOCIAL_VALUE_GROUPINGS[cleaned["by"]]),
        ("As on", f"{cleaned['on']:%d/%m/%Y}"),
        ("Directorate", cleaned["directorate"].name if cleaned.get("directorate") else "All directorates"),
        ("Status", str(ProfileStatus(cleaned["status"]).label) if cleaned.get("status") else "Any status"),
    ]
    if cleaned["by"] in OUTCOME_GROUPINGS:
        applied.append(("Note", OUTCOME_NOTE))
    return applied


def _showing(cleaned: dict) -> str:
    """The directorate and status chosen, in a sentence (blank when none is)."""
    status, directorate = cleaned.get("status"), cleaned.get("directorate")
    if not (status or directorate):
        return ""
    text = f"Commitments that are {ProfileStatus(status).label.lower()}" if status else "All commitments"
    if directorate:
        text += f" of {directorate.name}'s contracts"
    return text + "."


def _report(cleaned: dict) -> SocialValueReport:
    return SocialValueReport(on=cleaned["on"], directorate=cleaned.get("directorate"), status=cleaned.get("status"))


def _query(data, **changes) -> str:
    """The page's query string (only the form's own fields) with `changes`."""
    values = {name: data.get(name, "") for name in SocialValueFilterForm.base_fields}
    values.update(changes)
    return urlencode({k: v for k, v in values.items() if v})


class SocialValueDashboardView(RoleRequiredMixin, DownloadsMixin, TemplateView):
    """Committed against delivered social value, grouped as the user picks, with headline totals,
    the top and the lagging contracts and charts. A bad query string gets the error summary
    (status 400), never a server error. The grouped table downloads with the filters it was made
    with (SocialValueDashboardDownloadView); the top and lagging contracts through the mixin."""

    template_name = "social_value/dashboard.html"

    def get(self, request, *args, **kwargs):
        download = self.requested_download()
        if download is not None:
            return download
        context = self.get_context_data(**kwargs)
        return self.render_to_response(context, status=200 if context["form"].is_valid() else 400)

    def get_downloads(self):
        form = SocialValueFilterForm(self.request.GET)
        if not form.is_valid():
            return {}
        report = _report(form.cleaned_data)
        return {
            "top-contracts": lambda: contracts_social_value_table(
                report.top_contracts(), title="Top contracts", lagging=False
            ),
            "lagging-contracts": lambda: contracts_social_value_table(
                report.lagging_contracts(), title="Lagging contracts", lagging=True
            ),
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        get = self.request.GET
        form = SocialValueFilterForm(get)
        context.update(form=form, query=_query(get))
        if not form.is_valid():
            return context
        cleaned = form.cleaned_data
        by = cleaned["by"]
        grouped_by = SOCIAL_VALUE_GROUPINGS[by]
        report = _report(cleaned)
        total = report.total()
        groups = report.groups(by)
        pairs = [(f"{g.code} {g.label}" if g.code and by != "directorate" else g.label, g.figures) for g in groups]
        context.update(
            by=by,
            on=cleaned["on"],
            is_today=cleaned["on"] == as_at.today(),
            grouped_by=grouped_by,
            by_links=[
                {"by": key, "label": label, "query": _query(get, by=key), "current": key == by}
                for key, label in SOCIAL_VALUE_GROUPINGS.items()
            ],
            outcome_note=OUTCOME_NOTE if by in OUTCOME_GROUPINGS else "",
            with_units=by == "measure",
            total=total,
            groups=groups,
            top_contracts=report.top_contracts(),
            lagging_contracts=report.lagging_contracts(),
            value_chart=charts.committed_delivered_chart(pairs, grouped_by=grouped_by.lower()),
            status_chart=charts.status_chart(
                [("All commitments", total), *pairs] if groups else [], grouped_by=grouped_by.lower()
            ),
            filtered=bool(cleaned.get("directorate") or cleaned.get("status")),
            showing=_showing(cleaned),
        )
        return context


class SocialValueDashboardDownloadView(RoleRequiredMixin, View):
    """The dashboard's grouped table as CSV or Excel, for the same query string. Text cells are
    neutralised so a spreadsheet never runs them as formulas; money stays a number."""

    def get(self, request, fmt: str):
        if fmt not in DOWNLOAD_FORMATS:
            raise Http404("Download as csv or xlsx.")
        form = SocialValueFilterForm(request.GET)
        if not form.is_valid():
            errors = " ".join(" ".join(e) for e in form.errors.values())
            return HttpResponse(f"Correct the query first. {errors}", status=400, content_type="text/plain")
        cleaned = form.cleaned_data
        by = cleaned["by"]
        content_type, render = DOWNLOAD_FORMATS[fmt]
        content = render(_report(cleaned), by=by, grouped_by=SOCIAL_VALUE_GROUPINGS[by], filters=_applied(cleaned))
        response = HttpResponse(content, content_type=content_type)
        filename = f"social-value-by-{by.replace('_', '-')}-{cleaned['on'].isoformat()}.{fmt}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
