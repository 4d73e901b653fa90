"""Serializers of the notification settings and daily reports API."""

from rest_framework import serializers

from reporting.models import (
    EVENT_TYPES,
    DailyReport,
    EmailRecipient,
    WebhookEndpoint,
    validate_webhook_url,
)
from reporting.services.webhooks import webhook_secret_new


class WebhookEndpointSerializer(serializers.ModelSerializer):
    """The secret is write-only; left out on create, one is generated and shown once (in
    the create response only). `POST .../rotate-secret` replaces it and shows the new one
    once."""

    secret = serializers.CharField(
        write_only=True, required=False, min_length=16, max_length=200, trim_whitespace=False
    )
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPES), required=False
    )
    url = serializers.URLField(max_length=1000, validators=[validate_webhook_url])
    timeout_seconds = serializers.IntegerField(min_value=1, max_value=60, required=False)

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "name", "url", "secret", "event_types", "active", "timeout_seconds"]

    def create(self, validated_data):
        generated = "secret" not in validated_data
        validated_data.setdefault("secret", webhook_secret_new())
        endpoint = super().create(validated_data)
        endpoint.generated_secret = validated_data["secret"] if generated else None
        return endpoint

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if getattr(instance, "generated_secret", None):
            data["secret"] = instance.generated_secret
        return data


class WebhookSecretRotateSerializer(serializers.Serializer):
    """`POST /api/v1/webhooks/{id}/rotate-secret`: no body (or `{}`); the answer carries the
    new secret, shown this once."""

    id = serializers.IntegerField(read_only=True)
    secret = serializers.CharField(read_only=True)

    def validate(self, attrs):
        if self.initial_data:
            message = "Unknown field: the new secret is generated."
            raise serializers.ValidationError(dict.fromkeys(map(str, self.initial_data), message))
        return attrs


class EmailRecipientSerializer(serializers.ModelSerializer):
    kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPES), required=False
    )

    class Meta:
        model = EmailRecipient
        fields = ["id", "email", "name", "kinds", "active"]

    def validate_email(self, value):
        account = self.context["account"]
        taken = EmailRecipient.objects.for_account(account).filter(email=value)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError("This address is already a recipient.")
        return value


class DailyReportSerializer(serializers.ModelSerializer):
    """A daily report: its day, checksums, sizes, summary and the download links."""

    files = serializers.SerializerMethodField()

    class Meta:
        model = DailyReport
        fields = [
            "id",
            "day",
            "timezone",
            "schema_version",
            "generated_at",
            "summary",
            "files",
        ]

    def get_files(self, report) -> dict:
        return {
            kind: {
                "url": f"/api/v1/daily-reports/{report.pk}/{kind}",
                "sha256": getattr(report, f"{kind}_sha256"),
                "size": getattr(report, f"{kind}_size"),
            }
            for kind in ("json", "pdf")
        }
