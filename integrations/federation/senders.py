"""The outbox delivery kind "portal" (registered when the app loads).

Its audience is the account's enabled PortalLink, which wants every daily report; state
changes, incidents and downtimes are addressed to the link directly (integrations.
federation.services). A delivery POSTs the event to the portal through the webhook address
guard (reporting.outbound), signed with the API key, so the outbox's retries with backoff,
leases and "nothing lost while the receiver is down" hold for the portal too. The daily
report's JSON and PDF are read from SLA_REPORT_DIR when sent (the message stays small).
"""

import base64
import json

from django.core.serializers.json import DjangoJSONEncoder

from integrations.federation import protocol
from integrations.federation.models import PortalLink, portal_private_allowed
from reporting.delivery_kinds import DeliveryKind, SendContext, register
from reporting.models import DailyReport
from reporting.outbound import WebhookRefused, post_json
from reporting.services.notifications import (
    EVENT_ID_HEADER,
    EVENT_TYPE_HEADER,
    SIGNATURE_HEADER,
    signature,
)
from reporting.services.reports import report_file


def private_allowed(link: PortalLink) -> bool:
    """The deployment's own portal URL may be private (the operator set it); a URL an
    account entered is held to the guard unless the deployment allows private networks."""
    return link.url_from_deployment or portal_private_allowed()


def report_data(message) -> dict:
    """The daily report of a `sla.daily_report` message: its JSON and its PDF (base64)."""
    report_id = (message.payload.get("report") or {}).get("id")
    report = DailyReport.objects.for_account(message.account).filter(pk=report_id).first()
    if report is None:
        raise LookupError(f"daily report {report_id} no longer exists")
    json_bytes = report_file(report.json_path).read_bytes()
    pdf_bytes = report_file(report.pdf_path).read_bytes()
    return {
        "report": json.loads(json_bytes),
        "pdf_base64": base64.b64encode(pdf_bytes).decode("ascii"),
        "generated_at": report.generated_at,
    }


def push_body(message) -> bytes:
    """The envelope of protocol.py, compact and stable for signing."""
    data = report_data(message) if message.event_type == protocol.REPORT else message.payload
    body = {
        "id": str(message.event_id),
        "type": message.event_type,
        "source": message.account.slug,
        "created_at": message.created_at,
        "data": data,
    }
    return json.dumps(body, cls=DjangoJSONEncoder, separators=(",", ":")).encode()


def send_portal(delivery, context: SendContext) -> int:
    link = delivery.target
    message = delivery.message
    if message.event_type not in protocol.ENDPOINTS:
        return None  # nothing the portal takes (e.g. a test message)
    base_url, api_key = link.effective_url, link.effective_api_key
    if not base_url or not api_key:
        raise WebhookRefused("no portal URL or API key (set them, or SLA_PORTAL_URL/_API_KEY)")
    body = push_body(message)
    return post_json(
        url=protocol.endpoint_url(base_url, message.event_type),
        body=body,
        headers={
            "Content-Type": "application/json",
            "User-Agent": protocol.USER_AGENT,
            "Authorization": f"Bearer {api_key}",
            SIGNATURE_HEADER: signature(api_key, body),
            EVENT_ID_HEADER: str(message.event_id),
            EVENT_TYPE_HEADER: message.event_type,
        },
        timeout=link.timeout_seconds,
        allow_private=private_allowed(link),
    )


def enabled_links(account):
    return PortalLink.objects.for_account(account).filter(enabled=True)


PORTAL_KIND = register(
    DeliveryKind(name="portal", label="SLA Portal push", send=send_portal, audience=enabled_links)
)
