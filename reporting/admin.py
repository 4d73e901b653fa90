"""Admin of notifications: webhook endpoints, email recipients, the outbox (read-only)."""

from django.contrib import admin

from accounts.admin_base import TenantAdminMixin, TenantInlineMixin
from reporting.models import Delivery, EmailRecipient, OutboxMessage, WebhookEndpoint
from reporting.services.notifications import outbox_retry_now


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ["name", "account", "url", "event_types", "active"]
    list_filter = ["active"]
    search_fields = ["name", "url"]


@admin.register(EmailRecipient)
class EmailRecipientAdmin(TenantAdminMixin, admin.ModelAdmin):
    list_display = ["email", "name", "account", "kinds", "active"]
    list_filter = ["active"]
    search_fields = ["email", "name"]


class DeliveryInline(TenantInlineMixin, admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = [
        "webhook",
        "recipient",
        "status",
        "attempts",
        "next_attempt_at",
        "last_status_code",
        "last_error",
        "delivered_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(TenantAdminMixin, admin.ModelAdmin):
    """Read-only: what was (or will be) sent, with a "retry now" action."""

    list_display = ["event_type", "account", "dedup_key", "created_at", "delivery_states"]
    list_filter = ["event_type"]
    search_fields = ["dedup_key"]
    readonly_fields = ["event_id", "event_type", "dedup_key", "payload", "created_at", "account"]
    inlines = [DeliveryInline]
    actions = ["retry_now"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("deliveries")

    @admin.display(description="deliveries")
    def delivery_states(self, obj):
        states = [delivery.status for delivery in obj.deliveries.all()]
        return ", ".join(f"{states.count(s)} {s}" for s in sorted(set(states))) or "none"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request):
        return TenantAdminMixin.has_change_permission(self, request)

    @admin.action(description="Retry now (undelivered deliveries)", permissions=["retry"])
    def retry_now(self, request, queryset):
        count = 0
        for message in queryset.select_related("account"):
            count += outbox_retry_now(account=message.account, message_ids=[message.pk])
        self.message_user(request, f"{count} deliveries will be tried again now.")
