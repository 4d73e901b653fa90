"""Public incidents of a page, with their timelines and affected public components."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q

from statuspage.models import (
    UNRESOLVED_STATUSES,
    IncidentUpdate,
    PublicIncident,
    PublicIncidentComponent,
    StatusPage,
)


@dataclass
class UpdateView:
    """One timeline entry (incident or maintenance)."""

    id: str
    status: str
    body: str
    created_at: dt.datetime
    updated_at: dt.datetime
    display_at: dt.datetime
    affected_components: list | None = None


@dataclass
class IncidentView:
    """A public incident as shown to customers."""

    pk: int
    id: str
    name: str
    status: str
    impact: str
    created_at: dt.datetime
    updated_at: dt.datetime
    started_at: dt.datetime
    monitoring_at: dt.datetime | None
    resolved_at: dt.datetime | None
    updates: list[UpdateView] = field(default_factory=list)
    component_statuses: dict[int, str] = field(default_factory=dict)

    @property
    def is_resolved(self) -> bool:
        return self.status not in UNRESOLVED_STATUSES

    @property
    def latest_update(self) -> UpdateView | None:
        return self.updates[0] if self.updates else None


def _public_affected_components(value, visible_ids: set[str]) -> list | None:
    """Keep only entries naming public components of this page."""
    if not isinstance(value, list):
        return None
    kept = [
        {
            "code": entry.get("code"),
            "name": entry.get("name"),
            "old_status": entry.get("old_status"),
            "new_status": entry.get("new_status"),
        }
        for entry in value
        if isinstance(entry, dict) and entry.get("code") in visible_ids
    ]
    return kept or None


def _view(row: PublicIncident, visible: dict[int, str]) -> IncidentView:
    visible_ids = set(visible.values())
    updates = [
        UpdateView(
            id=update.public_id,
            status=update.status,
            body=update.body,
            created_at=update.created_at,
            updated_at=update.updated_at,
            display_at=update.display_at,
            affected_components=_public_affected_components(
                update.affected_components, visible_ids
            ),
        )
        for update in row.prefetched_updates
    ]
    return IncidentView(
        pk=row.pk,
        id=row.public_id,
        name=row.name,
        status=row.status,
        impact=row.impact,
        created_at=row.created_at,
        updated_at=row.updated_at,
        started_at=row.started_at,
        monitoring_at=row.monitoring_at,
        resolved_at=row.resolved_at,
        updates=updates,
        component_statuses={
            link.component_id: link.status
            for link in row.prefetched_links
            if link.component_id in visible
        },
    )


def page_incidents(
    *,
    page: StatusPage,
    visible: dict[int, str],
    since: dt.datetime | None = None,
    unresolved: bool = False,
    limit: int | None = None,
    public_id: str | None = None,
) -> list[IncidentView]:
    """Incidents of the page, newest first. `visible` maps public component pk -> public id.

    Unresolved incidents are always included when `since` is given (an old incident that is
    still open is news).
    """
    queryset = PublicIncident.objects.for_account(page.account).filter(page=page)
    if unresolved:
        queryset = queryset.filter(status__in=UNRESOLVED_STATUSES)
    elif since is not None:
        queryset = queryset.filter(Q(started_at__gte=since) | Q(status__in=UNRESOLVED_STATUSES))
    if public_id is not None:
        queryset = queryset.filter(public_id=public_id)
    queryset = queryset.order_by("-started_at", "-id").prefetch_related(
        Prefetch(
            "updates",
            queryset=IncidentUpdate.objects.order_by("-display_at", "-id"),
            to_attr="prefetched_updates",
        ),
        Prefetch(
            "affected",
            queryset=PublicIncidentComponent.objects.all(),
            to_attr="prefetched_links",
        ),
    )
    if limit is not None:
        queryset = queryset[:limit]
    return [_view(row, visible) for row in queryset]


def incident_component_statuses(incidents: list[IncidentView]) -> dict[int, list[str]]:
    """Component pk -> statuses given by unresolved incidents."""
    statuses: dict[int, list[str]] = {}
    for incident in incidents:
        if incident.is_resolved:
            continue
        for component_pk, status in incident.component_statuses.items():
            statuses.setdefault(component_pk, []).append(status)
    return statuses


def open_public_incidents(*, account, limit: int = 10) -> tuple[int, list]:
    """Unresolved public incidents of the account's pages, newest first, with the public
    URL of each (for the operator dashboard, beside the automatic incidents)."""
    from statuspage.models import UNRESOLVED_STATUSES, PublicIncident
    from statuspage.selectors.pages import page_url

    rows = (
        PublicIncident.objects.for_account(account)
        .filter(status__in=UNRESOLVED_STATUSES)
        .select_related("page")
        .order_by("-started_at", "-id")
    )
    shown = list(rows[: limit + 1])
    total = len(shown) if len(shown) <= limit else rows.count()
    shown = shown[:limit]
    for incident in shown:
        incident.public_url = f"{page_url(page=incident.page)}/incidents/{incident.public_id}"
    return total, shown
