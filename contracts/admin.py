"""Providers, contracts and contract performance in the Django admin: read-only, with their change history.

They are written only through contracts.services (on the provider and contract pages, the
API and the importers), which derive the classification and current end date, enforce the
directorate rule and record who changed what and why. An editable admin would be a second
write path that skips all of that, so here an administrator can look, search and read the
history, but changes are made on the service pages.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from contracts.models import (
    KPI,
    Contract,
    Deduction,
    KPIReturn,
    PerformanceAssessment,
    PerformanceConcern,
    Provider,
    SpendImport,
    SpendLine,
    SpendPublisher,
    SupplierAlias,
)


class ReadOnlyAdminMixin:
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyHistoryAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    pass


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    pass


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


# Contract performance: every write derives RAG, direction of travel, concerns and deductions
# in contracts.services, so the admin only shows the records and their history.


@admin.register(KPI)
class KPIAdmin(ReadOnlyHistoryAdmin):
    list_display = ("code", "name", "contract", "frequency", "target", "is_key", "deduction_rule", "is_active")
    list_filter = ("frequency", "is_key", "deduction_rule", "is_active", "contract__directorate")
    list_select_related = ("contract",)
    search_fields = ("code", "name", "contract__reference")


@admin.register(KPIReturn)
class KPIReturnAdmin(ReadOnlyHistoryAdmin):
    list_display = ("kpi", "contract", "period_start", "actual", "rag", "status", "submitted_at")
    list_filter = ("status", "rag", "financial_year", "contract__directorate")
    list_select_related = ("kpi", "contract")
    search_fields = ("kpi__code", "kpi__name", "contract__reference")
    date_hierarchy = "period_start"


@admin.register(PerformanceConcern)
class PerformanceConcernAdmin(ReadOnlyHistoryAdmin):
    list_display = ("contract", "kpi", "rule", "created", "resolved_at")
    list_filter = ("rule", "contract__directorate")
    list_select_related = ("contract", "kpi")
    search_fields = ("contract__reference", "kpi__code", "explanation")


@admin.register(Deduction)
class DeductionAdmin(ReadOnlyHistoryAdmin):
    list_display = ("contract", "kpi", "financial_year", "amount", "status", "decided_at")
    list_filter = ("status", "financial_year", "contract__directorate")
    list_select_related = ("contract", "kpi")
    search_fields = ("contract__reference", "kpi__code")


@admin.register(PerformanceAssessment)
class PerformanceAssessmentAdmin(ReadOnlyHistoryAdmin):
    list_display = ("contract", "period_start", "period_end", "reason", "status", "confirmed_at")
    list_filter = ("status", "reason", "contract__directorate")
    list_select_related = ("contract",)
    search_fields = ("contract__reference",)


# Local spend: imports run, roll back and match suppliers through contracts.services, which
# keep them all or nothing and attributed; the admin only shows them.


@admin.register(SpendPublisher)
class SpendPublisherAdmin(ReadOnlyAdmin):
    list_display = ("name", "column_mapping")
    search_fields = ("name",)


@admin.register(SpendImport)
class SpendImportAdmin(ReadOnlyAdmin):
    list_display = ("file_name", "publisher", "imported_by", "created", "rows", "lines_added", "status")
    list_filter = ("status", "publisher")
    list_select_related = ("publisher", "imported_by")
    search_fields = ("file_name", "file_sha256")


@admin.register(SpendLine)
class SpendLineAdmin(ReadOnlyAdmin):
    list_display = ("payment_date", "supplier_name", "amount", "publisher", "provider", "contract", "redacted")
    list_filter = ("redacted", "publisher", "capital_revenue")
    list_select_related = ("publisher", "provider", "contract")
    search_fields = ("supplier_name", "transaction_number")
    raw_id_fields = ("spend_import", "provider", "contract")
    show_full_result_count = False  # a count over millions of lines on every page is not worth it


@admin.register(SupplierAlias)
class SupplierAliasAdmin(ReadOnlyAdmin):
    list_display = ("name", "provider", "confirmed_by", "created")
    list_select_related = ("provider", "confirmed_by")
    search_fields = ("name", "provider__name")
