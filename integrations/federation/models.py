"""Federation: one SLA Portal deployment (the "plugin" side) pushes to another (the public
"portal" side) through the outbox.

Sending side: `PortalLink`, an account's remote portal (URL and API key, defaulting from
ITOPS_SLA_PORTAL_URL / ITOPS_SLA_PORTAL_API_KEY). Receiving side: what was pushed into an
account, by source (the pushing account's slug): `InboundReceipt` (one per event id, so a
repeated delivery changes nothing), `PushedReport` with its `PushedDailyRow`s,
`PushedIncident` and `PushedDowntime` (remote downtime -> local `sla.Downtime`). Pushed
status changes need no table of their own: they are status events of the receiving
account (sla.services.ingest), so its rollups, incidents, status page, feeds and badges
derive from the same history as the plugin's.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models

from accounts.models import TenantModel
from reporting.outbound import address_refusal, literal_address, webhook_url_problem

REPORT_EVENT = "sla.daily_report"


def portal_private_allowed() -> bool:
    return bool(
        settings.SLA_PORTAL_ALLOW_PRIVATE_NETWORKS or settings.SLA_WEBHOOK_ALLOW_PRIVATE_NETWORKS
    )


def validate_portal_url(value: str) -> None:
    """http(s), a host name, no credentials; an IP literal must be public unless the
    deployment allows private networks (host names are checked again when sending)."""
    if not isinstance(value, str):
        raise ValidationError("Give an http:// or https:// URL.")
    problem = webhook_url_problem(value)
    if problem is not None:
        raise ValidationError(problem)
    address = literal_address(urlsplit(value).hostname)
    if address is not None and not portal_private_allowed():
        reason = address_refusal(address)
        if reason is not None:
            raise ValidationError(
                f"The address {address} is {reason}, not public (a private portal needs "
                "SLA_PORTAL_ALLOW_PRIVATE_NETWORKS, or the deployment's SLA_PORTAL_URL)."
            )


class PortalLink(TenantModel):
    """Where an account pushes its reports, states, incidents and downtimes: a remote SLA
    Portal's base URL and an API key of the receiving account (scope `ingest`).

    Blank `url` / `api_key` fall back to the deployment's SLA_PORTAL_URL / SLA_PORTAL_API_KEY
    (ITOPS_SLA_PORTAL_URL / ITOPS_SLA_PORTAL_API_KEY). The key is write-only (never shown
    by the admin or the API). `incidents_pushed_until` is the watermark of the incident
    push (incident rows updated after it are pushed next).
    """

    enabled = models.BooleanField(default=True)
    url = models.URLField(
        max_length=1000,
        blank=True,
        validators=[validate_portal_url],
        help_text="Base URL of the portal, e.g. https://status.example.com (blank: "
        "the deployment's SLA_PORTAL_URL)",
    )
    api_key = models.CharField(
        max_length=200,
        blank=True,
        help_text="API token of the receiving account with the ingest scope (blank: the "
        "deployment's SLA_PORTAL_API_KEY)",
    )
    timeout_seconds = models.PositiveIntegerField(default=30)
    incidents_pushed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deliveries = GenericRelation(
        "reporting.Delivery", content_type_field="target_type", object_id_field="target_id"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account"], name="portallink_one")]

    def __str__(self) -> str:
        return f"Portal push to {self.effective_url or '(no URL)'}"

    @property
    def effective_url(self) -> str:
        return (self.url or settings.SLA_PORTAL_URL).rstrip("/")

    @property
    def effective_api_key(self) -> str:
        return self.api_key or settings.SLA_PORTAL_API_KEY

    @property
    def url_from_deployment(self) -> bool:
        """The URL is the operator's (environment), not tenant input."""
        return not self.url

    def wants(self, event_type: str) -> bool:
        # The only audience event: every daily report. States, incidents and downtimes are
        # addressed to the link directly (notification_emit_to), never to other kinds.
        return self.enabled and event_type == REPORT_EVENT


class InboundReceipt(TenantModel):
    """One pushed event applied to the account (its id is unique per account: a repeated
    delivery is answered as a duplicate and changes nothing)."""

    event_id = models.CharField(max_length=64)
    event_type = models.CharField(max_length=64)
    source = models.CharField(max_length=80)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "event_id"], name="inboundreceipt_unique")
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"


class PushedReport(TenantModel):
    """A daily report pushed by `source` (JSON validated against daily-report-v1 and its
    PDF, stored under SLA_REPORT_DIR/federation/); the latest push of a day replaces it."""

    source = models.CharField(max_length=80, help_text="Slug of the pushing account")
    day = models.DateField()
    timezone = models.CharField(max_length=64)
    schema_version = models.PositiveSmallIntegerField()
    json_path = models.CharField(max_length=300, help_text="Relative to SLA_REPORT_DIR")
    json_sha256 = models.CharField(max_length=64)
    json_size = models.PositiveBigIntegerField()
    pdf_path = models.CharField(max_length=300, help_text="Relative to SLA_REPORT_DIR")
    pdf_sha256 = models.CharField(max_length=64)
    pdf_size = models.PositiveBigIntegerField()
    summary = models.JSONField(default=dict, blank=True)
    generated_at = models.DateTimeField(null=True, blank=True)
    event_id = models.CharField(max_length=64)
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["-day", "source", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "source", "day"], name="pushedreport_unique_day"
            )
        ]

    def __str__(self) -> str:
        return f"Pushed report {self.source} {self.day:%Y-%m-%d}"


class PushedDailyRow(TenantModel):
    """One service's or group's figures of a pushed report's day (as the plugin computed
    them), kept to compare with the receiving account's own rollups."""

    report = models.ForeignKey(PushedReport, on_delete=models.CASCADE, related_name="rows")
    subject = models.CharField(max_length=8, help_text="service or group")
    path = models.CharField(max_length=300, help_text="Service path or group name")
    percent = models.FloatField(null=True, blank=True)
    seconds_ok = models.FloatField(default=0)
    seconds_warn = models.FloatField(default=0)
    seconds_crit = models.FloatField(default=0)
    seconds_unknown = models.FloatField(default=0)
    seconds_unmonitored = models.FloatField(default=0)
    seconds_downtime = models.FloatField(default=0)

    class Meta:
        ordering = ["report_id", "subject", "path"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "subject", "path"], name="pusheddailyrow_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.path}"


class PushedIncident(TenantModel):
    """An incident of a pushed service or group as the plugin derived it (opened, then
    closed: the same row, found by subject, path and start)."""

    source = models.CharField(max_length=80)
    subject = models.CharField(max_length=8, help_text="service or group")
    path = models.CharField(max_length=300)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    worst_state = models.CharField(max_length=8)
    state = models.CharField(max_length=8)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "source", "subject", "path", "started_at"],
                name="pushedincident_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.path} {self.started_at:%Y-%m-%d %H:%M}"


class PushedDowntime(TenantModel):
    """The local downtime standing for the source's downtime `remote_id`."""

    source = models.CharField(max_length=80)
    remote_id = models.PositiveBigIntegerField()
    downtime = models.ForeignKey(
        "sla.Downtime", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "source", "remote_id"], name="pusheddowntime_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} downtime {self.remote_id}"
