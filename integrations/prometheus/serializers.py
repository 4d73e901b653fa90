"""Serializers of the Prometheus integration's API."""

from rest_framework import serializers

from accounts.api_base import AccountScopedRelatedField, ValidatedModelSerializer
from integrations.prometheus.models import (
    MAX_QUERY_LENGTH,
    AlertmanagerSettings,
    PrometheusSource,
    PrometheusStatusRule,
)
from integrations.prometheus.services.sources import (
    QueryProblem,
    queries_check,
    sli_queries_check,
    source_save,
)
from sla.api.serializers import CurrentStateField
from sla.models import Service

SECRET_FIELDS = ("bearer_token", "basic_auth_password")


class PrometheusSourceSerializer(ValidatedModelSerializer):
    """Secrets (bearer token, basic auth password) are write-only: give one to set it, ""
    to clear it, leave it out to keep it; ``has_bearer_token`` / ``has_basic_auth_password``
    say whether one is set. ``is_default``: the account's default source (making one the
    default clears the previous one)."""

    bearer_token = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=2000, trim_whitespace=False
    )
    basic_auth_password = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=500, trim_whitespace=False
    )
    headers = serializers.JSONField(required=False)
    timeout_seconds = serializers.IntegerField(min_value=1, max_value=120, required=False)
    has_bearer_token = serializers.SerializerMethodField()
    has_basic_auth_password = serializers.SerializerMethodField()

    class Meta:
        model = PrometheusSource
        fields = [
            "id",
            "name",
            "url",
            "bearer_token",
            "has_bearer_token",
            "basic_auth_username",
            "basic_auth_password",
            "has_basic_auth_password",
            "headers",
            "timeout_seconds",
            "verify_tls",
            "is_default",
            "last_check_at",
            "last_check_ok",
            "last_check_message",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "last_check_at",
            "last_check_ok",
            "last_check_message",
            "created_at",
            "updated_at",
        ]

    def _clean_and_save(self, instance, validated_data):
        # Through the service: a new default clears the previous one in the same transaction.
        for name, value in validated_data.items():
            setattr(instance, name, value)
        return source_save(account=instance.account, source=instance)

    def get_has_bearer_token(self, source) -> bool:
        return bool(source.bearer_token)

    def get_has_basic_auth_password(self, source) -> bool:
        return bool(source.basic_auth_password)


class PromQLSLISerializer(serializers.Serializer):
    """The ``prometheus`` settings of an SLO of kind ``prometheus``: a source and a good or
    bad query over a total query (series selectors counted with ``increase(...[5m])``, or
    expressions with ``{{window}}``). Each query is tried on the source before saving."""

    source = AccountScopedRelatedField(queryset=PrometheusSource.objects.all())
    good_query = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=MAX_QUERY_LENGTH
    )
    bad_query = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=MAX_QUERY_LENGTH
    )
    total_query = serializers.CharField(max_length=MAX_QUERY_LENGTH)

    def validate(self, attrs):
        good = (attrs.get("good_query") or "").strip()
        bad = (attrs.get("bad_query") or "").strip()
        if bool(good) == bool(bad):
            raise serializers.ValidationError(
                {"good_query": "Give a good query or a bad query (exactly one)."}
            )
        try:
            sli_queries_check(
                source=attrs["source"],
                good_query=good,
                bad_query=bad,
                total_query=attrs["total_query"].strip(),
            )
        except QueryProblem as problem:
            raise serializers.ValidationError({problem.field: problem.message}) from None
        return attrs


class PrometheusStatusRuleSerializer(ValidatedModelSerializer):
    """A service's state from a PromQL query; the query is tried on the source first."""

    service = AccountScopedRelatedField(queryset=Service.objects.all())
    source = AccountScopedRelatedField(queryset=PrometheusSource.objects.all())
    query = serializers.CharField(max_length=MAX_QUERY_LENGTH)
    crit_threshold = serializers.DecimalField(
        max_digits=30, decimal_places=10, coerce_to_string=False
    )
    warn_threshold = serializers.DecimalField(
        max_digits=30, decimal_places=10, coerce_to_string=False, required=False, allow_null=True
    )

    last_state = CurrentStateField(help_text="null: not evaluated yet")

    class Meta:
        model = PrometheusStatusRule
        fields = [
            "id",
            "name",
            "service",
            "source",
            "query",
            "crit_operator",
            "crit_threshold",
            "warn_operator",
            "warn_threshold",
            "missing_state",
            "enabled",
            "last_state",
            "last_value",
            "last_evaluated_at",
            "last_error",
            "created_at",
        ]
        read_only_fields = [
            "last_state",
            "last_value",
            "last_evaluated_at",
            "last_error",
            "created_at",
        ]

    def validate(self, attrs):
        instance = self.instance
        source = attrs.get("source", getattr(instance, "source", None))
        query = attrs.get("query", getattr(instance, "query", ""))
        warn_operator = attrs.get("warn_operator", getattr(instance, "warn_operator", ""))
        warn_threshold = attrs.get("warn_threshold", getattr(instance, "warn_threshold", None))
        if bool(warn_operator) != (warn_threshold is not None):
            raise serializers.ValidationError(
                {"warn_operator": "Give both the WARN operator and threshold, or neither."}
            )
        changed = instance is None or "query" in attrs or "source" in attrs
        if changed and source is not None:
            try:
                queries_check(source=source, queries={"query": query.strip()}, one_series=True)
            except QueryProblem as problem:
                raise serializers.ValidationError({problem.field: problem.message}) from None
        return attrs


class AlertmanagerSettingsSerializer(ValidatedModelSerializer):
    severity_states = serializers.JSONField(required=False)

    class Meta:
        model = AlertmanagerSettings
        fields = ["service_label", "fallback_template", "severity_states", "default_state"]


class SourceCheckSerializer(serializers.Serializer):
    """The outcome of a connection test: ``version`` when it worked, ``error`` when not."""

    ok = serializers.BooleanField()
    version = serializers.CharField(required=False)
    error = serializers.CharField(required=False)
