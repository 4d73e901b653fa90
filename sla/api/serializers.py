"""API shapes of services, groups, downtimes, time periods, SLAs and assignment rules."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api_base import AccountScopedRelatedField, ValidatedModelSerializer
from sla.engine import StateError, normalize_state
from sla.models import (
    AssignmentRule,
    Downtime,
    Requirement,
    Service,
    ServiceGroup,
    SLADefinition,
    TimePeriod,
)
from sla.models.services import STATE_CHOICES
from sla.services.definitions import sla_definition_save


class StateField(serializers.CharField):
    """A service state; aliases (UP, DEGRADED, OUTAGE ...) are accepted and normalised."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            return normalize_state(value)
        except StateError as error:
            raise serializers.ValidationError(str(error)) from None


class ServiceGroupSerializer(ValidatedModelSerializer):
    parent = AccountScopedRelatedField(
        queryset=ServiceGroup.objects.all(),
        allow_null=True,
        required=False,
        help_text="The group this group is a member of (a BI tree: no cycles, at most 5 levels)",
    )

    class Meta:
        model = ServiceGroup
        fields = [
            "id",
            "name",
            "title",
            "description",
            "aggregation",
            "k",
            "parent",
            "created_at",
        ]


class CurrentStateField(serializers.ChoiceField):
    """The latest state, or null before the service's first event ("no data yet")."""

    def __init__(self, **kwargs):
        super().__init__(choices=STATE_CHOICES, read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value):
        return value or None


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$",
        "nullable": True,
        "example": "22:00",
        "description": "weekly: wall-clock start (HH:MM[:SS]) in the downtime's time zone",
    }
)
class WallClockTimeField(serializers.TimeField):
    """A local wall-clock time without an offset (not an RFC 3339 `time`, which has one)."""


class ServiceSerializer(ValidatedModelSerializer):
    group = AccountScopedRelatedField(
        queryset=ServiceGroup.objects.all(), allow_null=True, required=False
    )
    labels = serializers.DictField(child=serializers.CharField(max_length=200), required=False)
    service_period = AccountScopedRelatedField(
        queryset=TimePeriod.objects.all(),
        allow_null=True,
        required=False,
        help_text="Time period id of the service time (none: 24x7); counts with the SLA "
        "option service_period honor (default)",
    )
    notification_period = AccountScopedRelatedField(
        queryset=TimePeriod.objects.all(),
        allow_null=True,
        required=False,
        help_text="Time period id of the notification period (none: 24x7); counts with the "
        "SLA option notification_period honor",
    )
    current_state = CurrentStateField(help_text="null: no data yet (no event so far)")

    class Meta:
        model = Service
        fields = [
            "id",
            "path",
            "name",
            "labels",
            "group",
            "service_period",
            "notification_period",
            "current_state",
            "current_state_since",
            "created_at",
        ]
        read_only_fields = ["current_state", "current_state_since"]


class DowntimeSerializer(ValidatedModelSerializer):
    service = AccountScopedRelatedField(
        queryset=Service.objects.all(), allow_null=True, required=False
    )
    group = AccountScopedRelatedField(
        queryset=ServiceGroup.objects.all(), allow_null=True, required=False
    )
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6), required=False
    )
    time_from = WallClockTimeField(required=False, allow_null=True)

    class Meta:
        model = Downtime
        fields = [
            "id",
            "service",
            "group",
            "reason",
            "start",
            "end",
            "recurrence",
            "weekdays",
            "time_from",
            "duration_minutes",
            "timezone",
            "public",
            "created_at",
        ]


class TimePeriodSerializer(ValidatedModelSerializer):
    definition = serializers.JSONField(
        help_text='{"monday": ["08:00-18:00"], ..., "exceptions": {"2024-12-25": []}}'
    )

    class Meta:
        model = TimePeriod
        fields = ["id", "name", "definition", "updated_at"]


def exact_number_field(*, max_digits: int, **kwargs) -> serializers.DecimalField:
    """A number kept as the decimal it is written as (at most 6 decimals), answered as a
    JSON number: the engine decides on it exactly."""
    return serializers.DecimalField(
        max_digits=max_digits, decimal_places=6, coerce_to_string=False, **kwargs
    )


class LevelsSerializer(serializers.Serializer):
    warn = exact_number_field(max_digits=15)
    crit = exact_number_field(max_digits=15)


class RequirementSerializer(serializers.ModelSerializer):
    state = StateField(default="OK")
    target = exact_number_field(
        max_digits=9,
        required=False,
        allow_null=True,
        help_text="percentage: percent, 0-100, up to 6 decimals (read exactly as written)",
    )
    levels = LevelsSerializer(required=False, allow_null=True)
    time_period = AccountScopedRelatedField(
        queryset=TimePeriod.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = Requirement
        fields = [
            "title",
            "kind",
            "state",
            "comparison",
            "target",
            "max_count",
            "min_duration_seconds",
            "levels",
            "time_period",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["levels"] = (
            {"warn": instance.level_warn, "crit": instance.level_crit}
            if instance.level_warn is not None or instance.level_crit is not None
            else None
        )
        return data

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        levels = values.pop("levels", None)
        values["level_warn"] = levels["warn"] if levels else None
        values["level_crit"] = levels["crit"] if levels else None
        return values


class SLADefinitionSerializer(serializers.ModelSerializer):
    """An SLA with its requirements inline; saved and validated as one engine spec."""

    time_period = AccountScopedRelatedField(
        queryset=TimePeriod.objects.all(), allow_null=True, required=False
    )
    options = serializers.JSONField(required=False)
    requirements = RequirementSerializer(many=True)

    class Meta:
        model = SLADefinition
        fields = [
            "id",
            "title",
            "description",
            "period",
            "timezone",
            "time_period",
            "options",
            "requirements",
            "revision",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["revision"]

    def validate_requirements(self, value):
        if not value:
            raise serializers.ValidationError("An SLA needs at least one requirement.")
        return value

    def _save(self, instance, validated_data):
        requirements = validated_data.pop("requirements", None)
        try:
            return sla_definition_save(
                account=self.context["account"],
                sla=instance,
                fields=validated_data,
                requirements=requirements,
            )
        except DjangoValidationError as error:
            raise serializers.ValidationError(_api_errors(error)) from None

    def create(self, validated_data):
        return self._save(None, validated_data)

    def update(self, instance, validated_data):
        return self._save(instance, validated_data)


def _api_errors(error: DjangoValidationError):
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): messages
            for field, messages in error.message_dict.items()
        }
    return {"non_field_errors": error.messages}


class AssignmentRuleSerializer(ValidatedModelSerializer):
    sla = AccountScopedRelatedField(queryset=SLADefinition.objects.all())
    group = AccountScopedRelatedField(
        queryset=ServiceGroup.objects.all(), allow_null=True, required=False
    )
    labels = serializers.DictField(child=serializers.CharField(max_length=200), required=False)

    class Meta:
        model = AssignmentRule
        fields = ["id", "position", "sla", "target", "path_glob", "group", "labels", "description"]
