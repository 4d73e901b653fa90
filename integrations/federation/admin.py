"""Admin of the portal link (its API key write-only) and of what was pushed (read only)."""

from django import forms
from django.contrib import admin

from accounts.admin_base import TenantAdminMixin
from integrations.federation.models import PortalLink, PushedIncident, PushedReport


class PortalLinkForm(forms.ModelForm):
    """The stored key is never rendered; leaving the field empty keeps it."""

    new_api_key = forms.CharField(
        label="API key",
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Token of the receiving account (scope ingest). Empty: keep the stored key "
        "(or use the deployment's SLA_PORTAL_API_KEY when none is stored).",
    )
    clear_api_key = forms.BooleanField(label="Forget the stored key", required=False)

    class Meta:
        model = PortalLink
        fields = ["account", "enabled", "url", "timeout_seconds"]

    def save(self, commit=True):
        link = super().save(commit=False)
        if self.cleaned_data.get("clear_api_key"):
            link.api_key = ""
        if self.cleaned_data.get("new_api_key"):
            link.api_key = self.cleaned_data["new_api_key"].strip()
        if commit:
            link.save()
        return link


@admin.register(PortalLink)
class PortalLinkAdmin(TenantAdminMixin, admin.ModelAdmin):
    form = PortalLinkForm
    list_display = ["account", "enabled", "target_url", "key_stored", "incidents_pushed_until"]
    readonly_fields = ["incidents_pushed_until", "created_at", "updated_at"]

    @admin.display(description="portal URL")
    def target_url(self, obj):
        return obj.effective_url or "-"

    @admin.display(description="key stored", boolean=True)
    def key_stored(self, obj):
        return bool(obj.api_key)


class ReadOnlyAdmin(TenantAdminMixin, admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PushedReport)
class PushedReportAdmin(ReadOnlyAdmin):
    list_display = ["day", "source", "account", "generated_at", "received_at", "json_size"]
    list_filter = ["source"]


@admin.register(PushedIncident)
class PushedIncidentAdmin(ReadOnlyAdmin):
    list_display = ["path", "subject", "source", "account", "started_at", "ended_at", "worst_state"]
    list_filter = ["source", "subject"]
