"""The contract review pack (issue 6, report (b)): one contract, everything a review meeting needs.

Its details; its golden thread up to the strategic outcomes and the council's vision; its KPIs
with their returns over the last eight quarters ended and the RAG of each quarter (a quarter is
green from a score of 85, amber from 50: contracts.services.contract_period_summary_refresh);
its performance concerns (red in 2 periods running, or in 3 of the last 6) and deductions; what
the published spend files show paid under it; its social value commitments and their delivery
(verified returns only, against the straight-line profile); and its recent changes.

Every figure is the one the contract's pages show, from the same selectors; a fixed number of
queries whatever the number of KPIs, returns, concerns, deductions or commitments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from commissioning import as_at
from commissioning.db import pence_to_pounds
from commissioning.downloads import COUNT, DATE, MONEY, PERCENT, TEXT
from commissioning.models import Framework
from commissioning.templatetags.gt import NOT_KNOWN, date_or_not_known, money_or_not_known, share
from contracts.charts import KPIChart, kpi_chart
from contracts.choices import COUNTED_RETURN_STATUSES, Frequency
from contracts.models import Contract, Deduction
from contracts.periods import reported
from contracts.rules import format_measure
from contracts.selectors import (
    KPISeries,
    change_history,
    concern_list,
    contract_list,
    contract_performance,
    contract_spend,
    deduction_list,
    deduction_totals,
    recent_quarters,
    spend_line_list,
)
from outcomes_link.models import attributed_value
from outcomes_link.reports.base import RAG, Cell, ContentsEntry, PdfReport, ReportOptionError, ReportTable, report_table
from outcomes_link.selectors import contract_performance_overview, contract_thread, rag_matrix_rows
from social_value.models import MeasureUnit
from social_value.reports import LocalSpendReport
from social_value.selectors import contract_social_value

QUARTERS = 8
# The contract's fields whose changes the pack lists (as the contract's history page words them).
HISTORY_FIELDS = [
    "title",
    "status",
    "procurement_route",
    "category",
    "start_date",
    "end_date",
    "extension_months_taken",
    "current_end_date",
    "annual_value",
    "total_value",
]
HISTORY_LIMIT = 10


@dataclass
class KPISection:
    """One KPI: what it measures and its thresholds, its chart and its returns in the window."""

    series: KPISeries
    anchor: str
    facts: list[tuple[str, str]]
    chart: KPIChart
    returns: ReportTable


def contract_by_reference(reference: str) -> Contract:
    """A contract by its reference, in any case; ReportOptionError naming --contract if there is none."""
    reference = (reference or "").strip()
    if not reference:
        raise ReportOptionError("contract", "Say which contract: give its reference, e.g. --contract AS18001.")
    try:
        return contract_list().get(reference__iexact=reference)
    except Contract.DoesNotExist as exc:
        when = as_at.as_at_date()
        then = f" as at {when:%-d %B %Y}" if when else ""
        raise ReportOptionError("contract", f"There is no contract with the reference “{reference}”{then}.") from exc


class ContractReviewReport(PdfReport):
    code = "contract-review"
    title = "Contract review pack"
    template_name = "reports/contract_review.html"
    description = (
        "One contract for its review: details, golden thread, KPIs and quarterly RAG, concerns, deductions, "
        "spend, social value and recent changes."
    )
    options = ("contract",)

    def __init__(self, *, contract: Contract):
        self.contract = contract

    @classmethod
    def from_options(cls, *, contract: str | None = None) -> ContractReviewReport:
        return cls(contract=contract_by_reference(contract or ""))

    def get_subtitle(self) -> str:
        return f"{self.contract.reference} {self.contract.title}"

    def get_slug(self) -> str:
        return f"{self.code}-{self.contract.reference}"

    def get_context(self) -> dict[str, Any]:
        contract = self.contract
        today = as_at.today()
        quarters = recent_quarters(count=QUARTERS, today=today)
        links = list(contract_thread(contract=contract))
        performance = contract_performance_overview(contract=contract, today=today)
        matrix = rag_matrix_rows(contract_ids=[contract.pk], quarters=quarters)
        series = contract_performance(contract=contract)
        progress, social_value = contract_social_value(contract=contract, on=today)
        spend = contract_spend(contract=contract)
        spend_years = LocalSpendReport(spend_line_list().filter(contract=contract)).breakdown("financial_year")
        return {
            "contract": contract,
            "details": _details(contract),
            "links": links,
            "framework": _framework(links),
            "thread": _thread_table(contract, links),
            "performance": performance,
            "quarters": quarters,
            "quarter_table": _quarter_table(matrix[0].cells if matrix else []),
            "kpis": [_kpi_section(s, quarters[0].start) for s in series if s.kpi.is_active or _in_window(s, quarters)],
            "concerns": _concerns_table(contract),
            "deductions": _deductions_table(contract),
            "deduction_totals": _deduction_totals_table(contract),
            "spend": spend,
            "spend_table": report_table(
                "Paid under the contract, by financial year",
                [("Financial year", TEXT), ("Payment lines", COUNT), ("Paid", MONEY)],
                [[row.label, row.lines, pence_to_pounds(row.total_spend)] for row in spend_years],
                empty="no payment in the spend files imported is linked to this contract.",
            ),  # fmt: skip
            "social_value": social_value,
            "commitments": _commitments_table(progress),
            "changes": _changes_table(contract),
        }

    def get_contents(self, context: dict[str, Any]) -> list[ContentsEntry]:
        entries = [
            ContentsEntry("details", "Contract details"),
            ContentsEntry("golden-thread", "Golden thread"),
            ContentsEntry("performance", "Performance"),
        ]
        entries += [ContentsEntry(k.anchor, f"{k.series.kpi.code} {k.series.kpi.name}", 2) for k in context["kpis"]]
        entries += [
            ContentsEntry("concerns", "Performance concerns and deductions"),
            ContentsEntry("spend", "Spend"),
            ContentsEntry("social-value", "Social value"),
            ContentsEntry("changes", "Recent changes"),
        ]
        return entries


def _details(contract: Contract) -> list[tuple[str, str]]:
    extensions = (
        f"{contract.extension_months_taken} of {contract.extension_months_available} months taken; "
        f"{contract.extension_months_remaining} left"
        if contract.extension_months_available
        else "No extension available"
    )
    return [
        ("Reference", contract.reference),
        ("Provider", contract.provider.name),
        ("Directorate", contract.directorate.name),
        ("Responsible commissioner", str(contract.commissioner) if contract.commissioner else "Not recorded"),
        ("Procurement route", contract.get_procurement_route_display()),
        ("Status", contract.get_status_display()),
        ("Category", contract.get_category_display()),
        # A contract from a published register may not give its dates or values: "Not known".
        ("Start date", date_or_not_known(contract.start_date)),
        ("End of initial term", date_or_not_known(contract.end_date)),
        ("Extensions", extensions),
        ("Current end date", date_or_not_known(contract.current_end_date)),
        ("Annual value", money_or_not_known(contract.annual_value)),
        ("Total value (whole life, including extensions taken)", money_or_not_known(contract.total_value)),
    ]


def _framework(links) -> Framework | None:
    return links[0].supporting_outcome.strategic_outcome.framework if links else None


def _thread_table(contract: Contract, links) -> ReportTable:
    rows = []
    for link in links:
        so = link.supporting_outcome
        rows.append(
            [
                f"{so.code} {so.title}",
                f"{so.strategic_outcome.code} {so.strategic_outcome.title}",
                Cell(share(link.contribution_share) + (" (primary)" if link.is_primary else ""), numeric=True),
                Cell(NOT_KNOWN, numeric=True)
                if contract.annual_value is None
                else attributed_value(contract.annual_value, link.contribution_share),
                link.rationale,
            ]
        )
    return report_table(
        f"The supporting outcomes {contract.reference} serves, and their strategic outcomes",
        [
            ("Supporting outcome", TEXT),
            ("Strategic outcome", TEXT),
            ("Share", TEXT),
            ("Attributed a year", MONEY),
            ("Why", TEXT),
        ],
        rows,
        empty="this contract is not linked to any supporting outcome: a gap in the golden thread.",
    )


def _quarter_table(cells) -> ReportTable:
    rows = []
    for c in cells:
        s = c.summary
        if s is not None and s.rag:
            rows.append([s.period.label, Cell(f"{s.get_rag_display()}", css=f"rag rag--{s.rag}"), s.score,
                         s.green, s.amber, s.red, s.missing])  # fmt: skip
        else:
            rows.append([c.quarter.label, Cell(c.empty), None, None, None, None, None])
    return report_table(
        "The contract's RAG, quarter by quarter",
        [
            ("Quarter", TEXT),
            ("RAG", RAG),
            ("Score out of 100", TEXT),
            ("Green", COUNT),
            ("Amber", COUNT),
            ("Red", COUNT),
            ("Not returned", COUNT),
        ],
        rows,
    )


def _in_window(series: KPISeries, quarters) -> bool:
    return any(r.period_end >= quarters[0].start for r in series.returns)


def _kpi_section(series: KPISeries, since) -> KPISection:
    kpi = series.kpi
    unit = kpi.unit
    facts = [
        ("Measures", kpi.description or kpi.name),
        ("Reported", reported(kpi.frequency).capitalize()),
        ("Target", format_measure(kpi.target, unit, exact=True)),
        ("Amber", f"worse than {format_measure(kpi.amber_threshold, unit, exact=True)}"
         if kpi.amber_threshold is not None else "No amber threshold"),
        ("Red", f"worse than {format_measure(kpi.red_threshold, unit, exact=True)}"),
        ("Key performance indicator (Procurement Act 2023 s.52)", "Yes" if kpi.is_key else "No"),
        ("Supporting outcome evidenced", f"{kpi.supporting_outcome.code} {kpi.supporting_outcome.title}"
         if kpi.supporting_outcome else "None recorded"),
    ]  # fmt: skip
    if not kpi.is_active:
        facts.append(("Status", "Retired: no longer due"))
    rows = [
        [
            r.period.label,
            format_measure(r.actual, unit) if r.actual is not None else "No value",
            r.rag or "",
            r.get_status_display() + ("" if r.status in COUNTED_RETURN_STATUSES else " (not counted)"),
            r.get_direction_previous_display() or "",
        ]
        for r in series.returns
        if r.period_end >= since
    ]
    label = "month" if kpi.frequency == Frequency.MONTHLY else "period"
    return KPISection(
        series=series,
        anchor=f"kpi-{kpi.pk}",
        facts=facts,
        chart=kpi_chart(series),
        returns=report_table(
            f"{kpi.code} returns for each {label} ending since {since:%-d %B %Y}",
            [("Period", TEXT), ("Actual", TEXT), ("RAG", RAG), ("Status", TEXT), ("Direction since the last", TEXT)],
            rows,
            empty="no return recorded in the last eight quarters.",
        ),
    )


def _concerns_table(contract: Contract) -> ReportTable:
    rows = [
        [
            c.explanation,
            c.kpi.code,
            c.created.date(),
            f"Resolved {c.resolved_at:%-d %B %Y}" if c.resolved_at else "Open",
        ]
        for c in concern_list().filter(contract=contract)
    ]
    return report_table(
        "Performance concerns, newest first",
        [("Concern", TEXT), ("KPI", TEXT), ("Raised", DATE), ("Status", TEXT)],
        rows,
        empty="no performance concern has been raised on this contract.",
    )


def _deductions_table(contract: Contract) -> ReportTable:
    rows = [
        [
            f"{d.kpi.code} {d.kpi_return.period.label}",
            d.get_status_display(),
            d.amount,
            d.calculation,
        ]
        for d in deduction_list().filter(contract=contract)
    ]
    return report_table(
        "Deductions (service credits), by financial year",
        [("KPI and period", TEXT), ("Status", TEXT), ("Amount", MONEY), ("How it was worked out", TEXT)],
        rows,
        empty="no deduction has been proposed on this contract.",
    )


def _deduction_totals_table(contract: Contract) -> ReportTable:
    totals = deduction_totals(by="financial_year", deductions=Deduction.objects.filter(contract=contract))
    return report_table(
        "Deductions by financial year and status",
        [("Financial year", TEXT), ("Applied", MONEY), ("Proposed", MONEY), ("Disputed", MONEY), ("Waived", MONEY)],
        [[t.label, t.applied, t.proposed, t.disputed, t.waived] for t in totals],
        empty="none.",
    )


def _units(value, unit: str) -> str:
    label = MeasureUnit(unit).label if unit in MeasureUnit.values else unit
    number = f"{value.normalize():,f}"
    return f"£{number}" if unit == MeasureUnit.POUNDS else f"{number} {str(label).lower()}"


def _commitments_table(progress) -> ReportTable:
    rows = [
        [
            f"{p.commitment.measure.code} {p.commitment.measure.name}",
            _units(p.commitment.total_quantity, p.commitment.measure.unit),
            p.commitment.committed_value,
            _units(p.delivered, p.commitment.measure.unit),
            p.delivered_value,
            p.share,
            p.status_label,
        ]
        for p in progress
    ]
    return report_table(
        "Social value commitments and their delivery (verified returns only)",
        [
            ("Measure", TEXT),
            ("Committed", TEXT),
            ("Committed value", MONEY),
            ("Delivered", TEXT),
            ("Delivered value", MONEY),
            ("Delivered", PERCENT),
            ("Against the profile", TEXT),
        ],
        rows,
        empty="no social value commitment is recorded for this contract.",
    )


def _changes_table(contract: Contract) -> ReportTable:
    rows = []
    for entry in change_history(instance=contract, fields=HISTORY_FIELDS, limit=HISTORY_LIMIT):
        changed = "; ".join(f"{c.label}: {c.old} to {c.new}" for c in entry.changes)
        rows.append(
            [
                Cell(f"{timezone.localtime(entry.when):%-d %B %Y, %H:%M}"),
                entry.action,
                str(entry.who) if entry.who else "The system",
                changed or "–",
                entry.reason or "–",
            ]
        )
    return report_table(
        f"The contract's last {HISTORY_LIMIT} saved changes, newest first",
        [("When", TEXT), ("What", TEXT), ("By", TEXT), ("Changes", TEXT), ("Reason", TEXT)],
        rows,
    )
