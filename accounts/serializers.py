"""API shapes of accounts and tokens."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import ALL_SCOPES, Account, ApiToken
from licensing.serializers import LicenseStatusSerializer


class AccountSerializer(serializers.ModelSerializer):
    features = serializers.DictField(child=serializers.BooleanField(), read_only=True)
    sla_enabled = serializers.SerializerMethodField()
    license = serializers.SerializerMethodField(
        help_text="The effective licence (see GET /api/v1/account/license); `warning` is set "
        "during the grace period after it expired"
    )

    class Meta:
        model = Account
        fields = [
            "id",
            "name",
            "slug",
            "timezone",
            "features",
            "sla_enabled",
            "license",
            "created_at",
        ]

    def get_sla_enabled(self, account) -> bool:
        from accounts.features import sla_enabled

        return sla_enabled(account)

    @extend_schema_field(LicenseStatusSerializer)
    def get_license(self, account) -> dict:
        from licensing.selectors import account_license_status, license_json

        return license_json(account_license_status(account=account))


class ApiTokenSerializer(serializers.ModelSerializer):
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(ALL_SCOPES)), allow_empty=False
    )
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "scopes",
            "is_active",
            "created_at",
            "last_used_at",
            "revoked_at",
        ]
        read_only_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    secret = serializers.CharField(read_only=True, help_text="Shown once; store it now.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "secret"]
