"""The outbox delivery kind ``sla_manager``: agreement events POSTed as plain JSON (the
NOTIFICATION object or the VIOLATION list, unsigned, as the original SLA Manager sends
them) to ``SLA_NOTIFICATION_ENDPOINT``, with the outbox's retries and the outbound address
guard of webhooks (loopback and private addresses need
``SLA_WEBHOOK_ALLOW_PRIVATE_NETWORKS``)."""

import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from reporting.delivery_kinds import DeliveryKind, register
from reporting.outbound import post_json

TIMEOUT_SECONDS = 10


def _audience(account) -> list:
    from agreements.models import NotificationEndpoint

    url = settings.SLA_NOTIFICATION_ENDPOINT.strip()
    if not url:
        return []
    endpoint, _ = NotificationEndpoint.objects.get_or_create(url=url)
    return [endpoint]


def _send(delivery, context) -> int:
    body = json.dumps(delivery.message.payload, cls=DjangoJSONEncoder).encode()
    return post_json(
        url=delivery.target.url,
        body=body,
        headers={"Content-Type": "application/json", "User-Agent": "SLA-Portal-SLA-Manager/1"},
        timeout=TIMEOUT_SECONDS,
    )


SLA_MANAGER_KIND = DeliveryKind(
    name="sla_manager",
    label="SLA_NOTIFICATION_ENDPOINT",
    send=_send,
    audience=_audience,
)


def register_kind() -> None:
    register(SLA_MANAGER_KIND)
