"""Serializers of the SLO API."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api_base import AccountScopedRelatedField
from sla.engine import SpecError, parse_options
from sla.models import (
    SLO,
    AlertPolicy,
    BurnRateWindow,
    Service,
    ServiceGroup,
    TimePeriod,
)
from sla.models.slo import SLOT_SECONDS
from sla.sli_kinds import extra_statuses, plugins

PATH_MAX_LENGTH = Service._meta.get_field("path").max_length


@extend_schema_field(
    {
        "oneOf": [{"type": "integer"}, {"type": "string", "example": "payment/api"}],
        "nullable": True,
        "description": "The service: its id, or its path as events name it (payment/api).",
    }
)
class ServiceReferenceField(AccountScopedRelatedField):
    """A service of the account by id, or by path like status events name it; answered as
    the id."""

    def to_internal_value(self, data):
        if isinstance(data, str) and not data.isdigit():
            # A path no service can have (too long, control characters such as NUL, which
            # PostgreSQL cannot even compare) is unknown without asking the database.
            storable = len(data) <= PATH_MAX_LENGTH and data.isprintable()
            services = Service.objects.for_account(self.context.get("account"))
            found = services.filter(path=data).first() if storable else None
            if found is None:
                raise serializers.ValidationError(f"Unknown service path {data[:200]!r}.")
            return found
        return super().to_internal_value(data)


class SLOWindowSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    seconds = serializers.IntegerField(help_text="nominal length (a calendar window: all)")


class SLOBudgetSerializer(serializers.Serializer):
    """A budget in the API (README "SLO API"): minutes of bad time or bad requests."""

    sli = serializers.FloatField(allow_null=True, help_text="percent good; null: no data")
    target = serializers.FloatField()
    met = serializers.BooleanField(allow_null=True)
    unit = serializers.ChoiceField(choices=["minutes", "requests", "events"])
    good = serializers.FloatField()
    total = serializers.FloatField()
    budget = serializers.FloatField()
    consumed = serializers.FloatField()
    remaining = serializers.FloatField()
    remaining_fraction = serializers.FloatField(allow_null=True)
    consumed_fraction = serializers.FloatField(allow_null=True)


class SLOAlertWindowSerializer(serializers.Serializer):
    key = serializers.CharField()
    severity = serializers.CharField()
    long_window_seconds = serializers.IntegerField()
    short_window_seconds = serializers.IntegerField()
    threshold = serializers.FloatField()


class SLOOpenAlertSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    state = serializers.ChoiceField(choices=["pending", "firing"])
    severity = serializers.CharField()
    started_at = serializers.DateTimeField()
    fired_at = serializers.DateTimeField(allow_null=True)
    long_burn_rate = serializers.FloatField(allow_null=True)
    short_burn_rate = serializers.FloatField(allow_null=True)


class SLOGapSerializer(serializers.Serializer):
    """A stretch of a PromQL SLI's window without values (Prometheus down, series absent)."""

    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    seconds = serializers.IntegerField()
    reason = serializers.CharField()
    kind = serializers.CharField()
    attempts = serializers.IntegerField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)


class SLOPrometheusFetchSerializer(serializers.Serializer):
    fetched_to = serializers.DateTimeField(allow_null=True)
    last_fetch_at = serializers.DateTimeField(allow_null=True)
    last_error = serializers.CharField(allow_blank=True)
    gap_count = serializers.IntegerField()
    missing_seconds = serializers.IntegerField()


class SLOStatusSerializer(serializers.Serializer):
    """The derived part of an SLO at the time of the answer (read only)."""

    window = SLOWindowSerializer()
    budget = SLOBudgetSerializer()
    burn_rates = serializers.DictField(
        child=serializers.FloatField(allow_null=True),
        help_text='burn rate per lookback ("300s", "3600s" ...); null: no data',
    )
    time_to_exhaustion_seconds = serializers.FloatField(allow_null=True)
    alert_windows = SLOAlertWindowSerializer(many=True)
    alerts = SLOOpenAlertSerializer(many=True)
    alert_state = serializers.ChoiceField(choices=["ok", "pending", "firing"])
    gaps = SLOGapSerializer(
        many=True, required=False, help_text="PromQL SLIs only: slot ranges without values"
    )
    prometheus = SLOPrometheusFetchSerializer(
        required=False, help_text="PromQL SLIs only: how far the SLI was fetched"
    )


class BurnRateSerializer(serializers.Serializer):
    """Good, total and bad over a lookback ending now, and the burn rate."""

    slo = serializers.IntegerField()
    window = serializers.CharField()
    window_seconds = serializers.IntegerField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    good = serializers.FloatField()
    total = serializers.FloatField()
    bad = serializers.FloatField()
    unit = serializers.ChoiceField(choices=["seconds", "requests", "events"])
    burn_rate = serializers.FloatField(allow_null=True, help_text="null: no data")


class SLOPointSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    sli = serializers.FloatField(allow_null=True)
    good = serializers.FloatField()
    total = serializers.FloatField()
    budget_remaining_fraction = serializers.FloatField(allow_null=True)
    met = serializers.BooleanField(allow_null=True)


class SLOSnapshotsSerializer(serializers.Serializer):
    """SLI and remaining budget of the window ending at each hour or day."""

    slo = serializers.IntegerField()
    resolution = serializers.ChoiceField(choices=["1h", "1d"])
    points = SLOPointSerializer(many=True)


class SLOSerializer(serializers.ModelSerializer):
    service = ServiceReferenceField(queryset=Service.objects.all(), required=False, allow_null=True)
    group = AccountScopedRelatedField(
        queryset=ServiceGroup.objects.all(), required=False, allow_null=True
    )
    time_period = AccountScopedRelatedField(
        queryset=TimePeriod.objects.all(), required=False, allow_null=True
    )
    alert_policy = AccountScopedRelatedField(
        queryset=AlertPolicy.objects.all(), required=False, allow_null=True
    )
    target = serializers.DecimalField(max_digits=8, decimal_places=5, coerce_to_string=False)
    latency_percentile = serializers.DecimalField(
        max_digits=7,
        decimal_places=4,
        coerce_to_string=False,
        required=False,
        allow_null=True,
        help_text="Time-slice SLIs: the percentile of a minute's requests (e.g. 99)",
    )
    options = serializers.JSONField(required=False)
    timezone = serializers.CharField(max_length=64, required=False)
    status = serializers.SerializerMethodField(
        help_text="Window, budget, burn rates, exhaustion and alerts now (read only)"
    )

    class Meta:
        model = SLO
        fields = [
            "id",
            "name",
            "description",
            "service",
            "group",
            "sli_kind",
            "target",
            "latency_threshold_ms",
            "latency_percentile",
            "window_kind",
            "window_days",
            "calendar_unit",
            "timezone",
            "time_period",
            "options",
            "alert_policy",
            "status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def get_fields(self):
        # Nested settings of SLI kinds registered by other apps (sla.sli_kinds), e.g.
        # "prometheus": {"source", "good_query", "total_query"}.
        fields = super().get_fields()
        for plugin in plugins():
            if plugin.api_field and plugin.api_serializer is not None:
                fields[plugin.api_field] = plugin.api_serializer()(required=False, allow_null=True)
        return fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for plugin in plugins():
            if plugin.api_field:
                own = instance.sli_kind == plugin.kind and plugin.represent is not None
                data[plugin.api_field] = plugin.represent(instance) if own else None
        return data

    def _validate_kind_settings(self, attrs, kind: str) -> None:
        """A registered kind with nested settings needs them (on create, or when an SLO
        turns into that kind); other kinds must not carry them."""
        for plugin in plugins():
            if not plugin.api_field:
                continue
            given = attrs.get(plugin.api_field)
            if plugin.kind == kind:
                has_settings = self.instance is not None and self.instance.sli_kind == kind
                if given is None and not has_settings:
                    raise serializers.ValidationError(
                        {plugin.api_field: f"Required for SLIs of kind {kind}."}
                    )
            elif given is not None:
                raise serializers.ValidationError(
                    {plugin.api_field: f"Only SLIs of kind {plugin.kind} take these settings."}
                )

    @extend_schema_field(SLOStatusSerializer)
    def get_status(self, slo) -> dict:
        """From the statuses the view computed for a whole page, else for this SLO."""
        from sla.api.slo_status import status_json
        from sla.selectors.slo import slo_status

        statuses = self.context.get("statuses") or {}
        status = statuses.get(slo.pk)
        extras = self.context.get("extra_statuses")
        now = self.context.get("now") or timezone.now()
        if status is None:
            status = slo_status(account=self.context["account"], slo=slo, now=now)
        if extras is None:
            extras = extra_statuses(account=self.context["account"], slos=[slo], now=now)
        return status_json(status) | extras.get(slo.pk, {})

    def validate_target(self, value):
        if not 0 < value < 100:
            raise serializers.ValidationError("Give a target above 0 and below 100, e.g. 99.9.")
        return value

    def validate_timezone(self, value):
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise serializers.ValidationError(
                "Give an IANA time zone, e.g. Europe/Berlin."
            ) from None
        return value

    def validate_options(self, value):
        try:
            parse_options(value, "options")
        except SpecError as error:
            raise serializers.ValidationError(str(error)) from None
        return value

    def validate(self, attrs):
        merged = {
            name: attrs[name]
            if name in attrs
            else (
                getattr(self.instance, name)
                if self.instance is not None
                else SLO._meta.get_field(name).get_default()
            )
            for name in (
                "service",
                "group",
                "window_kind",
                "window_days",
                "calendar_unit",
                "sli_kind",
            )
        }
        self._validate_kind_settings(attrs, merged["sli_kind"] or "time")
        if (merged["service"] is None) == (merged["group"] is None):
            raise serializers.ValidationError({"service": "Give a service or a group (one)."})
        kind = merged["window_kind"] or "rolling"
        if kind == "rolling" and not merged["window_days"]:
            raise serializers.ValidationError({"window_days": "A rolling window needs days."})
        if kind == "calendar" and not merged["calendar_unit"]:
            raise serializers.ValidationError({"calendar_unit": "Give month or quarter."})
        return attrs


class BurnRateWindowSerializer(serializers.ModelSerializer):
    budget_consumed_percent = serializers.DecimalField(
        max_digits=9, decimal_places=4, coerce_to_string=False
    )

    class Meta:
        model = BurnRateWindow
        fields = [
            "severity",
            "long_window_seconds",
            "short_window_seconds",
            "budget_consumed_percent",
        ]

    def validate(self, attrs):
        missing = [name for name in self.Meta.fields if name not in attrs]
        if missing:  # PATCH makes nested fields optional; a window needs all of them
            raise serializers.ValidationError(dict.fromkeys(missing, "This field is required."))
        long_seconds = attrs["long_window_seconds"]
        short_seconds = attrs["short_window_seconds"]
        if short_seconds > long_seconds:
            raise serializers.ValidationError(
                {"short_window_seconds": "Must not exceed the long window."}
            )
        for name in ("long_window_seconds", "short_window_seconds"):
            if attrs[name] % SLOT_SECONDS or attrs[name] < SLOT_SECONDS:
                raise serializers.ValidationError({name: "Use a multiple of 300 seconds."})
            if attrs[name] > 90 * 86400:
                raise serializers.ValidationError({name: "At most 90 days."})
        if not 0 < attrs["budget_consumed_percent"] <= 100:
            raise serializers.ValidationError(
                {"budget_consumed_percent": "Give a percentage above 0, at most 100."}
            )
        return attrs


class AlertPolicySerializer(serializers.ModelSerializer):
    windows = BurnRateWindowSerializer(many=True, required=False)
    min_events = serializers.IntegerField(min_value=0, max_value=10**15, required=False)

    class Meta:
        model = AlertPolicy
        fields = ["id", "name", "min_events", "windows", "created_at"]
        read_only_fields = ["created_at"]

    def validate_name(self, value):
        account = self.context["account"]
        taken = AlertPolicy.objects.for_account(account).filter(name=value)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError("A policy with this name exists.")
        return value

    def validate_windows(self, value):
        if len(value) > 20:
            raise serializers.ValidationError("At most 20 window pairs.")
        return value
