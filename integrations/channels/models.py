"""Notification channels of an account: Slack, Microsoft Teams, PagerDuty."""

import re

from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models

from accounts.models import TenantModel
from reporting.models import validate_event_types, validate_webhook_url

PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"
ROUTING_KEY = re.compile(r"^[A-Za-z0-9]{32}$")


class ChannelKind(models.TextChoices):
    SLACK = "slack", "Slack (incoming webhook)"
    TEAMS = "teams", "Microsoft Teams (incoming webhook / Workflows)"
    PAGERDUTY = "pagerduty", "PagerDuty (Events API v2)"


class Channel(TenantModel):
    """Where an account's operator notifications (SLO burn alerts, SLA level changes, the
    daily report, ...) go besides signed webhooks and email: a Slack incoming webhook
    (Block Kit), a Teams incoming webhook (Adaptive Card) or a PagerDuty service (Events
    API v2: `trigger` when an alert fires, `resolve` with the same dedup key when it ends).

    `url` is checked by the webhook address guard when saved and again when sending; for
    PagerDuty it is the Events API endpoint (default: PagerDuty's) and `routing_key` the
    service's integration key. `event_types` empty: every event the channel can show
    (PagerDuty only takes events that open or close an alert).
    """

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=ChannelKind.choices)
    url = models.URLField(
        max_length=1000,
        blank=True,
        validators=[validate_webhook_url],
        help_text="Slack/Teams: the incoming webhook URL (a secret). PagerDuty: the Events "
        f"API v2 endpoint ({PAGERDUTY_EVENTS_URL}).",
    )
    routing_key = models.CharField(
        max_length=64, blank=True, help_text="PagerDuty: the integration (routing) key."
    )
    event_types = models.JSONField(default=list, blank=True, validators=[validate_event_types])
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    deliveries = GenericRelation(
        "reporting.Delivery", content_type_field="target_type", object_id_field="target_id"
    )

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        if self.kind == ChannelKind.PAGERDUTY and not self.url:
            self.url = PAGERDUTY_EVENTS_URL
        if not self.url:
            raise ValidationError({"url": "Give the incoming webhook URL."})
        if self.kind == ChannelKind.PAGERDUTY:
            if not ROUTING_KEY.match(self.routing_key or ""):
                raise ValidationError(
                    {"routing_key": "Give the PagerDuty integration key (32 letters and digits)."}
                )
        elif self.routing_key:
            raise ValidationError({"routing_key": "Only PagerDuty channels have a routing key."})

    def wants(self, event_type: str) -> bool:
        from integrations.channels.notices import shows

        if not self.active or (self.event_types and event_type not in self.event_types):
            return False
        return shows(self.kind, event_type)
