"""SLA definitions: time periods, downtimes, SLAs with requirements, assignment rules.

The JSON-shaped fields use exactly the engine's input shapes (SLA-SEMANTICS.md section 2)
and are validated by the engine's own parsers, so admin, API and engine never disagree.
"""

from django.core.exceptions import ValidationError
from django.db import models

from accounts.models import TenantModel
from accounts.validators import validate_timezone_name
from audit.history import audited
from sla.models.services import STATE_CHOICES, Service, ServiceGroup
from sla.validators import validate_labels
from statuspage.text import validate_line


def _validate_time_period_definition(value) -> None:
    from sla.engine import parse_time_period
    from sla.validators import validate_engine_json

    validate_engine_json(parse_time_period, value, "definition")


def _validate_options(value) -> None:
    from sla.engine import parse_options
    from sla.validators import validate_engine_json

    validate_engine_json(parse_options, value, "options")


class TimePeriod(TenantModel):
    """Weekly wall-clock ranges plus date exceptions (holidays), e.g. business hours.

    `definition`: {"monday": ["08:00-18:00"], ..., "exceptions": {"2024-12-25": []}}.
    """

    name = models.CharField(max_length=200)
    definition = models.JSONField(default=dict, validators=[_validate_time_period_definition])
    updated_at = models.DateTimeField(auto_now=True)
    history = audited()  # audit log: every change, who, before and after

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="timeperiod_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Period(models.TextChoices):
    DAILY = "daily", "daily"
    WEEKLY = "weekly", "weekly (Monday 00:00)"
    MONTHLY = "monthly", "monthly"
    QUARTERLY = "quarterly", "quarterly"
    YEARLY = "yearly", "yearly"


class SLADefinition(TenantModel):
    """An SLA: a calendar period in a time zone, an optional time period, evaluation options
    and one or more requirements. `revision` grows on every change so stored period results
    computed from an older definition are recomputed."""

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    period = models.CharField(max_length=16, choices=Period.choices, default=Period.MONTHLY)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone_name])
    time_period = models.ForeignKey(
        TimePeriod, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    options = models.JSONField(default=dict, blank=True, validators=[_validate_options])
    revision = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = audited()  # audit log: every change, who, before and after

    class Meta:
        ordering = ["title"]
        verbose_name = "SLA definition"

    def __str__(self) -> str:
        return self.title


class RequirementKind(models.TextChoices):
    PERCENTAGE = "percentage", "percentage of time in a state"
    OUTAGES = "outages", "number of outages"


class Comparison(models.TextChoices):
    MIN = "min", "at least (min)"
    MAX = "max", "at most (max)"


class Requirement(TenantModel):
    """One requirement of an SLA (percentage or outage count), with optional WARN/CRIT levels
    on the remaining budget and an optional own time period."""

    sla = models.ForeignKey(SLADefinition, on_delete=models.CASCADE, related_name="requirements")
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=RequirementKind.choices)
    state = models.CharField(max_length=8, choices=STATE_CHOICES, default="OK")
    comparison = models.CharField(max_length=4, choices=Comparison.choices, blank=True)
    # Decimals, not floats: the engine reads the target and levels as the decimals they
    # are written as (99.9 is 999/10) and decides on them exactly.
    target = models.DecimalField(
        max_digits=9, decimal_places=6, null=True, blank=True, help_text="Percent, 0-100"
    )
    max_count = models.PositiveIntegerField(null=True, blank=True)
    min_duration_seconds = models.FloatField(null=True, blank=True)
    level_warn = models.DecimalField(
        max_digits=15,
        decimal_places=6,
        null=True,
        blank=True,
        help_text="WARN when the remaining budget is at or below this",
    )
    level_crit = models.DecimalField(
        max_digits=15,
        decimal_places=6,
        null=True,
        blank=True,
        help_text="CRIT when the remaining budget is at or below this",
    )
    time_period = models.ForeignKey(
        TimePeriod,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Replaces the SLA's time period for this requirement",
    )
    history = audited()  # audit log: every change, who, before and after

    class Meta:
        ordering = ["sla_id", "position", "id"]

    def __str__(self) -> str:
        return self.title

    def clean(self):
        super().clean()
        from sla.services.definitions import requirement_validate

        requirement_validate(self)


class RuleTarget(models.TextChoices):
    SERVICE = "service", "services"
    GROUP = "group", "SLA groups"


class AssignmentRule(TenantModel):
    """Assigns an SLA to matching services (or groups). Rules are ordered by `position`; the
    first matching rule wins, as in Checkmk. Empty match fields match everything."""

    position = models.PositiveIntegerField(default=0)
    sla = models.ForeignKey(SLADefinition, on_delete=models.CASCADE, related_name="rules")
    target = models.CharField(max_length=8, choices=RuleTarget.choices, default=RuleTarget.SERVICE)
    path_glob = models.CharField(
        max_length=300, blank=True, help_text="fnmatch glob on the service path (or group name)"
    )
    group = models.ForeignKey(
        ServiceGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    labels = models.JSONField(
        default=dict,
        blank=True,
        validators=[validate_labels],
        help_text="All of these labels must match (services only)",
    )
    description = models.CharField(max_length=300, blank=True)
    history = audited()  # audit log: every change, who, before and after

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"#{self.position} → {self.sla}"


class Recurrence(models.TextChoices):
    ONCE = "once", "once"
    WEEKLY = "weekly", "weekly"


class Downtime(TenantModel):
    """Scheduled maintenance for a service, a group or (neither set) the whole account.

    `once`: the window is [start, end). `weekly`: on each listed weekday at `time_from`
    (wall clock in `timezone`) for `duration_minutes`, between `start` and optional `end`.
    Public downtimes appear on the status page as scheduled maintenance.
    """

    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="downtimes"
    )
    group = models.ForeignKey(
        ServiceGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="downtimes"
    )
    # Published (status page, feeds, mails): no control characters, as statuspage's texts.
    reason = models.CharField(max_length=300, blank=True, validators=[validate_line])
    start = models.DateTimeField()
    end = models.DateTimeField(null=True, blank=True)
    recurrence = models.CharField(max_length=8, choices=Recurrence.choices, default=Recurrence.ONCE)
    weekdays = models.JSONField(default=list, blank=True, help_text="weekly: 0=Monday ... 6=Sunday")
    time_from = models.TimeField(null=True, blank=True)
    duration_minutes = models.PositiveIntegerField(null=True, blank=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone_name])
    public = models.BooleanField(default=False, help_text="Show on the public status page")
    created_at = models.DateTimeField(auto_now_add=True)
    history = audited()  # audit log: every change, who, before and after

    class Meta:
        ordering = ["-start"]
        indexes = [models.Index(fields=["account", "start"], name="downtime_account_start")]
        constraints = [
            # The engine refuses reversed intervals; keep them out of the table entirely.
            models.CheckConstraint(
                condition=models.Q(end__isnull=True) | models.Q(end__gt=models.F("start")),
                name="downtime_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.reason or f"Downtime {self.start:%Y-%m-%d %H:%M}"

    def clean(self):
        super().clean()
        if self.service_id and self.group_id:
            raise ValidationError({"group": "Give a service or a group, not both."})
        if self.recurrence == Recurrence.ONCE:
            self._clean_once()
        else:
            self._clean_weekly()

    def _clean_once(self):
        if self.end is None:
            raise ValidationError({"end": "A one-off downtime needs an end."})
        if self.start and self.end <= self.start:
            raise ValidationError({"end": "The end must be after the start."})

    def _clean_weekly(self):
        days = self.weekdays
        if (
            not isinstance(days, list)
            or not days
            or any(
                not isinstance(day, int) or isinstance(day, bool) or not 0 <= day <= 6
                for day in days
            )
        ):
            raise ValidationError({"weekdays": "List weekdays as numbers 0 (Monday) to 6."})
        if self.time_from is None:
            raise ValidationError({"time_from": "A weekly downtime needs a start time."})
        if not self.duration_minutes or self.duration_minutes > 7 * 24 * 60:
            raise ValidationError({"duration_minutes": "Give 1 to 10080 minutes."})
        if self.end is not None and self.start and self.end <= self.start:
            raise ValidationError({"end": "The end must be after the start."})
