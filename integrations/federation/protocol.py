"""What travels between a plugin and its portal: the event types, where each is posted,
and the envelope (shared by the sending and the receiving side).

Every push is a JSON POST to `<portal URL>/api/v1/federation/<endpoint>` with

    {"id": "<event id>", "type": "<event type>", "source": "<pushing account slug>",
     "created_at": "<ISO instant>", "data": {...}}

`Authorization: Bearer <API key of the receiving account, scope ingest>` and
`X-SLA-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with that API key>`.
The receiver applies each event id once (a repeat is answered 200 with `duplicate: true`).
"""

REPORT = "sla.daily_report"
STATUS = "federation.status"
INCIDENT = "federation.incident"
DOWNTIME = "federation.downtime"

ENDPOINTS = {
    REPORT: "reports",
    STATUS: "events",
    INCIDENT: "incidents",
    DOWNTIME: "downtimes",
}
API_PREFIX = "/api/v1/federation/"
USER_AGENT = "SLA-Portal-Federation/1"
MAX_EVENT_ID_LENGTH = 64
MAX_SOURCE_LENGTH = 80


def endpoint_url(base_url: str, event_type: str) -> str:
    return f"{base_url.rstrip('/')}{API_PREFIX}{ENDPOINTS[event_type]}"
