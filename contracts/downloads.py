"""The contract pages' hand-written tables as downloads (commissioning.downloads.Table).

Each function takes the rows its page lists, from the same selector, and gives them as plain
values: money as Decimal pounds, KPI values as Decimal, counts as ints, dates as dates, text
without markup. A page's download has every row its filters select, not only the page shown.
The django-tables2 list pages (providers, deductions, concerns, spend imports) download through
their tables' `value_<column>` methods instead (contracts/tables*.py); spend lines, too many for
that, through `spend_lines_table`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone

from commissioning.db import pence_to_pounds
from commissioning.downloads import COUNT, DATE, MONEY, PERCENT, QUANTITY, Column, Table
from contracts.choices import COUNTED_RETURN_STATUSES
from contracts.models import Contract, ContractPeriodSummary, Deduction, KPIReturn, PerformanceAssessment, SpendLine
from contracts.selectors import DeductionTotal, DueReturn, KPISeries, OverdueAssessment, UnmatchedSupplier


def _day(moment: datetime.datetime | None) -> datetime.date | None:
    return None if moment is None else timezone.localtime(moment).date()


def _yes(value: bool) -> str:
    return "Yes" if value else "No"


# --- Providers ----------------------------------------------------------------------------------------


def provider_contracts_table(contracts: Iterable[Contract], *, provider_name: str) -> Table:
    """A provider's contracts (contracts.selectors.contracts_of_provider), as its page lists them."""
    table = Table(
        title=f"Contracts held by {provider_name}",
        columns=[
            Column("Reference"),
            Column("Title"),
            Column("Status"),
            Column("Annual value (£)", MONEY),
            Column("Ends", DATE),
        ],
    )
    for c in contracts:
        table.rows.append([c.reference, c.title, c.get_status_display(), c.annual_value, c.current_end_date])
    return table


# --- A contract's KPIs and performance ----------------------------------------------------------------


def kpis_table(kpis: Iterable) -> Table:
    """A contract's KPIs with their targets, thresholds and deduction rules (the KPI list page)."""
    table = Table(
        title="KPIs",
        columns=[
            Column("Code"),
            Column("Name"),
            Column("Unit"),
            Column("Better"),
            Column("Target", QUANTITY),
            Column("Amber threshold", QUANTITY),
            Column("Red threshold", QUANTITY),
            Column("Reported"),
            Column("From"),
            Column("Weight", COUNT),
            Column("Key KPI"),
            Column("Supporting outcome"),
            Column("Deduction rule"),
            Column("Deduction amount (£)", MONEY),
            Column("Deduction (%)", PERCENT),
            Column("Deductions capped at (% of annual value a year)", PERCENT),
            Column("Active"),
        ],
    )
    for kpi in kpis:
        outcome = kpi.supporting_outcome
        table.rows.append(
            [
                kpi.code,
                kpi.name,
                kpi.get_unit_display(),
                kpi.get_polarity_display(),
                kpi.target,
                kpi.amber_threshold,
                kpi.red_threshold,
                kpi.get_frequency_display(),
                kpi.first_period.label,
                kpi.weight,
                _yes(kpi.is_key),
                f"{outcome.code} {outcome.title}" if outcome else "",
                kpi.get_deduction_rule_display(),
                kpi.deduction_amount,
                kpi.deduction_percent,
                kpi.deduction_cap_percent,
                _yes(kpi.is_active),
            ]
        )
    return table


def quarter_summaries_table(summaries: Iterable[ContractPeriodSummary]) -> Table:
    """A contract's quarters (contracts.selectors.contract_summaries), every one, oldest first."""
    table = Table(
        title="Quarter by quarter",
        columns=[
            Column("Quarter"),
            Column("Quarter starts", DATE),
            Column("Green", COUNT),
            Column("Amber", COUNT),
            Column("Red", COUNT),
            Column("Missing", COUNT),
            Column("Score (out of 100)", PERCENT),
            Column("Overall"),
        ],
    )
    for s in summaries:
        table.rows.append(
            [
                s.period.label,
                s.period_start,
                s.green,
                s.amber,
                s.red,
                s.missing,
                s.score,
                s.get_rag_display() if s.rag else "No returns",
            ]
        )
    return table


def kpi_returns_table(series: Iterable[KPISeries]) -> Table:
    """Every KPI's returns (contracts.selectors.contract_performance) in one table, KPI by KPI,
    oldest period first: the page's table under each KPI's chart, taken together."""
    table = Table(
        title="KPI returns",
        columns=[
            Column("KPI code"),
            Column("KPI"),
            Column("Period"),
            Column("Period starts", DATE),
            Column("Actual", QUANTITY),
            Column("Unit"),
            Column("RAG"),
            Column("Why"),
            Column("Against previous period"),
            Column("Against previous period: why"),
            Column("Against a year earlier"),
            Column("Against a year earlier: why"),
            Column("Status"),
            Column("Commentary"),
        ],
    )
    for s in series:
        kpi = s.kpi
        for r in s.returns:
            table.rows.append(
                [
                    kpi.code,
                    kpi.name,
                    r.period.label,
                    r.period_start,
                    r.actual,
                    kpi.get_unit_display(),
                    r.get_rag_display(),
                    r.rag_explanation,
                    r.get_direction_previous_display(),
                    r.direction_previous_explanation,
                    r.get_direction_year_display(),
                    r.direction_year_explanation,
                    r.get_status_display(),
                    r.commentary,
                ]
            )
    return table


def contract_deductions_table(deductions: Iterable[Deduction]) -> Table:
    """A contract's deductions (service credits), as its performance page lists them."""
    table = Table(
        title="Deductions",
        columns=[
            Column("KPI code"),
            Column("Period"),
            Column("Financial year", COUNT),
            Column("Amount (£)", MONEY),
            Column("Status"),
            Column("Calculation"),
        ],
    )
    for d in deductions:
        table.rows.append(
            [d.kpi.code, d.kpi_return.period.label, d.financial_year, d.amount, d.get_status_display(), d.calculation]
        )
    return table


# --- Returns: the entry grid, overdue returns, a concern's KPI ----------------------------------------


def returns_due_table(due: Iterable[DueReturn], *, quarter_label: str) -> Table:
    """The returns due in a quarter (contracts.selectors.returns_due_in_quarter), as the entry grid
    shows them: what has been recorded so far, for working on away from the page."""
    table = Table(
        title=f"Returns due for {quarter_label}",
        columns=[
            Column("Contract"),
            Column("Contract title"),
            Column("KPI code"),
            Column("KPI"),
            Column("Better"),
            Column("Period"),
            Column("Target", QUANTITY),
            Column("Unit"),
            Column("Actual", QUANTITY),
            Column("Commentary"),
            Column("Status"),
            Column("RAG"),
            Column("Due", DATE),
        ],
    )
    for item in due:
        kpi, ret = item.kpi, item.kpi_return
        table.rows.append(
            [
                item.contract.reference,
                item.contract.title,
                kpi.code,
                kpi.name,
                kpi.get_polarity_display(),
                item.period.label,
                kpi.target,
                kpi.get_unit_display(),
                ret.actual if ret else None,
                ret.commentary if ret else "",
                ret.get_status_display() if ret else "Not started",
                ret.get_rag_display() if ret else "",
                item.due_date,
            ]
        )
    return table


_SO_FAR = {"draft": "Draft saved, not submitted", "returned": "Sent back to the provider"}


def overdue_returns_table(due: Iterable[DueReturn], *, today: datetime.date) -> Table:
    """Overdue KPI returns (contracts.selectors.overdue_returns), longest overdue first."""
    table = Table(
        title="Overdue KPI returns",
        columns=[
            Column("Contract"),
            Column("Provider"),
            Column("KPI code"),
            Column("KPI"),
            Column("Period"),
            Column("Due", DATE),
            Column("Days overdue", COUNT),
            Column("Responsible commissioner"),
            Column("Return so far"),
        ],
    )
    for item in due:
        contract, ret = item.contract, item.kpi_return
        table.rows.append(
            [
                contract.reference,
                contract.provider.name,
                item.kpi.code,
                item.kpi.name,
                item.period.label,
                item.due_date,
                (today - item.due_date).days,
                str(contract.commissioner) if contract.commissioner else "No one assigned",
                _SO_FAR.get(ret.status, "Nothing recorded") if ret else "Nothing recorded",
            ]
        )
    return table


def recent_returns_table(returns: Iterable[KPIReturn], *, kpi_label: str) -> Table:
    """A KPI's latest returns, as a performance concern's page shows them (oldest first)."""
    table = Table(
        title=f"Returns of {kpi_label}",
        columns=[
            Column("Period"),
            Column("Actual", QUANTITY),
            Column("RAG"),
            Column("Against the target"),
            Column("Status"),
            Column("Counted"),
        ],
    )
    for r in returns:
        counted = r.status in COUNTED_RETURN_STATUSES
        table.rows.append(
            [
                r.period.label,
                r.actual,
                r.get_rag_display(),
                r.rag_explanation or "No value recorded",
                r.get_status_display(),
                _yes(counted),
            ]
        )
    return table


# --- Deductions -------------------------------------------------------------------------------------------


def deduction_totals_table(totals: Iterable[DeductionTotal], *, by_label: str, grand_total: DeductionTotal) -> Table:
    """Deductions totalled by contract, provider, directorate or financial year and status, with
    the grand total as the last row, as the deductions page shows them."""
    table = Table(
        title=f"Deductions by {by_label.lower()}",
        columns=[
            Column(by_label),
            Column("Proposed (£)", MONEY),
            Column("Applied (£)", MONEY),
            Column("Waived (£)", MONEY),
            Column("Disputed (£)", MONEY),
        ],
    )
    for t in [*totals, grand_total]:
        table.rows.append([t.label, t.proposed, t.applied, t.waived, t.disputed])
    return table


# --- Performance assessments ------------------------------------------------------------------------------


def overdue_assessments_table(items: Iterable[OverdueAssessment]) -> Table:
    """Contracts whose Procurement Act 2023 performance assessment is overdue."""
    table = Table(
        title="Assessments overdue",
        columns=[
            Column("Contract"),
            Column("Title"),
            Column("Provider"),
            Column("Directorate"),
            Column("Why"),
            Column("Due", DATE),
            Column("Last assessed to", DATE),
        ],
    )
    for item in items:
        c = item.contract
        last = item.last_period_end
        table.rows.append([c.reference, c.title, c.provider.name, c.directorate.code, item.reason, item.due_date, last])
    return table


def missing_key_kpis_table(contracts: Iterable[Contract]) -> Table:
    """Contracts over £5m with fewer than three key KPIs and no reason recorded (annotated key_kpi_count)."""
    table = Table(
        title="Contracts lacking key KPIs",
        columns=[
            Column("Contract"),
            Column("Title"),
            Column("Provider"),
            Column("Directorate"),
            Column("Total value (£)", MONEY),
            Column("Key KPIs", COUNT),
        ],
    )
    for c in contracts:
        table.rows.append([c.reference, c.title, c.provider.name, c.directorate.code, c.total_value, c.key_kpi_count])
    return table


def assessments_table(assessments: Iterable[PerformanceAssessment]) -> Table:
    """Performance assessments (contracts.selectors.assessment_list, ratings prefetched)."""
    table = Table(
        title="Performance assessments",
        columns=[
            Column("Contract"),
            Column("Provider"),
            Column("Directorate"),
            Column("Period from", DATE),
            Column("Period to", DATE),
            Column("Reason"),
            Column("Ratings"),
            Column("Status"),
            Column("Confirmed", DATE),
        ],
    )
    for a in assessments:
        c = a.contract
        ratings = "; ".join(f"{r.kpi.code}: {r.get_rating_display()}" for r in a.ratings.all())
        table.rows.append(
            [
                c.reference,
                c.provider.name,
                c.directorate.code,
                a.period_start,
                a.period_end,
                a.get_reason_display(),
                ratings,
                a.get_status_display(),
                _day(a.confirmed_at),
            ]
        )
    return table


def assessment_ratings_table(ratings: Iterable, *, confirmed: bool) -> Table:
    """An assessment's key KPI ratings: proposed from the returns, and as confirmed."""
    table = Table(
        title="Ratings",
        columns=[
            Column("KPI code"),
            Column("KPI"),
            Column("Proposed from the returns"),
            Column("Why proposed"),
            Column("Confirmed rating" if confirmed else "Rating"),
            Column("Note"),
        ],
    )
    for r in ratings:
        table.rows.append(
            [
                r.kpi.code,
                r.kpi.name,
                r.get_proposed_rating_display(),
                r.proposed_explanation,
                r.get_rating_display(),
                r.note,
            ]
        )
    return table


# --- Spend ------------------------------------------------------------------------------------------------


def unmatched_suppliers_table(suppliers: Iterable[UnmatchedSupplier]) -> Table:
    """Supplier names no provider is matched to (contracts.selectors.unmatched_suppliers), largest
    spend first, with the close provider names suggested."""
    table = Table(
        title="Suppliers not matched",
        columns=[
            Column("Supplier"),
            Column("First payment", DATE),
            Column("Last payment", DATE),
            Column("Lines", COUNT),
            Column("Total (£)", MONEY),
            Column("Company number"),
            Column("Charity number"),
            Column("Suggested providers"),
        ],
    )
    for s in suppliers:
        suggestions = "; ".join(f"{x.provider_name} (score {x.score})" for x in s.suggestions)
        table.rows.append(
            [
                s.name,
                s.first_date,
                s.last_date,
                s.lines,
                s.total,
                s.company_number,
                s.charity_number,
                suggestions,
            ]
        )
    return table


def spend_lines_table(lines: QuerySet[SpendLine]) -> Table:
    """Spend lines as the spend line list's table downloads them (contracts.tables_spend.SpendLineTable:
    the same columns and values), read with values_list rather than through the table: a council's
    year of spend is tens of thousands of lines, and building a model instance and a table row for
    each took most of a minute. `lines` keeps its filters and order. Blank text is None, as the
    table gives it (an empty cell either way)."""
    table = Table(
        title="Spend lines",
        columns=[
            Column("Date", DATE),
            Column("Supplier"),
            Column("Amount (£)", MONEY),
            Column("Transaction"),
            Column("Service area"),
            Column("Expense type"),
            Column("Contract"),
            Column("Provider"),
            Column("Redacted"),
        ],
    )
    fields = ("payment_date", "supplier_name", "amount_pence", "transaction_number", "service_area", "expense_type")
    for day, supplier, pence, transaction, area, expense, contract, provider, redacted in lines.values_list(
        *fields, "contract__reference", "provider__name", "redacted"
    ):
        table.rows.append(
            [
                day,
                supplier or None,
                pence_to_pounds(pence),
                transaction or None,
                area or None,
                expense or None,
                contract,
                provider,
                "Yes" if redacted else "No",
            ]
        )
    return table
