"""API shapes of licences."""

from rest_framework import serializers

from licensing.tokens import MAX_TOKEN_LENGTH


class LicenseStatusSerializer(serializers.Serializer):
    """The account's effective licence and what it allows (read only)."""

    required = serializers.BooleanField(help_text="SLA_LICENSE_REQUIRED")
    source = serializers.ChoiceField(
        choices=["account", "deployment"], allow_null=True, help_text="whose licence applies"
    )
    state = serializers.ChoiceField(choices=["valid", "grace", "expired", "invalid", "missing"])
    sla = serializers.BooleanField(help_text="the licence switches the SLA features on")
    reason = serializers.CharField(allow_blank=True, help_text="why not (empty when it does)")
    warning = serializers.CharField(allow_blank=True, help_text="grace period: renew")
    licensee = serializers.CharField(allow_null=True)
    plugins = serializers.ListField(child=serializers.CharField())
    issued_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    grace_ends_at = serializers.DateTimeField(allow_null=True)
    max_services = serializers.IntegerField(allow_null=True)


class LicenseInputSerializer(serializers.Serializer):
    license = serializers.CharField(
        allow_blank=True,
        allow_null=True,
        max_length=MAX_TOKEN_LENGTH,
        trim_whitespace=True,
        help_text="The licence JWT; empty or null removes the account's own licence "
        "(the deployment's SLA_LICENSE applies again)",
    )
