"""Prometheus as a source (data sources, PromQL SLIs and their raw slots and gaps, status
rules, Alertmanager alerts) and the health of the periodic jobs for ``/metrics``."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from accounts.models import TenantModel
from integrations.prometheus.client import source_url_problem
from sla.models import SLO, Service
from sla.models.services import STATE_CHOICES

HEADER_NAME_RE = re.compile(r"^[A-Za-z0-9-]{1,100}$")
RESERVED_HEADERS = {"host", "content-length", "content-type", "transfer-encoding", "connection"}
MAX_QUERY_LENGTH = 4000


def validate_source_url(value: str) -> None:
    problem = source_url_problem(value)
    if problem is not None:
        raise ValidationError(problem)


def validate_headers(value) -> None:
    if not isinstance(value, dict):
        raise ValidationError(
            'Give an object of header names to values, e.g. {"X-Scope-OrgID": "1"}.'
        )
    if len(value) > 20:
        raise ValidationError("At most 20 extra headers.")
    for name, text in value.items():
        if not isinstance(name, str) or not HEADER_NAME_RE.fullmatch(name):
            raise ValidationError(f"Header name {str(name)[:50]!r}: letters, digits and '-' only.")
        if name.lower() in RESERVED_HEADERS:
            raise ValidationError(f"Header {name!r} is set by the client; leave it out.")
        if not isinstance(text, str) or len(text) > 1000 or any(c in text for c in "\r\n\x00"):
            raise ValidationError(
                f"Header {name!r}: a single-line string of at most 1000 characters."
            )


class PrometheusSource(TenantModel):
    """A Prometheus (or compatible) HTTP API of the account: base URL, optional bearer token
    or basic auth (write-only: never shown again), extra headers, timeout, TLS checking.
    ``is_default``: the account's default source (at most one; ``source_save`` switches it),
    asked by agreements that name no source of their own."""

    name = models.CharField(max_length=200)
    url = models.CharField(
        "base URL",
        max_length=500,
        validators=[validate_source_url],
        help_text="e.g. https://prometheus.example.com:9090 (the API is under /api/v1/)",
    )
    bearer_token = models.CharField(max_length=2000, blank=True)
    basic_auth_username = models.CharField(max_length=200, blank=True)
    basic_auth_password = models.CharField(max_length=500, blank=True)
    headers = models.JSONField(default=dict, blank=True, validators=[validate_headers])
    timeout_seconds = models.PositiveIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    verify_tls = models.BooleanField("verify TLS certificates", default=True)
    is_default = models.BooleanField(
        "default source",
        default=False,
        help_text="The account's default source, asked by agreements without a source of "
        "their own; making one the default clears the previous one.",
    )
    last_check_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_check_ok = models.BooleanField(null=True, blank=True, editable=False)
    last_check_message = models.CharField(max_length=1000, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="promsource_unique_name"),
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(is_default=True),
                name="promsource_one_default",
                violation_error_message="The account already has a default source.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        if self.bearer_token and (self.basic_auth_username or self.basic_auth_password):
            raise ValidationError({"bearer_token": "Give a bearer token or basic auth, not both."})
        if self.basic_auth_password and not self.basic_auth_username:
            raise ValidationError({"basic_auth_username": "Basic auth needs a user name."})
        has_auth_header = any(name.lower() == "authorization" for name in (self.headers or {}))
        if has_auth_header and (self.bearer_token or self.basic_auth_username):
            raise ValidationError({"headers": "Authorization is set by the token or basic auth."})


class PromQLSLI(TenantModel):
    """The PromQL side of an SLO of kind ``prometheus``: good (or bad) and total queries on
    a source, counted per 5-minute slot with ``increase(...[5m])`` at slot ends.

    ``final_to``: every slot before it was fetched for good (after its end and the settle
    delay) or is recorded as a gap; slots from there on are fetched again each minute.
    ``covered_from``: the earliest slot fetched (a window grown longer is fetched back).
    """

    slo = models.OneToOneField(SLO, on_delete=models.CASCADE, related_name="promql")
    source = models.ForeignKey(PrometheusSource, on_delete=models.PROTECT, related_name="slis")
    good_query = models.TextField(blank=True, max_length=MAX_QUERY_LENGTH)
    bad_query = models.TextField(blank=True, max_length=MAX_QUERY_LENGTH)
    total_query = models.TextField(max_length=MAX_QUERY_LENGTH)
    final_to = models.DateTimeField(null=True, blank=True, editable=False)
    covered_from = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Slots from here on were fetched"
    )
    last_fetch_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.CharField(max_length=1000, blank=True, editable=False)

    class Meta:
        verbose_name = "PromQL SLI"
        constraints = [
            models.CheckConstraint(
                condition=(Q(good_query="") & ~Q(bad_query=""))
                | (~Q(good_query="") & Q(bad_query="")),
                name="promqlsli_good_xor_bad",
            )
        ]

    def __str__(self) -> str:
        return f"PromQL SLI of SLO {self.slo_id}"

    def clean(self):
        super().clean()
        if bool(self.good_query.strip()) == bool(self.bad_query.strip()):
            raise ValidationError({"good_query": "Give a good query or a bad query (one of them)."})
        if not self.total_query.strip():
            raise ValidationError({"total_query": "Give the total query."})


class PromQLDay(TenantModel):
    """One UTC day of a PromQL SLI as Prometheus answered it: 288 slots of good and total
    in thousandths of an event (``increase()`` is fractional), ``None`` where there is no
    value (not fetched yet, or a gap). The SLO buckets are derived from these rows."""

    slo = models.ForeignKey(SLO, on_delete=models.CASCADE, related_name="+")
    day = models.DateTimeField(help_text="UTC midnight")
    good = models.JSONField(default=list)
    total = models.JSONField(default=list)

    class Meta:
        ordering = ["slo_id", "day"]
        constraints = [models.UniqueConstraint(fields=["slo", "day"], name="promqlday_unique")]

    def __str__(self) -> str:
        return f"{self.slo_id} {self.day:%Y-%m-%d}"


class PromQLGap(TenantModel):
    """Slots ``[start, end)`` of a PromQL SLI that Prometheus gave no value for (down,
    timing out, series absent, partial data, NaN ...). Shown in the SLO status; fetched
    again from ``next_attempt_at`` on until they have values."""

    slo = models.ForeignKey(SLO, on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=1000)
    kind = models.CharField(
        max_length=8,
        choices=[("error", "the source failed"), ("absent", "no usable value")],
        default="absent",
    )
    first_seen_at = models.DateTimeField()
    last_attempt_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=1)
    next_attempt_at = models.DateTimeField()

    class Meta:
        ordering = ["slo_id", "start"]
        indexes = [models.Index(fields=["slo", "start"], name="promqlgap_slo_start")]

    def __str__(self) -> str:
        return f"{self.slo_id} gap {self.start:%Y-%m-%d %H:%M}-{self.end:%H:%M}"


class Operator(models.TextChoices):
    GT = ">", "> (above)"
    GE = ">=", ">= (at least)"
    LT = "<", "< (below)"
    LE = "<=", "<= (at most)"
    EQ = "==", "== (equal)"
    NE = "!=", "!= (not equal)"


class PrometheusStatusRule(TenantModel):
    """A service's state from PromQL, evaluated every minute: CRIT when the value meets the
    CRIT condition, else WARN when it meets the WARN condition (optional), else OK; no series
    gives ``missing_state``. A change of state is a status event through ingest."""

    name = models.CharField(max_length=200)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey(PrometheusSource, on_delete=models.PROTECT, related_name="rules")
    query = models.TextField(max_length=MAX_QUERY_LENGTH, help_text='e.g. up{job="api"}')
    crit_operator = models.CharField(max_length=2, choices=Operator.choices, default=Operator.EQ)
    crit_threshold = models.DecimalField(max_digits=30, decimal_places=10, default=0)
    warn_operator = models.CharField(max_length=2, choices=Operator.choices, blank=True)
    warn_threshold = models.DecimalField(max_digits=30, decimal_places=10, null=True, blank=True)
    missing_state = models.CharField(max_length=8, choices=STATE_CHOICES, default="UNKNOWN")
    enabled = models.BooleanField(default=True)
    last_state = models.CharField(max_length=8, choices=STATE_CHOICES, blank=True, editable=False)
    last_value = models.CharField(max_length=64, blank=True, editable=False)
    last_evaluated_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.CharField(max_length=1000, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="promrule_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        if bool(self.warn_operator) != (self.warn_threshold is not None):
            raise ValidationError(
                {"warn_operator": "Give both the WARN operator and threshold, or neither."}
            )


DEFAULT_SEVERITY_STATES = {"critical": "CRIT", "page": "CRIT", "error": "CRIT", "warning": "WARN"}
SEVERITY_TARGETS = {"OK", "WARN", "CRIT", "UNKNOWN", "ignore"}


def validate_severity_states(value) -> None:
    if not isinstance(value, dict) or len(value) > 50:
        raise ValidationError('Give an object of severities to states, e.g. {"critical": "CRIT"}.')
    for severity, state in value.items():
        if not isinstance(severity, str) or not severity or len(severity) > 100:
            raise ValidationError("Severities are non-empty strings.")
        if state not in SEVERITY_TARGETS - {"OK"}:
            raise ValidationError(f"{severity!r}: give WARN, CRIT, UNKNOWN or ignore.")


class AlertmanagerSettings(TenantModel):
    """How Alertmanager alerts of the account map to services and states."""

    service_label = models.CharField(max_length=100, default="service")
    fallback_template = models.CharField(
        max_length=300,
        default="{{job}}/{{instance}}",
        blank=True,
        help_text="Service path from labels when the service label is absent, e.g. "
        "{{job}}/{{instance}} (characters a path may not hold become '_'); empty: reject",
    )
    severity_states = models.JSONField(
        default=dict,
        blank=True,
        validators=[validate_severity_states],
        help_text='severity label -> WARN, CRIT, UNKNOWN or ignore; default {"critical": '
        '"CRIT", "page": "CRIT", "error": "CRIT", "warning": "WARN"}',
    )
    default_state = models.CharField(
        max_length=8,
        choices=[("WARN", "WARN"), ("CRIT", "CRIT"), ("UNKNOWN", "UNKNOWN"), ("ignore", "ignore")],
        default="CRIT",
        help_text="State of an alert whose severity is absent or not mapped",
    )

    class Meta:
        verbose_name = "Alertmanager settings"
        verbose_name_plural = "Alertmanager settings"
        constraints = [
            models.UniqueConstraint(fields=["account"], name="amsettings_one_per_account")
        ]

    def __str__(self) -> str:
        return f"Alertmanager settings of {self.account}"


class AlertmanagerAlert(TenantModel):
    """One Alertmanager alert (fingerprint + startsAt) on a service: firing from
    ``starts_at`` until ``ends_at`` (None while firing). Repeats change nothing."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    fingerprint = models.CharField(max_length=64)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=8, choices=STATE_CHOICES)
    alertname = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "fingerprint", "starts_at"], name="amalert_unique"
            )
        ]
        indexes = [models.Index(fields=["service", "starts_at"], name="amalert_service_start")]

    def __str__(self) -> str:
        return f"{self.alertname or self.fingerprint} on {self.service_id} from {self.starts_at}"


class JobRun(models.Model):
    """The last run of each periodic job (deployment-wide, for ``/metrics``): when it last
    succeeded, how long it took, when it last failed."""

    task = models.CharField(max_length=200, unique=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_duration_seconds = models.FloatField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    successes = models.PositiveBigIntegerField(default=0)
    failures = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["task"]

    def __str__(self) -> str:
        return self.task
