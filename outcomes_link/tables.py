"""Sortable tables for the register and outcome pages (django-tables2, rendered by templates/_partials/table.html).

Cells that need more than a value (end date with its ending-soon tag, a contract's outcomes)
are rendered by small templates, so the markup stays in templates and the tag looks the same
on every page that lists contracts.
"""

import django_tables2 as tables
from django.db.models import F
from django.template.loader import render_to_string

from commissioning.downloads import DATE, MONEY, PERCENT, Column, Table
from commissioning.templatetags.gt import NOT_KNOWN, money, money_or_not_known, share
from outcomes_link.models import attributed_value

NUMERIC = {"th": {"class": "govuk-table__header--numeric"}, "td": {"class": "govuk-table__cell--numeric gt-nowrap"}}


def _outcomes_text(contract) -> str:
    """A contract's outcomes in words, for downloads: "1.1 60%; 2.3 40% (primary)", or "Not linked"."""
    links = list(contract.outcome_links.all())
    if not links:
        return "Not linked"
    return "; ".join(
        f"{link.supporting_outcome.code} {share(link.contribution_share)}{' (primary)' if link.is_primary else ''}"
        for link in links
    )


def _latest_quarter_text(summary) -> str:
    """The latest quarter in words, for downloads: "2025-26 Q1: Green 92.5", or "No KPI returns"."""
    if summary is None or not summary.rag:
        return "No KPI returns"
    return f"{summary.period.label}: {summary.get_rag_display()} {summary.score}"


def _end_date_cell(contract) -> str:
    return render_to_string("contracts/_contract_end.html", {"contract": contract})


class ContractRegisterTable(tables.Table):
    """The contract register: every column sorts on the server; ties break on the reference."""

    reference = tables.Column(
        verbose_name="Reference",
        linkify=("outcomes_link:contract_detail", {"pk": tables.A("pk")}),
        attrs={"td": {"class": "gt-nowrap"}},
    )
    title = tables.Column(verbose_name="Title")
    provider = tables.Column(
        verbose_name="Provider", accessor="provider__name", order_by=("provider__name", "reference")
    )
    directorate = tables.Column(
        verbose_name="Directorate", accessor="directorate__name", order_by=("directorate__name", "reference")
    )
    status = tables.Column(verbose_name="Status", order_by=("status", "reference"))
    # A contract from a published register may not give its value or end date: the cell says so
    # (downloads leave it blank: commissioning.downloads reads None, not this text).
    annual_value = tables.Column(
        verbose_name="Annual value", attrs=NUMERIC, order_by=("annual_value", "reference"), default=NOT_KNOWN
    )
    current_end_date = tables.Column(verbose_name="Ends", order_by=("current_end_date", "reference"), default=NOT_KNOWN)
    outcomes = tables.Column(verbose_name="Outcomes", accessor="pk", orderable=False)

    class Meta:
        attrs = {"class": "govuk-table gt-table--dense"}
        orderable = True
        order_by = ("reference",)
        empty_text = "No contracts match these filters."

    caption = "Contracts"
    # Downloads (commissioning.downloads.tables2_table): what each column holds as a plain value.
    download_kinds = {"annual_value": MONEY, "current_end_date": DATE}

    def value_annual_value(self, value):
        return value

    def value_current_end_date(self, record):
        return record.current_end_date

    def value_outcomes(self, record) -> str:
        return _outcomes_text(record)

    def render_status(self, record) -> str:
        return record.get_status_display()

    def render_annual_value(self, value) -> str:
        return money(value)

    def render_current_end_date(self, record) -> str:
        return _end_date_cell(record)

    def render_outcomes(self, record) -> str:
        return render_to_string("outcomes_link/_contract_outcomes_cell.html", {"contract": record})


class SupportingOutcomeContractTable(tables.Table):
    """The contracts of one supporting outcome (one row per link), with the share attributed to it."""

    reference = tables.Column(
        verbose_name="Reference",
        accessor="contract__reference",
        linkify=("outcomes_link:contract_detail", {"pk": tables.A("contract_id")}),
        attrs={"td": {"class": "gt-nowrap"}},
    )
    title = tables.Column(verbose_name="Title", accessor="contract__title")
    provider = tables.Column(
        verbose_name="Provider",
        accessor="contract__provider__name",
        order_by=("contract__provider__name", "contract__reference"),
    )
    directorate = tables.Column(
        verbose_name="Directorate",
        accessor="contract__directorate__name",
        order_by=("contract__directorate__name", "contract__reference"),
    )
    status = tables.Column(
        verbose_name="Status", accessor="contract__status", order_by=("contract__status", "contract__reference")
    )
    annual_value = tables.Column(
        verbose_name="Annual value",
        accessor="contract__annual_value",
        attrs=NUMERIC,
        order_by=("contract__annual_value", "contract__reference"),
        default=NOT_KNOWN,
    )
    contribution_share = tables.Column(
        verbose_name="Share", attrs=NUMERIC, order_by=("contribution_share", "contract__reference")
    )
    attributed = tables.Column(verbose_name="£ attributed a year", accessor="pk", attrs=NUMERIC)
    end_date = tables.Column(
        verbose_name="Ends",
        accessor="contract__current_end_date",
        order_by=("contract__current_end_date", "contract__reference"),
        default=NOT_KNOWN,
    )
    is_primary = tables.Column(verbose_name="Primary outcome", order_by=("-is_primary", "contract__reference"))

    class Meta:
        attrs = {"class": "govuk-table gt-table--dense"}
        orderable = True
        empty_text = "No contracts are linked to this outcome, or none match these filters."

    caption = "Contracts delivering this outcome"
    # Downloads (commissioning.downloads.tables2_table): what each column holds as a plain value.
    download_kinds = {"annual_value": MONEY, "contribution_share": PERCENT, "attributed": MONEY, "end_date": DATE}

    def value_annual_value(self, value):
        return value

    def value_contribution_share(self, value):
        return value

    def value_attributed(self, record):
        return attributed_value(record.contract.annual_value, record.contribution_share)

    def value_end_date(self, record):
        return record.contract.current_end_date

    def value_is_primary(self, value) -> str:
        return "Primary" if value else ""

    def render_status(self, record) -> str:
        return record.contract.get_status_display()

    def render_annual_value(self, value) -> str:
        return money(value)

    def render_contribution_share(self, value) -> str:
        return share(value)

    def order_attributed(self, queryset, is_descending):
        # Sorted in the database on value × share, the same order as the rounded amounts shown.
        product = F("contract__annual_value") * F("contribution_share")
        ordered = queryset.annotate(attributed_order=product).order_by(
            product.desc() if is_descending else product.asc(), "contract__reference"
        )
        return ordered, True

    def render_attributed(self, record) -> str:
        return money_or_not_known(attributed_value(record.contract.annual_value, record.contribution_share))

    def render_end_date(self, record) -> str:
        return _end_date_cell(record.contract)

    def render_is_primary(self, value) -> str:
        return "Primary" if value else "–"


def _latest_quarter_cell(summary) -> str:
    return render_to_string(
        "outcomes_link/_rag_tag.html", {"summary": summary, "empty": "No KPI returns", "show_period": True}
    )


class SupportingOutcomeContractPerformanceTable(SupportingOutcomeContractTable):
    """The contracts of a supporting outcome with each one's latest reported quarter (RAG tag and score).

    `latest` maps contract id to its ContractPeriodSummary (outcomes_link.selectors.latest_quarter_summaries),
    read in one query for the whole page.
    """

    latest_quarter = tables.Column(verbose_name="Latest quarter", accessor="pk", orderable=False)

    class Meta(SupportingOutcomeContractTable.Meta):
        sequence = ("reference", "title", "latest_quarter", "...")

    def __init__(self, *args, latest: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.latest = latest or {}

    def render_latest_quarter(self, record) -> str:
        return _latest_quarter_cell(self.latest.get(record.contract_id))

    def value_latest_quarter(self, record) -> str:
        return _latest_quarter_text(self.latest.get(record.contract_id))


class ContractPerformanceTable(ContractRegisterTable):
    """Register rows with each contract's latest reported quarter: the contracts of a strategic outcome."""

    latest_quarter = tables.Column(verbose_name="Latest quarter", accessor="pk", orderable=False)

    class Meta(ContractRegisterTable.Meta):
        empty_text = "No contracts are linked to this outcome."
        exclude = ("status", "current_end_date")
        sequence = ("reference", "title", "latest_quarter", "...")

    caption = "Contracts delivering this outcome"

    def __init__(self, *args, latest: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.latest = latest or {}

    def render_latest_quarter(self, record) -> str:
        return _latest_quarter_cell(self.latest.get(record.pk))

    def value_latest_quarter(self, record) -> str:
        return _latest_quarter_text(self.latest.get(record.pk))


def rag_matrix_table(rows, quarters) -> Table:
    """The RAG matrix (outcomes_link.selectors.rag_matrix_rows) as a download: each contract, then
    for each quarter its RAG (or why there is none) and its score out of 100."""
    columns = [Column("Contract"), Column("Title"), Column("Provider")]
    for quarter in quarters:
        columns += [Column(f"{quarter.label} RAG"), Column(f"{quarter.label} score", PERCENT)]
    table = Table(title="RAG matrix", columns=columns)
    for row in rows:
        contract = row.contract
        cells = [contract.reference, contract.title, contract.provider.name]
        for cell in row.cells:
            summary = cell.summary
            if summary is not None and summary.rag:
                cells += [summary.get_rag_display(), summary.score]
            elif summary is not None and not summary.due:
                cells += ["No KPIs due", None]
            else:
                cells += [cell.empty, None]
        table.rows.append(cells)
    return table
