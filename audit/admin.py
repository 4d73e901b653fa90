"""The audit log in the admin: read-only, tenant-scoped like every tenant admin (a staff
user sees the entries of their accounts; a superuser sees all)."""

import json

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from accounts.admin_base import TenantAdminMixin
from audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ["at", "action", "model", "object_id", "object_repr", "actor", "changed_fields"]
    list_filter = ["action", "model"]
    search_fields = ["object_repr", "actor", "model"]
    date_hierarchy = "at"
    fields = [
        "at",
        "account",
        "action",
        "model",
        "object_id",
        "object_repr",
        "version",
        "actor",
        "user",
        "token",
        "changes",
    ]
    readonly_fields = fields

    @admin.display(description="changed")
    def changed_fields(self, entry):
        return ", ".join(entry.changed)

    @admin.display(description="before → after")
    def changes(self, entry):
        rows = format_html_join(
            "",
            "<tr><th>{}</th><td><code>{}</code></td><td><code>{}</code></td></tr>",
            (
                (field, json.dumps(entry.before.get(field)), json.dumps(entry.after.get(field)))
                for field in entry.changed
            ),
        )
        return format_html(
            "<table><tr><th>field</th><th>before</th><th>after</th></tr>{}</table>", rows
        )

    # The log is a record: nobody adds, edits or deletes entries (not even a superuser).
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
