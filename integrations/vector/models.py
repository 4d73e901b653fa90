"""Vector sources, their service-mapping rules, and the keys of batches already counted."""

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone

from accounts.models import TenantModel
from sla.models import Service


class LatencyField(models.TextChoices):
    REQUEST_TIME = "request_time", "$request_time"
    UPSTREAM_RESPONSE_TIME = (
        "upstream_response_time",
        ("$upstream_response_time (else $request_time)"),
    )
    NONE = "none", "none (no latency SLIs)"


def _validate_log_format(value: str) -> None:
    from sla.nginx_log import LogFormatError, compile_log_format

    try:
        compile_log_format(value)
    except LogFormatError as error:
        raise ValidationError(str(error)) from None


class VectorSource(TenantModel):
    """One Vector `http` sink posting nginx records: how to read its raw lines
    (`log_format`: a preset `apm`/`combined` or an nginx log_format string), which time
    counts for latency SLIs, and where records go (its rules in order, then
    `default_service`). Its counts are request counts with source ``vector:<id>``."""

    name = models.CharField(max_length=100)
    log_format = models.TextField(
        default="apm",
        validators=[_validate_log_format],
        help_text="For raw lines: apm (the recipe's format), combined, or a log_format string",
    )
    latency = models.CharField(
        max_length=32, choices=LatencyField.choices, default=LatencyField.REQUEST_TIME
    )
    default_service = models.ForeignKey(
        Service,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Records no rule maps go here (empty: they are refused and listed)",
    )
    rules_revision = models.UUIDField(
        default=uuid.uuid4,
        editable=False,
        help_text="New on every change of the rules: processes keep the rules until it moves",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="vectorsource_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def rules_changed(source_id: int) -> None:
        """Every process keeps a source's rules until its `rules_revision` moves."""
        VectorSource.objects.filter(pk=source_id).update(
            rules_revision=uuid.uuid4(), updated_at=timezone.now()
        )

    @property
    def count_source(self) -> str:
        """The `source` of this sink's rows in RequestCount."""
        return f"vector:{self.pk}"

    def clean(self):
        super().clean()
        if self.default_service_id and self.default_service.account_id != self.account_id:
            raise ValidationError({"default_service": "Pick a service of this account."})


class RuleKind(models.TextChoices):
    HOST = "host", "host equals"
    PATH_PREFIX = "path_prefix", "request path starts with"
    FIELD = "field", "field equals"


class VectorRule(TenantModel):
    """Records matching this rule count for `service` (rules are tried by `position`; the
    first match wins): the record's `host` equals `value`, its request path starts with
    `value`, or its `field` equals `value` (as text)."""

    source = models.ForeignKey(VectorSource, on_delete=models.CASCADE, related_name="rules")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=16, choices=RuleKind.choices)
    field = models.CharField(
        max_length=100, blank=True, help_text="For 'field equals': the record's field name"
    )
    value = models.CharField(max_length=500)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["source_id", "position", "id"]

    def __str__(self) -> str:
        subject = self.field if self.kind == RuleKind.FIELD else self.kind
        return f"{subject} {self.value!r} -> {self.service_id}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self._touch_source()

    def _touch_source(self) -> None:
        VectorSource.rules_changed(self.source_id)

    def clean(self):
        super().clean()
        if self.kind == RuleKind.FIELD and not self.field:
            raise ValidationError({"field": "Name the record's field to compare."})
        if self.kind != RuleKind.FIELD and self.field:
            raise ValidationError({"field": "Only 'field equals' rules name a field."})
        if self.service_id and self.service.account_id != self.account_id:
            raise ValidationError({"service": "Pick a service of this account."})


@receiver(post_delete, sender=VectorRule, dispatch_uid="vector_rule_deleted")
def _rule_deleted(sender, instance, **kwargs):
    # Also when a rule goes with its service (CASCADE never calls VectorRule.delete()):
    # processes keep a source's rules until its revision moves, and a kept rule of a
    # deleted service would count into a service that no longer exists.
    VectorSource.rules_changed(instance.source_id)


class VectorBatch(TenantModel):
    """A batch already counted, by the SHA-256 of its decompressed body: Vector resends the
    same body when it retries, and a body seen again (within SLA_VECTOR_DEDUP_HOURS) is
    answered from `result` without counting twice."""

    source = models.ForeignKey(VectorSource, on_delete=models.CASCADE, related_name="+")
    sha256 = models.CharField(max_length=64)
    received_at = models.DateTimeField()
    result = models.JSONField(default=dict)

    class Meta:
        ordering = ["source_id", "received_at"]
        constraints = [
            models.UniqueConstraint(fields=["source", "sha256"], name="vectorbatch_unique_body")
        ]
        indexes = [
            models.Index(fields=["source", "received_at"], name="vectorbatch_source_received")
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.sha256[:12]}"
