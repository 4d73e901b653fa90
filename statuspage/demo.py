"""Demo data: the demo account's public status page (run by `seed_demo` / `make run`).

Runs after the seeders that create services, groups and their history: it publishes
whatever services exist (grouped by their SLA group), adds a resolved incident with a full
timeline, an ongoing one, publishes the latest automatic incident if there is one, and
schedules a public maintenance. Idempotent: re-running adds nothing twice.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings

from sla.models import Downtime, Incident, Service, ServiceGroup
from statuspage.models import (
    ComponentGroup,
    PublicIncident,
    StatusPage,
    StatusPageComponent,
)
from statuspage.services import (
    component_create,
    default_public_name,
    public_incident_create,
    public_incident_from_incident,
    public_incident_update_post,
    status_page_create,
)

PAGE_SLUG = "demo"
MAINTENANCE_REASON = "Database upgrade (planned)"


def public_name(service: Service) -> str:
    """A customer-facing name: the service's display name (see default_public_name)."""
    return default_public_name(service=service)


def _page(account) -> StatusPage:
    page = StatusPage.objects.for_account(account).filter(slug=PAGE_SLUG).first()
    if page is None:
        page = status_page_create(
            account=account,
            title=f"{account.name} Status",
            slug=PAGE_SLUG,
            description="Live status of our services, with 90-day uptime and our SLA figures.",
        )
    return page


def _sections(account, page) -> dict[int | None, ComponentGroup | None]:
    sections: dict[int | None, ComponentGroup | None] = {None: None}
    for position, group in enumerate(ServiceGroup.objects.for_account(account).order_by("name")):
        section, _ = ComponentGroup.objects.get_or_create(
            account=account,
            page=page,
            name=group.title or group.name.replace("-", " ").title(),
            defaults={"position": position + 1},
        )
        sections[group.pk] = section
    return sections


def _components(account, page) -> list[StatusPageComponent]:
    sections = _sections(account, page)
    existing = set(
        StatusPageComponent.objects.for_account(account)
        .filter(page=page, service__isnull=False)
        .values_list("service_id", flat=True)
    )
    services = Service.objects.for_account(account).order_by("group_id", "path")
    for position, service in enumerate(services):
        if service.pk in existing:
            continue
        component_create(
            account=account,
            page=page,
            name=public_name(service),
            service=service,
            section=sections.get(service.group_id),
            position=position,
        )
    return list(
        StatusPageComponent.objects.for_account(account).filter(page=page).order_by("position")
    )


def _resolved_incident(account, page, components, now) -> None:
    name = "Elevated error rates on checkout"
    if PublicIncident.objects.for_account(account).filter(page=page, name=name).exists():
        return
    affected = dict.fromkeys(components[:1], "partial_outage")
    started = now - dt.timedelta(days=3, hours=2)
    incident = public_incident_create(
        account=account,
        page=page,
        name=name,
        impact="major",
        body="We are investigating increased error rates for some customers.",
        components=affected,
        started_at=started,
    )
    timeline = [
        ("identified", 25, "A faulty deployment was identified and is being rolled back."),
        ("monitoring", 50, "The rollback is complete; error rates are back to normal."),
        ("resolved", 95, "This incident has been resolved. We will publish a postmortem."),
    ]
    for status, minutes, body in timeline:
        changes = dict.fromkeys(affected, "operational") if status == "resolved" else None
        public_incident_update_post(
            account=account,
            incident=incident,
            status=status,
            body=body,
            display_at=started + dt.timedelta(minutes=minutes),
            components=changes,
        )


def _ongoing_incident(account, page, components, now) -> None:
    name = "Slow report generation"
    if PublicIncident.objects.for_account(account).filter(page=page, name=name).exists():
        return
    incident = public_incident_create(
        account=account,
        page=page,
        name=name,
        impact="minor",
        body="Some reports take longer than usual to generate.",
        components=dict.fromkeys(components[-1:], "degraded_performance"),
        started_at=now - dt.timedelta(minutes=50),
    )
    public_incident_update_post(
        account=account,
        incident=incident,
        status="monitoring",
        body="A fix has been deployed; we are monitoring report times.",
        display_at=now - dt.timedelta(minutes=10),
    )


def _publish_latest_automatic(account, page) -> None:
    published = PublicIncident.objects.for_account(account).filter(
        page=page, source_incident__isnull=False
    )
    if published.exists():
        return
    shown = StatusPageComponent.objects.for_account(account).filter(page=page, public=True)
    latest = (
        Incident.objects.for_account(account)
        .filter(service_id__in=shown.values("service_id"), ended_at__isnull=False)
        .order_by("-started_at")
        .first()
    )
    if latest is not None:
        public_incident_from_incident(account=account, incident=latest, page=page)


def _maintenance(account, page, components, now) -> None:
    if (
        Downtime.objects.for_account(account)
        .filter(reason=MAINTENANCE_REASON, public=True, start__gt=now)
        .exists()
    ):
        return
    zone = ZoneInfo(account.timezone)
    local = (now + dt.timedelta(days=2)).astimezone(zone)
    start = local.replace(hour=2, minute=0, second=0, microsecond=0)
    target = components[0] if components else None
    Downtime.objects.create(
        account=account,
        service=target.service if target and target.service_id else None,
        reason=MAINTENANCE_REASON,
        start=start,
        end=start + dt.timedelta(hours=1),
        timezone=account.timezone,
        public=True,
    )


def seed(account, now) -> list[str]:
    page = _page(account)
    components = _components(account, page)
    _resolved_incident(account, page, components, now)
    _ongoing_incident(account, page, components, now)
    _publish_latest_automatic(account, page)
    _maintenance(account, page, components, now)
    url = f"{settings.SLA_PUBLIC_BASE_URL}/status/{page.slug}/"
    lines = [f"Status page: {url} ({len(components)} components)"]
    if not components:
        lines.append("Status page: no services yet; components appear once services exist.")
    return lines
