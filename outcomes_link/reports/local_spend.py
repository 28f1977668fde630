"""The local spend report (issue 6, report (d)): the annual report's local spend table, by financial year.

The figures are procurement's local spend page's (social_value.reports.LocalSpendReport and
social_value.formatters.summary_rows): total spend, spend with Kent-based suppliers, SMEs,
Kent-based SMEs and micro enterprises, and VCS organisations, each with the spend whose supplier's
location, size or sector is not known beside it (unknown is never counted as not local), then the
same figures by financial year and quarter, the page's two monthly charts (the same SVG), the top
suppliers and the spend per contract. For one financial year (payments from 1 April to 31 March)
or for all the spend imported. A fixed number of queries whatever the number of spend lines.
"""

from __future__ import annotations

from typing import Any

from commissioning.downloads import COUNT, MONEY, PERCENT, TEXT
from commissioning.templatetags.gt import money
from contracts.choices import Frequency, Location, Sector, SizeBand
from contracts.periods import financial_year_label, financial_year_start, parse_period
from contracts.selectors import spend_line_list
from outcomes_link.reports.base import Cell, ContentsEntry, PdfReport, ReportOptionError, ReportTable, report_table
from social_value import charts, formatters
from social_value.reports import BreakdownRow, LocalSpendReport

TOP_SUPPLIERS = 20
TOP_CONTRACTS = 20


def financial_year_from_text(text: str | int | None) -> int | None:
    """The year a financial year starts in, from "2025-26" (as the council writes it, or "2025/26") or
    "2025" (as the local spend page's filter sends it); None for all years. ReportOptionError naming
    --financial-year for anything else."""
    raw = str(text or "").strip()
    if not raw:
        return None
    if raw.isdigit() and len(raw) == 4:
        return int(raw)
    try:
        return parse_period(raw, Frequency.ANNUAL).financial_year
    except ValueError as exc:
        raise ReportOptionError("financial_year", f"“{raw}” is not a financial year: write it like 2025-26.") from exc


class LocalSpendPdfReport(PdfReport):
    code = "local-spend"
    title = "Local spend report"
    template_name = "reports/local_spend.html"
    description = (
        "How much of the council's spend reaches Kent-based suppliers, SMEs, micro enterprises and the "
        "voluntary and community sector, with what is not known beside each figure."
    )
    options = ("financial_year",)

    def __init__(self, *, financial_year: int | None = None):
        self.financial_year = financial_year

    @classmethod
    def from_options(cls, *, financial_year: str | None = None) -> LocalSpendPdfReport:
        return cls(financial_year=financial_year_from_text(financial_year))

    @property
    def year_label(self) -> str:
        return financial_year_label(self.financial_year) if self.financial_year is not None else ""

    def get_subtitle(self) -> str:
        return f"Financial year {self.year_label}" if self.year_label else "All spend imported"

    def get_slug(self) -> str:
        return f"{self.code}-{self.year_label}" if self.year_label else self.code

    def get_context(self) -> dict[str, Any]:
        lines = spend_line_list()
        if self.financial_year is not None:
            start = financial_year_start(self.financial_year)
            lines = lines.filter(payment_date__gte=start, payment_date__lt=start.replace(year=start.year + 1))
        report = LocalSpendReport(lines)
        summary = report.summary()
        if not summary.lines:
            return {"summary": summary, "has_spend": False}
        months = report.breakdown("month")
        spend_chart, trend = charts.monthly_spend_chart(months)
        return {
            "has_spend": True,
            "summary": summary,
            "summary_table": _summary_table(summary),
            "reconciliation": {
                name: summary.pounds(name)
                for name in ("kent_spend", "outside_spend", "unknown_location_spend", "redacted_spend", "total_spend")
            },
            "years": _breakdown_table("By financial year", "Financial year", report.breakdown("financial_year")),
            "quarters": _breakdown_table("By quarter", "Quarter", report.breakdown("quarter")),
            "spend_chart": spend_chart,
            "share_chart": charts.kent_share_chart(months),
            "trend": trend,
            "suppliers": _suppliers_table(report),
            "contracts": _contracts_table(report),
        }

    def get_contents(self, context: dict[str, Any]) -> list[ContentsEntry]:
        if not context["has_spend"]:
            return []
        return [
            ContentsEntry("summary", "Local spend summary"),
            ContentsEntry("years", "By financial year and quarter"),
            ContentsEntry("trends", "Trends by month"),
            ContentsEntry("suppliers", "Top suppliers"),
            ContentsEntry("contracts", "Spend per contract"),
        ]


def _summary_table(summary) -> ReportTable:
    rows = []
    for row in formatters.summary_rows(summary):
        amount = money(row.value) if row.is_money else f"{row.value:,}"
        shown = f"{row.share}% of {row.share_of}" if row.share is not None else ""
        beside = "; ".join(
            f"{heading}: {money(value) if is_money else f'{value:,}'}" for heading, value, is_money in row.beside
        )
        rows.append([row.label, Cell(amount, numeric=True), Cell(shown, numeric=True), beside])
    return report_table(
        "The annual report's table, with what is not known beside each figure",
        [("Figure", TEXT), ("Amount", TEXT), ("Share", TEXT), ("Not known (never counted as not local)", TEXT)],
        rows,
        note=(
            "Shares are of total spend, except Kent-based suppliers (of suppliers), rounded half up to one decimal "
            "place. A supplier is counted once: a provider whatever names the files give it, or an unmatched "
            "supplier name. Redacted lines (payments to individuals) are spend but not a supplier."
        ),
    )


def _breakdown_table(title: str, heading: str, rows: list[BreakdownRow]) -> ReportTable:
    body = [
        [
            r.label,
            r.pounds("total_spend"),
            r.pounds("kent_spend"),
            r.kent_share,
            r.pounds("sme_spend"),
            r.pounds("kent_sme_spend"),
            r.pounds("vcs_spend"),
            r.pounds("unknown_location_spend"),
        ]
        for r in rows
    ]
    table = report_table(
        title,
        [
            (heading, TEXT),
            ("Total spend", MONEY),
            ("Kent-based", MONEY),
            ("Kent share", PERCENT),
            ("SMEs", MONEY),
            ("Kent-based SMEs", MONEY),
            ("VCS", MONEY),
            ("Location not known", MONEY),
        ],
        body,
    )
    table.css = "numbers"
    return table


def _suppliers_table(report: LocalSpendReport) -> ReportTable:
    rows = [
        [
            r.name + ("" if r.provider_id is not None else " (unmatched)"),
            formatters.classification_label(Location, r.location),
            formatters.classification_label(SizeBand, r.size),
            formatters.classification_label(Sector, r.sector),
            r.lines,
            r.total,
        ]
        for r in report.top_suppliers(TOP_SUPPLIERS)
    ]
    return report_table(
        f"The {TOP_SUPPLIERS} suppliers paid most, with their classification",
        [("Supplier", TEXT), ("Location", TEXT), ("Size", TEXT), ("Sector", TEXT), ("Lines", COUNT), ("Spend", MONEY)],
        rows,
    )


def _contracts_table(report: LocalSpendReport) -> ReportTable:
    contracts = report.by_contract()
    rows = [[f"{c.reference} {c.title}", c.provider, c.lines, c.total] for c in contracts[:TOP_CONTRACTS]]
    return report_table(
        f"Spend on lines linked to a contract, the {TOP_CONTRACTS} largest",
        [("Contract", TEXT), ("Provider", TEXT), ("Lines", COUNT), ("Spend", MONEY)],
        rows,
        empty="none of these spend lines is linked to a contract yet.",
        note=f"{len(contracts)} contract{'s' if len(contracts) != 1 else ''} in all." if contracts else "",
    )
