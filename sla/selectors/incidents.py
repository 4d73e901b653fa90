"""Reads for incident details: the events inside an incident, the SLAs it counts against."""

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from accounts.features import sla_enabled
from sla.models import Incident, Service, StatusEvent
from sla.selectors.definitions import ordered_rules, sla_for_group, sla_for_service

MAX_INCIDENT_EVENTS = 1000


def incidents_filtered(
    *,
    account,
    service_id: int | None = None,
    group_id: int | None = None,
    worst_state: str | None = None,
    is_open: bool | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
):
    """Incidents of the account, newest first, with the filters of the incident list (REST
    and GraphQL): subject, worst state reached, open or closed, overlapping [start, end)."""
    queryset = (
        Incident.objects.for_account(account)
        .select_related("service", "group")
        .order_by("-started_at", "-id")
    )
    if service_id is not None:
        queryset = queryset.filter(service_id=service_id)
    if group_id is not None:
        queryset = queryset.filter(group_id=group_id)
    if worst_state is not None:
        queryset = queryset.filter(worst_state=worst_state)
    if is_open is not None:
        queryset = queryset.filter(ended_at__isnull=is_open)
    if start is not None:
        queryset = queryset.filter(Q(ended_at__isnull=True) | Q(ended_at__gt=start))
    if end is not None:
        queryset = queryset.filter(started_at__lt=end)
    return queryset


def incident_events(*, account, incident: Incident, limit: int = MAX_INCIDENT_EVENTS):
    """(events, truncated): the subject's events from the incident's start up to and
    including the one that ended it (for a group: its members' events)."""
    events = StatusEvent.objects.for_account(account).select_related("service")
    if incident.service_id:
        events = events.filter(service_id=incident.service_id)
    else:
        members = Service.objects.for_account(account).filter(group_id=incident.group_id)
        events = events.filter(service__in=members)
    events = events.filter(at__gte=incident.started_at, at__lte=incident.ended_at or timezone.now())
    rows = list(events.order_by("at", "id")[: limit + 1])
    return rows[:limit], len(rows) > limit


def incident_slas(*, account, incident: Incident) -> list[dict]:
    """The SLAs the incident counts against: the service's (first matching rule) and, for a
    service in a group, the group's; for a group incident, the group's. Empty while the
    account's SLA feature is off."""
    if not sla_enabled(account):
        return []
    rules = ordered_rules(account=account)
    found = []
    if incident.service_id:
        service = incident.service
        sla = sla_for_service(account=account, service=service, rules=rules)
        if sla is not None:
            found.append({"id": sla.pk, "title": sla.title, "subject": "service"})
        group = service.group
    else:
        group = incident.group
    if group is not None:
        sla = sla_for_group(account=account, group=group, rules=rules)
        if sla is not None:
            found.append({"id": sla.pk, "title": sla.title, "subject": "group"})
    return found
