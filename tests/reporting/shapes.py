"""Checks of each outside service's documented payload format, written from its docs (not
from our code): the test receivers answer 400 to a body that breaks them.

- Slack incoming webhooks with Block Kit: `text` (the notification fallback) and `blocks`;
  header: plain_text up to 150 characters; section: text up to 3000, at most 10 fields of
  up to 2000; actions: buttons with plain_text up to 75 and a url; context: elements.
- Microsoft Teams incoming webhooks: `{"type": "message", "attachments": [{"contentType":
  "application/vnd.microsoft.card.adaptive", "content": <AdaptiveCard>}]}`.
- PagerDuty Events API v2: routing_key (32), event_action trigger|acknowledge|resolve,
  dedup_key (up to 255) required for resolve; trigger payload: summary (up to 1024),
  source, severity critical|error|warning|info; optional timestamp, component, group,
  class, custom_details; links [{href, text}].
- Statuspage webhooks: `meta` {unsubscribe, documentation}, `page` {id, status_indicator,
  status_description}, then `incident` {id, name, status, impact, shortlink, created_at,
  updated_at, incident_updates [{id, status, body, created_at, display_at, ...}]} or
  `component_update` {id, component_id, old_status, new_status, created_at} + `component`.
"""

SLACK_BLOCKS = {"header", "section", "actions", "context", "divider"}
COMPONENT_STATUSES = {
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
}


def _text_object(value, kinds, limit) -> list[str]:
    if not isinstance(value, dict) or value.get("type") not in kinds:
        return [f"text object of type {kinds} expected, got {value!r}"]
    text = value.get("text")
    if not isinstance(text, str) or not text or len(text) > limit:
        return [f"text must be 1-{limit} characters"]
    return []


def slack_problems(body: dict) -> list[str]:
    problems = []
    if not isinstance(body.get("text"), str) or not body["text"]:
        problems.append("top-level text (notification fallback) missing")
    blocks = body.get("blocks")
    if not isinstance(blocks, list) or not 1 <= len(blocks) <= 50:
        return [*problems, "blocks must be a list of 1-50 blocks"]
    for block in blocks:
        kind = block.get("type")
        if kind not in SLACK_BLOCKS:
            problems.append(f"unknown block type {kind!r}")
        elif kind == "header":
            problems += _text_object(block.get("text"), {"plain_text"}, 150)
        elif kind == "section":
            if "text" in block:
                problems += _text_object(block["text"], {"mrkdwn", "plain_text"}, 3000)
            fields = block.get("fields", [])
            if len(fields) > 10:
                problems.append("a section has at most 10 fields")
            for item in fields:
                problems += _text_object(item, {"mrkdwn", "plain_text"}, 2000)
        elif kind == "actions":
            for element in block.get("elements", []):
                if element.get("type") != "button":
                    problems.append("only buttons expected in actions")
                problems += _text_object(element.get("text"), {"plain_text"}, 75)
                if not str(element.get("url", "")).startswith(("http://", "https://")):
                    problems.append("a link button needs a url")
        elif kind == "context" and not block.get("elements"):
            problems.append("context needs elements")
    return problems


def teams_problems(body: dict) -> list[str]:
    if body.get("type") != "message":
        return ["type must be 'message'"]
    attachments = body.get("attachments")
    if not isinstance(attachments, list) or len(attachments) != 1:
        return ["exactly one attachment expected"]
    attachment = attachments[0]
    if attachment.get("contentType") != "application/vnd.microsoft.card.adaptive":
        return ["contentType must be application/vnd.microsoft.card.adaptive"]
    card = attachment.get("content") or {}
    problems = []
    if card.get("type") != "AdaptiveCard" or not str(card.get("version", "")).startswith("1."):
        problems.append("content must be an AdaptiveCard 1.x")
    for element in card.get("body", []):
        if element.get("type") == "TextBlock" and not element.get("text"):
            problems.append("a TextBlock needs text")
        if element.get("type") == "FactSet":
            for fact in element.get("facts", []):
                if not isinstance(fact.get("title"), str) or not isinstance(fact.get("value"), str):
                    problems.append("facts need string title and value")
    for item in card.get("actions", []):
        if item.get("type") != "Action.OpenUrl" or not item.get("url"):
            problems.append("actions must be Action.OpenUrl with a url")
    return problems


def pagerduty_problems(body: dict) -> list[str]:
    problems = []
    key = body.get("routing_key")
    if not isinstance(key, str) or len(key) != 32:
        problems.append("routing_key must be the 32-character integration key")
    action = body.get("event_action")
    if action not in {"trigger", "acknowledge", "resolve"}:
        return [*problems, "event_action must be trigger, acknowledge or resolve"]
    dedup = body.get("dedup_key")
    if dedup is not None and (not isinstance(dedup, str) or len(dedup) > 255):
        problems.append("dedup_key must be a string of at most 255 characters")
    if action != "trigger":
        if not dedup:
            problems.append(f"{action} needs the dedup_key")
        return problems
    payload = body.get("payload") or {}
    if not isinstance(payload.get("summary"), str) or not 1 <= len(payload["summary"]) <= 1024:
        problems.append("payload.summary must be 1-1024 characters")
    if not payload.get("source"):
        problems.append("payload.source is required")
    if payload.get("severity") not in {"critical", "error", "warning", "info"}:
        problems.append("payload.severity must be critical, error, warning or info")
    for link in body.get("links", []):
        if not link.get("href"):
            problems.append("links need an href")
    return problems


def pagerduty_reply(body: dict) -> bytes:
    import json

    return json.dumps(
        {"status": "success", "message": "Event processed", "dedup_key": body.get("dedup_key")}
    ).encode()


def statuspage_problems(body: dict) -> list[str]:
    problems = []
    meta = body.get("meta") or {}
    if not str(meta.get("unsubscribe", "")).startswith("http"):
        problems.append("meta.unsubscribe must be a URL")
    if "documentation" not in meta:
        problems.append("meta.documentation missing")
    page = body.get("page") or {}
    for name in ("id", "status_indicator", "status_description"):
        if name not in page:
            problems.append(f"page.{name} missing")
    if page.get("status_indicator") not in {"none", "minor", "major", "critical", "maintenance"}:
        problems.append("page.status_indicator must be none/minor/major/critical/maintenance")
    if "incident" in body:
        incident = body["incident"]
        for name in ("id", "name", "status", "impact", "shortlink", "created_at", "updated_at"):
            if name not in incident:
                problems.append(f"incident.{name} missing")
        for update in incident.get("incident_updates", []):
            for name in ("id", "status", "body", "created_at", "display_at"):
                if name not in update:
                    problems.append(f"incident_updates[].{name} missing")
    elif "component_update" in body:
        update = body["component_update"]
        for name in ("id", "component_id", "old_status", "new_status", "created_at"):
            if name not in update:
                problems.append(f"component_update.{name} missing")
        if update.get("new_status") not in COMPONENT_STATUSES:
            problems.append("component_update.new_status is no component status")
        if "component" not in body:
            problems.append("component missing")
    elif "test" not in body:
        problems.append("neither incident nor component_update")
    return problems
