"""Subscriber mails: plain text and HTML in the page's language, from the page's name, with
its logo (inline, so no remote image is needed), a signed one-click unsubscribe link and
the List-Unsubscribe / List-Unsubscribe-Post headers (RFC 8058).

A message's subject and bodies are rendered once per batch (SendContext.memo); only the
signed links differ per subscriber and are put into placeholders.
"""

import datetime as dt
from dataclasses import dataclass, field
from email.mime.image import MIMEImage
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from statuspage import i18n
from statuspage.models import StatusPage, StatusPageComponent
from statuspage.subscriptions import tokens

UNSUBSCRIBE_PLACEHOLDER = "__SLA_PORTAL_UNSUBSCRIBE_URL__"
CONFIRM_PLACEHOLDER = "__SLA_PORTAL_CONFIRM_URL__"
LOGO_CID = "logo@sla-portal"
SUBJECT_LIMIT = 200


@dataclass
class MailContent:
    """What one message says, before the per-subscriber links are filled in."""

    subject: str
    heading: str
    status_line: str = ""
    body: str = ""
    facts: list[tuple[str, str]] = field(default_factory=list)
    action: tuple[str, str] | None = None
    link: tuple[str, str] | None = None
    note: str = ""
    footer: str = ""


@dataclass
class RenderedMail:
    subject: str
    text: str
    html: str


def _local(value: str | None, language: str) -> str:
    """ "Sat 21 Nov 2026, 14:05" of an ISO time already in the page's zone."""
    if not value:
        return ""
    return i18n.moment(dt.datetime.fromisoformat(value), language)


def _word(t: dict, key: str) -> str:
    return t.get(key, key.replace("_", " "))


def _components_text(components: list[dict], t: dict) -> str:
    return ", ".join(f"{c['name']} ({_word(t, c['status'])})" for c in components)


def _entry(document: dict, entry_id: str | None) -> dict | None:
    entries = document.get("incident_updates") or []
    return next((e for e in entries if e.get("id") == entry_id), entries[0] if entries else None)


def _status_line(status: str, entry: dict, page: StatusPage) -> str:
    return f"{status} · {_local(entry.get('display_at'), page.language)} ({page.time_zone})"


def _incident_mail(page: StatusPage, payload: dict, event_type: str, t: dict) -> MailContent:
    incident = payload["incident"]
    entry = _entry(incident, payload.get("update_id")) or {}
    status = _word(t, entry.get("status", incident["status"]))
    if event_type.endswith(".created"):
        subject = f"[{page.title}] {t['new_incident']}: {incident['name']}"
    else:
        subject = f"[{page.title}] {incident['name']}: {status}"
    facts = []
    if incident.get("components"):
        facts.append((t["affected"], _components_text(incident["components"], t)))
    facts.append((t["mail_impact"], _word(t, f"impact_{incident['impact']}")))
    return MailContent(
        subject=subject,
        heading=incident["name"],
        status_line=_status_line(status, entry, page),
        body=entry.get("body", ""),
        facts=facts,
        link=(t["mail_view_incident"], incident["shortlink"]),
    )


def _maintenance_mail(page: StatusPage, payload: dict, event_type: str, t: dict) -> MailContent:
    item = payload["incident"]
    language = page.language
    start = _local(item["scheduled_for"], language)
    window = f"{start} – {_local(item['scheduled_until'], language)} ({page.time_zone})"
    facts = [(t["mail_window"], window)]
    if item.get("components"):
        facts.append((t["affected"], _components_text(item["components"], t)))
    link = (t["mail_view_maintenance"], item["shortlink"])
    if event_type.endswith(".reminder"):
        reminder = i18n.fill(t["mail_reminder"], when=start)
        return MailContent(
            subject=f"[{page.title}] {reminder}: {item['name']}",
            heading=item["name"],
            status_line=reminder,
            facts=facts,
            link=link,
        )
    entry = _entry(item, payload.get("update_id")) or {}
    status = _word(t, entry.get("status", item["status"]))
    return MailContent(
        subject=f"[{page.title}] {t['mail_maintenance']} – {status}: {item['name']}",
        heading=item["name"],
        status_line=_status_line(status, entry, page),
        body=entry.get("body", ""),
        facts=facts,
        link=link,
    )


def _confirm_mail(page: StatusPage, payload: dict, event_type: str, t: dict) -> MailContent:
    chosen = payload.get("components")
    if chosen is None:
        scope = t["mail_all_components"]
    else:
        names = StatusPageComponent.objects.filter(page=page, pk__in=chosen).order_by(
            "position", "id"
        )
        scope = ", ".join(names.values_list("name", flat=True)) or t["mail_all_components"]
    intro = t["mail_confirm_change"] if payload.get("change") else t["mail_confirm_intro"]
    hours = str(settings.STATUSPAGE_SUBSCRIBE_CONFIRM_HOURS)
    return MailContent(
        subject=i18n.fill(t["mail_confirm_subject"], page=page.title),
        heading=t["confirm_title"],
        body=i18n.fill(intro, page=page.title),
        facts=[(t["subscribe_scope"], scope)],
        action=(t["confirm_button"], CONFIRM_PLACEHOLDER),
        note=i18n.fill(t["mail_confirm_ignore"], hours=hours),
    )


def _test_mail(page: StatusPage, payload: dict, event_type: str, t: dict) -> MailContent:
    return MailContent(
        subject=i18n.fill(t["mail_test_subject"], page=page.title),
        heading=i18n.fill(t["mail_test_subject"], page=page.title),
        body=i18n.fill(t["mail_test_body"], page=page.title),
    )


def mail_content(page: StatusPage, event_type: str, payload: dict) -> MailContent:
    """What a subscriber mail of this event says, in the page's language."""
    t = i18n.catalogue(page.language)
    if event_type.startswith("statuspage.incident."):
        content = _incident_mail(page, payload, event_type, t)
    elif event_type.startswith("statuspage.maintenance."):
        content = _maintenance_mail(page, payload, event_type, t)
    elif event_type == "statuspage.subscription.confirm":
        content = _confirm_mail(page, payload, event_type, t)
    elif event_type == "statuspage.test":
        content = _test_mail(page, payload, event_type, t)
    else:
        raise ValueError(f"no subscriber mail for {event_type!r}")
    content.subject = " ".join(content.subject.split())[:SUBJECT_LIMIT]
    content.footer = i18n.fill(t["mail_footer"], page=page.title)
    return content


def render_mail(page: StatusPage, event_type: str, payload: dict, base_url: str) -> RenderedMail:
    """Subject, text and HTML with placeholders for the per-subscriber links."""
    content = mail_content(page, event_type, payload)
    context = {
        "mail": content,
        "page": page,
        "page_url": base_url,
        "lang": page.language,
        "t": i18n.catalogue(page.language),
        "unsubscribe_url": UNSUBSCRIBE_PLACEHOLDER,
        "logo_cid": LOGO_CID if page.has_logo else "",
    }
    text = render_to_string("statuspage/mail/message.txt", context)
    html = render_to_string("statuspage/mail/message.html", context)
    return RenderedMail(subject=content.subject, text=text, html=html)


def sender_address(page: StatusPage) -> str:
    """ "<page title>" <the configured sender address> (titles hold no line breaks)."""
    _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return formataddr((page.title, address or "sla-portal@localhost"))


def _logo_part(page: StatusPage) -> MIMEImage:
    subtype = page.logo_content_type.partition("/")[2] or "png"
    image = MIMEImage(bytes(page.logo), _subtype=subtype)
    image.add_header("Content-ID", f"<{LOGO_CID}>")
    image.add_header("Content-Disposition", "inline", filename=f"logo.{subtype}")
    return image


def subscriber_email(
    *, page: StatusPage, subscriber, message, rendered: RenderedMail, base_url: str
) -> EmailMultiAlternatives:
    """The mail of `message` to one subscriber, its signed links filled in."""
    unsubscribe = f"{base_url}/subscription/unsubscribe/{tokens.unsubscribe_token(subscriber)}"
    links = {UNSUBSCRIBE_PLACEHOLDER: unsubscribe}
    if message.event_type == "statuspage.subscription.confirm":
        token = tokens.confirm_token(subscriber, message.payload.get("components"))
        links[CONFIRM_PLACEHOLDER] = f"{base_url}/subscription/confirm/{token}"
    text, html = rendered.text, rendered.html
    for placeholder, url in links.items():
        text, html = text.replace(placeholder, url), html.replace(placeholder, url)
    email = EmailMultiAlternatives(
        subject=rendered.subject,
        body=text,
        from_email=sender_address(page),
        to=[subscriber.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
            "X-SLA-Event-Id": str(message.event_id),
            "X-SLA-Event-Type": message.event_type,
        },
    )
    email.attach_alternative(html, "text/html")
    if page.has_logo:
        email.mixed_subtype = "related"
        email.attach(_logo_part(page))
    return email
