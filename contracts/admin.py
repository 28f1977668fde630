"""Providers and contracts in the Django admin: read-only, with their change history.

They are written only through contracts.services (on the provider and contract pages, the
API and the importers), which derive the classification and current end date, enforce the
directorate rule and record who changed what and why. An editable admin would be a second
write path that skips all of that, so here an administrator can look, search and read the
history, but changes are made on the service pages.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from contracts.models import Contract, Provider


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Provider)
class ProviderAdmin(ReadOnlyHistoryAdmin):
    list_display = ("name", "location", "size", "sector", "town", "postcode")
    list_filter = ("location", "size", "sector", "legal_form")
    search_fields = ("name", "companies_house_number", "charity_number", "postcode")
    readonly_fields = ("location_reason", "size_reason", "sector_reason")


@admin.register(Contract)
class ContractAdmin(ReadOnlyHistoryAdmin):
    list_display = ("reference", "title", "directorate", "provider", "status", "current_end_date", "annual_value")
    list_filter = ("status", "directorate", "category")
    list_select_related = ("directorate", "provider")
    search_fields = ("reference", "title", "provider__name")
    date_hierarchy = "current_end_date"
