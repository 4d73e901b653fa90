"""Admin of status page subscribers: counts per page, CSV export, removal, test messages.

Adding an email subscriber here sends it the confirmation mail (double opt-in); a webhook
subscriber is active at once. Only the components of an existing subscriber change.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse

from accounts.admin_base import TenantAdminMixin
from statuspage.subscriptions import services
from statuspage.subscriptions.export import subscribers_csv
from statuspage.subscriptions.models import Subscriber


class SubscriberForm(forms.ModelForm):
    url = forms.URLField(required=False, assume_scheme="https", max_length=1000)

    class Meta:
        model = Subscriber
        fields = ["account", "page", "kind", "email", "url", "all_components", "components"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in ("account", "page", "kind", "email", "url"):
                self.fields[name].disabled = True

    def clean(self):
        data = super().clean()
        page, components = data.get("page"), data.get("components")
        if not self.instance.pk and page is not None and data.get("kind"):
            services.subscriber_address_check(
                page=page, kind=data["kind"], email=data.get("email"), url=data.get("url")
            )
        foreign = [c for c in components or [] if page is not None and c.page_id != page.pk]
        if foreign:
            raise ValidationError({"components": "Choose components of this page."})
        if not data.get("all_components") and not components:
            raise ValidationError({"components": "Choose components, or all components."})
        return data


@admin.register(Subscriber)
class SubscriberAdmin(TenantAdminMixin, admin.ModelAdmin):
    form = SubscriberForm
    list_display = ["__str__", "page", "kind", "confirmed", "all_components", "created_at"]
    list_filter = ["kind", "page"]
    search_fields = ["email", "url"]
    readonly_fields = ["confirmed_at", "created_at"]
    actions = ["export_csv", "send_test"]

    @admin.display(boolean=True)
    def confirmed(self, obj):
        return obj.is_confirmed

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        components = None if data.get("all_components") else list(data.get("components") or [])
        if change:
            services.subscriber_set_components(
                account=obj.account, subscriber=obj, components=components
            )
            return
        created = services.subscriber_create(
            account=data["account"],
            page=data["page"],
            kind=data["kind"],
            email=data.get("email") or "",
            url=data.get("url") or "",
            components=components,
        )
        obj.pk = created.pk

    def save_related(self, request, form, formsets, change):
        pass  # components are written by the service

    @admin.action(description="Export the selected subscribers (CSV)")
    def export_csv(self, request, queryset):
        rows = queryset.select_related("page").prefetch_related("components")
        body = subscribers_csv(rows.order_by("page_id", "kind", "email", "url", "pk"))
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="subscribers.csv"'
        return response

    @admin.action(description="Send a test message", permissions=["change"])
    def send_test(self, request, queryset):
        for subscriber in queryset.select_related("account", "page"):
            try:
                delivery = services.subscriber_send_test(
                    account=subscriber.account, subscriber=subscriber
                )
            except ValidationError as error:
                messages.error(request, f"{subscriber}: {'; '.join(error.messages)}")
                continue
            if delivery.status == "delivered":
                messages.success(request, f"{subscriber}: test message delivered.")
            else:
                messages.error(request, f"{subscriber}: test failed: {delivery.last_error}")
