"""A directorate's quarterly performance report (issue 6, report (c)).

For one directorate and one quarter ("2025-26 Q2": the council's quarters run from April,
contracts.periods): its contracts' RAG for the quarter, counted and charted (each contract's stored
quarter summary: green from a score of 85, amber from 50, red below; "not returned" when KPIs were
due and nothing was returned, "no KPIs due" when none fell due in the contract's term); the red and
amber contracts with their KPIs' returns for the quarter; the performance concerns raised and
resolved in the quarter; the deductions for the quarter's returns (withdrawn ones left out: they no
longer apply); the returns overdue; and the active contracts ending within 12 months.

Returns overdue and contracts ending are as at the report's day (commissioning.as_at.today()), not
the quarter's end: a committee wants to know what is outstanding when it meets. The contracts
counted for the quarter are those with KPIs whose term overlaps it. A fixed number of queries
whatever the number of contracts, KPIs or returns.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings

from commissioning import as_at
from commissioning.downloads import COUNT, DATE, MONEY, TEXT
from commissioning.models import Directorate
from commissioning.selectors import directorate_list
from commissioning.templatetags.gt import NOT_KNOWN
from contracts.choices import ContractStatus, DeductionStatus, Frequency
from contracts.models import Contract, Deduction
from contracts.periods import Period, parse_period
from contracts.rules import format_measure
from contracts.selectors import (
    concern_list,
    contract_list,
    deduction_list,
    deduction_totals,
    kpi_return_list,
    overdue_returns,
    recent_quarters,
)
from outcomes_link.reports.base import RAG, Cell, ContentsEntry, PdfReport, ReportOptionError, ReportTable, report_table
from outcomes_link.reports.charts import BarChart, bar_chart
from outcomes_link.selectors import MatrixRow, contracts_with_kpis, rag_matrix_rows

ENDING_WITHIN_MONTHS = 12
NOT_RETURNED = "Not returned"
NO_KPIS_DUE = "No KPIs due"


@dataclass(frozen=True)
class RAGCounts:
    green: int = 0
    amber: int = 0
    red: int = 0
    not_returned: int = 0
    no_kpis_due: int = 0

    @property
    def total(self) -> int:
        return self.green + self.amber + self.red + self.not_returned + self.no_kpis_due


@dataclass
class FlaggedContract:
    """A red or amber contract of the quarter with its KPIs' returns for the quarter."""

    row: MatrixRow
    anchor: str
    returns: ReportTable

    @property
    def contract(self) -> Contract:
        return self.row.contract

    @property
    def summary(self):
        return self.row.cells[0].summary


def directorate_by_code(code: str) -> Directorate:
    """A directorate by its code, in any case; ReportOptionError naming --directorate if there is none."""
    code = (code or "").strip()
    directorates = list(directorate_list())
    codes = ", ".join(d.code for d in directorates)
    for directorate in directorates:
        if directorate.code.lower() == code.lower():
            return directorate
    if not code:
        raise ReportOptionError("directorate", f"Say which directorate: give its code, one of {codes}.")
    raise ReportOptionError("directorate", f"There is no directorate with the code “{code}”: use one of {codes}.")


def quarter_from_text(text: str | None, *, today: datetime.date) -> Period:
    """A quarter as the council writes it ("2025-26 Q2"); without one, the last quarter ended.
    ReportOptionError naming --quarter for anything else, or a quarter that has not started."""
    if not (text or "").strip():
        return recent_quarters(count=1, today=today)[-1]
    try:
        quarter = parse_period(text, Frequency.QUARTERLY)
    except ValueError as exc:
        raise ReportOptionError("quarter", str(exc)) from exc
    if quarter.start > today:
        raise ReportOptionError("quarter", f"{quarter.label} has not started on {today:%-d %B %Y}.")
    return quarter


class DirectorateQuarterlyReport(PdfReport):
    code = "directorate-quarterly"
    title = "Quarterly performance report"
    template_name = "reports/directorate_quarterly.html"
    description = (
        "A directorate's contracts in one quarter: their RAG, the red and amber ones with their KPIs, "
        "concerns raised and resolved, deductions, returns overdue and contracts ending within 12 months."
    )
    options = ("directorate", "quarter")

    def __init__(self, *, directorate: Directorate, quarter: Period):
        self.directorate = directorate
        self.quarter = quarter

    @classmethod
    def from_options(cls, *, directorate: str | None = None, quarter: str | None = None) -> DirectorateQuarterlyReport:
        return cls(
            directorate=directorate_by_code(directorate or ""), quarter=quarter_from_text(quarter, today=as_at.today())
        )

    def get_subtitle(self) -> str:
        return f"{self.directorate.name}, {self.quarter.label}"

    def get_slug(self) -> str:
        return f"{self.code}-{self.directorate.code}-{self.quarter.code}"

    def get_context(self) -> dict[str, Any]:
        d, q, today = self.directorate, self.quarter, as_at.today()
        in_term = (
            contracts_with_kpis()
            .filter(directorate=d, start_date__lte=q.end, current_end_date__gte=q.start)
            .values_list("pk", flat=True)
        )
        rows = rag_matrix_rows(contract_ids=list(in_term), quarters=[q])
        counts = _counts(rows)
        flagged_rows = [
            r for r in rows if r.cells[0].summary is not None and r.cells[0].summary.rag in ("red", "amber")
        ]
        flagged_rows.sort(key=lambda r: (r.cells[0].summary.rag != "red", r.contract.reference))
        returns = defaultdict(list)
        for ret in kpi_return_list().filter(
            contract_id__in=[r.contract.pk for r in flagged_rows], period_end__gte=q.start, period_end__lte=q.end
        ):
            returns[ret.contract_id].append(ret)
        deductions = Deduction.objects.filter(
            contract__directorate=d, kpi_return__period_end__gte=q.start, kpi_return__period_end__lte=q.end
        ).exclude(status=DeductionStatus.WITHDRAWN)
        until = today + relativedelta(months=ENDING_WITHIN_MONTHS)
        return {
            "directorate": d,
            "quarter": q,
            "in_progress": q.end >= today,
            "counts": counts,
            "chart": _rag_chart(q, counts),
            "rag_table": _rag_table(q, rows),
            "flagged": [
                FlaggedContract(r, f"contract-{r.contract.pk}", _returns_table(r.contract, returns[r.contract.pk]))
                for r in flagged_rows
            ],
            "raised": _concerns_table(
                f"Performance concerns raised in {q.label}",
                concern_list().filter(contract__directorate=d, created__date__gte=q.start, created__date__lte=q.end),
                "no concern was raised in the quarter.",
            ),
            "resolved": _concerns_table(
                f"Performance concerns resolved in {q.label}",
                concern_list().filter(
                    contract__directorate=d, resolved_at__date__gte=q.start, resolved_at__date__lte=q.end
                ),
                "no concern was resolved in the quarter.",
            ),
            "deductions": _deductions_table(q, deduction_list().filter(pk__in=deductions.values("pk"))),
            "deduction_totals": deduction_totals(by="directorate", deductions=deductions),
            "overdue": _overdue_table(
                today, overdue_returns(contracts=Contract.objects.filter(directorate=d), today=today)
            ),
            "ending": _ending_table(
                today,
                contract_list()
                .filter(
                    directorate=d,
                    status=ContractStatus.ACTIVE,
                    current_end_date__gte=today,
                    current_end_date__lte=until,
                )
                .order_by("current_end_date", "reference"),
            ),
            "today": today,
            "overdue_days": settings.KPI_RETURN_OVERDUE_DAYS,
        }

    def get_contents(self, context: dict[str, Any]) -> list[ContentsEntry]:
        entries = [
            ContentsEntry("rag", f"Contracts' RAG in {self.quarter.label}"),
            ContentsEntry("flagged", "Red and amber contracts"),
        ]
        entries += [
            ContentsEntry(f.anchor, f"{f.contract.reference} {f.contract.title}", 2) for f in context["flagged"]
        ]
        entries += [
            ContentsEntry("concerns", "Performance concerns"),
            ContentsEntry("deductions", "Deductions"),
            ContentsEntry("overdue", "Returns overdue"),
            ContentsEntry("ending", f"Contracts ending within {ENDING_WITHIN_MONTHS} months"),
        ]
        return entries


def _counts(rows: list[MatrixRow]) -> RAGCounts:
    tally = defaultdict(int)
    for row in rows:
        cell = row.cells[0]
        if cell.summary is not None and cell.summary.rag:
            tally[cell.summary.rag] += 1
        elif cell.due:
            tally["not_returned"] += 1
        else:
            tally["no_kpis_due"] += 1
    return RAGCounts(**tally)


def _rag_chart(quarter: Period, counts: RAGCounts) -> BarChart:
    return bar_chart(
        f"Contracts by RAG in {quarter.label}",
        [
            ("Green", counts.green, str(counts.green), "green"),
            ("Amber", counts.amber, str(counts.amber), "amber"),
            ("Red", counts.red, str(counts.red), "red"),
            (NOT_RETURNED, counts.not_returned, str(counts.not_returned), "none"),
            (NO_KPIS_DUE, counts.no_kpis_due, str(counts.no_kpis_due), "none"),
        ],
        whole_numbers=True,
    )


def _rag_table(quarter: Period, rows: list[MatrixRow]) -> ReportTable:
    body = []
    for row in rows:
        c, s = row.contract, row.cells[0].summary
        if s is not None and s.rag:
            rag = Cell(s.get_rag_display(), css=f"rag rag--{s.rag}")
            score = Cell(str(s.score), numeric=True)
            body.append([f"{c.reference} {c.title}", c.provider.name, rag, score, s.green, s.amber, s.red, s.missing])
        else:
            body.append(
                [f"{c.reference} {c.title}", c.provider.name, Cell(row.cells[0].empty), None, None, None, None, None]
            )
    return report_table(
        f"Each contract with KPIs in {quarter.label}",
        [
            ("Contract", TEXT),
            ("Provider", TEXT),
            ("RAG", RAG),
            ("Score", TEXT),
            ("Green", COUNT),
            ("Amber", COUNT),
            ("Red", COUNT),
            ("Not returned", COUNT),
        ],
        body,
        empty="the directorate has no contract with KPIs in this quarter.",
    )


def _returns_table(contract: Contract, returns) -> ReportTable:
    rows = [
        [
            f"{r.kpi.code} {r.kpi.name}",
            r.period.label,
            format_measure(r.actual, r.kpi.unit) if r.actual is not None else "No value",
            format_measure(r.kpi.target, r.kpi.unit, exact=True),
            r.rag or "",
            r.get_status_display(),
        ]
        for r in returns
    ]
    return report_table(
        f"{contract.reference}: its KPIs' returns for the quarter",
        [("KPI", TEXT), ("Period", TEXT), ("Actual", TEXT), ("Target", TEXT), ("RAG", RAG), ("Status", TEXT)],
        rows,
        empty="no return recorded for the quarter.",
    )


def _concerns_table(title: str, concerns, empty: str) -> ReportTable:
    rows = [
        [
            f"{c.contract.reference} {c.contract.title}",
            f"{c.kpi.code}: {c.explanation}",
            c.created.date(),
            f"Resolved {c.resolved_at:%-d %B %Y}" if c.resolved_at else "Open",
        ]
        for c in concerns
    ]
    return report_table(
        title, [("Contract", TEXT), ("Concern", TEXT), ("Raised", DATE), ("Status", TEXT)], rows, empty=empty
    )


def _deductions_table(quarter: Period, deductions) -> ReportTable:
    rows = [
        [
            f"{d.contract.reference} {d.contract.title}",
            f"{d.kpi.code} {d.kpi_return.period.label}",
            d.get_status_display(),
            d.amount,
        ]
        for d in deductions
    ]
    return report_table(
        f"Deductions for returns of {quarter.label}",
        [("Contract", TEXT), ("KPI and period", TEXT), ("Status", TEXT), ("Amount", MONEY)],
        rows,
        empty="no deduction for the quarter's returns.",
    )


def _overdue_table(today: datetime.date, overdue) -> ReportTable:
    rows = [
        [
            f"{o.contract.reference} {o.contract.title}",
            f"{o.kpi.code} {o.kpi.name}",
            o.period.label,
            o.due_date,
            o.kpi_return.get_status_display() if o.kpi_return else "Nothing recorded",
        ]
        for o in overdue
    ]
    return report_table(
        f"KPI returns overdue on {today:%-d %B %Y}",
        [("Contract", TEXT), ("KPI", TEXT), ("Period", TEXT), ("Was due", DATE), ("Recorded", TEXT)],
        rows,
        empty="no return is overdue.",
    )


def _ending_table(today: datetime.date, contracts) -> ReportTable:
    rows = [
        [
            f"{c.reference} {c.title}",
            c.provider.name,
            c.current_end_date,
            f"{c.extension_months_remaining} months" if c.extension_months_remaining else "None",
            Cell(NOT_KNOWN, numeric=True) if c.annual_value is None else c.annual_value,
        ]
        for c in contracts
    ]
    until = today + relativedelta(months=ENDING_WITHIN_MONTHS)
    return report_table(
        f"Active contracts ending from {today:%-d %B %Y} to {until:%-d %B %Y}",
        [
            ("Contract", TEXT),
            ("Provider", TEXT),
            ("Current end date", DATE),
            ("Extension left", TEXT),
            ("Annual value", MONEY),
        ],
        rows,
        empty="no active contract ends within 12 months.",
    )
