"""Scheduled maintenances: the account's public downtimes as Statuspage maintenances.

A one-off downtime is one maintenance; a weekly downtime gives one maintenance per
occurrence (from 30 days back to 14 days ahead). A maintenance is shown only when it
affects at least one public component of the page (account-wide downtimes affect all).
Status: `scheduled` before the window, `in_progress` inside, `completed` after, unless the
latest MaintenanceUpdate of that occurrence says otherwise (see MaintenanceUpdate).
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.crypto import salted_hmac

from sla.models import Downtime, Recurrence
from sla.selectors.downtimes import weekly_windows
from statuspage.models import MaintenanceStatus, MaintenanceUpdate, StatusPage
from statuspage.selectors.components import ComponentView
from statuspage.selectors.incidents import UpdateView

WEEKLY_BACK = dt.timedelta(days=30)
WEEKLY_AHEAD = dt.timedelta(days=14)
ONCE_BACK = dt.timedelta(days=400)
OVERRIDE_GRACE = dt.timedelta(hours=24)
ACTIVE_STATUSES = frozenset({MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING})


@dataclass
class MaintenanceView:
    """One occurrence of a public maintenance."""

    id: str
    downtime_pk: int
    name: str
    status: str
    scheduled_for: dt.datetime
    scheduled_until: dt.datetime
    created_at: dt.datetime
    updated_at: dt.datetime
    monitoring_at: dt.datetime | None
    resolved_at: dt.datetime | None
    component_pks: list[int] = field(default_factory=list)
    updates: list[UpdateView] = field(default_factory=list)
    impact: str = "maintenance"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_upcoming(self) -> bool:
        return self.status == MaintenanceStatus.SCHEDULED

    @property
    def started_at(self) -> dt.datetime:
        return self.scheduled_for


# The order of a maintenance's steps, for entries shown at the same instant.
LIFECYCLE = {
    MaintenanceStatus.SCHEDULED: 0,
    MaintenanceStatus.IN_PROGRESS: 1,
    MaintenanceStatus.VERIFYING: 2,
    MaintenanceStatus.COMPLETED: 3,
}
SCHEDULED_LEAD = dt.timedelta(seconds=1)


def opaque_id(*parts) -> str:
    """A stable 12-character id that reveals no row numbers (keyed by SECRET_KEY)."""
    text = ":".join(str(part) for part in parts)
    return salted_hmac("statuspage.public-id", text, algorithm="sha256").hexdigest()[:12]


def _affected(downtime: Downtime, components: list[ComponentView]) -> list[int]:
    if downtime.service_id:
        return [c.pk for c in components if c.service_id == downtime.service_id]
    if downtime.group_id:
        return [
            c.pk
            for c in components
            if c.group_id == downtime.group_id or c.service_group_id == downtime.group_id
        ]
    return [c.pk for c in components]


def _occurrences(downtime: Downtime, now: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    if downtime.recurrence == Recurrence.WEEKLY:
        windows = weekly_windows(downtime, now - WEEKLY_BACK, now + WEEKLY_AHEAD)
        return [(window.start, window.end) for window in windows]
    if downtime.end is None:
        return []
    return [(downtime.start, downtime.end)]


def _split_updates(notes, windows):
    """Assign each note to the first occurrence not over for a day when it was written."""
    by_window: list[list[MaintenanceUpdate]] = [[] for _ in windows]
    for note in notes:
        for index, (_, end) in enumerate(windows):
            if note.display_at < end + OVERRIDE_GRACE or index == len(windows) - 1:
                by_window[index].append(note)
                break
    return by_window


def _status(start, end, notes, now) -> str:
    if now < start:
        status = MaintenanceStatus.SCHEDULED
    elif now < end:
        status = MaintenanceStatus.IN_PROGRESS
    else:
        status = MaintenanceStatus.COMPLETED
    latest = next((note for note in notes if note.display_at <= now), None)
    if latest is None or now >= end + OVERRIDE_GRACE:
        return status
    if latest.status == MaintenanceStatus.SCHEDULED and now >= start:
        return status
    return latest.status


def _timeline(downtime, start, end, notes, status, now) -> list[UpdateView]:
    """Explicit notes plus the automatic entries Statuspage posts (scheduled, started, done)."""
    shown = [note for note in notes if note.display_at <= now]
    entries = [
        UpdateView(
            id=note.public_id,
            status=note.status,
            body=note.body,
            created_at=note.created_at,
            updated_at=note.updated_at,
            display_at=note.display_at,
        )
        for note in shown
    ]
    noted = {note.status for note in shown}
    completed_at = end
    if any(note.display_at >= end for note in shown):
        completed_at = end + OVERRIDE_GRACE
    automatic = [
        # A downtime saved after its window began was "scheduled" just before it started:
        # never at the same instant as "in progress", which it must not outrank.
        (MaintenanceStatus.SCHEDULED, min(downtime.created_at, start - SCHEDULED_LEAD), True),
        (MaintenanceStatus.IN_PROGRESS, start, status != MaintenanceStatus.SCHEDULED),
        (MaintenanceStatus.COMPLETED, completed_at, status == MaintenanceStatus.COMPLETED),
    ]
    texts = {
        MaintenanceStatus.SCHEDULED: "This maintenance has been scheduled.",
        MaintenanceStatus.IN_PROGRESS: "Scheduled maintenance is currently in progress.",
        MaintenanceStatus.COMPLETED: "The scheduled maintenance has been completed.",
    }
    for entry_status, at, applies in automatic:
        if applies and at <= now and entry_status not in noted:
            entries.append(
                UpdateView(
                    id=opaque_id("maintenance-entry", downtime.pk, start.isoformat(), entry_status),
                    status=entry_status,
                    body=texts[entry_status],
                    created_at=at,
                    updated_at=at,
                    display_at=at,
                )
            )
    # Newest first; at one instant the later step of the lifecycle is the newer entry.
    entries.sort(key=lambda entry: (entry.display_at, LIFECYCLE.get(entry.status, 0)), reverse=True)
    return entries


def _view(downtime, start, end, notes, components, now) -> MaintenanceView:
    status = _status(start, end, notes, now)
    timeline = _timeline(downtime, start, end, notes, status, now)
    verifying = [e.display_at for e in timeline if e.status == MaintenanceStatus.VERIFYING]
    done = [e.display_at for e in timeline if e.status == MaintenanceStatus.COMPLETED]
    return MaintenanceView(
        id=opaque_id("maintenance", downtime.pk, start.isoformat()),
        downtime_pk=downtime.pk,
        name=downtime.reason or "Scheduled maintenance",
        status=status,
        scheduled_for=start,
        scheduled_until=end,
        created_at=downtime.created_at,
        updated_at=max([downtime.created_at, *(e.updated_at for e in timeline)]),
        monitoring_at=min(verifying) if verifying else None,
        resolved_at=max(done) if status == MaintenanceStatus.COMPLETED and done else None,
        component_pks=_affected(downtime, components),
        updates=timeline,
    )


def page_maintenances(
    *, page: StatusPage, components: list[ComponentView], now: dt.datetime
) -> list[MaintenanceView]:
    """Public maintenances affecting this page, newest window first."""
    if not components:
        return []
    service_ids = {c.service_id for c in components if c.service_id}
    group_ids = {c.group_id for c in components if c.group_id}
    group_ids |= {c.service_group_id for c in components if c.service_group_id}
    applies = (
        Q(service_id__in=service_ids)
        | Q(group_id__in=group_ids)
        | Q(service__isnull=True, group__isnull=True)
    )
    recent = Q(end__isnull=True) | Q(end__gte=now - ONCE_BACK)
    downtimes = list(
        Downtime.objects.for_account(page.account).filter(applies, recent, public=True)
    )
    notes_by_downtime: dict[int, list[MaintenanceUpdate]] = {}
    notes = MaintenanceUpdate.objects.for_account(page.account).filter(downtime__in=downtimes)
    for note in notes.order_by("-display_at", "-id"):
        notes_by_downtime.setdefault(note.downtime_id, []).append(note)
    views = []
    for downtime in downtimes:
        windows = _occurrences(downtime, now)
        if not windows:
            continue
        own_notes = notes_by_downtime.get(downtime.pk, [])
        split = _split_updates(sorted(own_notes, key=lambda n: n.display_at), windows)
        for (start, end), window_notes in zip(windows, split, strict=True):
            window_notes.sort(key=lambda note: (note.display_at, note.pk), reverse=True)
            view = _view(downtime, start, end, window_notes, components, now)
            if view.component_pks:
                views.append(view)
    views.sort(key=lambda view: view.scheduled_for, reverse=True)
    return views
