"""Retention changes no figure the product shows: two accounts with months of history,
their API answers, status pages, burn-down charts and SLO charts before and after the
pruning job, compared whole (sla.services.retention). Raw events are pruned too
(SLA_EVENT_RETENTION_DAYS): the oldest SLA periods freeze with the figures they had."""

import datetime as dt
import re
from urllib.parse import quote

import pytest
import time_machine
from django.core.cache import cache
from django.test import override_settings

from reporting.selectors.sli import slo_rate_series
from sla.burn_down import slo_burn_down_svg
from sla.models import (
    SLO,
    Incident,
    Service,
    ServiceGroup,
    SLOHourBucket,
    StatusEvent,
    UptimeSnapshot,
)
from sla.selectors.history import histories
from sla.services.ingest import events_ingest
from sla.services.results import period_results_refresh_account
from sla.services.retention import account_retention
from sla.services.rollups import account_rollup
from sla.services.slo_buckets import slo_buckets_refresh
from tests.factories import (
    AssignmentRuleFactory,
    ServiceFactory,
    ServiceGroupFactory,
    SLADefinitionFactory,
    SLOFactory,
    StatusPageComponentFactory,
    StatusPageFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
NOW = dt.datetime(2026, 11, 20, 12, 7, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
HISTORY_DAYS = 200


EVENT_RETENTION_DAYS = 402  # the smallest accepted with SLA_SNAPSHOT_MAX_DAYS=20


@pytest.fixture
def short_horizons(settings):
    settings.SLA_SNAPSHOT_MAX_DAYS = 20  # so that a month of snapshots has some to prune
    settings.SLA_SLO_HOUR_RETENTION_DAYS = 35
    settings.SLA_EVENT_RETENTION_DAYS = EVENT_RETENTION_DAYS


def _iso(instant: dt.datetime) -> str:
    return quote(instant.isoformat())


def _events(path: str, offset_hours: int, bad: str) -> list[dict]:
    """A service OK from HISTORY_DAYS back, with a `bad` spell of 40 minutes every 5 days."""
    start = NOW - HISTORY_DAYS * DAY
    items = [{"service": path, "at": start.isoformat(), "state": "OK"}]
    for day in range(1, HISTORY_DAYS, 5):
        bad_at = start + day * DAY + dt.timedelta(hours=(day + offset_hours) % 24, minutes=13)
        items.append({"service": path, "at": bad_at.isoformat(), "state": bad})
        ok_at = bad_at + dt.timedelta(minutes=40)
        items.append({"service": path, "at": ok_at.isoformat(), "state": "OK"})
    return items


def _item(path: str, at: dt.datetime, state: str) -> dict:
    return {"service": path, "at": at.isoformat(), "state": state}


def old_events() -> list[dict]:
    """Before those 200 days: `web` CRIT for 30 minutes every 20 days from 480 days back,
    `db` WARN for 54 days across the event horizon (an incident open across it)."""
    start = NOW - 480 * DAY
    items = [_item("web", start, "OK"), _item("db", start, "OK")]
    for day in range(5, 280, 20):
        bad = start + day * DAY + dt.timedelta(hours=day % 24)
        items += [_item("web", bad, "CRIT"), _item("web", bad + dt.timedelta(minutes=30), "OK")]
    items += [_item("db", NOW - 450 * DAY, "WARN"), _item("db", NOW - 396 * DAY, "OK")]
    return items


def _build(account, slug: str) -> None:
    """Services, a group, an SLA, three SLOs and a status page, with derived rows made the
    way the jobs make them: snapshots and SLO buckets first up to an earlier instant."""
    group = ServiceGroupFactory(account=account, name="all", aggregation="worst")
    for path in ("web", "db"):
        ServiceFactory(account=account, path=path, group=group)
    with time_machine.travel(NOW, tick=False), override_settings(SLA_EVENT_RETENTION_DAYS=0):
        items = _events("web", 3, "CRIT") + _events("db", 7, "WARN") + old_events()
        assert not events_ingest(account=account, items=items).errors
    AssignmentRuleFactory(account=account, sla=SLADefinitionFactory(account=account))
    web = Service.objects.for_account(account).get(path="web")
    SLOFactory(account=account, name="web 30d", service=web, window_days=30)
    SLOFactory(account=account, name="web 7d", service=web, window_days=7, target=99)
    SLOFactory(
        account=account,
        name="all month",
        service=None,
        group=group,
        window_kind="calendar",
        window_days=None,
        calendar_unit="month",
        timezone="Asia/Tokyo",
    )
    page = StatusPageFactory(account=account, slug=slug, title=slug, time_zone=account.timezone)
    StatusPageComponentFactory(account=account, page=page, service=web, name="Web", position=1)
    for earlier in (NOW - 100 * DAY, NOW - 10 * DAY, NOW):
        with time_machine.travel(earlier, tick=False):
            account_rollup(account=account, now=earlier)
            slo_buckets_refresh(account=account, now=earlier)
    with time_machine.travel(NOW, tick=False):
        period_results_refresh_account(account=account, now=NOW)


def _json(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return response.json()


def _api_figures(client, account) -> dict:
    figures = {}
    urls = [
        "/api/v1/slos",
        "/api/v1/reports?last=24",
        "/api/v1/dashboard/stats",
        "/api/v1/dashboard/trend?days=400",
        "/api/v1/dashboard/period-results?last=12",
    ]
    for slo in SLO.objects.for_account(account):
        urls += [
            f"/api/v1/slos/{slo.pk}",
            f"/api/v1/slos/{slo.pk}/snapshots",
            f"/api/v1/slos/{slo.pk}/snapshots?resolution=1h&from={_iso(NOW - 4 * DAY)}",
            f"/api/v1/slos/{slo.pk}/burn-rate",
        ]
    subjects = (
        ("services", Service.objects.for_account(account)),
        ("groups", ServiceGroup.objects.for_account(account)),
    )
    for kind, rows in subjects:
        for pk in rows.values_list("pk", flat=True):
            urls += [
                f"/api/v1/{kind}/{pk}/snapshots",
                f"/api/v1/{kind}/{pk}/snapshots?resolution=1h",
                f"/api/v1/{kind}/{pk}/snapshots?resolution=1h&from={_iso(NOW - 19 * DAY)}",
                f"/api/v1/{kind}/{pk}/snapshots?resolution=1d&from={_iso(NOW - 400 * DAY)}",
                f"/api/v1/{kind}/{pk}/sla?last=12",
            ]
    for url in urls:
        figures[url] = _json(client, url)
    return figures


def _chart_figures(account) -> dict:
    figures = {}
    for slo in SLO.objects.for_account(account):
        figures[f"burn-down {slo.name}"] = slo_burn_down_svg(slo, now=NOW)
        figures[f"rate 30d {slo.name}"] = slo_rate_series(
            account=account, slo=slo, now=NOW, length=30 * DAY, step=dt.timedelta(hours=1)
        )
    return figures


def _page_figures(client, slug: str) -> dict:
    cache.clear()  # the status page's edge cache would answer from before
    return {
        "summary": _json(client, f"/status/{slug}/api/v2/summary.json"),
        "page": _html(client, f"/status/{slug}/"),
    }


def _html(client, url: str) -> str:
    """A page without what differs per request (CSRF tokens, CSP nonces)."""
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    return re.sub(r'nonce="[^"]*"', "", html)


def _dashboard_figures(client, user, account) -> dict:
    """The dashboard pages a member of `account` sees: the overview, each SLO's page with
    its 30-day chart (hour rows), each service's SLA page."""
    client.force_login(user)
    urls = ["/dashboard/"]
    urls += [f"/dashboard/slos/{pk}/?chart=30d" for pk in _pks(SLO, account)]
    urls += [f"/dashboard/services/{pk}/sla/" for pk in _pks(Service, account)]
    figures = {url: _html(client, url) for url in urls}
    client.logout()
    return figures


def _pks(model, account) -> list[int]:
    return list(model.objects.for_account(account).order_by("pk").values_list("pk", flat=True))


def _result_urls(account) -> list[str]:
    """SLA results reaching back past the event horizon (frozen periods among them)."""
    since, until = _iso(NOW - 470 * DAY), _iso(NOW)
    urls = ["/api/v1/incidents?page_size=500"]
    for kind, model in (("services", Service), ("groups", ServiceGroup)):
        for pk in _pks(model, account):
            urls += [
                f"/api/v1/{kind}/{pk}/sla?last=17",
                f"/api/v1/{kind}/{pk}/sla?from={since}&to={until}",
            ]
    return urls


def _result_figures(client, account) -> dict:
    """The figures of each answer: every period's stored JSON; the spans behind a frozen
    period (its events pruned) and the `frozen` flag are counted apart."""
    figures = {"frozen periods": 0}
    for url in _result_urls(account):
        body = _json(client, url)
        for period in body.get("periods", []) if isinstance(body, dict) else []:
            figures["frozen periods"] += period.pop("frozen")
            for requirement in period["requirements"]:
                requirement.pop("spans", None), requirement.pop("spans_truncated", None)
        figures[url] = body
    return figures


def carried_states(account) -> dict:
    """The history every reader gets from starts around and after the event horizon."""
    horizon = NOW - EVENT_RETENTION_DAYS * DAY
    services = _pks(Service, account)
    return {
        offset: histories(account=account, starts=dict.fromkeys(services, horizon + offset * DAY))
        for offset in (-2, 0, 1, 6, 30, 300)
    }


def _incidents() -> list[tuple]:
    return sorted(Incident.objects.values_list("account", "started_at", "ended_at", "worst_state"))


def _figures(tenants, api_a, api_b, client) -> dict:
    with time_machine.travel(NOW, tick=False):
        return {
            "a dashboard": _dashboard_figures(client, tenants.owner_a, tenants.a),
            "b dashboard": _dashboard_figures(client, tenants.outsider, tenants.b),
            "a api": _api_figures(api_a, tenants.a),
            "b api": _api_figures(api_b, tenants.b),
            "a charts": _chart_figures(tenants.a),
            "b charts": _chart_figures(tenants.b),
            "a page": _page_figures(client, "alpha-page"),
            "b page": _page_figures(client, "beta-page"),
            "a results": _result_figures(api_a, tenants.a),
            "b results": _result_figures(api_b, tenants.b),
            "a history": carried_states(tenants.a),
            "b history": carried_states(tenants.b),
            "incidents": _incidents(),
        }


def test_pruning_changes_no_figure_the_product_shows(tenants, api_a, api_b, client, short_horizons):
    tenants.b.timezone = "America/New_York"
    tenants.b.save()
    _build(tenants.a, "alpha-page")
    _build(tenants.b, "beta-page")
    before = _figures(tenants, api_a, api_b, client)
    assert before["a results"]["frozen periods"] == 0
    counts = (UptimeSnapshot.objects.count(), SLOHourBucket.objects.count())
    events = StatusEvent.objects.count()
    for account in (tenants.a, tenants.b):
        stats = account_retention(account=account, now=NOW)
        assert stats.snapshots > 0 and stats.slo_hours > 0 and stats.events > 0
        assert stats.complete
    assert UptimeSnapshot.objects.count() < counts[0]
    assert SLOHourBucket.objects.count() < counts[1]
    assert StatusEvent.objects.count() < events
    after = _figures(tenants, api_a, api_b, client)
    for tenant in "ab":  # the oldest periods are frozen now, with the figures they had
        assert after[f"{tenant} results"].pop("frozen periods") > 0
        before[f"{tenant} results"].pop("frozen periods")
    for name in before:
        assert after[name] == before[name], name
    # The jobs change nothing either (frozen periods are not recomputed), and a second run
    # finds nothing more to do.
    with time_machine.travel(NOW, tick=False):
        for account in (tenants.a, tenants.b):
            period_results_refresh_account(account=account, now=NOW)
            account_rollup(account=account, now=NOW)
    with time_machine.travel(NOW, tick=False):
        again = _result_figures(api_a, tenants.a)
    again.pop("frozen periods")
    assert again == after["a results"]
    assert _incidents() == after["incidents"]
    second = account_retention(account=tenants.a, now=NOW)
    assert (second.snapshots, second.events) == (0, 0)
