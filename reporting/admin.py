"""Admin of notifications (webhook endpoints, email recipients, the outbox, read-only) and
of the daily reports (downloads, regeneration, building any past day)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.html import format_html

from accounts.admin_base import TenantAdminMixin, TenantInlineMixin, member_account_ids
from accounts.models import Account
from reporting.models import (
    DailyReport,
    Delivery,
    DeliveryStatus,
    EmailRecipient,
    OutboxMessage,
    WebhookEndpoint,
)
from reporting.services.notifications import outbox_retry_now
from reporting.services.reports import daily_report_build
from reporting.services.webhooks import webhook_secret_new, webhook_secret_rotate
from reporting.views import report_file_response


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(TenantAdminMixin, admin.ModelAdmin):
    """The signing secret is never shown here: it is generated when an endpoint is created
    and shown once in a message, and replaced (shown once again) by "Rotate secret"."""

    list_display = ["name", "account", "url", "event_types", "active"]
    list_filter = ["active"]
    search_fields = ["name", "url"]
    exclude = ["secret"]
    actions = ["rotate_secret"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request, obj, form, change):
        secret = None if change else webhook_secret_new()
        if secret is not None:
            obj.secret = secret
        super().save_model(request, obj, form, change)
        if secret is not None:
            messages.warning(
                request,
                f"Webhook endpoint “{obj}” created. Copy its signing secret now; "
                f"it is not shown again: {secret}",
            )

    @admin.action(description="Rotate the signing secret (shown once)", permissions=["change"])
    def rotate_secret(self, request, queryset):
        # The tenant admin hands actions only the rows of accounts the user may change.
        for webhook in queryset.select_related("account"):
            secret = webhook_secret_rotate(account=webhook.account, webhook=webhook)
            messages.warning(
                request,
                f"New signing secret of “{webhook}” ({webhook.account}); copy it now, "
                f"it is not shown again: {secret}",
            )


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
        "kind",
        "target_name",
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

    @admin.display(description="to")
    def target_name(self, obj):
        return str(obj.webhook or obj.recipient or obj.target or f"(removed #{obj.target_id})")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(TenantAdminMixin, admin.ModelAdmin):
    """Read-only: what was (or will be) sent, with a "retry now" action."""

    list_display = ["event_type", "account", "dedup_key", "created_at", "delivery_states"]
    list_filter = ["event_type"]
    search_fields = ["dedup_key"]
    readonly_fields = [
        "event_id",
        "event_type",
        "dedup_key",
        "payload",
        "attachments",
        "created_at",
        "account",
        "delivery_states",
    ]
    inlines = [DeliveryInline]
    actions = ["retry_now"]
    INLINE_LIMIT = 200  # more deliveries (a status page's subscribers): the counts only

    def get_inlines(self, request, obj):
        if obj is not None and obj.deliveries.count() > self.INLINE_LIMIT:
            return []
        return self.inlines

    def get_queryset(self, request):
        # Counted in the database: a status page message has one delivery per subscriber.
        counts = {
            f"deliveries_{status}": Count("deliveries", filter=Q(deliveries__status=status))
            for status in DeliveryStatus.values
        }
        return super().get_queryset(request).annotate(**counts)

    @admin.display(description="deliveries")
    def delivery_states(self, obj):
        counts = [(getattr(obj, f"deliveries_{s}", 0), s) for s in sorted(DeliveryStatus.values)]
        return ", ".join(f"{count} {status}" for count, status in counts if count) or "none"

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


class BuildReportForm(forms.Form):
    """Build (or rebuild) the report of any past day of an account."""

    account = forms.ModelChoiceField(queryset=Account.objects.none())
    day = forms.DateField(help_text="YYYY-MM-DD, a past day in the account's time zone")
    notify = forms.BooleanField(
        required=False,
        initial=True,
        help_text="Send the webhook event and the emails (once per report content)",
    )

    def __init__(self, *args, accounts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = (
            accounts if accounts is not None else Account.objects.none()
        )


@admin.register(DailyReport)
class DailyReportAdmin(TenantAdminMixin, admin.ModelAdmin):
    """Read-only list of the daily reports, downloads, regeneration and a build form."""

    list_display = ["day", "account", "timezone", "summary_text", "sizes", "generated_at", "files"]
    list_filter = ["timezone"]
    date_hierarchy = "day"
    readonly_fields = [
        "account",
        "day",
        "timezone",
        "schema_version",
        "json_path",
        "json_sha256",
        "json_size",
        "pdf_path",
        "pdf_sha256",
        "pdf_size",
        "summary",
        "generated_at",
        "build_seconds",
    ]
    actions = ["regenerate"]
    change_list_template = "admin/reporting/dailyreport/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_regenerate_permission(self, request):
        return TenantAdminMixin.has_change_permission(self, request)

    @admin.display(description="summary")
    def summary_text(self, obj):
        summary = obj.summary or {}
        states = summary.get("sla_states") or {}
        return (
            f"{summary.get('services', 0)} services, {states.get('BROKEN', 0)} SLAs broken, "
            f"{summary.get('incidents', 0)} incidents"
        )

    @admin.display(description="size")
    def sizes(self, obj):
        return f"{filesizeformat(obj.pdf_size)} PDF, {filesizeformat(obj.json_size)} JSON"

    @admin.display(description="download")
    def files(self, obj):
        return format_html(
            '<a href="{}">PDF</a> · <a href="{}">JSON</a>',
            reverse("admin:reporting_dailyreport_download", args=[obj.pk, "pdf"]),
            reverse("admin:reporting_dailyreport_download", args=[obj.pk, "json"]),
        )

    @admin.action(description="Regenerate the selected reports", permissions=["regenerate"])
    def regenerate(self, request, queryset):
        writable = member_account_ids(request, writable=True)
        built = 0
        refused = 0
        for report in queryset.select_related("account"):
            if not (request.user.is_superuser or report.account_id in writable):
                refused += 1
                continue
            try:
                daily_report_build(account=report.account, day=report.day, regenerate=True)
            except ValueError:  # the SLA feature is off, or the path is another account's
                refused += 1
            else:
                built += 1
        note = (
            f"; {refused} left as they were (no write access, SLA feature off or the file "
            "belongs to another account's report)"
        )
        self.message_user(request, f"{built} report(s) regenerated" + (note if refused else "."))

    def get_urls(self):
        own = [
            path(
                "build/",
                self.admin_site.admin_view(self.build_view),
                name="reporting_dailyreport_build",
            ),
            path(
                "<int:report_id>/download/<str:kind>/",
                self.admin_site.admin_view(self.download_view),
                name="reporting_dailyreport_download",
            ),
        ]
        return own + super().get_urls()

    def _writable_accounts(self, request):
        if request.user.is_superuser:
            return Account.objects.order_by("name")
        return Account.objects.filter(pk__in=member_account_ids(request, writable=True))

    def build_view(self, request):
        if not self.has_regenerate_permission(request):
            raise PermissionDenied
        form = BuildReportForm(request.POST or None, accounts=self._writable_accounts(request))
        if request.method == "POST" and form.is_valid():
            account, day = form.cleaned_data["account"], form.cleaned_data["day"]
            try:
                daily_report_build(
                    account=account, day=day, regenerate=True, notify=form.cleaned_data["notify"]
                )
            except ValueError as error:
                form.add_error("day", str(error))
            else:
                self.message_user(request, f"Report of {account} for {day} built.")
                return redirect("admin:reporting_dailyreport_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Build a daily report",
            "form": form,
        }
        return render(request, "admin/reporting/dailyreport/build.html", context)

    def download_view(self, request, report_id: int, kind: str):
        report = self.get_queryset(request).filter(pk=report_id).first()
        if report is None or not self.has_view_permission(request, report):
            raise Http404("Not found.")
        return report_file_response(report, kind)
