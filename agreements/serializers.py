"""Serializers of the native agreements API (/api/v1/agreements, /api/v1/contexts).

Input serializers check types only; the rules (constraints, scopes, x/y/z, expiration,
PromQL) are the services' (``AgreementError`` becomes a 400 naming the field)."""

from rest_framework import serializers

from accounts.api_base import AccountScopedRelatedField
from agreements.models import Agreement, Context, Guarantee, LevelChange, State, Violation
from integrations.prometheus.models import PrometheusSource
from sla.models import Service


class GuaranteeInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    query = serializers.CharField(
        max_length=4000,
        trim_whitespace=False,
        help_text="[<PromQL>] <op> <number> (terms joined by &&); the brackets may be left "
        "out of a single term",
    )
    scope = serializers.CharField(
        max_length=1000, required=False, allow_blank=True, default="",
        help_text="CONTEXT/KEY=PATTERN[,KEY=PATTERN...], e.g. company_premises/building=.",
    )  # fmt: skip


class AgreementCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, help_text="The application id")
    guarantees = GuaranteeInputSerializer(many=True, allow_empty=False, max_length=100)
    x = serializers.IntegerField(required=False, default=2, min_value=1, max_value=1000)
    y = serializers.IntegerField(required=False, default=2, min_value=1, max_value=1000)
    z = serializers.IntegerField(required=False, default=5, min_value=1, max_value=1000)
    interval_seconds = serializers.IntegerField(
        required=False, default=30, min_value=5, max_value=86400
    )
    expiration = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="Default: creation + 1 year"
    )
    source = AccountScopedRelatedField(
        queryset=PrometheusSource.objects.all(), required=False, allow_null=True, default=None
    )
    service = AccountScopedRelatedField(
        queryset=Service.objects.all(), required=False, allow_null=True, default=None
    )
    agent_id = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class AgreementStateSerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=[(State.STARTED, "started"), (State.STOPPED, "stopped")],
        help_text="started (assessed again; paused while a scope does not resolve) or stopped",
    )


LAST_OUTCOME_HELP = "met, broken or unknown; empty before the first assessment"


class GuaranteeSerializer(serializers.ModelSerializer):
    last_outcome = serializers.CharField(read_only=True, help_text=LAST_OUTCOME_HELP)

    class Meta:
        model = Guarantee
        fields = [
            "name", "query", "constraint", "scope", "scope_template", "resolved", "level",
            "total_executions", "total_violations", "consecutive_met", "consecutive_broken",
            "first_execution", "last_execution", "last_outcome", "last_values",
            "last_violation", "last_error",
        ]  # fmt: skip
        read_only_fields = fields


class AgreementSerializer(serializers.ModelSerializer):
    guarantees = GuaranteeSerializer(many=True, read_only=True)
    violated = serializers.BooleanField(read_only=True)
    last_outcome = serializers.CharField(read_only=True, help_text=LAST_OUTCOME_HELP)

    class Meta:
        model = Agreement
        fields = [
            "id", "agreement_id", "name", "state", "level", "violated", "created_at",
            "expires_at", "interval_seconds", "x", "y", "z", "agent_id", "source", "service",
            "total_executions", "total_violations", "unknown_executions",
            "consecutive_met", "consecutive_broken", "first_execution", "last_execution",
            "last_outcome", "last_unknown_reason", "next_due_at", "guarantees",
        ]  # fmt: skip
        read_only_fields = fields


class ViolationSerializer(serializers.ModelSerializer):
    guarantee = serializers.CharField(source="guarantee.name", read_only=True)

    class Meta:
        model = Violation
        fields = ["id", "guarantee", "at", "constraint", "values"]
        read_only_fields = fields


class LevelChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = LevelChange
        fields = ["at", "previous_level", "level"]
        read_only_fields = fields


class KpiSerializer(serializers.Serializer):
    """An agreement in the KPI shape of the original SLA Manager."""

    serviceId = serializers.CharField()
    slaId = serializers.CharField()
    KPIs = serializers.ListField(child=serializers.DictField())


class ContextSerializer(serializers.ModelSerializer):
    class Meta:
        model = Context
        fields = ["id", "agent_id", "name", "values", "updated_at"]
        read_only_fields = fields


class ContextResultSerializer(ContextSerializer):
    agreements_changed = serializers.IntegerField(read_only=True)

    class Meta(ContextSerializer.Meta):
        fields = [*ContextSerializer.Meta.fields, "agreements_changed"]
        read_only_fields = fields
