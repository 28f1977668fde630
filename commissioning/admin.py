"""Django admin for the council's reference data: the outcomes framework, directorates,
postcode geography and the people who sign in.

Only administrators reach it (the admin role is staff). Every model keeps its change history
through simple_history, shown on each record's "History" page with who made the change.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from simple_history.admin import SimpleHistoryAdmin

from commissioning.models import (
    Directorate,
    Framework,
    OutcomeMeasure,
    OutcomeMeasureValue,
    Postcode,
    PostcodeDistrict,
    StrategicOutcome,
    SuggestedMeasure,
    SupportingOutcome,
    User,
)


class StrategicOutcomeInline(admin.TabularInline):
    model = StrategicOutcome
    fields = ("code", "title", "short_title", "order")
    extra = 0
    show_change_link = True


class SupportingOutcomeInline(admin.TabularInline):
    model = SupportingOutcome
    fields = ("code", "strategic_outcome", "title", "short_title", "order")
    extra = 0
    show_change_link = True

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Offer only the strategic outcomes of the framework being edited, so a supporting
        # outcome can never sit under another framework's strategic outcome.
        if db_field.name == "strategic_outcome":
            framework_id = request.resolver_match.kwargs.get("object_id")
            queryset = StrategicOutcome.objects.select_related("framework")
            kwargs["queryset"] = queryset.filter(framework_id=framework_id) if framework_id else queryset.none()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class SuggestedMeasureInline(admin.TabularInline):
    model = SuggestedMeasure
    fields = ("text", "order", "source")
    extra = 0


@admin.register(Framework)
class FrameworkAdmin(SimpleHistoryAdmin):
    list_display = ("name", "council", "period", "is_default")
    list_filter = ("is_default",)
    search_fields = ("name", "title", "council")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (StrategicOutcomeInline, SupportingOutcomeInline)


@admin.register(StrategicOutcome)
class StrategicOutcomeAdmin(SimpleHistoryAdmin):
    list_display = ("code", "title", "framework", "order")
    list_filter = ("framework",)
    list_select_related = ("framework",)
    search_fields = ("code", "title")
    ordering = ("framework", "order", "code")


@admin.register(SupportingOutcome)
class SupportingOutcomeAdmin(SimpleHistoryAdmin):
    list_display = ("code", "title", "strategic_outcome", "framework", "order")
    list_filter = ("framework",)
    list_select_related = ("framework", "strategic_outcome")
    search_fields = ("code", "title", "short_title")
    ordering = ("framework", "order", "code")
    inlines = (SuggestedMeasureInline,)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "strategic_outcome":
            kwargs["queryset"] = StrategicOutcome.objects.select_related("framework")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(SuggestedMeasure)
class SuggestedMeasureAdmin(SimpleHistoryAdmin):
    list_display = ("text", "supporting_outcome", "order")
    list_select_related = ("supporting_outcome",)
    search_fields = ("text", "supporting_outcome__code")
    autocomplete_fields = ("supporting_outcome",)


class OutcomeMeasureValueInline(admin.TabularInline):
    model = OutcomeMeasureValue
    fields = (
        "period",
        "period_end",
        "value",
        "national_average",
        "note",
        "dot_1yr",
        "dot_1yr_years",
        "dot_3yr",
        "dot_3yr_years",
        "vs_national",
        "recorded_by",
    )
    readonly_fields = ("recorded_by",)
    extra = 0


@admin.register(OutcomeMeasure)
class OutcomeMeasureAdmin(SimpleHistoryAdmin):
    """An outcome measure's definition (its polarity and tolerance decide its direction of travel) and its
    values; officers record values on the outcome measure pages, where each is attributed."""

    list_display = ("code", "name", "supporting_outcome", "higher_is_better", "maintaining_tolerance_percent")
    list_filter = ("framework",)
    list_select_related = ("supporting_outcome",)
    search_fields = ("code", "name")
    ordering = ("framework", "order", "code")
    fields = (
        "supporting_outcome",
        "code",
        "name",
        "unit",
        "higher_is_better",
        "maintaining_tolerance_percent",
        "source",
        "order",
    )
    autocomplete_fields = ("supporting_outcome",)
    inlines = (OutcomeMeasureValueInline,)


@admin.register(Directorate)
class DirectorateAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "order")
    search_fields = ("code", "name")
    ordering = ("order", "name")


@admin.register(PostcodeDistrict)
class PostcodeDistrictAdmin(admin.ModelAdmin):
    list_display = ("district", "status", "local_authorities", "note")
    list_filter = ("status",)
    search_fields = ("district", "local_authorities")


@admin.register(Postcode)
class PostcodeAdmin(admin.ModelAdmin):
    list_display = ("postcode", "local_authority", "inside_area")
    list_filter = ("inside_area",)
    search_fields = ("postcode", "local_authority")


class GoldenThreadUserChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User


class GoldenThreadUserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """People and their role. A role is the group of the same name (member, commissioner, procurement, admin)."""

    form = GoldenThreadUserChangeForm
    add_form = GoldenThreadUserCreationForm
    list_display = ("username", "first_name", "last_name", "role", "directorate", "is_active")
    list_filter = ("groups", "directorate", "is_active")
    list_select_related = ("directorate",)
    fieldsets = (
        *DjangoUserAdmin.fieldsets[:1],
        ("Personal info", {"fields": ("first_name", "last_name", "email", "job_title")}),
        (
            "Role",
            {
                "fields": ("groups", "directorate"),
                "description": "Choose one role group. Commissioners need a directorate.",
            },
        ),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "usable_password", "password1", "password2")}),
    )

    def get_queryset(self, request):
        # Roles come from groups; prefetching them keeps the list at a fixed number of queries.
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="Role")
    def role(self, obj: User) -> str:
        return obj.role_label
