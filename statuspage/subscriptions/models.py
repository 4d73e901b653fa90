"""Status page subscribers (see the package docstring)."""

import secrets

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q

from accounts.models import TenantModel
from reporting.models import validate_webhook_url
from statuspage.models import StatusPage, StatusPageComponent

KEY_BYTES = 12


def new_subscriber_key() -> str:
    """A random per-subscriber key inside its signed links: a link names one subscription,
    never a later one that reuses the row id."""
    return secrets.token_urlsafe(KEY_BYTES)


class SubscriberKind(models.TextChoices):
    EMAIL = "email", "Email"
    WEBHOOK = "webhook", "Webhook"


class Subscriber(TenantModel):
    """Someone following a status page: an email address (double opt-in: `confirmed_at` is
    set by the signed link of the confirmation mail, and nothing else is sent before) or a
    webhook URL added by the page's owner (confirmed at once).

    `all_components` (the default) follows every component, present and future; otherwise
    only the chosen `components` (incidents and maintenances touching one of them, and
    those touching no component at all).
    """

    page = models.ForeignKey(StatusPage, on_delete=models.CASCADE, related_name="subscribers")
    kind = models.CharField(max_length=8, choices=SubscriberKind.choices)
    email = models.EmailField(max_length=254, blank=True)
    url = models.URLField(max_length=1000, blank=True, validators=[validate_webhook_url])
    all_components = models.BooleanField(default=True)
    components = models.ManyToManyField(
        StatusPageComponent, through="SubscriberComponent", related_name="+", blank=True
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    key = models.CharField(max_length=32, default=new_subscriber_key, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    deliveries = GenericRelation(
        "reporting.Delivery", content_type_field="target_type", object_id_field="target_id"
    )

    class Meta:
        ordering = ["page_id", "kind", "email", "url", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["page", "email"],
                condition=Q(kind="email"),
                name="subscriber_unique_email",
            ),
            models.UniqueConstraint(
                fields=["page", "url"],
                condition=Q(kind="webhook"),
                name="subscriber_unique_url",
            ),
            models.CheckConstraint(
                condition=Q(kind="email", url="") & ~Q(email="")
                | Q(kind="webhook", email="") & ~Q(url=""),
                name="subscriber_one_address",
            ),
        ]
        indexes = [models.Index(fields=["page", "confirmed_at"], name="subscriber_page_confirmed")]

    def __str__(self) -> str:
        return self.email or self.url

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class SubscriberComponent(TenantModel):
    """A component a subscriber chose (when not following all of them)."""

    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="component_links"
    )
    component = models.ForeignKey(
        StatusPageComponent, on_delete=models.CASCADE, related_name="subscriber_links"
    )

    class Meta:
        ordering = ["subscriber_id", "component_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "component"], name="subscribercomponent_unique"
            )
        ]
        indexes = [models.Index(fields=["component"], name="subscribercomponent_component")]

    def __str__(self) -> str:
        return f"{self.subscriber} -> {self.component}"
