"""API shapes of notification channels."""

from urllib.parse import urlsplit

from rest_framework import serializers

from accounts.api_base import ValidatedModelSerializer
from integrations.channels.models import Channel
from reporting.models import EVENT_TYPES, validate_webhook_url


def url_display(url: str) -> str:
    """The URL without its secret part (Slack and Teams URLs carry their token)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/…" if parts.path.strip("/") else url


class ChannelSerializer(ValidatedModelSerializer):
    """`url` and `routing_key` are write-only (both are credentials); `url_display` shows
    the host. PagerDuty's `url` defaults to its Events API v2 endpoint."""

    url = serializers.URLField(
        max_length=1000, validators=[validate_webhook_url], write_only=True, required=False
    )
    routing_key = serializers.CharField(
        max_length=64, write_only=True, required=False, allow_blank=True
    )
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPES), required=False
    )
    url_display = serializers.SerializerMethodField()

    class Meta:
        model = Channel
        fields = [
            "id",
            "name",
            "kind",
            "url",
            "url_display",
            "routing_key",
            "event_types",
            "active",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def get_url_display(self, channel) -> str:
        return url_display(channel.url)

    def validate(self, attrs):
        if self.instance is not None and "kind" in attrs and attrs["kind"] != self.instance.kind:
            raise serializers.ValidationError({"kind": "A channel's kind cannot change."})
        return attrs


class ChannelTestSerializer(serializers.Serializer):
    """`POST /api/v1/channels/{id}/test`: no body; the answer tells how the test went."""

    delivered = serializers.BooleanField(read_only=True)
    status_code = serializers.IntegerField(read_only=True, allow_null=True)
    error = serializers.CharField(read_only=True, allow_blank=True)
    event_ids = serializers.ListField(child=serializers.CharField(), read_only=True)

    def validate(self, attrs):
        if self.initial_data:
            message = "Unknown field: a test takes no input."
            raise serializers.ValidationError(dict.fromkeys(map(str, self.initial_data), message))
        return attrs
