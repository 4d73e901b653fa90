"""Admin of notification channels, with a "send a test message" action."""

from django import forms
from django.contrib import admin, messages

from accounts.admin_base import TenantAdminMixin
from integrations.channels.models import Channel
from integrations.channels.serializers import url_display
from integrations.channels.services import channel_send_test, test_result


class ChannelForm(forms.ModelForm):
    """The URL and the routing key are credentials: never shown again once saved (leave
    them empty to keep them)."""

    url = forms.URLField(
        required=False,
        assume_scheme="https",
        max_length=1000,
        widget=forms.PasswordInput(render_value=False),
        help_text="Slack/Teams: the incoming webhook URL. PagerDuty: empty for "
        "https://events.pagerduty.com/v2/enqueue. Leave empty to keep the saved one.",
    )
    routing_key = forms.CharField(
        required=False,
        max_length=64,
        widget=forms.PasswordInput(render_value=False),
        help_text="PagerDuty integration key (leave empty to keep the saved one).",
    )

    class Meta:
        model = Channel
        fields = ["account", "name", "kind", "url", "routing_key", "event_types", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._saved = {"url": self.instance.url, "routing_key": self.instance.routing_key}

    def clean(self):
        data = super().clean()
        for name in ("url", "routing_key"):
            if not data.get(name) and self.instance.pk:
                data[name] = self._saved[name]
                setattr(self.instance, name, self._saved[name])
        return data


@admin.register(Channel)
class ChannelAdmin(TenantAdminMixin, admin.ModelAdmin):
    form = ChannelForm
    list_display = ["name", "kind", "account", "where", "event_types", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name"]
    actions = ["send_test"]

    @admin.display(description="URL")
    def where(self, obj):
        return url_display(obj.url)

    @admin.action(description="Send a test message", permissions=["change"])
    def send_test(self, request, queryset):
        for channel in queryset.select_related("account"):
            result = test_result(channel_send_test(account=channel.account, channel=channel))
            if result["delivered"]:
                messages.success(request, f"“{channel}”: test message delivered.")
            else:
                messages.error(request, f"“{channel}”: test failed: {result['error']}")
