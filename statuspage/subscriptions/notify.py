"""What subscribers are told: one outbox message per public event, one delivery per
subscriber whose components it touches.

- A new timeline entry of a public incident: `statuspage.incident.created` (its first
  entry), `.resolved` (a `resolved` entry) or `.updated` (any other); dedup key per entry.
- A component status an entry changes (its `affected_components`): `statuspage.component.
  updated`, to webhook subscribers (Statuspage's `component_update`).
- Maintenances: each timeline entry (scheduled, in progress, verifying, completed, notes)
  as `statuspage.maintenance.<status>` and a reminder `statuspage.maintenance.reminder`
  the page's `maintenance_reminder_minutes` before the window; found by the periodic job
  `statuspage.subscriber_notices`, which also catches up incident entries whose immediate
  notification was lost (a crash between the commit and the task). Entries older than
  CATCH_UP are never announced (no flood of old news when the job starts).

The payload is what every subscriber of the message gets: the Statuspage webhook shape
without `meta` (added per subscriber: its unsubscribe link), and what the mail needs.
"""

import datetime as dt
import logging

from django.utils import timezone

from reporting.models import OutboxMessage
from reporting.services.notifications import notification_emit_to
from statuspage.models import IncidentUpdate, StatusPage
from statuspage.render import v2
from statuspage.selectors.incidents import page_incidents
from statuspage.selectors.snapshot import PageSnapshot, page_snapshot
from statuspage.subscriptions.models import Subscriber, SubscriberKind
from statuspage.subscriptions.selectors import notified_subscribers

logger = logging.getLogger(__name__)

CATCH_UP = dt.timedelta(hours=2)
INCIDENT_KEY = "statuspage.incident"
COMPONENT_EVENT = "statuspage.component.updated"


def _time(value: dt.datetime, snapshot: PageSnapshot) -> str:
    """ISO 8601 with milliseconds in the page's zone, as in the page's v2 JSON."""
    return value.astimezone(snapshot.zone).isoformat(timespec="milliseconds")


def _has_subscribers(page: StatusPage) -> bool:
    return (
        page.enabled
        and page.subscriptions_enabled
        and Subscriber.objects.for_account(page.account)
        .filter(page=page, confirmed_at__isnull=False)
        .exists()
    )


def page_json(snapshot: PageSnapshot) -> dict:
    """Statuspage webhook `page` (id and status), with the name, URL and language."""
    return {
        "id": snapshot.page.public_id,
        "name": snapshot.page.title,
        "url": snapshot.url,
        "status_indicator": snapshot.indicator,
        "status_description": snapshot.description,
        "time_zone": snapshot.page.time_zone,
        "language": snapshot.page.language,
    }


def _emit(page: StatusPage, event_type: str, payload: dict, key: str, components, now, kinds=None):
    """One message to the subscribers of `components` (set of pks); deliveries queued."""
    targets = notified_subscribers(page=page, component_pks=components, kinds=kinds)
    _, count = notification_emit_to(
        account=page.account,
        event_type=event_type,
        payload=payload,
        dedup_key=key,
        targets=[(kind, Subscriber, ids) for kind, ids in sorted(targets.items())],
        now=now,
    )
    return count


def _incident_event(update: IncidentUpdate) -> str:
    first = update.incident.updates.order_by("created_at", "id").values_list("pk", flat=True)[:1]
    if list(first) == [update.pk]:
        return "statuspage.incident.created"
    if update.status == "resolved":
        return "statuspage.incident.resolved"
    return "statuspage.incident.updated"


def incident_update_notify(*, update_id: int, now: dt.datetime | None = None) -> int:
    """Announce one timeline entry (idempotent per entry); returns deliveries queued."""
    now = now or timezone.now()
    update = (
        IncidentUpdate.objects.select_related("incident__page__account")
        .filter(pk=update_id)
        .first()
    )
    if update is None or not _has_subscribers(update.incident.page):
        return 0
    incident, page = update.incident, update.incident.page
    key = f"{INCIDENT_KEY}:{update.public_id}"
    if OutboxMessage.objects.for_account(page.account).filter(dedup_key=key).exists():
        return 0
    snapshot = page_snapshot(page=page, now=now, incidents_since=now)
    visible = {component.pk: component.id for component in snapshot.components}
    found = page_incidents(page=page, visible=visible, public_id=incident.public_id)
    if not found:
        return 0
    view = found[0]
    event = _incident_event(update)
    payload = {
        "page": page_json(snapshot),
        "incident": v2.incident_json(view, snapshot),
        "update_id": update.public_id,
    }
    count = _emit(page, event, payload, key, set(view.component_statuses), now)
    return count + _component_updates(page, snapshot, update, payload["page"], now)


def _component_updates(page, snapshot, update: IncidentUpdate, page_doc: dict, now) -> int:
    """Statuspage `component_update` webhooks for the statuses this entry changed."""
    by_id = {component.id: component for component in snapshot.components}
    count = 0
    for change in update.affected_components or []:
        component = by_id.get(change.get("code"))
        if component is None or change.get("old_status") == change.get("new_status"):
            continue
        payload = {
            "page": page_doc,
            "component_update": {
                "id": f"{update.public_id}-{component.id}",
                "component_id": component.id,
                "old_status": change.get("old_status"),
                "new_status": change.get("new_status"),
                "created_at": _time(update.created_at, snapshot),
            },
            "component": {
                "id": component.id,
                "name": component.name,
                "status": change.get("new_status"),
                "created_at": _time(component.created_at, snapshot),
            },
        }
        key = f"{COMPONENT_EVENT}:{update.public_id}:{component.id}"
        kinds = [SubscriberKind.WEBHOOK]
        count += _emit(page, COMPONENT_EVENT, payload, key, {component.pk}, now, kinds)
    return count


def incident_updates_catch_up(*, page: StatusPage, now: dt.datetime) -> int:
    """Announce recent entries whose notification is missing (the task was lost)."""
    recent = dict(
        IncidentUpdate.objects.for_account(page.account)
        .filter(incident__page=page, created_at__gte=now - CATCH_UP)
        .values_list("public_id", "pk")
    )
    if not recent:
        return 0
    keys = [f"{INCIDENT_KEY}:{public_id}" for public_id in recent]
    done = set(
        OutboxMessage.objects.for_account(page.account)
        .filter(dedup_key__in=keys)
        .values_list("dedup_key", flat=True)
    )
    missing = [pk for public_id, pk in recent.items() if f"{INCIDENT_KEY}:{public_id}" not in done]
    return sum(incident_update_notify(update_id=pk, now=now) for pk in sorted(missing))


def _maintenance_payload(snapshot, item, page_doc: dict, entry_id: str | None) -> dict:
    return {
        "page": page_doc,
        "incident": v2.maintenance_json(item, snapshot),
        "update_id": entry_id,
    }


def maintenance_notices(*, page: StatusPage, now: dt.datetime | None = None) -> int:
    """Announce new maintenance timeline entries and due reminders of one page."""
    now = now or timezone.now()
    if not _has_subscribers(page):
        return 0
    snapshot = page_snapshot(page=page, now=now)
    page_doc = page_json(snapshot)
    lead = dt.timedelta(minutes=page.maintenance_reminder_minutes)
    count = 0
    for item in snapshot.maintenances:
        for entry in item.updates:
            if not now - CATCH_UP <= entry.display_at <= now:
                continue
            payload = _maintenance_payload(snapshot, item, page_doc, entry.id)
            key = f"statuspage.maintenance:{item.id}:{entry.id}"
            event = f"statuspage.maintenance.{entry.status}"
            count += _emit(page, event, payload, key, set(item.component_pks), now)
        if lead and item.is_upcoming and item.scheduled_for - lead <= now < item.scheduled_for:
            payload = _maintenance_payload(snapshot, item, page_doc, None)
            key = f"statuspage.maintenance-reminder:{item.id}"
            event = "statuspage.maintenance.reminder"
            count += _emit(page, event, payload, key, set(item.component_pks), now)
    return count


def account_notices(*, account, now: dt.datetime | None = None) -> int:
    """The periodic unit of one account: maintenance notices and incident catch-up."""
    now = now or timezone.now()
    pages = StatusPage.objects.for_account(account).filter(
        enabled=True, subscriptions_enabled=True, subscribers__confirmed_at__isnull=False
    )
    count = 0
    for page in pages.distinct().select_related("account"):
        try:
            count += incident_updates_catch_up(page=page, now=now)
            count += maintenance_notices(page=page, now=now)
        except Exception:  # one page's failure must not stop the others
            logger.exception("subscriber notices of status page %s failed", page.pk)
    return count
