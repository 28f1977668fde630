"""Procurement's local spend pages (issue 4): the annual report's table with its breakdowns, top
suppliers, spend per contract and trend charts; one supplier's spend; and the downloads.

Thin: the lines come from contracts.selectors filtered by contracts.filtersets.SpendLineFilterSet
(the same filters as the spend line list and the API), social_value.reports chooses the figures,
social_value.formatters and social_value.charts render them. Every signed-in role may read.
Each page runs a fixed number of queries whatever the number of lines (grouped in the database).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django import forms
from django.http import Http404, HttpResponse, QueryDict
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from commissioning import as_at
from commissioning.db import pence_to_pounds
from commissioning.downloads import DownloadsMixin
from commissioning.permissions import RoleRequiredMixin
from contracts.choices import Location, Sector, SizeBand
from contracts.filtersets import SpendLineFilterSet
from contracts.models import Provider
from contracts.periods import financial_year_label, financial_year_start
from contracts.selectors import provider_get, spend_line_list
from social_value import charts, formatters
from social_value.downloads import spend_trend_table
from social_value.reports import BreakdownRow, LocalSpendReport, SupplierRow

# The filters the local spend page offers (the filterset has more, for the line list and API).
PAGE_FILTERS = (
    "financial_year",
    "date_after",
    "date_before",
    "publisher_id",
    "service_area",
    "expense_type",
    "capital_revenue",
)
# Breakdowns, in the order the page shows them: (dimension, tab label).
BREAKDOWNS = [
    ("financial_year", "Financial year"),
    ("quarter", "Quarter"),
    ("month", "Month"),
    ("service_area", "Service area"),
    ("expense_type", "Expense type"),
    ("capital_revenue", "Capital or revenue"),
]
PERIOD_DIMENSIONS = ("financial_year", "quarter", "month")
SUPPLIER_BREAKDOWNS = ("financial_year", "month", "service_area")
TOP_SUPPLIERS = 20
DOWNLOAD_FORMATS = {
    "csv": ("text/csv; charset=utf-8", formatters.report_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", formatters.report_xlsx),
}


@dataclass
class SpendFilters:
    """The page's filters: the filterset (its form shows only the page's fields), the query
    string that carries them to other pages, and the date range they allow."""

    filterset: SpendLineFilterSet
    query: str
    applied: list[tuple[str, str]]
    date_from: datetime.date | None
    date_to: datetime.date | None

    @property
    def valid(self) -> bool:
        return self.filterset.is_valid()

    @property
    def lines(self):
        return self.filterset.qs


def spend_filters(data: QueryDict, *, fields=PAGE_FILTERS, extra: dict | None = None) -> SpendFilters:
    """Filter spend lines with SpendLineFilterSet, keeping only `fields` (plus `extra`, set by
    the page itself: a supplier or provider)."""
    values = {name: data.get(name, "") for name in fields if data.get(name, "").strip()}
    filterset = SpendLineFilterSet({**values, **(extra or {})}, queryset=spend_line_list())
    for name in list(filterset.form.fields):
        if name in (extra or {}):
            # Chosen by the link (a supplier), carried by the form but not offered in it.
            filterset.form.fields[name].widget = forms.HiddenInput()
        elif name not in fields:
            del filterset.form.fields[name]
    applied: list[tuple[str, str]] = []
    date_from = date_to = None
    if filterset.is_valid():
        cleaned = filterset.form.cleaned_data
        for name in fields:
            value = cleaned.get(name)
            if value in (None, ""):
                continue
            field = filterset.form.fields[name]
            if name == "financial_year":
                shown = financial_year_label(int(value))
                start = financial_year_start(int(value))
                date_from, date_to = start, start.replace(year=start.year + 1) - datetime.timedelta(days=1)
            elif isinstance(value, datetime.date):
                shown = f"{value:%d/%m/%Y}"
            elif hasattr(field, "choices") and not hasattr(value, "pk"):
                shown = str(dict(field.choices).get(value, value))
            else:
                shown = str(value)
            applied.append((str(field.label), shown))
        if cleaned.get("date_after"):
            date_from = max(filter(None, [date_from, cleaned["date_after"]]))
        if cleaned.get("date_before"):
            date_to = min(filter(None, [date_to, cleaned["date_before"]]))
    return SpendFilters(filterset, urlencode(values), applied, date_from, date_to)


def _month_end(day: datetime.date) -> datetime.date:
    following = day.replace(year=day.year + 1, month=1) if day.month == 12 else day.replace(month=day.month + 1)
    return following - datetime.timedelta(days=1)


def _period_range(dimension: str, key: str) -> tuple[datetime.date, datetime.date]:
    if dimension == "month":
        start = datetime.date(int(key[:4]), int(key[5:7]), 1)
        return start, _month_end(start)
    year = int(key[:4])
    start = financial_year_start(year)
    if dimension == "quarter":
        month = start.month + 3 * (int(key.rsplit("Q", 1)[1]) - 1)  # Q1 April, Q4 January
        start = datetime.date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
        return start, _month_end(start.replace(month=start.month + 2))
    return start, start.replace(year=year + 1) - datetime.timedelta(days=1)


@dataclass
class BreakdownLine:
    """A breakdown row with the query string of its spend lines (None when it cannot be filtered:
    a blank service area or expense type)."""

    row: BreakdownRow
    lines_query: str | None

    @property
    def total(self) -> Decimal:
        return pence_to_pounds(self.row.total_spend)

    @property
    def kent(self) -> Decimal:
        return pence_to_pounds(self.row.kent_spend)

    @property
    def unknown_location(self) -> Decimal:
        return pence_to_pounds(self.row.unknown_location_spend)

    @property
    def redacted(self) -> Decimal:
        return pence_to_pounds(self.row.redacted_spend)

    @property
    def sme(self) -> Decimal:
        return pence_to_pounds(self.row.sme_spend)

    @property
    def kent_sme(self) -> Decimal:
        return pence_to_pounds(self.row.kent_sme_spend)

    @property
    def vcs(self) -> Decimal:
        return pence_to_pounds(self.row.vcs_spend)

    @property
    def outside(self) -> Decimal:
        # Every line is Kent, outside Kent, location not known or redacted: never two of them.
        r = self.row
        return pence_to_pounds(r.total_spend - r.kent_spend - r.unknown_location_spend - r.redacted_spend)


def breakdown_lines(
    rows: list[BreakdownRow], dimension: str, filters: SpendFilters, *, query: str | None = None
) -> list[BreakdownLine]:
    """Each row with the spend line list's query string for its lines: the page's filters (or
    `query`), narrowed to the row's period (within the filters' dates) or value."""
    base = QueryDict(filters.query if query is None else query, mutable=True)
    out = []
    for row in rows:
        query = base.copy()
        if dimension in PERIOD_DIMENSIONS:
            start, end = _period_range(dimension, row.key)
            if filters.date_from:
                start = max(start, filters.date_from)
            if filters.date_to:
                end = min(end, filters.date_to)
            for name in ("financial_year", "date_after", "date_before"):
                query.pop(name, None)
            query["date_after"], query["date_before"] = start.isoformat(), end.isoformat()
        elif row.key:
            query[dimension] = row.key
        else:
            out.append(BreakdownLine(row, None))
            continue
        out.append(BreakdownLine(row, query.urlencode()))
    return out


@dataclass
class SupplierLine:
    """A top supplier with its classification in words and the query string of its page."""

    row: SupplierRow
    location: str
    size: str
    sector: str
    query: str


def supplier_lines(rows: list[SupplierRow], filters: SpendFilters) -> list[SupplierLine]:
    out = []
    for row in rows:
        query = QueryDict(filters.query, mutable=True)
        if row.provider_id is not None:
            query["provider_id"] = str(row.provider_id)
        else:
            query["supplier"] = row.normalised_supplier
        out.append(
            SupplierLine(
                row=row,
                location=formatters.classification_label(Location, row.location),
                size=formatters.classification_label(SizeBand, row.size),
                sector=formatters.classification_label(Sector, row.sector),
                query=query.urlencode(),
            )
        )
    return out


def _breakdown_downloads(report: LocalSpendReport, dimensions) -> dict:
    """A download for each breakdown of the report, named "by-<dimension>"."""
    return {
        f"by-{dimension}": (lambda d=dimension: formatters.breakdown_table(report.breakdown(d), d))
        for dimension in dimensions
    }


class LocalSpendView(RoleRequiredMixin, DownloadsMixin, TemplateView):
    """The annual report's local spend table for the lines the filters choose, with breakdowns,
    top suppliers, spend per contract and monthly trend charts. Each table downloads on its own
    (the mixin); the whole report downloads as one file (LocalSpendDownloadView)."""

    template_name = "social_value/local_spend.html"

    def get_downloads(self):
        filters = spend_filters(self.request.GET)
        if not filters.valid:
            return {}
        report = LocalSpendReport(filters.lines)
        return {
            "summary": lambda: formatters.summary_table(report.summary()),
            "trend": lambda: spend_trend_table(charts.monthly_trend(report.breakdown("month"))),
            **_breakdown_downloads(report, [dimension for dimension, _label in BREAKDOWNS]),
            "suppliers": lambda: formatters.suppliers_table(
                report.top_suppliers(TOP_SUPPLIERS), title=f"Top {TOP_SUPPLIERS} suppliers"
            ),
            "contracts": lambda: formatters.contracts_table(report.by_contract()),
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        filters = spend_filters(self.request.GET)
        has_spend = spend_line_list().order_by().exists()
        context.update(
            filter=filters.filterset,
            filters=filters,
            has_spend=has_spend,
            can_import=user.has_perm("contracts.add_spendimport"),
            can_match=user.has_perm("contracts.add_supplieralias"),
        )
        if not has_spend or not filters.valid:
            return context
        report = LocalSpendReport(filters.lines)
        summary = report.summary()
        breakdowns = []
        months: list[BreakdownRow] = []
        for dimension, label in BREAKDOWNS:
            rows = report.breakdown(dimension)
            if dimension == "month":
                months = rows
            breakdowns.append(
                {
                    "dimension": dimension,
                    "label": label,
                    "title": formatters.BREAKDOWN_TITLES[dimension],
                    "rows": breakdown_lines(rows, dimension, filters),
                }
            )
        spend_chart, trend = charts.monthly_spend_chart(months)
        context.update(
            summary=summary,
            summary_rows=formatters.summary_rows(summary),
            unknown_headings=formatters.UNKNOWNS,
            breakdowns=breakdowns,
            top_suppliers=supplier_lines(report.top_suppliers(TOP_SUPPLIERS), filters),
            top_count=TOP_SUPPLIERS,
            contracts=report.by_contract(),
            spend_chart=spend_chart,
            share_chart=charts.kent_share_chart(months),
            trend=trend,
            reconciliation={
                name: summary.pounds(name)
                for name in ("kent_spend", "outside_spend", "unknown_location_spend", "redacted_spend", "total_spend")
            },
        )
        return context


class LocalSpendDownloadView(RoleRequiredMixin, View):
    """The summary, breakdowns, top suppliers and spend per contract as CSV or Excel, for the
    page's filters. Text cells are neutralised so a spreadsheet never runs them as formulas."""

    def get(self, request, fmt: str):
        if fmt not in DOWNLOAD_FORMATS:
            raise Http404("Download as csv or xlsx.")
        filters = spend_filters(request.GET)
        if not filters.valid:
            errors = "; ".join(f"{name}: {' '.join(e)}" for name, e in filters.filterset.errors.items())
            return HttpResponse(f"Correct the filters first. {errors}", status=400, content_type="text/plain")
        content_type, render = DOWNLOAD_FORMATS[fmt]
        content = render(LocalSpendReport(filters.lines), filters=filters.applied, top=TOP_SUPPLIERS)
        response = HttpResponse(content, content_type=content_type)
        stamp = as_at.today().isoformat()
        response["Content-Disposition"] = f'attachment; filename="local-spend-{stamp}.{fmt}"'
        return response


UNMATCHED = "Unmatched: location, size and sector not known"


class SpendSupplierView(RoleRequiredMixin, DownloadsMixin, TemplateView):
    """One supplier's spend: its classification and the reasons, or that it is unmatched; its
    spend by financial year, month and service area; its contracts' spend; a link to its lines.

    A supplier is a provider (?provider_id=N, every name the files give it) or an unmatched
    supplier name (?supplier=<normalised name>, its unmatched, unredacted lines)."""

    template_name = "social_value/spend_supplier.html"

    def get_downloads(self):
        _provider, _supplier, _identity, extra = self.supplier()
        filters = spend_filters(self.request.GET, extra=extra)
        if not filters.valid:
            return {}
        report = LocalSpendReport(filters.lines)
        return {
            **_breakdown_downloads(report, SUPPLIER_BREAKDOWNS),
            "contracts": lambda: formatters.contracts_table(report.by_contract()),
        }

    def supplier(self) -> tuple[Provider | None, str, dict, dict]:
        """The provider (or unmatched supplier name) the query string names, the query naming it,
        and the filters that choose its lines; 404 when it names neither."""
        get = self.request.GET
        provider = None
        provider_id = get.get("provider_id", "").strip()
        supplier = get.get("supplier", "").strip()
        if provider_id:
            if not provider_id.isdigit():
                raise Http404("No provider with that number.")
            try:
                provider = provider_get(pk=int(provider_id))
            except Provider.DoesNotExist as exc:
                raise Http404("No provider with that number.") from exc
            identity = extra = {"provider_id": str(provider.pk)}
        elif supplier:
            identity = {"supplier": supplier}
            extra = {**identity, "matched": "false", "redacted": "false"}
        else:
            raise Http404("Say which supplier: a provider or a supplier name.")
        return provider, supplier, identity, extra

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        get = self.request.GET
        provider, supplier, identity, extra = self.supplier()
        filters = spend_filters(get, extra=extra)
        lines_query = QueryDict(filters.query, mutable=True)
        lines_query.update(extra)
        context.update(
            filter=filters.filterset,
            filters=filters,
            provider=provider,
            supplier=supplier,
            unmatched_label=UNMATCHED,
            lines_query=lines_query.urlencode(),
            clear_url=reverse("social_value:spend_supplier") + "?" + urlencode(identity),
        )
        if not filters.valid:
            return context
        report = LocalSpendReport(filters.lines)
        summary = report.summary()
        top = report.top_suppliers(1)
        name = provider.name if provider else (top[0].name if top else supplier)
        context.update(
            name=name,
            summary=summary,
            total=summary.pounds("total_spend"),
            classification=_classification(provider),
            breakdowns=[
                {
                    "dimension": dimension,
                    "title": formatters.BREAKDOWN_TITLES[dimension],
                    "rows": breakdown_lines(
                        report.breakdown(dimension), dimension, filters, query=context["lines_query"]
                    ),
                }
                for dimension in SUPPLIER_BREAKDOWNS
            ],
            contracts=report.by_contract(),
        )
        return context


def _classification(provider: Provider | None) -> list[dict]:
    if provider is None:
        return []
    return [
        {
            "label": "Location",
            "value": Location(provider.location).label,
            "reason": provider.location_reason,
            "known": provider.location != Location.UNKNOWN,
        },
        {
            "label": "Size",
            "value": SizeBand(provider.size).label + (" (SME)" if provider.is_sme else ""),
            "reason": provider.size_reason,
            "known": provider.size != SizeBand.UNKNOWN,
        },
        {
            "label": "Sector",
            "value": Sector(provider.sector).label,
            "reason": provider.sector_reason,
            "known": provider.sector != Sector.UNKNOWN,
        },
    ]
