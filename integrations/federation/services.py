"""Sending side: what an account with an enabled PortalLink queues for its portal.

Everything goes through the outbox (reporting.services.notifications), addressed to the
link (delivery kind "portal"), idempotent by dedup key; the daily report reaches the link
as an audience of `sla.daily_report` (integrations.federation.senders).

- State changes (`federation.status`): after events are stored (sla.signals.
  status_history_changed, any source), the change points of each changed service from its
  earliest changed instant on (an instant whose worst state differs from the state before
  it), plus its latest instant, with the service's path, name and group. A late event is
  covered: everything from its instant on is compared again. The portal thus holds a
  subset of the plugin's events containing every change, i.e. the same state timeline.
- Downtimes (`federation.downtime`): every save or delete, in the caller's transaction.
  All downtimes are pushed, public or not: a non-public one still counts as downtime in
  the figures, and the portal shows only the public ones, as the plugin does.
- Incidents (`federation.incident`): opened and closed, found by the periodic job from
  the incident rows updated since the link's watermark.
"""

import datetime as dt
import hashlib
import json

from django.db import transaction
from django.utils import timezone

from integrations.federation import protocol
from integrations.federation.models import PortalLink
from reporting.services.notifications import notification_emit_to
from sla.engine import STATE_BADNESS
from sla.models import Downtime, Incident, Service
from sla.selectors.history import events_from, states_before

# Incidents rebuilt in a transaction that began before the last scan may carry an older
# updated_at: each scan looks back this far again (the outbox de-duplicates repeats).
INCIDENT_OVERLAP = dt.timedelta(minutes=10)
INCIDENT_FIRST_LOOKBACK = dt.timedelta(days=90)


def push_link(account) -> PortalLink | None:
    """The account's link if it pushes now (enabled, with a URL and a key)."""
    link = PortalLink.objects.for_account(account).filter(enabled=True).first()
    if link is None or not link.effective_url or not link.effective_api_key:
        return None
    return link


def _digest(value) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _queue(link: PortalLink, event_type: str, payload: dict, dedup_key: str):
    message, _ = notification_emit_to(
        account=link.account,
        event_type=event_type,
        payload=payload,
        dedup_key=dedup_key,
        targets=[("portal", PortalLink, [link.pk])],
    )
    return message


# --------------------------------------------------------------------------- states


def change_points(before_state: str | None, events) -> list[tuple[dt.datetime, str]]:
    """(instant, worst state at it) where the state changes, plus the latest instant."""
    worst: dict[dt.datetime, str] = {}
    for event in events:
        known = worst.get(event.at)
        if known is None or STATE_BADNESS[event.state] > STATE_BADNESS[known]:
            worst[event.at] = event.state
    points = []
    current = before_state
    instants = sorted(worst)
    for index, at in enumerate(instants):
        state = worst[at]
        if state != current or index == len(instants) - 1:
            points.append((at, state))
        current = state
    return points


def _catalog(account, service_ids) -> tuple[dict[int, dict], list[dict]]:
    services = {}
    groups = {}
    rows = Service.objects.for_account(account).filter(pk__in=service_ids).select_related("group")
    for service in rows:
        group = service.group
        services[service.pk] = {
            "path": service.path,
            "name": service.name,
            "group": group.name if group else None,
        }
        if group is not None:
            groups[group.name] = {
                "name": group.name,
                "title": group.title,
                "aggregation": group.aggregation,
                "k": group.k,
            }
    return services, [groups[name] for name in sorted(groups)]


def status_payload(account, changes: dict[int, dt.datetime]) -> dict | None:
    """The change points of the changed services (None when there are none)."""
    before = states_before(account=account, starts=changes)
    found = events_from(account=account, starts=changes)
    services, groups = _catalog(account, list(changes))
    events = []
    for service_id in sorted(changes):
        service = services.get(service_id)
        if service is None:
            continue  # deleted meanwhile
        prior = before.get(service_id)
        for at, state in change_points(prior.state if prior else None, found.get(service_id, ())):
            events.append({"service": service["path"], "at": at, "state": state})
    if not events:
        return None
    return {
        "services": sorted(services.values(), key=lambda row: row["path"]),
        "groups": groups,
        "events": events,
    }


def portal_push_status(*, account, changes: dict[int, dt.datetime]):
    """Queue the state changes of `changes` ({service id: earliest changed instant})."""
    link = push_link(account)
    if link is None or not changes:
        return None
    payload = status_payload(account, changes)
    if payload is None:
        return None
    key = f"{protocol.STATUS}:{_digest(payload['events'])}"
    with transaction.atomic():
        return _queue(link, protocol.STATUS, payload, key)


# --------------------------------------------------------------------------- downtimes


def downtime_payload(downtime: Downtime, *, deleted: bool) -> dict:
    if downtime.service_id:
        scope, target = "service", downtime.service.path
    elif downtime.group_id:
        scope, target = "group", downtime.group.name
    else:
        scope, target = "account", None
    return {
        "remote_id": downtime.pk,
        "deleted": deleted,
        "scope": scope,
        "target": target,
        "reason": downtime.reason,
        "start": downtime.start,
        "end": downtime.end,
        "recurrence": downtime.recurrence,
        "weekdays": list(downtime.weekdays or []),
        "time_from": downtime.time_from.isoformat() if downtime.time_from else None,
        "duration_minutes": downtime.duration_minutes,
        "timezone": downtime.timezone,
        "public": downtime.public,
    }


def portal_push_downtime(*, downtime: Downtime, deleted: bool = False):
    """Queue a downtime's new version (or its deletion) in the caller's transaction."""
    link = push_link(downtime.account)
    if link is None:
        return None
    payload = downtime_payload(downtime, deleted=deleted)
    key = f"{protocol.DOWNTIME}:{downtime.pk}:{_digest(payload)}"
    return _queue(link, protocol.DOWNTIME, payload, key)


# --------------------------------------------------------------------------- incidents


def incident_payload(incident: Incident) -> dict:
    if incident.service_id:
        subject, path = "service", incident.service.path
    else:
        subject, path = "group", incident.group.name
    return {
        "subject": subject,
        "path": path,
        "started_at": incident.started_at,
        "ended_at": incident.ended_at,
        "worst_state": incident.worst_state,
        "state": incident.state,
    }


def portal_push_incidents(*, account, now: dt.datetime | None = None) -> int:
    """Queue every incident opened or closed since the link's watermark (one message per
    opening and per closing); returns how many messages were new."""
    now = now or timezone.now()
    link = push_link(account)
    if link is None:
        return 0
    since = link.incidents_pushed_until
    since = now - INCIDENT_FIRST_LOOKBACK if since is None else since - INCIDENT_OVERLAP
    rows = (
        Incident.objects.for_account(account)
        .filter(updated_at__gte=since)
        .select_related("service", "group")
        .order_by("started_at", "id")
    )
    queued = 0
    with transaction.atomic():
        for incident in rows:
            payload = incident_payload(incident)
            phase = "closed" if incident.ended_at else "opened"
            key = (
                f"{protocol.INCIDENT}:{payload['subject']}:{_digest(payload['path'])[:16]}:"
                f"{incident.started_at.isoformat()}:{phase}:{incident.ended_at}"
            )
            message = _queue(link, protocol.INCIDENT, {"incidents": [payload]}, key)
            queued += message.created_at >= now
        PortalLink.objects.filter(pk=link.pk).update(incidents_pushed_until=now)
    return queued


def portal_push_all_incidents(*, now: dt.datetime | None = None) -> int:
    """The periodic unit: every account with an enabled link."""
    from accounts.models import Account

    now = now or timezone.now()
    account_ids = PortalLink.objects.filter(enabled=True).values_list("account_id", flat=True)
    total = 0
    for account in Account.objects.filter(pk__in=list(account_ids)):
        total += portal_push_incidents(account=account, now=now)
    return total
