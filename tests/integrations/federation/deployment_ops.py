"""Operations run *inside* one of the two live deployments of the two-deployment test
(`manage.py shell -c "from tests.integrations.federation.deployment_ops import run; run(...)"`
with that deployment's environment): setting accounts up, rolling up, reading figures.
Each prints one line `RESULT <json>` for the test to read."""

import datetime as dt
import json

from django.db import transaction

PORTAL_SLUG = "status-co"
PLUGIN_SLUG = "itops"
PAGE_SLUG = "status"


def _account(slug):
    from accounts.models import Account

    return Account.objects.get(slug=slug)


def setup(*, slug: str, scopes: list[str], link: bool, services: list | None = None) -> dict:
    """The deployment's account and a token (its secret returned); the plugin also gets an
    enabled portal link whose URL and key come from the environment (ITOPS_SLA_PORTAL_*)."""
    from accounts.services import account_create, token_create
    from integrations.federation.models import PortalLink

    account = account_create(name=slug.title(), slug=slug, timezone_name="UTC")
    _, secret = token_create(account=account, name="two-deployment test", scopes=scopes)
    if link:
        PortalLink.objects.create(account=account, enabled=True)
    if services:
        from sla.services.imports import services_import

        services_import(account=account, documents=services)
    return {"secret": secret}


def push_incidents(*, slug: str) -> dict:
    """The periodic incident scan of the sending side."""
    from integrations.federation.services import portal_push_incidents

    return {"queued": portal_push_incidents(account=_account(slug))}


def rollup(*, slug: str, now: str) -> dict:
    from sla.services.rollups import account_rollup, incidents_refresh_account

    account = _account(slug)
    instant = dt.datetime.fromisoformat(now)
    incidents_refresh_account(account=account, now=instant)
    stats = account_rollup(account=account, now=instant)
    return {"complete": stats.complete}


def page(*, slug: str, services: list[str], groups: list[str]) -> dict:
    """A public status page with a component per service and group (named by path)."""
    from sla.models import Service, ServiceGroup
    from statuspage.models import StatusPage, StatusPageComponent

    account = _account(slug)
    with transaction.atomic():
        status_page, _ = StatusPage.objects.get_or_create(
            account=account, slug=PAGE_SLUG, defaults={"title": "Status"}
        )
        for position, path in enumerate(services):
            service = Service.objects.for_account(account).get(path=path)
            StatusPageComponent.objects.get_or_create(
                account=account,
                page=status_page,
                service=service,
                defaults={"name": path, "position": position},
            )
        for position, name in enumerate(groups, start=len(services)):
            group = ServiceGroup.objects.for_account(account).get(name=name)
            StatusPageComponent.objects.get_or_create(
                account=account,
                page=status_page,
                group=group,
                defaults={"name": f"group {name}", "position": position},
            )
    return {"page": status_page.slug}


def figures(*, slug: str, now: str) -> dict:
    """The page's components with their status and 90-day figures, exactly as stored."""
    from statuspage.models import StatusPage
    from statuspage.selectors.snapshot import page_snapshot

    status_page = StatusPage.objects.get(account=_account(slug), slug=PAGE_SLUG)
    snapshot = page_snapshot(page=status_page, now=dt.datetime.fromisoformat(now), history=True)
    components = {
        component.name: {
            "status": component.status,
            "uptime_90": component.uptime_90,
            "days": [
                [
                    day.isoformat(),
                    None if f is None else [f.ok, f.warn, f.crit, f.unknown, f.downtime],
                ]
                for day, f in component.days
            ],
        }
        for component in snapshot.components
    }
    return {"uptime_90": snapshot.uptime_90, "components": components}


def outbox(*, slug: str) -> dict:
    from reporting.models import Delivery

    rows = (
        Delivery.objects.for_account(_account(slug)).filter(kind="portal").select_related("message")
    )
    return {
        "deliveries": [
            {
                "event_id": str(row.message.event_id),
                "type": row.message.event_type,
                "status": row.status,
                "attempts": row.attempts,
                "last_error": row.last_error,
            }
            for row in rows.order_by("id")
        ]
    }


def deliver(*, slug: str, now: str) -> dict:
    """What the periodic outbox job does once the retry times have come."""
    from reporting.services.notifications import outbox_process_due

    attempted = outbox_process_due(now=dt.datetime.fromisoformat(now))
    return {"attempted": attempted}


def received(*, slug: str) -> dict:
    from integrations.federation.models import InboundReceipt, PushedReport

    account = _account(slug)
    return {
        "receipts": sorted(
            InboundReceipt.objects.for_account(account).values_list("event_id", flat=True)
        ),
        "reports": sorted(
            (report.day.isoformat(), report.json_sha256)
            for report in PushedReport.objects.for_account(account)
        ),
    }


def local_reports(*, slug: str) -> dict:
    import hashlib
    import json as json_module

    from reporting.models import DailyReport
    from reporting.services.reports import report_file

    rows = []
    for report in DailyReport.objects.for_account(_account(slug)):
        document = json_module.loads(report_file(report.json_path).read_bytes())
        canonical = json_module.dumps(document, separators=(",", ":"), sort_keys=True).encode()
        rows.append((report.day.isoformat(), hashlib.sha256(canonical).hexdigest()))
    return {"reports": sorted(rows)}


OPERATIONS = {
    "setup": setup,
    "rollup": rollup,
    "push_incidents": push_incidents,
    "page": page,
    "figures": figures,
    "outbox": outbox,
    "deliver": deliver,
    "received": received,
    "local_reports": local_reports,
}


def build_report(*, slug: str, day: str) -> dict:
    """What `manage.py build_report` does (the report is announced, so pushed)."""
    from reporting.services.reports import daily_report_build

    report = daily_report_build(
        account=_account(slug), day=dt.date.fromisoformat(day), regenerate=True
    )
    return {"day": report.day.isoformat()}


OPERATIONS["build_report"] = build_report


def run(calls: str) -> None:
    """Run [[operation, {arguments}], ...] in order (one process start for several)."""
    results = [OPERATIONS[name](**arguments) for name, arguments in json.loads(calls)]
    print("RESULT " + json.dumps(results, default=str))
