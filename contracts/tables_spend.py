"""Sortable tables for the spend pages (django-tables2, rendered by templates/_partials/table.html)."""

import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from commissioning.db import pence_to_pounds
from commissioning.downloads import COUNT, DATE, MONEY
from commissioning.templatetags.gt import money
from contracts.models import SpendImportStatus
from contracts.tables import NUMERIC


class SpendImportTable(tables.Table):
    """Spend files imported: which, from whom, by whom and when, and what each added."""

    file_name = tables.Column(verbose_name="File", order_by=("file_name", "-id"))
    publisher = tables.Column(verbose_name="Publisher", accessor="publisher__name", order_by=("publisher__name", "-id"))
    imported_by = tables.Column(
        verbose_name="Imported by", empty_values=(), order_by=("imported_by__last_name", "imported_by__username", "-id")
    )
    created = tables.Column(verbose_name="When", order_by=("created", "id"))
    rows = tables.Column(verbose_name="Lines in file", attrs=NUMERIC, order_by=("rows", "-id"))
    total_pence = tables.Column(verbose_name="Total", attrs=NUMERIC, order_by=("total_pence", "-id"))
    lines_added = tables.Column(verbose_name="Lines added", attrs=NUMERIC, order_by=("lines_added", "-id"))
    status = tables.Column(verbose_name="Status", order_by=("status", "-id"))

    class Meta:
        attrs = {"class": "govuk-table gt-table--dense"}
        orderable = True
        empty_text = "No spend files have been imported yet."

    # Downloads (commissioning.downloads.tables2_table): what each column holds as a plain value.
    download_kinds = {"created": DATE, "rows": COUNT, "total_pence": MONEY, "lines_added": COUNT}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.caption = "Spend files imported"

    def value_file_name(self, record) -> str:
        return record.file_name

    def value_created(self, record):
        return timezone.localtime(record.created).date()

    def value_rows(self, value) -> int:
        return value

    def value_total_pence(self, record):
        return record.total

    def value_lines_added(self, value) -> int:
        return value

    def value_status(self, record) -> str:
        return record.get_status_display()

    def render_file_name(self, record) -> str:
        return format_html(
            '<a class="govuk-link" href="{}">{}</a>',
            reverse("contracts:spend_import_detail", kwargs={"pk": record.pk}),
            record.file_name,
        )

    def render_imported_by(self, record) -> str:
        return str(record.imported_by) if record.imported_by else "The command line"

    def render_created(self, record) -> str:
        return f"{timezone.localtime(record.created):%-d %b %Y %H:%M}"

    def render_total_pence(self, record) -> str:
        return money(record.total)

    def render_rows(self, value) -> str:
        return f"{value:,}"

    def render_lines_added(self, value) -> str:
        return f"{value:,}"

    def render_status(self, record) -> str:
        if record.status == SpendImportStatus.ROLLED_BACK:
            return mark_safe('<strong class="govuk-tag govuk-tag--grey">Rolled back</strong>')  # noqa: S308 - fixed text
        return mark_safe('<strong class="govuk-tag govuk-tag--green">Imported</strong>')  # noqa: S308 - fixed text


class SpendLineTable(tables.Table):
    """Payment lines: who was paid (the provider where matched), how much, and for what."""

    payment_date = tables.Column(verbose_name="Date", order_by=("payment_date", "id"))
    supplier_name = tables.Column(verbose_name="Supplier", order_by=("supplier_name", "id"))
    amount_pence = tables.Column(verbose_name="Amount", attrs=NUMERIC, order_by=("amount_pence", "id"))
    transaction_number = tables.Column(verbose_name="Transaction", order_by=("transaction_number", "id"))
    service_area = tables.Column(verbose_name="Service area", order_by=("service_area", "id"))
    expense_type = tables.Column(verbose_name="Expense type", order_by=("expense_type", "id"))
    contract = tables.Column(verbose_name="Contract", empty_values=(), order_by=("contract__reference", "id"))
    # Downloads only: the page shows the matched provider (or a tag) in the supplier's cell.
    provider = tables.Column(verbose_name="Provider", accessor="provider__name", visible=False, orderable=False)
    redacted = tables.Column(verbose_name="Redacted", visible=False, orderable=False)

    class Meta:
        attrs = {"class": "govuk-table gt-table--dense"}
        orderable = True
        empty_text = "No spend lines match these filters."

    # Downloads (commissioning.downloads.tables2_table): what each column holds as a plain value.
    download_kinds = {"payment_date": DATE, "amount_pence": MONEY}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.caption = "Spend lines"

    def value_payment_date(self, record):
        return record.payment_date

    def value_supplier_name(self, record) -> str:
        # As written in the spend file; the matched provider has its own column.
        return record.supplier_name

    def value_amount_pence(self, record):
        return pence_to_pounds(record.amount_pence)

    def value_contract(self, record) -> str | None:
        return record.contract.reference if record.contract_id else None

    def value_redacted(self, value) -> str:
        return "Yes" if value else "No"

    def render_payment_date(self, record) -> str:
        return f"{record.payment_date:%-d %b %Y}"

    def render_supplier_name(self, record) -> str:
        if record.redacted:
            return format_html('{} <strong class="govuk-tag govuk-tag--grey">Redacted</strong>', record.supplier_name)
        if record.provider_id is None:
            return format_html(
                '{} <strong class="govuk-tag govuk-tag--yellow">Unmatched</strong>', record.supplier_name
            )
        shown = (
            format_html('<br><span class="govuk-body-s">As written: {}</span>', record.supplier_name)
            if record.supplier_name.casefold() != record.provider.name.casefold()
            else ""
        )
        return format_html(
            '<a class="govuk-link" href="{}">{}</a>{}',
            reverse("contracts:provider_detail", kwargs={"pk": record.provider_id}),
            record.provider.name,
            shown,
        )

    def render_amount_pence(self, record) -> str:
        return money(pence_to_pounds(record.amount_pence))

    def render_contract(self, record) -> str:
        if record.contract_id is None:
            return "–"
        return format_html(
            '<a class="govuk-link" href="{}">{}</a>',
            reverse("outcomes_link:contract_detail", kwargs={"pk": record.contract_id}),
            record.contract.reference,
        )
