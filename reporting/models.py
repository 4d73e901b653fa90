"""Notifications (webhook endpoints, email recipients, the outbox that delivers to them)
and the daily reports.

`notification_emit` (reporting.services.notifications) writes one OutboxMessage per event
(idempotent on account + dedup_key) and one Delivery per matching endpoint or recipient;
deliveries are retried with exponential backoff until they succeed, so a receiver that is
down loses nothing. A message may name files (the daily report's PDF) that its email
deliveries attach.

`DailyReport` records one account's JSON and PDF report of one day (reporting.services.
reports writes the files under SLA_REPORT_DIR and the row).
"""

import uuid
from urllib.parse import urlsplit

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from accounts.models import TenantModel
from reporting.outbound import (
    address_refusal,
    literal_address,
    private_networks_allowed,
    webhook_url_problem,
)

EVENT_TYPES = [
    ("slo.alert.firing", "SLO burn-rate alert fired"),
    ("slo.alert.resolved", "SLO burn-rate alert resolved"),
    ("sla.level_changed", "SLA level changed (OK/WARN/CRIT/BROKEN)"),
    ("sla.daily_report", "Daily SLA report"),
    ("agreement.level_changed", "Agreement level changed (Met/Broken/Critical)"),
    ("agreement.violation", "Agreement guarantee violated"),
]
EVENT_TYPE_NAMES = frozenset(name for name, _ in EVENT_TYPES)


def validate_event_types(value) -> None:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError("Give a list of event type names (empty: all events).")
    unknown = sorted(set(value) - EVENT_TYPE_NAMES)
    if unknown:
        raise ValidationError(
            f"Unknown event type(s) {unknown}; known: {', '.join(sorted(EVENT_TYPE_NAMES))}."
        )


def validate_webhook_url(value: str) -> None:
    """http(s), a host name, no credentials; an IP literal must be public unless
    SLA_WEBHOOK_ALLOW_PRIVATE_NETWORKS (host names are checked when delivering, see
    reporting.outbound)."""
    if not isinstance(value, str):
        raise ValidationError("Give an http:// or https:// URL.")
    problem = webhook_url_problem(value)
    if problem is not None:
        raise ValidationError(problem)
    address = literal_address(urlsplit(value).hostname)
    if address is not None and not private_networks_allowed():
        reason = address_refusal(address)
        if reason is not None:
            raise ValidationError(f"The address {address} is {reason}, not public.")


class WebhookEndpoint(TenantModel):
    """An HTTP endpoint receiving signed JSON POSTs (HMAC-SHA256 of the body with `secret`)
    for the listed event types (empty: all)."""

    name = models.CharField(max_length=200)
    url = models.URLField(max_length=1000, validators=[validate_webhook_url])
    secret = models.CharField(max_length=200, help_text="Shared secret for X-SLA-Signature")
    event_types = models.JSONField(default=list, blank=True, validators=[validate_event_types])
    active = models.BooleanField(default=True)
    timeout_seconds = models.PositiveIntegerField(default=10)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def wants(self, event_type: str) -> bool:
        return self.active and (not self.event_types or event_type in self.event_types)


class EmailRecipient(TenantModel):
    """An email address receiving notifications of the listed kinds (event types; empty:
    all), e.g. alerts only, or `sla.daily_report` for the daily report."""

    email = models.EmailField()
    name = models.CharField(max_length=200, blank=True)
    kinds = models.JSONField(default=list, blank=True, validators=[validate_event_types])
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["email", "id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "email"], name="emailrecipient_unique")
        ]

    def __str__(self) -> str:
        return self.name or self.email

    def wants(self, event_type: str) -> bool:
        return self.active and (not self.kinds or event_type in self.kinds)


class OutboxMessage(TenantModel):
    """One event to notify: type, payload and a stable `event_id` receivers de-duplicate on.

    Unique per (account, dedup_key): emitting the same event twice stores it once.
    """

    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event_type = models.CharField(max_length=64)
    dedup_key = models.CharField(max_length=300)
    payload = models.JSONField(default=dict)
    attachments = models.JSONField(
        default=list,
        blank=True,
        help_text="Files attached to the email deliveries: [{path (relative to "
        "SLA_REPORT_DIR), filename, content_type}]",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "dedup_key"], name="outbox_dedup")
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.dedup_key}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "pending (will be tried)"
    DELIVERED = "delivered", "delivered"
    FAILED = "failed", "failed (gave up)"


BUILT_IN_KINDS = ("webhook", "email")


class Delivery(TenantModel):
    """One message to one target of a delivery `kind`, with its attempts.

    The target of the built-in kinds is a foreign key (`webhook` for "webhook", `recipient`
    for "email"); every other kind (reporting.delivery_kinds: status page subscribers,
    Slack/Teams/PagerDuty channels, ...) points at its target through the generic `target`
    (content type + id). Due when pending and `next_attempt_at` has passed; a worker claims
    it by moving `next_attempt_at` forward (a lease), so two workers never send it at once.
    """

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(max_length=32, help_text="How it is sent (reporting.delivery_kinds)")
    webhook = models.ForeignKey(
        WebhookEndpoint, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    recipient = models.ForeignKey(
        EmailRecipient, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind="webhook",
                    webhook__isnull=False,
                    recipient__isnull=True,
                    target_id__isnull=True,
                )
                | Q(
                    kind="email",
                    webhook__isnull=True,
                    recipient__isnull=False,
                    target_id__isnull=True,
                )
                | (
                    ~Q(kind__in=BUILT_IN_KINDS)
                    & Q(
                        webhook__isnull=True,
                        recipient__isnull=True,
                        target_type__isnull=False,
                        target_id__isnull=False,
                    )
                ),
                name="delivery_one_target",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
            # Deleting a target (a subscriber, a channel) deletes its deliveries.
            models.Index(fields=["target_type", "target_id"], name="delivery_target"),
        ]

    def __str__(self) -> str:
        target = self.webhook or self.recipient or f"{self.kind} #{self.target_id}"
        return f"{self.message.event_type} -> {target} ({self.status})"


class DailyReport(TenantModel):
    """One account's daily SLA report: the JSON and the PDF of one calendar `day` in the
    account's time zone, written under SLA_REPORT_DIR (paths stored relative to it), with
    their SHA-256 checksums and sizes. One row per (account, day); regenerating a day
    rewrites its files and updates the row."""

    day = models.DateField()
    timezone = models.CharField(max_length=64, help_text="The account's zone the day is in")
    schema_version = models.PositiveSmallIntegerField()
    json_path = models.CharField(max_length=300, help_text="Relative to SLA_REPORT_DIR")
    json_sha256 = models.CharField(max_length=64)
    json_size = models.PositiveBigIntegerField()
    pdf_path = models.CharField(max_length=300, help_text="Relative to SLA_REPORT_DIR")
    pdf_sha256 = models.CharField(max_length=64)
    pdf_size = models.PositiveBigIntegerField()
    summary = models.JSONField(default=dict, blank=True, help_text="The report's summary")
    generated_at = models.DateTimeField()
    build_seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["-day", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "day"], name="dailyreport_unique_day")
        ]
        # Before writing a day's files: does another account's row of that day claim them?
        indexes = [models.Index(fields=["day"], name="dailyreport_day")]

    def __str__(self) -> str:
        return f"Daily report {self.day:%Y-%m-%d}"
