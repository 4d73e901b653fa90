"""Admin of Vector sources (with their rules inline) and the batch keys (read only)."""

from django.contrib import admin

from accounts.admin_base import TenantAdminMixin, TenantInlineMixin
from integrations.vector.models import VectorBatch, VectorRule, VectorSource


class VectorRuleInline(TenantInlineMixin, admin.TabularInline):
    model = VectorRule
    extra = 1
    fields = ["position", "kind", "field", "value", "service"]


@admin.register(VectorSource)
class VectorSourceAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ["name", "account", "log_format_short", "latency", "default_service"]
    search_fields = ["name"]
    inlines = [VectorRuleInline]
    readonly_fields = ["records_path", "created_at", "updated_at"]

    @admin.display(description="log format")
    def log_format_short(self, obj):
        return obj.log_format if len(obj.log_format) <= 40 else obj.log_format[:37] + "..."

    @admin.display(description="sink uri (path)")
    def records_path(self, obj):
        return "-" if obj.pk is None else f"/api/v1/vector-sources/{obj.pk}/records"

    def save_formset(self, request, form, formset, change):
        for row in formset.save(commit=False):
            row.account_id = form.instance.account_id
            row.save()
        for row in formset.deleted_objects:
            row.delete()


@admin.register(VectorBatch)
class VectorBatchAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ["source", "sha256", "received_at"]
    list_filter = ["source"]
    readonly_fields = ["account", "source", "sha256", "received_at", "result"]

    def has_add_permission(self, request, obj=None):
        return False
