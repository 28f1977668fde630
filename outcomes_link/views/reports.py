"""The PDF reports as downloads, from the pages they summarise (outcomes_link.reports).

Every role may read them (RoleRequiredMixin). A request with `?as_at=` (or a session set to a past
day) already runs inside commissioning.as_at, so the report is as the data stood then and says so
on its cover and in its running header. The file comes as an attachment named
`<report>-<as-at day>.pdf`. An option that cannot be read (a quarter or financial year written
wrongly) is a 400 naming it; an unknown contract or directorate is a 404.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.urls import reverse
from django.views import View

from commissioning import as_at
from commissioning.permissions import RoleRequiredMixin
from outcomes_link.reports import (
    ContractReviewReport,
    DirectorateQuarterlyReport,
    GoldenThreadReport,
    LocalSpendPdfReport,
    PdfReport,
    ReportOptionError,
    directorate_by_code,
    financial_year_from_text,
    quarter_from_text,
)
from outcomes_link.views.shared import contract_or_404

# Options whose lookup failing means "no such thing" (404) rather than "written wrongly" (400).
NOT_FOUND_OPTIONS = ("contract", "directorate", "framework")


def pdf_response(report: PdfReport) -> HttpResponse:
    rendered = report.render()
    response = HttpResponse(rendered.content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{rendered.filename}"'
    return response


class ReportDownloadView(RoleRequiredMixin, View):
    """A report as a PDF attachment; subclasses say which report, from the URL and query string."""

    def get_report(self) -> PdfReport:
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        try:
            report = self.get_report()
            return pdf_response(report)
        except ReportOptionError as exc:
            if exc.option in NOT_FOUND_OPTIONS:
                raise Http404(exc.message) from exc
            return HttpResponseBadRequest(exc.message, content_type="text/plain; charset=utf-8")


class GoldenThreadReportView(ReportDownloadView):
    """The golden thread report, from the outcomes page."""

    def get_report(self) -> PdfReport:
        return GoldenThreadReport()


class ContractReviewReportView(ReportDownloadView):
    """A contract's review pack, from the contract's page."""

    def get_report(self) -> PdfReport:
        return ContractReviewReport(contract=contract_or_404(self.kwargs["pk"]))


class DirectorateQuarterlyReportView(ReportDownloadView):
    """A directorate's quarterly report (`?quarter=2025-26 Q2`, else the last quarter ended), from the RAG matrix."""

    def get_report(self) -> PdfReport:
        return DirectorateQuarterlyReport(
            directorate=directorate_by_code(self.kwargs["code"]),
            quarter=quarter_from_text(self.request.GET.get("quarter"), today=as_at.today()),
        )


class DirectorateQuarterlyReportChooseView(RoleRequiredMixin, View):
    """The RAG matrix's form (`?directorate=CODE&quarter=...`) sends the reader to the report's own address,
    keeping the as-at day, so the file's address names the directorate and can be shared."""

    def get(self, request, *args, **kwargs):
        code = request.GET.get("directorate", "").strip()
        if not code:
            return HttpResponseBadRequest("Choose a directorate.", content_type="text/plain; charset=utf-8")
        query = {name: request.GET[name] for name in ("quarter", "as_at") if request.GET.get(name)}
        url = reverse("outcomes_link:report_directorate_quarterly", kwargs={"code": code})
        return HttpResponseRedirect(f"{url}?{urlencode(query)}" if query else url)


class LocalSpendReportView(ReportDownloadView):
    """The local spend report (`?financial_year=2025-26` or `2025`, else all spend), from the local spend page."""

    def get_report(self) -> PdfReport:
        return LocalSpendPdfReport(financial_year=financial_year_from_text(self.request.GET.get("financial_year")))
