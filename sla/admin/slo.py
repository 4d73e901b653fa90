"""Admin of SLOs (with a server-side SVG budget burn-down), alert policies and alerts."""

import datetime as dt

from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from accounts.admin_base import TenantAdminMixin, TenantInlineMixin
from sla.models import SLO, Alert, AlertPolicy, BurnRateWindow
from sla.selectors.slo import budget_json, slo_snapshots, slo_status
from sla.sli_kinds import plugins

CHART_WIDTH, CHART_HEIGHT, PAD = 640, 220, 36


def burn_down_svg(points: list[dict]) -> str:
    """An inline SVG line chart of the remaining budget fraction (100 % .. below 0)."""
    values = [p["budget_remaining_fraction"] for p in points]
    known = [v for v in values if v is not None]
    if not known:
        return "No data yet: the buckets fill in within a minute of the periodic job."
    low = min(0.0, min(known))
    high = max(1.0, max(known))
    width, height = CHART_WIDTH - 2 * PAD, CHART_HEIGHT - 2 * PAD

    def x(index):
        return PAD + (width * index / max(len(values) - 1, 1))

    def y(value):
        return PAD + height * (high - value) / (high - low)

    line = " ".join(
        f"{x(index):.1f},{y(value):.1f}" for index, value in enumerate(values) if value is not None
    )
    zero, full = y(0.0), y(1.0)
    first, last = points[0]["at"], points[-1]["at"]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{CHART_WIDTH}" height="{CHART_HEIGHT}" '
        'role="img" aria-label="Error budget burn-down">',
        # The frame is a rect, not a style attribute (the admin's CSP allows no inline style).
        f'<rect x="0.5" y="0.5" width="{CHART_WIDTH - 1}" height="{CHART_HEIGHT - 1}" '
        'fill="#fff" stroke="#ddd"/>',
        f'<line x1="{PAD}" y1="{zero:.1f}" x2="{PAD + width}" y2="{zero:.1f}" stroke="#c00" '
        'stroke-dasharray="4 3"/>',
        f'<line x1="{PAD}" y1="{full:.1f}" x2="{PAD + width}" y2="{full:.1f}" stroke="#999" '
        'stroke-dasharray="2 3"/>',
        f'<text x="4" y="{full + 4:.1f}" font-size="11">100%</text>',
        f'<text x="4" y="{zero + 4:.1f}" font-size="11" fill="#c00">0%</text>',
        f'<polyline fill="none" stroke="#2a6ebb" stroke-width="2" points="{line}"/>',
        f'<text x="{PAD}" y="{CHART_HEIGHT - 8}" font-size="11">{first:%Y-%m-%d}</text>',
        f'<text x="{PAD + width - 70}" y="{CHART_HEIGHT - 8}" font-size="11">'
        f"{last:%Y-%m-%d}</text>",
        "</svg>",
    ]
    return "".join(parts)


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
        now = timezone.now()
        days = obj.window_days if obj.window_kind == "rolling" else 92
        points = slo_snapshots(
            account=obj.account,
            slo=obj,
            start=now - dt.timedelta(days=min(days, 92)),
            end=now,
            now=now,
            step=dt.timedelta(hours=6),
        )
        return mark_safe(burn_down_svg(points))  # noqa: S308 - built from numbers and dates only


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
