"""Tenancy: accounts (tenants), memberships (user roles) and API tokens."""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from accounts.querysets import AccountScopedQuerySet, TenantModel
from accounts.validators import validate_timezone_name
from audit.history import audited

__all__ = ["Account", "AccountScopedQuerySet", "ApiToken", "Membership", "TenantModel"]


class Account(models.Model):
    """A tenant. Every tenant-owned row points at one; nothing is shared between accounts."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    timezone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_timezone_name],
        help_text="IANA time zone used for the account's days (reports, dashboard).",
    )
    feature_sla = models.BooleanField(
        "SLA feature",
        default=True,
        help_text="SLA features are on only when this is set and SLA_ENABLED is not false.",
    )
    feature_auto_create_services = models.BooleanField(
        "create services on first event",
        default=True,
        help_text="Status events for an unknown service path create the service.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def today(self, now) -> "datetime.date":
        """The calendar day `now` falls on in the account's time zone (the day of daily
        rollups, reports and status page bars)."""
        return now.astimezone(ZoneInfo(self.timezone)).date()

    @property
    def features(self) -> dict[str, bool]:
        return {"sla": self.feature_sla, "auto_create_services": self.feature_auto_create_services}


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    VIEWER = "viewer", "Viewer"


WRITE_ROLES = frozenset({Role.OWNER, Role.ADMIN})


class Membership(TenantModel):
    """A user's role in one account. Owners and admins write; viewers only read."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)
    history = audited()  # audit log: every change, who, before and after

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "user"], name="membership_unique_user")
        ]
        ordering = ["account__name", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.account} ({self.role})"

    @property
    def can_write(self) -> bool:
        return self.role in WRITE_ROLES


class Scope(models.TextChoices):
    INGEST = "ingest", "Ingest status and request counts"
    READ = "read", "Read"
    WRITE = "write", "Write configuration"
    METRICS = "metrics", "Scrape /metrics (the account's series)"


ALL_SCOPES = frozenset(Scope.values)


def validate_scopes(value) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError("Give at least one scope: ingest, read, write or metrics.")
    unknown = [scope for scope in value if scope not in ALL_SCOPES]
    if unknown:
        raise ValidationError(f"Unknown scope(s) {unknown}; allowed: ingest, read, write, metrics.")


class ApiToken(TenantModel):
    """A Bearer token of one account. Only a SHA-256 hash is stored; the secret is shown once.

    The visible `prefix` identifies the token in lists and logs and is how a presented token
    is looked up before its hash is compared in constant time.
    """

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    hashed_secret = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(default=list, validators=[validate_scopes])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty for tokens issued by an operator command.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    history = audited(excluded_fields=["last_used_at"])  # audit log; use is not a change

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"
        verbose_name_plural = "API tokens"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes
