"""Admin of agreements: each agreement with its assessment counters, its guarantees' last
values and its latest violations (read-only: agreements are created through the APIs,
which check constraints and scopes); context values; violations."""

from django.contrib import admin, messages

from accounts.admin_base import TenantAdminMixin, TenantInlineMixin
from agreements.engine import AgreementError
from agreements.models import Agreement, Context, Guarantee, LevelChange, Violation
from agreements.services.definitions import agreement_state_set

COUNTERS = [
    "level", "last_outcome", "total_executions", "total_violations", "unknown_executions",
    "consecutive_met", "consecutive_broken", "recent_outcomes", "first_execution",
    "last_execution", "last_unknown_reason", "next_due_at",
]  # fmt: skip


class GuaranteeInline(TenantInlineMixin, admin.TabularInline):
    model = Guarantee
    extra = 0
    can_delete = False
    fields = [
        "name", "constraint", "scope", "resolved", "level", "total_executions",
        "total_violations", "last_values", "last_error",
    ]  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class ViolationInline(TenantInlineMixin, admin.TabularInline):
    model = Violation
    extra = 0
    can_delete = False
    fields = ["at", "guarantee", "constraint", "values"]
    readonly_fields = fields
    ordering = ["-at"]
    max_num = 0

    def get_queryset(self, request):
        # The latest violations only: an agreement broken for weeks has thousands.
        queryset = super().get_queryset(request)
        latest = list(queryset.order_by("-at", "-pk").values_list("pk", flat=True)[:20])
        return queryset.filter(pk__in=latest).select_related("guarantee")


class LevelChangeInline(TenantInlineMixin, admin.TabularInline):
    model = LevelChange
    extra = 0
    can_delete = False
    fields = ["at", "previous_level", "level"]
    readonly_fields = fields
    max_num = 0


@admin.register(Agreement)
class AgreementAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = [
        "agreement_id", "name", "account", "state", "level", "total_executions",
        "total_violations", "unknown_executions", "last_execution",
    ]  # fmt: skip
    list_filter = ["state", "level"]
    search_fields = ["agreement_id", "name"]
    fields = [
        "account", "agreement_id", "name", "state", "created_at", "expires_at",
        "interval_seconds", "x", "y", "z", "agent_id", "source", "service", *COUNTERS,
    ]  # fmt: skip
    readonly_fields = [
        "account", "agreement_id", "name", "state", "created_at", "x", "y", "z", "agent_id",
        *COUNTERS,
    ]  # fmt: skip
    inlines = [GuaranteeInline, LevelChangeInline, ViolationInline]
    actions = ["stop", "start"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Stop the selected agreements (never assessed)")
    def stop(self, request, queryset):
        self._set_state(request, queryset, "stopped")

    @admin.action(description="Start the selected agreements (paused while a scope is open)")
    def start(self, request, queryset):
        self._set_state(request, queryset, "started")

    def _set_state(self, request, queryset, state: str) -> None:
        changed = 0
        for agreement in queryset.select_related("account"):
            try:
                agreement_state_set(account=agreement.account, agreement=agreement, state=state)
            except AgreementError as error:
                self.message_user(request, f"{agreement}: {error.message}", messages.WARNING)
            else:
                changed += 1
        self.message_user(request, f"{changed} agreement(s) {state}.")


@admin.register(Violation)
class ViolationAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ["at", "agreement", "guarantee", "constraint", "account"]
    search_fields = ["agreement__agreement_id", "guarantee__name"]
    readonly_fields = ["account", "agreement", "guarantee", "at", "constraint", "values"]
    list_select_related = ["agreement", "guarantee", "account"]

    def has_add_permission(self, request):
        return False


@admin.register(Context)
class ContextAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ["name", "agent_id", "account", "updated_at"]
    search_fields = ["name", "agent_id"]
    readonly_fields = ["updated_at"]
