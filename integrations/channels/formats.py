"""Each channel's documented message format, from a Notice (integrations.channels.notices).

- Slack incoming webhook: `{"text": fallback, "blocks": [...]}` with Block Kit blocks
  (`header` plain text up to 150 characters, a `section` with mrkdwn text and up to 10
  `fields`, an `actions` block with a link `button`, a `context` line). mrkdwn needs `&`,
  `<` and `>` escaped.
- Microsoft Teams incoming webhook (Workflows or the classic connector): a `message` with
  one attachment of content type `application/vnd.microsoft.card.adaptive` holding an
  Adaptive Card 1.4 (`TextBlock`s, a `FactSet`, an `Action.OpenUrl`).
- PagerDuty Events API v2: `trigger` with `routing_key`, `dedup_key` and a `payload`
  (`summary` up to 1024 characters, `source`, `severity` critical/error/warning/info,
  `timestamp`, `component`, `group`, `class`, `custom_details`), `links`, `client`,
  `client_url`; `resolve` with the same `dedup_key`.
"""

from django.conf import settings

from integrations.channels.notices import RESOLVE, TRIGGER, Notice

SLACK_HEADER_LIMIT = 150
SLACK_TEXT_LIMIT = 3000
SLACK_FIELDS_LIMIT = 10
SLACK_FIELD_LIMIT = 2000
PAGERDUTY_SUMMARY_LIMIT = 1024
PAGERDUTY_SEVERITY = {"critical": "critical", "error": "error", "warning": "warning"}
MARK = {"critical": "🔴", "error": "🟠", "warning": "🟡", "info": "🔵", "ok": "✅"}
TEAMS_COLOR = {"critical": "Attention", "error": "Attention", "warning": "Warning", "ok": "Good"}


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def slack_escape(text: str) -> str:
    """Slack mrkdwn control characters as entities (user text cannot make links)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_message(notice: Notice, *, account: str) -> dict:
    title = _cut(f"{MARK.get(notice.severity, '')} {notice.title}".strip(), SLACK_HEADER_LIMIT)
    section = {
        "type": "section",
        "text": {
            "type": "mrkdwn",
            "text": _cut(slack_escape(notice.summary or notice.title), SLACK_TEXT_LIMIT),
        },
    }
    fields = [
        {
            "type": "mrkdwn",
            "text": _cut(f"*{slack_escape(label)}*\n{slack_escape(value)}", SLACK_FIELD_LIMIT),
        }
        for label, value in notice.facts[:SLACK_FIELDS_LIMIT]
    ]
    if fields:
        section["fields"] = fields
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": title, "emoji": True}},
        section,
    ]
    if notice.link:
        text, url = notice.link
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": _cut(text, 75)},
                        "url": url,
                    }
                ],
            }
        )
    context = f"SLA Portal · {slack_escape(account)} · {slack_escape(notice.kind)}"
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": context}]})
    return {"text": _cut(notice.title, SLACK_TEXT_LIMIT), "blocks": blocks}


def teams_message(notice: Notice, *, account: str) -> dict:
    body = [
        {
            "type": "TextBlock",
            "text": notice.title,
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
            "color": TEAMS_COLOR.get(notice.severity, "Default"),
        }
    ]
    if notice.summary:
        body.append({"type": "TextBlock", "text": notice.summary, "wrap": True})
    if notice.facts:
        body.append(
            {
                "type": "FactSet",
                "facts": [{"title": label, "value": value} for label, value in notice.facts],
            }
        )
    body.append(
        {
            "type": "TextBlock",
            "text": f"SLA Portal · {account}",
            "isSubtle": True,
            "size": "Small",
            "wrap": True,
        }
    )
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    if notice.link:
        text, url = notice.link
        card["actions"] = [{"type": "Action.OpenUrl", "title": text, "url": url}]
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card,
            }
        ],
    }


def pagerduty_event(notice: Notice, *, account: str, routing_key: str) -> dict | None:
    """The Events API v2 body, or None when the notice neither opens nor closes an alert."""
    if notice.page_action == RESOLVE:
        return {"routing_key": routing_key, "event_action": "resolve", "dedup_key": notice.page_key}
    if notice.page_action != TRIGGER:
        return None
    payload = {
        "summary": _cut(notice.title, PAGERDUTY_SUMMARY_LIMIT),
        "source": f"sla-portal/{account}",
        "severity": PAGERDUTY_SEVERITY.get(notice.severity, "info"),
        "component": notice.subject or None,
        "group": notice.kind or None,
        "class": notice.kind or None,
        "custom_details": {"summary": notice.summary, **dict(notice.facts)},
    }
    if notice.at:
        payload["timestamp"] = notice.at
    event = {
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": notice.page_key,
        "payload": {name: value for name, value in payload.items() if value is not None},
        "client": "SLA Portal",
        "client_url": settings.SLA_PUBLIC_BASE_URL,
    }
    if notice.link:
        event["links"] = [{"href": notice.link[1], "text": notice.link[0]}]
    return event
