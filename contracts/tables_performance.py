"""Sortable tables for the monitoring pages (django-tables2, rendered by templates/_partials/table.html)."""

import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from commissioning.downloads import DATE, MONEY
from commissioning.templatetags.gt import money
from contracts.choices import DeductionStatus
from contracts.periods import Period
from contracts.tables import NUMERIC

DEDUCTION_TAG = {
    DeductionStatus.PROPOSED: "govuk-tag--yellow",
    DeductionStatus.APPLIED: "govuk-tag--red",
    DeductionStatus.WAIVED: "govuk-tag--grey",
    DeductionStatus.DISPUTED: "govuk-tag--orange",
    DeductionStatus.WITHDRAWN: "govuk-tag--grey",
}


def _day(moment) -> str:
    """A timestamp as the day it fell on in the UK, for example 3 Jun 2025."""
    return f"{timezone.localtime(moment):%-d %b %Y}"


def _local_day(moment):
    """A timestamp as the day it fell on in the UK (a download's date cell), or None."""
    return None if moment is None else timezone.localtime(moment).date()


def _contract_link(contract) -> str:
    return format_html(
        '<a class="govuk-link" href="{}">{}</a>',
        reverse("outcomes_link:contract_detail", kwargs={"pk": contract.pk}),
        contract.reference,
    )


class DeductionTable(tables.Table):
    """Deductions (service credits) with how each was worked out and what was decided."""

    contract = tables.Column(verbose_name="Contract", order_by=("contract__reference", "kpi__code"))
    provider = tables.Column(
        verbose_name="Provider", accessor="contract__provider__name", order_by=("contract__provider__name", "pk")
    )
    kpi = tables.Column(verbose_name="KPI", order_by=("kpi__code", "pk"))
    period = tables.Column(
        verbose_name="Period", accessor="kpi_return__period_start", order_by=("kpi_return__period_start", "pk")
    )
    amount = tables.Column(verbose_name="Amount", attrs=NUMERIC, order_by=("amount", "pk"))
    calculation = tables.Column(verbose_name="How it was worked out", orderable=False)
    status = tables.Column(verbose_name="Status", order_by=("status", "pk"))
    decided_at = tables.Column(verbose_name="Decided", empty_values=(), order_by=("decided_at", "pk"))
    # Downloads only: the page shows who decided under the date.
    decided_by = tables.Column(verbose_name="Decided by", empty_values=(), visible=False, orderable=False)

    class Meta:
        attrs = {"class": "govuk-table gt-table--dense"}
        orderable = True
        empty_text = "No deductions match these filters. Try clearing the status or financial year filter."

    # Downloads (commissioning.downloads.tables2_table): what each column holds as a plain value.
    download_kinds = {"amount": MONEY, "decided_at": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.caption = "Deductions"

    def value_contract(self, record) -> str:
        return record.contract.reference

    def value_period(self, record) -> str:
        return Period(record.kpi_return.period_start, record.kpi.frequency).label

    def value_amount(self, record):
        return record.amount

    def value_status(self, record) -> str:
        return record.get_status_display()

    def value_decided_at(self, record):
        return _local_day(record.decided_at)

    def value_decided_by(self, record) -> str:
        if record.decided_at is None:
            return ""
        return str(record.decided_by or "the system")

    def render_contract(self, record) -> str:
        return _contract_link(record.contract)

    def render_kpi(self, record) -> str:
        return format_html("{} {}", record.kpi.code, record.kpi.name)

    def render_period(self, record) -> str:
        return format_html(
            '<a class="govuk-link" href="{}">{}<span class="govuk-visually-hidden"> – deduction for {} {}</span></a>',
            reverse("contracts:deduction_detail", kwargs={"pk": record.pk}),
            Period(record.kpi_return.period_start, record.kpi.frequency).label,
            record.contract.reference,
            record.kpi.code,
        )

    def render_amount(self, record) -> str:
        return money(record.amount)

    def render_status(self, record) -> str:
        return format_html(
            '<strong class="govuk-tag {}">{}</strong>',
            DEDUCTION_TAG.get(record.status, ""),
            record.get_status_display(),
        )

    def render_decided_at(self, record) -> str:
        if record.decided_at is None:
            return "Not decided yet"
        return format_html(
            '{}<br><span class="govuk-body-s">{}</span>', record.decided_by or "the system", _day(record.decided_at)
        )


class PerformanceConcernTable(tables.Table):
    """Performance concerns: which KPI failed, by which rule, and whether the concern is still open."""

    contract = tables.Column(verbose_name="Contract", order_by=("contract__reference", "kpi__code"))
    provider = tables.Column(
        verbose_name="Provider", accessor="contract__provider__name", order_by=("contract__provider__name", "pk")
    )
    kpi = tables.Column(verbose_name="KPI", order_by=("kpi__code", "pk"))
    rule = tables.Column(verbose_name="Rule", order_by=("rule", "pk"))
    explanation = tables.Column(verbose_name="Why it was raised", orderable=False)
    created = tables.Column(verbose_name="Raised", order_by=("created", "pk"))
    resolved_at = tables.Column(verbose_name="Status", empty_values=(), order_by=("resolved_at", "pk"))
    # Downloads only: the page shows the day under the status.
    resolved_on = tables.Column(verbose_name="Resolved on", accessor="resolved_at", visible=False, orderable=False)

    class Meta:
        attrs = {"class": "govuk-table gt-table--dense"}
        orderable = True
        empty_text = "No performance concerns match these filters."

    # Downloads (commissioning.downloads.tables2_table): what each column holds as a plain value.
    download_kinds = {"created": DATE, "resolved_on": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.caption = "Performance concerns"

    def value_contract(self, record) -> str:
        return record.contract.reference

    def value_kpi(self, record) -> str:
        return f"{record.kpi.code} {record.kpi.name}"

    def value_created(self, record):
        return _local_day(record.created)

    def value_resolved_at(self, record) -> str:
        return "Open" if record.resolved_at is None else "Resolved"

    def value_resolved_on(self, record):
        return _local_day(record.resolved_at)

    def render_contract(self, record) -> str:
        return _contract_link(record.contract)

    def render_kpi(self, record) -> str:
        return format_html(
            '<a class="govuk-link" href="{}">{} {}</a>',
            reverse("contracts:concern_detail", kwargs={"pk": record.pk}),
            record.kpi.code,
            record.kpi.name,
        )

    def render_created(self, record) -> str:
        return _day(record.created)

    def render_resolved_at(self, record) -> str:
        if record.resolved_at is None:
            return mark_safe('<strong class="govuk-tag govuk-tag--red">Open</strong>')  # noqa: S308 - fixed text
        return format_html(
            '<strong class="govuk-tag govuk-tag--green">Resolved</strong><br><span class="govuk-body-s">{}</span>',
            _day(record.resolved_at),
        )
