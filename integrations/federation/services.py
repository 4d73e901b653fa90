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
- Names and groups (`federation.status` without events): a service renamed or moved to
  another group, a group whose title or aggregation changed, pushed when saved.
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
from sla.engine import STATE_BADNESS, Event
from sla.models import Downtime, Incident, Service
from sla.selectors.event_horizon import events_pruned_before
from sla.selectors.history import events_from, flags_before, states_before

# Incidents rebuilt in a transaction that began before the last scan may carry an older
# updated_at: each scan looks back this far again (the outbox de-duplicates repeats).
INCIDENT_OVERLAP = dt.timedelta(minutes=10)
INCIDENT_FIRST_LOOKBACK = dt.timedelta(days=90)


# Set on the account by the API's token lookup (accounts.selectors.account_fact_add): whether
# it had an enabled link when the request authenticated. Every ingest request asks for the
# link after its commit, and most accounts have none: that query was a quarter of an ingest
# request's CPU (issue 12). Read in the token statement, it is as fresh as the request.
PORTAL_LINK_FACT = "portal_link_enabled"


def portal_link_fact_register() -> None:
    from accounts.selectors import account_fact_add

    table = PortalLink._meta.db_table
    exists = f'EXISTS (SELECT 1 FROM "{table}" AS l WHERE l."account_id" = a."id" AND l."enabled")'  # noqa: S608 - no input in it
    account_fact_add(name=PORTAL_LINK_FACT, sql=exists)


def push_link(account) -> PortalLink | None:
    """The account's link if it pushes now (enabled, with a URL and a key)."""
    if getattr(account, PORTAL_LINK_FACT, None) is False:
        return None  # the request's token lookup found no enabled link
    link = PortalLink.objects.for_account(account).filter(enabled=True).first()
    if link is None or not link.effective_url or not link.effective_api_key:
        return None
    return link


def instant_text(value: dt.datetime | None) -> str | None:
    """ISO 8601 UTC with every microsecond (Django's JSON encoder keeps only milliseconds,
    which would move the portal's timeline)."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


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


def change_points(
    before_state: str | None, events, before_flag: bool | None = None
) -> list[tuple[dt.datetime, str, bool | None]]:
    """(instant, worst state at it, flap flag in force) where the state or the flag
    changes, plus the latest instant. At one instant the worse state wins and a set flag
    `True` wins over `False` (as the engine reads them); a flag holds until set otherwise."""
    worst: dict[dt.datetime, str] = {}
    flags: dict[dt.datetime, bool] = {}
    for event in events:
        known = worst.get(event.at)
        if known is None or STATE_BADNESS[event.state] > STATE_BADNESS[known]:
            worst[event.at] = event.state
        flag = getattr(event, "flapping", None)
        if flag is not None:
            flags[event.at] = flags.get(event.at, False) or flag
    points = []
    state, flag = before_state, before_flag
    instants = sorted(worst)
    for index, at in enumerate(instants):
        new_flag = flags.get(at, flag)
        if (worst[at], new_flag) != (state, flag) or index == len(instants) - 1:
            points.append((at, worst[at], new_flag))
        state, flag = worst[at], new_flag
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


def status_payload(
    account, changes: dict[int, dt.datetime], *, with_state_before: bool = False
) -> dict | None:
    """The change points of the changed services (None when there are none); with
    `with_state_before`, each service's event in force at its start too (a backfill:
    the portal has nothing before it)."""
    before = states_before(account=account, starts=changes)
    flags = flags_before(account=account, starts=changes)
    found = events_from(account=account, starts=changes)
    services, groups = _catalog(account, list(changes))
    events = []
    for service_id in sorted(changes):
        service = services.get(service_id)
        if service is None:
            continue  # deleted meanwhile
        prior = before.get(service_id)
        prior_flag = flags.get(service_id)
        flag = prior_flag[1] if prior_flag else None
        rows = list(found.get(service_id, ()))
        if with_state_before and prior is not None:
            rows.append(Event(at=prior.at, state=prior.state, flapping=flag))
            points = change_points(None, rows)
        else:
            points = change_points(prior.state if prior else None, rows, flag)
        for at, state, flapping in points:
            event = {"service": service["path"], "at": instant_text(at), "state": state}
            if flapping is not None:
                event["flapping"] = flapping
            events.append(event)
    if not events:
        return None
    return {
        "services": sorted(services.values(), key=lambda row: row["path"]),
        "groups": groups,
        "events": events,
    }


def portal_push_status(
    *, account, changes: dict[int, dt.datetime], with_state_before: bool = False
):
    """Queue the state changes of `changes` ({service id: earliest changed instant})."""
    link = push_link(account)
    if link is None or not changes:
        return None
    payload = status_payload(account, changes, with_state_before=with_state_before)
    if payload is None:
        return None
    key = f"{protocol.STATUS}:{_digest(payload['events'])}"
    with transaction.atomic():
        return _queue(link, protocol.STATUS, payload, key)


def portal_push_catalog(*, account, service_ids) -> object | None:
    """Queue the current name and group of these services (and their groups' definitions)
    when they change without a new event: a status push with no events."""
    link = push_link(account)
    if link is None or not service_ids:
        return None
    services, groups = _catalog(account, list(service_ids))
    if not services:
        return None
    payload = {
        "services": sorted(services.values(), key=lambda row: row["path"]),
        "groups": groups,
        "events": [],
    }
    # The instant tells A -> B -> A apart (the outbox keeps one message per key).
    key = f"{protocol.STATUS}:catalog:{_digest(payload)}:{timezone.now().isoformat()}"
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
        "start": instant_text(downtime.start),
        "end": instant_text(downtime.end),
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
    # The instant tells A -> B -> A apart (the outbox keeps one message per key).
    key = f"{protocol.DOWNTIME}:{downtime.pk}:{_digest(payload)}:{timezone.now().isoformat()}"
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
        "started_at": instant_text(incident.started_at),
        "ended_at": instant_text(incident.ended_at),
        "worst_state": incident.worst_state,
        "state": incident.state,
    }


def portal_push_incidents(
    *, account, now: dt.datetime | None = None, since: dt.datetime | None = None
) -> int:
    """Queue every incident opened or closed since the link's watermark (or `since`; one
    message per opening and per closing); returns how many messages were new."""
    now = now or timezone.now()
    link = push_link(account)
    if link is None:
        return 0
    if since is None:
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


# --------------------------------------------------------------------------- backfill

BACKFILL_CHUNK = 200  # services per status message of a backfill


def portal_backfill(*, account, days: int, now: dt.datetime | None = None) -> dict[str, int]:
    """Push what an account had before its link existed: the state changes of the last
    `days` days of every service, every downtime, the incidents and the daily reports of
    those days. Safe to repeat: the portal applies each change, incident and report once
    (repeated downtimes are applied again, to the same result)."""
    from reporting.models import DailyReport
    from reporting.services.reports import report_payload

    now = now or timezone.now()
    link = push_link(account)
    if link is None:
        raise LookupError("the account has no enabled portal link with a URL and a key")
    since = now - dt.timedelta(days=days)
    counts = {"status": 0, "downtimes": 0, "incidents": 0, "reports": 0}
    service_ids = list(
        Service.objects.for_account(account).order_by("pk").values_list("pk", flat=True)
    )
    # Status from where the events are whole (the state in force there is kept); pruned
    # history is not pushed half. Incidents and reports are kept: they go from `since`.
    pruned_before = events_pruned_before(account=account)
    status_since = since if pruned_before is None else max(since, pruned_before)
    for start in range(0, len(service_ids), BACKFILL_CHUNK):
        chunk = service_ids[start : start + BACKFILL_CHUNK]
        changes = dict.fromkeys(chunk, status_since)
        message = portal_push_status(account=account, changes=changes, with_state_before=True)
        counts["status"] += message is not None
    with transaction.atomic():
        for downtime in Downtime.objects.for_account(account).select_related("service", "group"):
            counts["downtimes"] += portal_push_downtime(downtime=downtime) is not None
    counts["incidents"] = portal_push_incidents(account=account, now=now, since=since)
    reports = DailyReport.objects.for_account(account).filter(day__gte=since.date())
    for report in reports.order_by("day"):
        key = (
            f"{protocol.REPORT}:portal:{link.pk}:{report.day.isoformat()}:{report.json_sha256[:16]}"
        )
        _queue(link, protocol.REPORT, report_payload(report), key)
        counts["reports"] += 1
    return counts
