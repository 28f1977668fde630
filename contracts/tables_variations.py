"""The contract variations list (django-tables2, rendered by templates/_partials/table.html)."""

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from commissioning.downloads import DATE, MONEY, PERCENT
from commissioning.templatetags.gt import money_or_not_known
from contracts.tables import NUMERIC
from contracts.tables_performance import _contract_link

NOT_KNOWN = "Not known"
CHANGE_NOTICE_TAG = mark_safe(  # noqa: S308 - fixed text
    '<strong class="govuk-tag govuk-tag--red">Contract change notice needed</strong>'
)
NO_CHANGE_NOTICE_TAG = mark_safe('<strong class="govuk-tag govuk-tag--grey">Not flagged</strong>')  # noqa: S308


def _date(day) -> str:
    return NOT_KNOWN if day is None else f"{day:%-d %b %Y}"


def _signed(percent) -> str:
    if percent is None:
        return "Not measured"
    return f"{'+' if percent > 0 else ''}{percent}%"


class ContractVariationTable(tables.Table):
    """Contract variations: what changed, by how much, and whether it needs a contract change notice."""

    varied_on = tables.Column(verbose_name="Varied on", order_by=("varied_on", "pk"))
    contract = tables.Column(verbose_name="Contract", order_by=("contract__reference", "-varied_on", "pk"))
    provider = tables.Column(
        verbose_name="Provider", accessor="contract__provider__name", order_by=("contract__provider__name", "pk")
    )
    value = tables.Column(verbose_name="Whole-life value", empty_values=(), orderable=False)
    end_date = tables.Column(verbose_name="Current end date", empty_values=(), orderable=False)
    value_change_percent = tables.Column(
        verbose_name="Value change", attrs=NUMERIC, empty_values=(), order_by=("value_change_percent", "pk")
    )
    term_change_percent = tables.Column(
        verbose_name="Term change", attrs=NUMERIC, empty_values=(), order_by=("term_change_percent", "pk")
    )
    needs_change_notice = tables.Column(
        verbose_name="Contract change notice", order_by=("needs_change_notice", "-varied_on", "pk")
    )
    explanation = tables.Column(verbose_name="Why, and by whom", empty_values=(), orderable=False)
    # Downloads only: the page shows each pair in one cell.
    total_value_before = tables.Column(verbose_name="Value before", visible=False, orderable=False)
    total_value_after = tables.Column(verbose_name="Value after", visible=False, orderable=False)
    end_date_before = tables.Column(verbose_name="End date before", visible=False, orderable=False)
    end_date_after = tables.Column(verbose_name="End date after", visible=False, orderable=False)
    varied_by = tables.Column(verbose_name="Varied by", empty_values=(), visible=False, orderable=False)
    reason = tables.Column(verbose_name="Reason given", empty_values=(), visible=False, orderable=False)

    class Meta:
        attrs = {"class": "govuk-table gt-table--dense"}
        orderable = True
        empty_text = "No contract variations match these filters."

    # Downloads (commissioning.downloads.tables2_table): what each column holds as a plain value.
    download_kinds = {
        "varied_on": DATE,
        "value_change_percent": PERCENT,
        "term_change_percent": PERCENT,
        "total_value_before": MONEY,
        "total_value_after": MONEY,
        "end_date_before": DATE,
        "end_date_after": DATE,
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.caption = "Contract variations"

    # --- plain values, for downloads ---

    def value_varied_on(self, record):
        return record.varied_on

    def value_contract(self, record) -> str:
        return record.contract.reference

    def value_value(self, record) -> str:
        return f"{money_or_not_known(record.total_value_before)} to {money_or_not_known(record.total_value_after)}"

    def value_end_date(self, record) -> str:
        return f"{_date(record.end_date_before)} to {_date(record.end_date_after)}"

    def value_value_change_percent(self, record):
        return record.value_change_percent

    def value_term_change_percent(self, record):
        return record.term_change_percent

    def value_needs_change_notice(self, record) -> str:
        return "Needed" if record.needs_change_notice else "Not flagged"

    def value_explanation(self, record) -> str:
        return record.explanation

    def value_varied_by(self, record) -> str:
        return str(record.varied_by or "the system")

    def value_reason(self, record) -> str:
        return record.reason

    # --- the page ---

    def render_varied_on(self, record) -> str:
        return _date(record.varied_on)

    def render_contract(self, record) -> str:
        return _contract_link(record.contract)

    def render_value(self, record) -> str:
        return format_html(
            "{} → {}", money_or_not_known(record.total_value_before), money_or_not_known(record.total_value_after)
        )

    def render_end_date(self, record) -> str:
        return format_html("{} → {}", _date(record.end_date_before), _date(record.end_date_after))

    def render_value_change_percent(self, record) -> str:
        return _signed(record.value_change_percent)

    def render_term_change_percent(self, record) -> str:
        return _signed(record.term_change_percent)

    def render_needs_change_notice(self, record) -> str:
        return CHANGE_NOTICE_TAG if record.needs_change_notice else NO_CHANGE_NOTICE_TAG

    def render_explanation(self, record) -> str:
        reason = record.reason.strip()
        return format_html(
            '{}{}<br><span class="govuk-body-s">Varied by {}</span>',
            record.explanation,
            format_html(" Reason given: “{}”", reason) if reason else "",
            record.varied_by or "the system",
        )
