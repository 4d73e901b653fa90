"""SLOs: request counts, SLO definitions, their SLI buckets, alert policies and alerts.

SLI buckets are a derived cache so that any window is a sum: an hour row holds twelve
5-minute slots (good and total) and their sums, a day row (UTC) the sums of its hours.
Time SLIs count microseconds (good time / considered time), request SLIs count requests.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from accounts.models import TenantModel
from accounts.validators import validate_timezone_name
from audit.history import audited
from sla.models.definitions import TimePeriod
from sla.models.services import ONE_SUBJECT, Service, ServiceGroup

SLOTS_PER_HOUR = 12
SLOT_SECONDS = 300


def _validate_slo_options(value) -> None:
    from sla.engine import parse_options
    from sla.validators import validate_engine_json

    validate_engine_json(parse_options, value, "options")


class RequestCount(TenantModel):
    """Good and total requests of a service in ``[start, end)`` from one source.

    A bucket is identified by (service, source, start): sending it again replaces it, so
    re-sending never double counts. ``source`` is ``api`` for POST /api/v1/requests,
    ``nginx:<key>`` for imported access logs (one key per log stream, see import_nginx_log)
    and ``vector:<id>`` for a Vector source (its batches add up per minute).
    ``latency`` (optional) says how fast the good requests were, for latency SLIs:
    ``{"histogram": [...]}`` (counts per fixed bound, sla.engine.latency) and/or
    ``{"le_ms": {"300": 980}}`` (good requests at or under each threshold).
    """

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="request_counts")
    source = models.CharField(max_length=200, default="api")
    start = models.DateTimeField()
    end = models.DateTimeField()
    good = models.BigIntegerField()
    total = models.BigIntegerField()
    latency = models.JSONField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["service_id", "start"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "source", "start"], name="requestcount_unique_bucket"
            ),
            models.CheckConstraint(
                condition=Q(good__gte=0) & Q(good__lte=models.F("total")),
                name="requestcount_good_le_total",
            ),
        ]
        indexes = [models.Index(fields=["service", "start"], name="requestcount_service_start")]

    def __str__(self) -> str:
        return f"{self.service_id} {self.start:%Y-%m-%d %H:%M} {self.good}/{self.total}"


class AlertPolicy(TenantModel):
    """A multi-window, multi-burn-rate alert policy: its window pairs and the low-traffic
    guard. SLOs without a policy use the SRE workbook defaults (page 2 % in 1 h with 5 m,
    5 % in 6 h with 30 m; ticket 10 % in 3 d with 6 h)."""

    name = models.CharField(max_length=200)
    min_events = models.PositiveBigIntegerField(
        default=100,
        help_text="The long window needs at least this many requests (request SLIs) or "
        "considered seconds (time SLIs) before it may fire.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = audited()  # audit log: every change, who, before and after

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "alert policies"
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="alertpolicy_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Severity(models.TextChoices):
    PAGE = "page", "page"
    TICKET = "ticket", "ticket"


class BurnRateWindow(TenantModel):
    """One window pair of a policy: fires when the burn rate over the long AND the short
    window reach ``budget_consumed_percent * SLO window / long window``."""

    policy = models.ForeignKey(AlertPolicy, on_delete=models.CASCADE, related_name="windows")
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.PAGE)
    long_window_seconds = models.PositiveIntegerField(
        validators=[MinValueValidator(300), MaxValueValidator(90 * 86400)]
    )
    short_window_seconds = models.PositiveIntegerField(
        validators=[MinValueValidator(300), MaxValueValidator(90 * 86400)]
    )
    budget_consumed_percent = models.DecimalField(
        max_digits=9,
        decimal_places=4,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Percent of the SLO window's budget burnt in the long window (2 for 14.4x "
        "over 1 h of 30 days).",
    )
    history = audited()  # audit log: every change, who, before and after

    class Meta:
        ordering = ["policy_id", "long_window_seconds", "id"]

    def __str__(self) -> str:
        return f"{self.severity} {self.long_window_seconds}s/{self.short_window_seconds}s"

    def clean(self):
        super().clean()
        long_seconds, short_seconds = self.long_window_seconds, self.short_window_seconds
        if long_seconds and short_seconds:
            if short_seconds > long_seconds:
                raise ValidationError({"short_window_seconds": "Must not exceed the long window."})
            for name, value in (
                ("long_window_seconds", long_seconds),
                ("short_window_seconds", short_seconds),
            ):
                if value % SLOT_SECONDS:
                    raise ValidationError({name: "Use a multiple of 300 seconds (5 minutes)."})
        if self.budget_consumed_percent is not None and self.budget_consumed_percent <= 0:
            raise ValidationError({"budget_consumed_percent": "Must be above 0."})


class SLIKind(models.TextChoices):
    TIME = "time", "time (good time / considered time)"
    REQUESTS = "requests", "requests (good / total)"
    LATENCY = "latency", "latency (successful and at most the threshold / total requests)"
    TIMESLICE = "timeslice", "time slices (minutes whose percentile is at most the threshold)"
    PROMETHEUS = "prometheus", "PromQL (good / total queries on a Prometheus source)"


# SLI kinds computed from request counts: new counts mark their SLOs dirty.
REQUEST_SLI_KINDS = (SLIKind.REQUESTS, SLIKind.LATENCY, SLIKind.TIMESLICE)
LATENCY_SLI_KINDS = (SLIKind.LATENCY, SLIKind.TIMESLICE)
# SLI kinds whose buckets count microseconds (good time / considered time), shown in minutes.
TIME_UNIT_SLI_KINDS = (SLIKind.TIME, SLIKind.TIMESLICE)


def _validate_latency_threshold(value) -> None:
    from sla.engine.latency import LatencyError, parse_threshold

    try:
        parse_threshold(value, "latency_threshold_ms")
    except LatencyError as error:
        raise ValidationError(error.message) from None


class WindowKind(models.TextChoices):
    ROLLING = "rolling", "rolling (N days)"
    CALENDAR = "calendar", "calendar (month or quarter)"


class CalendarUnit(models.TextChoices):
    MONTH = "month", "month"
    QUARTER = "quarter", "quarter"


class SLO(TenantModel):
    """A service level objective for a service or an SLA group.

    ``target`` percent of good time (``time``: from status events through the engine,
    honouring ``time_period``, ``options`` and downtimes), of good requests (``requests``:
    not 5xx; ``latency``: not 5xx and at most ``latency_threshold_ms``) or of good minutes
    (``timeslice``: the minute's ``latency_percentile``-th percentile at most the threshold),
    or PromQL good/total counts from Prometheus (``prometheus``, settings in
    integrations.prometheus)
    over a rolling ``window_days`` window or a calendar month/quarter in ``timezone``.
    ``buckets_dirty_from`` and ``buckets_computed_to`` drive the bucket rollup job;
    everything else shown about an SLO is derived from its buckets.
    """

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="slos"
    )
    group = models.ForeignKey(
        ServiceGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="slos"
    )
    sli_kind = models.CharField(
        "SLI kind", max_length=16, choices=SLIKind.choices, default=SLIKind.TIME
    )
    target = models.DecimalField(
        max_digits=8,
        decimal_places=5,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Percent, above 0 and below 100, e.g. 99.9",
    )
    latency_threshold_ms = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[_validate_latency_threshold],
        help_text="Latency and time-slice SLIs: a request (or a minute's percentile) is good at "
        "or under this many milliseconds; one of the histogram bounds (100, 250, 300, 500 ...)",
    )
    latency_percentile = models.DecimalField(
        max_digits=7,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Time-slice SLIs: a minute is good when this percentile (e.g. 99) of its "
        "requests is at or under the threshold",
    )
    window_kind = models.CharField(
        max_length=8, choices=WindowKind.choices, default=WindowKind.ROLLING
    )
    window_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(400)],
        help_text="Rolling windows: length in days",
    )
    calendar_unit = models.CharField(max_length=8, choices=CalendarUnit.choices, blank=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone_name])
    time_period = models.ForeignKey(
        TimePeriod,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Time SLIs: only this time counts (default 24x7)",
    )
    options = models.JSONField(
        default=dict,
        blank=True,
        validators=[_validate_slo_options],
        help_text="Time SLIs: the engine's evaluation options (downtimes, warn_as, ...)",
    )
    alert_policy = models.ForeignKey(
        AlertPolicy,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="slos",
        help_text="Empty: the SRE workbook's default windows",
    )
    buckets_dirty_from = models.DateTimeField(null=True, blank=True, editable=False)
    buckets_computed_to = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The bucket bookkeeping is the job's, not a definition change.
    history = audited(excluded_fields=["buckets_dirty_from", "buckets_computed_to", "updated_at"])

    class Meta:
        ordering = ["name", "id"]
        verbose_name = "SLO"
        constraints = [models.CheckConstraint(condition=ONE_SUBJECT, name="slo_one_subject")]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        if bool(self.service_id) == bool(self.group_id):
            raise ValidationError({"service": "Give a service or a group (exactly one)."})
        if self.target is not None and not 0 < self.target < 100:
            raise ValidationError({"target": "Give a target above 0 and below 100."})
        if self.window_kind == WindowKind.ROLLING and not self.window_days:
            raise ValidationError({"window_days": "A rolling window needs its length in days."})
        if self.window_kind == WindowKind.CALENDAR and not self.calendar_unit:
            raise ValidationError({"calendar_unit": "A calendar window needs month or quarter."})
        if self.sli_kind != SLIKind.TIME and self.time_period_id:
            raise ValidationError({"time_period": "Only time SLIs use a time period."})
        self._clean_latency()

    def _clean_latency(self) -> None:
        latency = self.sli_kind in LATENCY_SLI_KINDS
        if latency and self.latency_threshold_ms is None:
            raise ValidationError({"latency_threshold_ms": "A latency SLI needs its threshold."})
        if not latency and self.latency_threshold_ms is not None:
            raise ValidationError({"latency_threshold_ms": "Only latency SLIs use a threshold."})
        slices = self.sli_kind == SLIKind.TIMESLICE
        if slices and self.latency_percentile is None:
            raise ValidationError({"latency_percentile": "A time-slice SLI needs a percentile."})
        if not slices and self.latency_percentile is not None:
            raise ValidationError({"latency_percentile": "Only time-slice SLIs use a percentile."})
        if slices and not 0 < self.latency_percentile <= 100:
            raise ValidationError({"latency_percentile": "Give a percentile above 0, at most 100."})

    @property
    def subject(self):
        return self.service or self.group


class _SLOBucketBase(TenantModel):
    slo = models.ForeignKey(SLO, on_delete=models.CASCADE, related_name="+")
    good = models.BigIntegerField(default=0)
    total = models.BigIntegerField(default=0)

    class Meta:
        abstract = True


class SLOHourBucket(_SLOBucketBase):
    """One UTC hour of an SLO's SLI: twelve 5-minute slots (``good_0`` ... ``total_11``)
    and their sums. Units: microseconds (time SLIs) or requests."""

    hour_start = models.DateTimeField()
    day_start = models.DateTimeField(help_text="UTC midnight of the hour (for the day rollup)")

    class Meta:
        ordering = ["slo_id", "hour_start"]
        constraints = [
            models.UniqueConstraint(fields=["slo", "hour_start"], name="slohour_unique"),
        ]
        indexes = [
            models.Index(fields=["account", "hour_start"], name="slohour_account_hour"),
            models.Index(fields=["slo", "day_start"], name="slohour_slo_day"),
        ]

    def __str__(self) -> str:
        return f"{self.slo_id} {self.hour_start:%Y-%m-%d %H}h {self.good}/{self.total}"

    def slots(self) -> list[tuple[int, int]]:
        return [
            (getattr(self, f"good_{index}"), getattr(self, f"total_{index}"))
            for index in range(SLOTS_PER_HOUR)
        ]


for _index in range(SLOTS_PER_HOUR):
    SLOHourBucket.add_to_class(f"good_{_index}", models.BigIntegerField(default=0))
    SLOHourBucket.add_to_class(f"total_{_index}", models.BigIntegerField(default=0))


class SLODayBucket(_SLOBucketBase):
    """The sums of an SLO's hour buckets over one UTC day, so long windows read few rows."""

    day_start = models.DateTimeField()

    class Meta:
        ordering = ["slo_id", "day_start"]
        constraints = [models.UniqueConstraint(fields=["slo", "day_start"], name="sloday_unique")]
        indexes = [models.Index(fields=["account", "day_start"], name="sloday_account_day")]

    def __str__(self) -> str:
        return f"{self.slo_id} {self.day_start:%Y-%m-%d} {self.good}/{self.total}"


class AlertState(models.TextChoices):
    PENDING = "pending", "pending"
    FIRING = "firing", "firing"
    RESOLVED = "resolved", "resolved"


class Alert(TenantModel):
    """A burn-rate alert of one SLO and one window pair: pending -> firing -> resolved.

    At most one open (pending or firing) alert exists per SLO and ``window_key``; a firing
    alert is notified once when it fires and once when it resolves.
    """

    slo = models.ForeignKey(SLO, on_delete=models.CASCADE, related_name="alerts")
    window_key = models.CharField(max_length=64, help_text="severity:long:short (seconds)")
    severity = models.CharField(max_length=8, choices=Severity.choices)
    long_window_seconds = models.PositiveIntegerField()
    short_window_seconds = models.PositiveIntegerField()
    threshold = models.FloatField()
    state = models.CharField(max_length=10, choices=AlertState.choices)
    started_at = models.DateTimeField()
    fired_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    last_evaluated_at = models.DateTimeField()
    long_burn = models.FloatField(null=True, blank=True, help_text="at the last evaluation")
    short_burn = models.FloatField(null=True, blank=True, help_text="at the last evaluation")
    peak_burn = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["slo", "window_key"],
                condition=~Q(state="resolved"),
                name="alert_one_open_per_window",
            )
        ]
        indexes = [models.Index(fields=["account", "state"], name="alert_account_state")]

    def __str__(self) -> str:
        return f"{self.slo_id} {self.window_key} {self.state}"
