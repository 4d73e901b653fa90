"""The outbox delivery kinds "slack", "teams" and "pagerduty" (registered when the app
loads): each channel of the account is an audience of the operator events it shows; a
delivery renders the message's notice in the channel's format and POSTs it through the
webhook address guard (reporting.outbound: public addresses only, pinned, no redirects)."""

import json

from integrations.channels import formats
from integrations.channels.models import Channel, ChannelKind
from integrations.channels.notices import notice_for
from reporting.delivery_kinds import DeliveryKind, SendContext, register
from reporting.outbound import post_json

TIMEOUT_SECONDS = 10
USER_AGENT = "SLA-Portal-Channels/1"


def channel_body(channel: Channel, message) -> dict | None:
    """The JSON this channel gets for this message (None: nothing to send)."""
    account = message.account.slug
    notice = notice_for(message.event_type, message.payload, account)
    if channel.kind == ChannelKind.SLACK:
        return formats.slack_message(notice, account=account)
    if channel.kind == ChannelKind.TEAMS:
        return formats.teams_message(notice, account=account)
    return formats.pagerduty_event(notice, account=account, routing_key=channel.routing_key)


def send_channel(delivery, context: SendContext) -> int | None:
    channel = delivery.target
    body = channel_body(channel, delivery.message)
    if body is None:
        return None  # e.g. a report to PagerDuty: nothing opens or closes an alert
    return post_json(
        url=channel.url,
        body=json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(),
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT},
        timeout=TIMEOUT_SECONDS,
    )


def _audience(kind: str):
    def channels(account):
        return Channel.objects.for_account(account).filter(kind=kind, active=True)

    return channels


for _kind in ChannelKind:
    register(
        DeliveryKind(
            name=_kind.value, label=_kind.label, send=send_channel, audience=_audience(_kind.value)
        )
    )
