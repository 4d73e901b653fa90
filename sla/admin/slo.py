"""Admin of SLOs (with a server-side SVG budget burn-down), alert policies and alerts."""

from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from accounts.admin_base import TenantAdminMixin, TenantInlineMixin
from sla.burn_down import slo_burn_down_svg
from sla.models import SLO, Alert, AlertPolicy, BurnRateWindow
from sla.selectors.slo import budget_json, slo_status
from sla.sli_kinds import plugins


class BurnRateWindowInline(TenantInlineMixin, admin.TabularInline):
    model = BurnRateWindow
    extra = 1
    fields = ["severity", "long_window_seconds", "short_window_seconds", "budget_consumed_percent"]


@admin.register(AlertPolicy)
class AlertPolicyAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ["name", "account", "min_events", "created_at"]
    search_fields = ["name"]
    inlines = [BurnRateWindowInline]

    def save_formset(self, request, form, formset, change):
        for row in formset.save(commit=False):
            row.account_id = form.instance.account_id
            row.save()
        for row in formset.deleted_objects:
            row.delete()


@admin.register(SLO)
class SLOAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ["name", "account", "subject", "sli_kind", "target", "window", "alert_policy"]
    list_filter = ["sli_kind", "window_kind"]
    search_fields = ["name", "service__path", "group__name"]
    readonly_fields = ["current_budget", "budget_burn_down", "buckets_computed_to"]
    fieldsets = [
        (None, {"fields": ["account", "name", "description", "service", "group"]}),
        (
            "Objective",
            {
                "fields": [
                    "sli_kind",
                    "target",
                    "latency_threshold_ms",
                    "latency_percentile",
                    "time_period",
                    "options",
                ]
            },
        ),
        ("Window", {"fields": ["window_kind", "window_days", "calendar_unit", "timezone"]}),
        ("Alerting", {"fields": ["alert_policy"]}),
        ("Budget", {"fields": ["current_budget", "budget_burn_down", "buckets_computed_to"]}),
    ]

    def get_inlines(self, request, obj):
        # Settings of SLI kinds registered by other apps (sla.sli_kinds), e.g. PromQL queries.
        extra = [plugin.admin_inline() for plugin in plugins() if plugin.admin_inline]
        return [*super().get_inlines(request, obj), *extra]

    @admin.display(description="window")
    def window(self, obj):
        if obj.window_kind == "calendar":
            return f"{obj.calendar_unit} ({obj.timezone})"
        return f"{obj.window_days} days rolling"

    @admin.display(description="current budget")
    def current_budget(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        status = slo_status(account=obj.account, slo=obj, now=timezone.now())
        data = budget_json(obj, status.budget)
        rows = [
            ("SLI", "-" if data["sli"] is None else f"{data['sli']:.4f} %"),
            ("budget", f"{data['budget']:.2f} {data['unit']}"),
            ("consumed", f"{data['consumed']:.2f} {data['unit']}"),
            ("remaining", f"{data['remaining']:.2f} {data['unit']}"),
            ("burn rate (1 h)", _number(status.burn_rates.get(3600))),
            (
                "open alerts",
                ", ".join(f"{a.window_key} {a.state}" for a in status.alerts) or "none",
            ),
        ]
        return format_html(
            "<table>{}</table>",
            format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows),
        )

    @admin.display(description="budget burn-down")
    def budget_burn_down(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        return mark_safe(slo_burn_down_svg(obj, now=timezone.now()))  # noqa: S308 - numbers only


def _number(value):
    return "-" if value is None else f"{float(value):.2f}x"


@admin.register(Alert)
class AlertAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = [
        "slo",
        "window_key",
        "severity",
        "state",
        "started_at",
        "fired_at",
        "resolved_at",
    ]
    list_filter = ["state", "severity"]
    readonly_fields = [field.name for field in Alert._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False
