"""Writes for status pages: pages, domains, components, public incidents and maintenance notes.

Every function takes `account=` first and refuses rows of another account (ValueError from
`_own`, which the API turns into a 404 before it gets here). Cache invalidation happens in
statuspage.signals on save/delete, so admin, API and these services all invalidate alike.
"""

import datetime as dt

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from statuspage import hosts
from statuspage.models import (
    UNRESOLVED_STATUSES,
    ComponentStatus,
    IncidentImpact,
    IncidentStatus,
    IncidentUpdate,
    MaintenanceStatus,
    MaintenanceUpdate,
    PublicIncident,
    PublicIncidentComponent,
    StatusPage,
    StatusPageComponent,
    StatusPageDomain,
)

LOGO_TYPES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}
LOGO_MAX_BYTES = 200 * 1024
INCIDENT_COMPONENT_STATUSES = frozenset(ComponentStatus.values) - {
    ComponentStatus.UNDER_MAINTENANCE
}


def _own(account, obj, field: str):
    if obj is not None and obj.account_id != account.pk:
        raise ValidationError({field: "Not found."})
    return obj


def _save(obj):
    obj.full_clean()
    obj.save()
    return obj


# --- pages -----------------------------------------------------------------------------


def status_page_create(
    *,
    account,
    title: str,
    slug: str,
    time_zone: str | None = None,
    language: str = "en",
    description: str = "",
    show_sla: bool = True,
    enabled: bool = True,
    subscriptions_enabled: bool = True,
    maintenance_reminder_minutes: int = 60,
    password: str | None = None,
    domains: list[str] | None = None,
) -> StatusPage:
    page = StatusPage(
        account=account,
        title=title,
        slug=slug,
        time_zone=time_zone or account.timezone,
        language=language,
        description=description,
        show_sla=show_sla,
        enabled=enabled,
        subscriptions_enabled=subscriptions_enabled,
        maintenance_reminder_minutes=maintenance_reminder_minutes,
    )
    if password:
        page.password_hash = make_password(password)
    with transaction.atomic():
        _save(page)
        if domains:
            status_page_domains_set(account=account, page=page, domains=domains)
    return page


def status_page_update(*, account, page: StatusPage, password: str | None = None, **fields):
    """Change page fields; `password=""` makes the page public, a text sets a new one."""
    _own(account, page, "page")
    for name, value in fields.items():
        setattr(page, name, value)
    if password is not None:
        page.password_hash = make_password(password) if password else ""
    return _save(page)


def logo_content_type(data: bytes) -> str:
    """The image type of an acceptable logo (PNG, JPEG or GIF, at most 200 KB)."""
    if len(data) > LOGO_MAX_BYTES:
        raise ValidationError({"logo": "The logo may be at most 200 KB."})
    kind = next((t for magic, t in LOGO_TYPES.items() if data.startswith(magic)), None)
    if kind is None:
        raise ValidationError({"logo": "Use a PNG, JPEG or GIF image."})
    return kind


def status_page_set_logo(*, account, page: StatusPage, data: bytes | None) -> StatusPage:
    """Store a PNG, JPEG or GIF logo (at most 200 KB); None removes it."""
    _own(account, page, "page")
    if not data:
        page.logo, page.logo_content_type = None, ""
    else:
        page.logo, page.logo_content_type = data, logo_content_type(data)
    page.save(update_fields=["logo", "logo_content_type", "updated_at"])
    return page


@transaction.atomic
def status_page_domains_set(*, account, page: StatusPage, domains: list[str]) -> list[str]:
    """Replace the page's custom domains (each must be free across all accounts).

    The application's own host names, IP addresses, localhost and names without a dot are
    refused (statuspage.hosts.custom_domain_problem), before anything changes.
    """
    _own(account, page, "page")
    wanted = []
    for domain in domains:
        name = hosts.domain_name(domain)
        if name and name not in wanted:
            wanted.append(name)
    problems = [f"{name}: {p}" for name in wanted if (p := hosts.custom_domain_problem(name))]
    if problems:
        raise ValidationError({"domains": problems})
    existing = {
        row.domain: row for row in StatusPageDomain.objects.for_account(account).filter(page=page)
    }
    for name, row in existing.items():
        if name not in wanted:
            row.delete()
    for name in wanted:
        if name in existing:
            continue
        row = StatusPageDomain(account=account, page=page, domain=name)
        try:
            row.full_clean()
        except ValidationError as error:
            raise ValidationError({"domains": [f"{name}: {m}" for m in error.messages]}) from None
        row.save()
    return wanted


# --- components --------------------------------------------------------------------------


def default_public_name(*, service=None, group=None) -> str:
    """The name a component gets when none is given: the service's display name, or the
    SLA group's title (else its name). A service without a display name gets the last part
    of its path as it is written ("api" of "payment/api": the rest of an internal path
    stays internal), never a made-up capitalisation."""
    if service is not None:
        return service.name or service.path.rsplit("/", 1)[-1]
    if group is not None:
        return group.title or group.name
    return ""


def component_create(*, account, page: StatusPage, name: str, service=None, group=None, **fields):
    _own(account, page, "page")
    _own(account, service, "service")
    _own(account, group, "group")
    component = StatusPageComponent(
        account=account, page=page, name=name, service=service, group=group, **fields
    )
    return _save(component)


# --- public incidents ---------------------------------------------------------------------


def _component_statuses(account, incident: PublicIncident, components) -> dict:
    """{component: status} from a dict or a list of components (default partial_outage)."""
    if components is None:
        return {}
    pairs = components.items() if isinstance(components, dict) else [(c, None) for c in components]
    result = {}
    for component, status in pairs:
        _own(account, component, "components")
        if component.page_id != incident.page_id:
            raise ValidationError({"components": f"{component} is not on this page."})
        status = status or ComponentStatus.PARTIAL_OUTAGE
        if status not in INCIDENT_COMPONENT_STATUSES:
            raise ValidationError({"components": f"Unknown component status {status!r}."})
        result[component] = status
    return result


def _apply_components(account, incident, statuses: dict) -> list[dict] | None:
    """Set the affected components' statuses; returns Statuspage `affected_components`."""
    if not statuses:
        return None
    current = {link.component_id: link for link in incident.affected.all()}
    changes = []
    for component, status in statuses.items():
        link = current.get(component.pk)
        old = link.status if link else ComponentStatus.OPERATIONAL
        if link is None:
            PublicIncidentComponent.objects.create(
                account=account, incident=incident, component=component, status=status
            )
        elif link.status != status:
            link.status = status
            link.save(update_fields=["status"])
        changes.append(
            {
                "code": component.public_id,
                "name": component.name,
                "old_status": old,
                "new_status": status,
            }
        )
    return changes


def _set_status(incident: PublicIncident, status: str, at: dt.datetime) -> None:
    incident.status = status
    if status == IncidentStatus.MONITORING and incident.monitoring_at is None:
        incident.monitoring_at = at
    if status in UNRESOLVED_STATUSES:
        incident.resolved_at = None
    elif incident.resolved_at is None:
        incident.resolved_at = at


@transaction.atomic
def public_incident_create(
    *,
    account,
    page: StatusPage,
    name: str,
    body: str,
    status: str = IncidentStatus.INVESTIGATING,
    impact: str = IncidentImpact.MINOR,
    components=None,
    started_at: dt.datetime | None = None,
    source_incident=None,
) -> PublicIncident:
    """Open a public incident with its first timeline entry."""
    _own(account, page, "page")
    _own(account, source_incident, "incident")
    now = timezone.now()
    incident = PublicIncident(
        account=account,
        page=page,
        name=name,
        impact=impact,
        status=status,
        started_at=started_at or now,
        source_incident=source_incident,
    )
    _save(incident)
    public_incident_update_post(
        account=account,
        incident=incident,
        status=status,
        body=body,
        display_at=started_at or now,
        components=components,
    )
    return incident


@transaction.atomic
def public_incident_update_post(
    *,
    account,
    incident: PublicIncident,
    status: str,
    body: str,
    display_at: dt.datetime | None = None,
    components=None,
) -> IncidentUpdate:
    """Add a timeline entry; the incident takes its status (and component statuses)."""
    _own(account, incident, "incident")
    if status not in IncidentStatus.values:
        raise ValidationError({"status": f"Unknown incident status {status!r}."})
    display_at = display_at or timezone.now()
    statuses = _component_statuses(account, incident, components)
    update = IncidentUpdate(
        account=account, incident=incident, status=status, body=body, display_at=display_at
    )
    update.full_clean()
    update.affected_components = _apply_components(account, incident, statuses)
    update.save()
    latest = incident.updates.order_by("-display_at", "-id").first()
    _set_status(incident, latest.status, latest.display_at)
    incident.save()
    return update


def public_incident_resync(*, account, incident: PublicIncident) -> PublicIncident:
    """Take the status of the latest remaining entry (after an entry was edited or removed)."""
    _own(account, incident, "incident")
    latest = incident.updates.order_by("-display_at", "-id").first()
    if latest is not None:
        incident.monitoring_at = None
        for update in incident.updates.order_by("display_at", "id"):
            if update.status == IncidentStatus.MONITORING:
                incident.monitoring_at = update.display_at
                break
        incident.resolved_at = None
        _set_status(incident, latest.status, latest.display_at)
        incident.save()
    return incident


def _impact_for(state: str) -> str:
    return IncidentImpact.MAJOR if state == "CRIT" else IncidentImpact.MINOR


def _component_status_for(state: str) -> str:
    return ComponentStatus.MAJOR_OUTAGE if state == "CRIT" else ComponentStatus.DEGRADED_PERFORMANCE


def _components_for(account, incident, page: StatusPage | None):
    components = StatusPageComponent.objects.for_account(account).filter(public=True)
    if incident.service_id:
        components = components.filter(service_id=incident.service_id)
    else:
        components = components.filter(group_id=incident.group_id)
    if page is not None:
        components = components.filter(page=page)
    return list(components.select_related("page"))


@transaction.atomic
def public_incident_from_incident(
    *,
    account,
    incident,
    page: StatusPage | None = None,
    name: str | None = None,
    body: str | None = None,
    impact: str | None = None,
) -> list[PublicIncident]:
    """Publish an automatic incident: one public incident per page showing its subject.

    Idempotent: a page that already has a public incident from this automatic incident
    keeps it. The name defaults to the component's public name (never the service path).
    A closed automatic incident is published already resolved.
    """
    _own(account, incident, "incident")
    _own(account, page, "page")
    components = _components_for(account, incident, page)
    if page is not None and not components:
        raise ValidationError({"page": "The incident's service is not a public component here."})
    published = []
    by_page: dict[int, list[StatusPageComponent]] = {}
    for component in components:
        by_page.setdefault(component.page_id, []).append(component)
    for page_components in by_page.values():
        target = page_components[0].page
        existing = PublicIncident.objects.for_account(account).filter(
            page=target, source_incident=incident
        )
        if existing.exists():
            published.append(existing.get())
            continue
        state = incident.worst_state
        title = name or (
            f"{page_components[0].name}: "
            + ("outage" if state == "CRIT" else "degraded performance")
        )
        public = public_incident_create(
            account=account,
            page=target,
            name=title,
            body=body or "We are investigating this issue.",
            impact=impact or _impact_for(state),
            components={c: _component_status_for(state) for c in page_components},
            started_at=incident.started_at,
            source_incident=incident,
        )
        if incident.ended_at is not None:
            public_incident_update_post(
                account=account,
                incident=public,
                status=IncidentStatus.RESOLVED,
                body="This incident has been resolved.",
                display_at=incident.ended_at,
            )
        published.append(public)
    return published


def public_incidents_follow_source(*, account, incident) -> int:
    """Resolve public incidents that follow this automatic incident, once it has ended."""
    if incident.ended_at is None:
        return 0
    followers = PublicIncident.objects.for_account(account).filter(
        source_incident=incident, follow_source=True, status__in=UNRESOLVED_STATUSES
    )
    count = 0
    for public in followers:
        public_incident_update_post(
            account=account,
            incident=public,
            status=IncidentStatus.RESOLVED,
            body="This incident has been resolved.",
            display_at=max(incident.ended_at, public.started_at),
        )
        count += 1
    return count


# --- maintenance notes -------------------------------------------------------------------


def maintenance_update_post(
    *,
    account,
    downtime,
    status: str,
    body: str = "",
    display_at: dt.datetime | None = None,
) -> MaintenanceUpdate:
    """A note on a public maintenance; its status overrides the automatic one (e.g. verifying)."""
    _own(account, downtime, "downtime")
    if not downtime.public:
        raise ValidationError({"downtime": "Only public downtimes are shown as maintenance."})
    if status not in MaintenanceStatus.values:
        raise ValidationError({"status": f"Unknown maintenance status {status!r}."})
    note = MaintenanceUpdate(
        account=account,
        downtime=downtime,
        status=status,
        body=body,
        display_at=display_at or timezone.now(),
    )
    return _save(note)
