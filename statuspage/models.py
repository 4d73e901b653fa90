"""Public status pages: pages, their components, public incidents and maintenance notes.

Everything here is what an account chose to publish. Service and group rows of the SLA app
stay internal: a page shows a component's own public `name`, never the service path or name.
"""

import secrets

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from accounts.models import TenantModel
from accounts.validators import validate_timezone_name
from audit.history import audited
from statuspage import hosts
from statuspage.text import validate_line, validate_text

PUBLIC_ID_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
PUBLIC_ID_LENGTH = 12
MAX_REMINDER_MINUTES = 7 * 24 * 60


def new_public_id() -> str:
    """A random 12-character id like Statuspage's, so ids reveal no row counts."""
    return "".join(secrets.choice(PUBLIC_ID_ALPHABET) for _ in range(PUBLIC_ID_LENGTH))


def _public_id_field():
    return models.CharField(
        max_length=PUBLIC_ID_LENGTH, unique=True, default=new_public_id, editable=False
    )


validate_domain = RegexValidator(rf"^{hosts.DOMAIN_RE.pattern}$", hosts.DOMAIN_FORMAT_MESSAGE)

validate_page_slug = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$",
    "Use lower-case letters, digits and inner hyphens.",
)


class ComponentStatus(models.TextChoices):
    """Statuspage v2 component statuses, in increasing badness (maintenance aside)."""

    OPERATIONAL = "operational", "Operational"
    DEGRADED_PERFORMANCE = "degraded_performance", "Degraded performance"
    PARTIAL_OUTAGE = "partial_outage", "Partial outage"
    MAJOR_OUTAGE = "major_outage", "Major outage"
    UNDER_MAINTENANCE = "under_maintenance", "Under maintenance"


AFFECTED_COMPONENT_STATUSES = [
    (value, label)
    for value, label in ComponentStatus.choices
    if value != ComponentStatus.UNDER_MAINTENANCE
]


class IncidentImpact(models.TextChoices):
    NONE = "none", "None"
    MINOR = "minor", "Minor"
    MAJOR = "major", "Major"
    CRITICAL = "critical", "Critical"


class IncidentStatus(models.TextChoices):
    INVESTIGATING = "investigating", "Investigating"
    IDENTIFIED = "identified", "Identified"
    MONITORING = "monitoring", "Monitoring"
    RESOLVED = "resolved", "Resolved"
    POSTMORTEM = "postmortem", "Postmortem"


UNRESOLVED_STATUSES = frozenset(
    {IncidentStatus.INVESTIGATING, IncidentStatus.IDENTIFIED, IncidentStatus.MONITORING}
)


class MaintenanceStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    IN_PROGRESS = "in_progress", "In progress"
    VERIFYING = "verifying", "Verifying"
    COMPLETED = "completed", "Completed"


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    GERMAN = "de", "Deutsch"


class StatusPage(TenantModel):
    """A public, no-login status page of an account, at /status/<slug>/ and on its domains.

    `password_hash` (Django password hash) makes the page private: visitors enter the
    password once and get a signed cookie tied to the current hash (a new password logs
    every visitor out).
    """

    public_id = _public_id_field()
    title = models.CharField(max_length=200, validators=[validate_line])
    slug = models.CharField(
        max_length=80,
        unique=True,
        validators=[validate_page_slug],
        help_text="URL name: the page is served at /status/<slug>/",
    )
    enabled = models.BooleanField(default=True, help_text="Unpublished pages answer 404.")
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_timezone_name],
        help_text="IANA zone for the times shown on the page and in its JSON.",
    )
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.ENGLISH)
    description = models.TextField(
        blank=True, validators=[validate_text], help_text="Shown under the title."
    )
    show_sla = models.BooleanField(
        "show SLA figures",
        default=True,
        help_text="Show each component's SLA figure for the current period where one exists.",
    )
    subscriptions_enabled = models.BooleanField(
        "offer subscriptions",
        default=True,
        help_text="Visitors may subscribe to updates by email (and subscribers are notified).",
    )
    maintenance_reminder_minutes = models.PositiveIntegerField(
        default=60,
        validators=[MaxValueValidator(MAX_REMINDER_MINUTES)],
        help_text="Remind subscribers this long before a maintenance window (0: no reminder).",
    )
    logo = models.BinaryField(blank=True, null=True, editable=False)
    logo_content_type = models.CharField(max_length=32, blank=True, editable=False)
    password_hash = models.CharField(max_length=200, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = audited()  # audit log: every change, who, before and after

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_private(self) -> bool:
        return bool(self.password_hash)

    @property
    def has_logo(self) -> bool:
        return bool(self.logo_content_type)


class StatusPageDomain(TenantModel):
    """A custom host name serving one status page (matched on the Host header).

    Domains are unique across all accounts, so one account can never claim another's, and
    never one of the application's own host names (statuspage.hosts.app_host_names), an IP
    address, localhost or a name without a dot. The host must also pass ALLOWED_HOSTS.
    """

    page = models.ForeignKey(StatusPage, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=253, unique=True, validators=[validate_domain])
    created_at = models.DateTimeField(auto_now_add=True)
    history = audited()  # audit log: every change, who, before and after

    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain

    def save(self, *args, **kwargs):
        self.domain = hosts.domain_name(self.domain)
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        problem = hosts.custom_domain_problem(hosts.domain_name(self.domain), check_format=False)
        if problem:
            raise ValidationError({"domain": problem})


class ComponentGroup(TenantModel):
    """A section of a status page grouping components (a Statuspage "component group")."""

    public_id = _public_id_field()
    page = models.ForeignKey(StatusPage, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(max_length=200, validators=[validate_line])
    description = models.TextField(blank=True, validators=[validate_text])
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["page_id", "position", "id"]

    def __str__(self) -> str:
        return self.name


class StatusPageComponent(TenantModel):
    """One row of a status page: a service or an SLA group under a public name.

    Only components with `public` set appear anywhere public. `name` is what customers
    read; the service's own path and name never leave the account.
    """

    public_id = _public_id_field()
    page = models.ForeignKey(StatusPage, on_delete=models.CASCADE, related_name="components")
    service = models.ForeignKey(
        "sla.Service", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    group = models.ForeignKey(
        "sla.ServiceGroup",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="An SLA group (its state rolls up its member services).",
    )
    name = models.CharField(
        max_length=200, validators=[validate_line], help_text="Public name shown to customers."
    )
    description = models.TextField(
        blank=True, validators=[validate_text], help_text="Public description (optional)."
    )
    section = models.ForeignKey(
        ComponentGroup,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="components",
        help_text="Component group (section) this component is listed under.",
    )
    position = models.PositiveIntegerField(default=0)
    public = models.BooleanField(default=True, help_text="Only public components appear.")
    showcase = models.BooleanField(default=True, help_text="Show the 90-day uptime strip.")
    only_show_if_degraded = models.BooleanField(default=False)
    start_date = models.DateField(
        null=True, blank=True, help_text="Days before this date show as no data."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = audited()  # audit log: every change, who, before and after

    class Meta:
        ordering = ["page_id", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(service__isnull=False, group__isnull=True)
                | Q(service__isnull=True, group__isnull=False),
                name="statuspagecomponent_one_subject",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        if bool(self.service_id) == bool(self.group_id):
            raise ValidationError({"service": "Choose a service or an SLA group (exactly one)."})
        if not (self.name or "").strip():
            raise ValidationError({"name": "Give the public name customers will see."})
        if self.section_id and self.page_id and self.section.page_id != self.page_id:
            raise ValidationError({"section": "The component group belongs to another page."})


class PublicIncident(TenantModel):
    """An incident as customers see it: impact, affected components and a timeline.

    `status` mirrors the latest update. `source_incident` links an automatic incident it
    was published from; with `follow_source` the public incident resolves itself when that
    automatic incident ends.
    """

    public_id = _public_id_field()
    page = models.ForeignKey(StatusPage, on_delete=models.CASCADE, related_name="incidents")
    name = models.CharField(max_length=200, validators=[validate_line])
    status = models.CharField(
        max_length=16, choices=IncidentStatus.choices, default=IncidentStatus.INVESTIGATING
    )
    impact = models.CharField(
        max_length=16, choices=IncidentImpact.choices, default=IncidentImpact.MINOR
    )
    started_at = models.DateTimeField()
    monitoring_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    components = models.ManyToManyField(
        StatusPageComponent, through="PublicIncidentComponent", related_name="+", blank=True
    )
    source_incident = models.ForeignKey(
        "sla.Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    follow_source = models.BooleanField(
        default=True, help_text="Resolve automatically when the source incident ends."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["page", "started_at"], name="publicincident_page_start")]
        constraints = [
            models.UniqueConstraint(
                fields=["page", "source_incident"],
                condition=Q(source_incident__isnull=False),
                name="publicincident_unique_source",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_resolved(self) -> bool:
        return self.status not in UNRESOLVED_STATUSES

    def clean(self):
        super().clean()
        if self.impact not in IncidentImpact.values:
            raise ValidationError({"impact": "Use none, minor, major or critical."})

    def save(self, *args, **kwargs):
        # Only an incident published from an automatic one has a source to follow; a
        # manual incident never claims to resolve itself.
        if self.source_incident_id is None and self.follow_source:
            self.follow_source = False
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "follow_source"}
        super().save(*args, **kwargs)


class PublicIncidentComponent(TenantModel):
    """A component affected by a public incident, with the status it shows meanwhile."""

    incident = models.ForeignKey(PublicIncident, on_delete=models.CASCADE, related_name="affected")
    component = models.ForeignKey(
        StatusPageComponent, on_delete=models.CASCADE, related_name="incident_links"
    )
    status = models.CharField(
        max_length=24, choices=AFFECTED_COMPONENT_STATUSES, default=ComponentStatus.PARTIAL_OUTAGE
    )

    class Meta:
        ordering = ["component__position", "component_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "component"], name="publicincidentcomponent_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.component} ({self.status})"


class IncidentUpdate(TenantModel):
    """One entry of a public incident's timeline (status and message at a moment)."""

    public_id = _public_id_field()
    incident = models.ForeignKey(PublicIncident, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=16, choices=IncidentStatus.choices)
    body = models.TextField(validators=[validate_text])
    display_at = models.DateTimeField()
    affected_components = models.JSONField(
        null=True,
        blank=True,
        help_text="Statuspage shape: [{code, name, old_status, new_status}] or empty.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-display_at", "-id"]

    def __str__(self) -> str:
        return f"{self.status}: {self.body[:40]}"


class MaintenanceUpdate(TenantModel):
    """A note on a public maintenance (a Downtime with public=True) that can set its status.

    Without notes a maintenance is `scheduled` before its window, `in_progress` inside it
    and `completed` after. The latest note's status overrides that (e.g. `verifying` after
    the window, `completed` early) until 24 hours after the window ends. For weekly
    downtimes a note belongs to the occurrence running (or next) when it was written.
    """

    public_id = _public_id_field()
    downtime = models.ForeignKey(
        "sla.Downtime", on_delete=models.CASCADE, related_name="public_updates"
    )
    status = models.CharField(max_length=16, choices=MaintenanceStatus.choices)
    body = models.TextField(blank=True, validators=[validate_text])
    display_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-display_at", "-id"]

    def __str__(self) -> str:
        return f"{self.status}: {self.body[:40]}"


# Subscribers live in their own module of this app (statuspage.subscriptions).
from statuspage.subscriptions.models import (  # noqa: E402, F401
    Subscriber,
    SubscriberComponent,
    SubscriberKind,
)
