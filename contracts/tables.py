"""Sortable tables for the provider pages (django-tables2, rendered by templates/_partials/table.html)."""

import django_tables2 as tables
from django.utils.html import format_html

from commissioning.downloads import COUNT

NUMERIC = {"th": {"class": "govuk-table__header--numeric"}, "td": {"class": "govuk-table__cell--numeric"}}


class ProviderTable(tables.Table):
    """Providers with how the council classifies them; every column sorts on the server."""

    name = tables.Column(
        verbose_name="Provider",
        linkify=("contracts:provider_detail", {"pk": tables.A("pk")}),
        attrs={"a": {"class": "govuk-link"}},
    )
    # Ties are broken by name so a page boundary never shuffles providers between pages.
    # Choice columns show their label ("Kent-based", "Outside Kent", "Location not known").
    location = tables.Column(verbose_name="Location", order_by=("location", "name"))
    size = tables.Column(verbose_name="Size", order_by=("size", "name"))
    sector = tables.Column(verbose_name="Sector", order_by=("sector", "name"))
    town = tables.Column(verbose_name="Town and postcode", order_by=("town", "postcode", "name"), empty_values=())
    contract_count = tables.Column(verbose_name="Contracts", attrs=NUMERIC, order_by=("contract_count", "name"))

    class Meta:
        attrs = {"class": "govuk-table"}
        orderable = True
        order_by = ("name",)
        empty_text = "No providers match these filters."

    # Downloads (commissioning.downloads.tables2_table): what each column holds as a plain value.
    download_kinds = {"contract_count": COUNT}

    def value_town(self, record) -> str:
        return ", ".join(p for p in (record.town, record.postcode) if p)

    def render_town(self, record) -> str:
        parts = [p for p in (record.town, record.postcode) if p]
        return format_html("{}", ", ".join(parts)) if parts else "–"
