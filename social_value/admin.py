"""The social value catalogue in the Django admin: the council owns and edits its themes,
outcomes, measures and proxy values here (an administrator's job, with change history).
Commitments and delivery returns are written only through social_value.services, which apply
the proxy in force, the directorate rule and verification, so here they are read-only."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from contracts.admin import ReadOnlyHistoryAdmin
from social_value.models import (
    DeliveryReturn,
    ProxyValue,
    SocialValueCommitment,
    SocialValueMeasure,
    SocialValueOutcome,
    SocialValueTheme,
)


class SocialValueOutcomeInline(admin.TabularInline):
    model = SocialValueOutcome
    extra = 0


@admin.register(SocialValueTheme)
class SocialValueThemeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "order")
    inlines = [SocialValueOutcomeInline]


@admin.register(SocialValueOutcome)
class SocialValueOutcomeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "theme")
    list_filter = ("theme",)
    list_select_related = ("theme",)


class ProxyValueInline(admin.TabularInline):
    model = ProxyValue
    extra = 0


@admin.register(SocialValueMeasure)
class SocialValueMeasureAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "unit", "outcome", "is_active")
    list_filter = ("unit", "is_active", "outcome__theme")
    list_select_related = ("outcome",)
    search_fields = ("code", "name")
    filter_horizontal = ("supporting_outcomes",)
    inlines = [ProxyValueInline]


@admin.register(SocialValueCommitment)
class SocialValueCommitmentAdmin(ReadOnlyHistoryAdmin):
    list_display = ("contract", "measure", "total_quantity", "proxy_value", "committed_value", "due_date")
    list_select_related = ("contract", "measure")
    search_fields = ("contract__reference", "measure__code")


@admin.register(DeliveryReturn)
class DeliveryReturnAdmin(ReadOnlyHistoryAdmin):
    list_display = ("commitment", "period_start", "period_end", "quantity", "status")
    list_filter = ("status",)
    list_select_related = ("commitment__contract", "commitment__measure")
