"""The outbox delivery kinds of status page subscribers (registered when the app loads).

`subscriber_email`: the mail of statuspage.subscriptions.mail over the batch's shared SMTP
connection. `subscriber_webhook`: a POST of the Statuspage webhook shape (`meta` with the
subscriber's unsubscribe link, `page`, then `incident` or `component_update` and
`component`) through the webhook address guard (reporting.outbound).
"""

import json

from django.core.serializers.json import DjangoJSONEncoder

from reporting.delivery_kinds import DeliveryKind, SendContext, register
from reporting.outbound import post_json
from statuspage.models import StatusPage
from statuspage.subscriptions import mail, tokens
from statuspage.subscriptions.selectors import page_base_url

WEBHOOK_TIMEOUT_SECONDS = 10


def _page(context: SendContext, page_id: int) -> tuple[StatusPage, str]:
    """The subscriber's page and its public URL, read once per batch."""
    key = ("statuspage.page", page_id)
    if key not in context.memo:
        page = StatusPage.objects.select_related("account").get(pk=page_id)
        context.memo[key] = (page, page_base_url(page))
    return context.memo[key]


def send_subscriber_email(delivery, context: SendContext) -> None:
    subscriber, message = delivery.target, delivery.message
    page, base_url = _page(context, subscriber.page_id)
    key = ("statuspage.mail", message.pk)
    if key not in context.memo:
        context.memo[key] = mail.render_mail(page, message.event_type, message.payload, base_url)
    email = mail.subscriber_email(
        page=page,
        subscriber=subscriber,
        message=message,
        rendered=context.memo[key],
        base_url=base_url,
    )
    context.send_mail(email)


def webhook_body(delivery, page: StatusPage, base_url: str) -> dict:
    """The Statuspage-shaped JSON of one subscriber webhook delivery."""
    subscriber, message = delivery.target, delivery.message
    unsubscribe = f"{base_url}/subscription/unsubscribe/{tokens.unsubscribe_token(subscriber)}"
    body = {"meta": {"unsubscribe": unsubscribe, "documentation": f"{base_url}/"}}
    payload = message.payload
    if message.event_type == "statuspage.test":
        body["page"] = payload["page"]
        body["test"] = {**payload.get("test", {}), "message": f"Test message from {page.title}."}
        return body
    body.update({name: value for name, value in payload.items() if name != "update_id"})
    return body


def send_subscriber_webhook(delivery, context: SendContext) -> int:
    page, base_url = _page(context, delivery.target.page_id)
    message = delivery.message
    body = json.dumps(
        webhook_body(delivery, page, base_url), cls=DjangoJSONEncoder, separators=(",", ":")
    ).encode()
    return post_json(
        url=delivery.target.url,
        body=body,
        headers={
            "Content-Type": "application/json",
            "User-Agent": "SLA-Portal-Statuspage/1",
            "X-SLA-Event-Id": str(message.event_id),
            "X-SLA-Event-Type": message.event_type,
        },
        timeout=WEBHOOK_TIMEOUT_SECONDS,
    )


register(
    DeliveryKind(
        name="subscriber_email",
        label="status page subscriber (email)",
        send=send_subscriber_email,
    )
)
register(
    DeliveryKind(
        name="subscriber_webhook",
        label="status page subscriber (webhook)",
        send=send_subscriber_webhook,
    )
)
