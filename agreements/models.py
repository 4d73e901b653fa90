"""Agreements on live metrics (AGREEMENTS.md): agreements with PromQL guarantees, their
assessment state, violations, level changes and the context values that resolve scopes."""

import secrets

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from accounts.models import TenantModel
from agreements.engine import levels
from agreements.engine.agreement import EXPIRED, PAUSED, STARTED, STOPPED
from integrations.prometheus.models import PrometheusSource
from sla.models import Service

BASE57 = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
ID_RANDOM_LENGTH = 22


def new_agreement_id(application: str) -> str:
    """``<application>-<22 random base57 characters>`` (as the original manager's ids)."""
    return f"{application}-" + "".join(secrets.choice(BASE57) for _ in range(ID_RANDOM_LENGTH))


class State(models.TextChoices):
    PAUSED = PAUSED, "paused (scopes unresolved)"
    STARTED = STARTED, "started"
    STOPPED = STOPPED, "stopped"
    EXPIRED = EXPIRED, "expired"


class Level(models.TextChoices):
    UNKNOWN = levels.LEVEL_UNKNOWN
    MET = levels.LEVEL_MET
    BROKEN = levels.LEVEL_BROKEN
    CRITICAL = levels.LEVEL_CRITICAL


class Outcome(models.TextChoices):
    MET = levels.MET
    BROKEN = levels.BROKEN
    UNKNOWN = levels.UNKNOWN


class LevelMachine(models.Model):
    """The state of the x/y/z level machine (shared by agreements and guarantees)."""

    level = models.CharField(max_length=8, choices=Level.choices, default=Level.UNKNOWN)
    total_executions = models.PositiveBigIntegerField(default=0)
    total_violations = models.PositiveBigIntegerField(default=0)
    consecutive_met = models.PositiveBigIntegerField(default=0)
    consecutive_broken = models.PositiveBigIntegerField(default=0)
    recent_outcomes = models.CharField(
        max_length=levels.MAX_Z,
        blank=True,
        default="",
        help_text="M/B outcomes of the last z assessments that were not unknown, oldest first",
    )
    first_execution = models.DateTimeField(null=True, blank=True)
    last_execution = models.DateTimeField(null=True, blank=True)
    last_outcome = models.CharField(max_length=8, choices=Outcome.choices, blank=True)

    class Meta:
        abstract = True

    def level_state(self) -> levels.LevelState:
        return levels.LevelState(
            level=self.level,
            consecutive_met=self.consecutive_met,
            consecutive_broken=self.consecutive_broken,
            recent=self.recent_outcomes,
            total_executions=self.total_executions,
            total_violations=self.total_violations,
        )

    def set_level_state(self, state: levels.LevelState) -> None:
        self.level = state.level
        self.consecutive_met = state.consecutive_met
        self.consecutive_broken = state.consecutive_broken
        self.recent_outcomes = state.recent
        self.total_executions = state.total_executions
        self.total_violations = state.total_violations

    @property
    def violated(self) -> bool:
        return self.level in levels.VIOLATED_LEVELS


class Agreement(TenantModel, LevelMachine):
    """An agreement (WS-Agreement style): guarantees on PromQL, assessed every
    ``interval_seconds`` while ``started``; the x/y/z level machine on the combined outcome.

    ``agreement_id`` is ``<application>-<22 base57>``; ``name`` is the application (the
    original manager's service id). The Prometheus asked is ``source``, else the account's
    default source (flagged ``is_default``; else its only one or the one named ``default``),
    else ``PROMETHEUS_ADDRESS``. ``unknown_executions`` counts rounds that
    could not be judged (no answer, no sample), which are also counted in
    ``total_executions``. A linked ``service`` gets a status event per level change.
    """

    agreement_id = models.CharField(max_length=260, unique=True, editable=False)
    name = models.CharField("application", max_length=200)
    state = models.CharField(max_length=8, choices=State.choices, default=State.PAUSED)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    interval_seconds = models.PositiveIntegerField(
        default=30, validators=[MinValueValidator(5), MaxValueValidator(86400)]
    )
    x = models.PositiveIntegerField(default=levels.DEFAULT_X, validators=[MinValueValidator(1)])
    y = models.PositiveIntegerField(default=levels.DEFAULT_Y, validators=[MinValueValidator(1)])
    z = models.PositiveIntegerField(
        default=levels.DEFAULT_Z,
        validators=[MinValueValidator(1), MaxValueValidator(levels.MAX_Z)],
    )
    agent_id = models.CharField(
        max_length=200, blank=True, help_text="Resolve scopes with this agent's contexts only"
    )
    source = models.ForeignKey(
        PrometheusSource,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agreements",
        help_text="Empty: the account's default source, else PROMETHEUS_ADDRESS",
    )
    service = models.ForeignKey(
        Service,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agreements",
        help_text="Linked service: each level change is a status event of it",
    )
    unknown_executions = models.PositiveBigIntegerField(default=0)
    last_unknown_reason = models.CharField(max_length=1000, blank=True)
    next_due_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["state", "next_due_at"], name="agreement_due"),
            models.Index(fields=["account", "name"], name="agreement_account_name"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(x__gte=1) & Q(y__gte=1), name="agreement_xy"),
            models.CheckConstraint(condition=Q(z__gte=F("x")), name="agreement_z_at_least_x"),
        ]

    def __str__(self) -> str:
        return self.agreement_id


class Guarantee(TenantModel, LevelMachine):
    """A guarantee of an agreement: ``query`` is the template (bracketed, with
    ``#LABELS#``), ``constraint`` the text assessed (resolved; the query as given while
    the scope is unresolved). Its own level machine is the KPI level; ``last_values`` and
    ``last_violation`` are in the payload shapes of the original manager."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="guarantees")
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=200)
    query = models.TextField(max_length=4000)
    constraint = models.TextField(max_length=4000)
    scope = models.CharField(max_length=1000, blank=True)
    scope_template = models.CharField(max_length=1000, blank=True)
    resolved = models.BooleanField(default=False)
    last_values = models.JSONField(default=dict, blank=True)
    last_violation = models.JSONField(null=True, blank=True)
    last_error = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["agreement_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "name"], name="guarantee_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.agreement_id}/{self.name}"


class Violation(TenantModel):
    """A broken guarantee in one assessment: the constraint as assessed and the failing
    values (``[{"key", "action", "namespace", "value", "datetime"}]``)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="violations")
    guarantee = models.ForeignKey(Guarantee, on_delete=models.CASCADE, related_name="violations")
    at = models.DateTimeField()
    constraint = models.TextField()
    values = models.JSONField(default=list)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["agreement", "-at"], name="violation_agreement_at"),
            models.Index(fields=["account", "-at"], name="violation_account_at"),
        ]

    def __str__(self) -> str:
        return f"{self.guarantee} at {self.at:%Y-%m-%d %H:%M:%S}"


class LevelChange(TenantModel):
    """The agreement's level timeline: each change of its level, when it happened."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="level_changes")
    at = models.DateTimeField()
    previous_level = models.CharField(max_length=8, choices=Level.choices)
    level = models.CharField(max_length=8, choices=Level.choices)

    class Meta:
        ordering = ["agreement_id", "at", "id"]
        indexes = [models.Index(fields=["agreement", "at"], name="levelchange_agreement_at")]

    def __str__(self) -> str:
        return f"{self.agreement_id}: {self.previous_level} -> {self.level} at {self.at}"


class Context(TenantModel):
    """A context value pushed by an agent (``PUT /api/v1/contexts/{agent}/{context}``): a
    JSON object of strings. The newest value of a context name resolves scopes."""

    agent_id = models.CharField(max_length=200)
    name = models.CharField(max_length=200)
    values = models.JSONField(default=dict)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "agent_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "agent_id", "name"], name="context_unique_agent_name"
            )
        ]
        indexes = [models.Index(fields=["account", "name", "-updated_at"], name="context_newest")]

    def __str__(self) -> str:
        return f"{self.agent_id}/{self.name}"


class NotificationEndpoint(models.Model):
    """The deployment-wide ``SLA_NOTIFICATION_ENDPOINT`` as an outbox target (deliveries
    name their target row): one row per URL the setting has had. Not tenant-owned: the
    operator's endpoint receives every account's agreement events, as the original
    manager's NOTIFICATION_ENDPOINT did."""

    url = models.CharField(max_length=500, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["url"]

    def __str__(self) -> str:
        return self.url

    @staticmethod
    def wants(event_type: str) -> bool:
        return event_type.startswith("agreement.")
