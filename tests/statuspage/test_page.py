"""The public HTML page: components, 90-day strips, SLA figures, incidents, maintenance."""

import datetime as dt
import gzip
import re

import pytest
import time_machine

from sla.models import DailyUptime
from statuspage.services import (
    maintenance_update_post,
    public_incident_create,
    public_incident_update_post,
)
from tests.factories import (
    AccountFactory,
    AssignmentRuleFactory,
    ComponentGroupFactory,
    DailyUptimeFactory,
    DowntimeFactory,
    PeriodResultFactory,
    ServiceFactory,
    ServiceGroupFactory,
    SLADefinitionFactory,
    StatusPageComponentFactory,
    StatusPageFactory,
)
from tests.statuspage.builders import NOW, page_with_history

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


@pytest.fixture
def account():
    return AccountFactory(name="Acme", slug="acme", timezone="Europe/Berlin")


@pytest.fixture
def page(account):
    return StatusPageFactory(account=account, slug="acme", title="Acme Status")


def _html(client, path="/status/acme/"):
    response = client.get(path)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def _strip(html: str, name: str) -> list[str]:
    match = re.search(rf'<ol class="strip" aria-label="{re.escape(name)}[^"]*">(.*?)</ol>', html)
    assert match, f"no strip for {name}"
    return re.findall(r"<li tabindex=0 class=(d\w)><span>([^<]*)</span></li>", match.group(1))


def test_unknown_and_disabled_pages_are_plain_404(client, account):
    StatusPageFactory(account=account, slug="hidden", enabled=False)
    assert client.get("/status/nope/").status_code == 404
    assert client.get("/status/hidden/").status_code == 404
    assert client.get("/status/hidden/api/v2/summary.json").status_code == 404


def test_unknown_subpaths_and_ids_are_404(client, page):
    for path in ["nothing", "incidents/zzzzzzzzzzzz", "maintenances/000000000000", "api/v2/x.json"]:
        assert client.get(f"/status/acme/{path}").status_code == 404, path
    component = StatusPageComponentFactory(account=page.account, page=page)
    assert (
        client.get(f"/status/acme/components/{component.public_id}/status.svg").status_code == 200
    )
    assert client.get("/status/acme/components/aaaaaaaaaaaa/status.svg").status_code == 404


def test_page_shows_components_with_status_and_90_day_strip(client, account, page):
    service = ServiceFactory(account=account, path="internal/db", current_state="CRIT")
    StatusPageComponentFactory(account=account, page=page, service=service, name="Database")
    DailyUptimeFactory(
        account=account,
        service=service,
        day=dt.date(2026, 11, 20),
        seconds_ok=86400 - 1800,
        seconds_crit=1200,
        seconds_warn=600,
    )
    DailyUptimeFactory(account=account, service=service, day=dt.date(2026, 11, 19))
    html = _html(client)
    assert "Major Service Outage" in html
    assert "Database" in html and "Major Outage" in html
    bars = _strip(html, "Database")
    assert len(bars) == 90
    assert bars[-1][1].startswith("Sat 21 Nov 2026: no data")  # today has no row yet
    assert bars[-2] == (
        "d2",
        "Fri 20 Nov 2026: 98.40% uptime, major outage 20 min, partial outage 10 min",
    )
    assert bars[-3] == ("d0", "Thu 19 Nov 2026: 100% uptime")
    assert bars[0] == ("dn", "Mon 24 Aug 2026: no data")
    assert "99.20% uptime" in html  # two monitored days: (172800 - 1200 - 180) / 172800


def test_strip_days_follow_the_account_time_zone(client, page):
    # 2026-11-21 23:30 UTC is already Sunday 22 Nov in Berlin.
    with time_machine.travel(dt.datetime(2026, 11, 21, 23, 30, tzinfo=dt.UTC), tick=False):
        StatusPageComponentFactory(account=page.account, page=page, name="API")
        bars = _strip(_html(client), "API")
    assert bars[-1][1].startswith("Sun 22 Nov 2026")


def test_start_date_hides_older_days(client, account, page):
    service = ServiceFactory(account=account)
    StatusPageComponentFactory(
        account=account, page=page, service=service, name="New", start_date=dt.date(2026, 11, 20)
    )
    DailyUptimeFactory(account=account, service=service, day=dt.date(2026, 11, 19))
    DailyUptimeFactory(account=account, service=service, day=dt.date(2026, 11, 20))
    bars = _strip(_html(client), "New")
    assert bars[-3][0] == "dn" and bars[-2][0] == "d0"


def test_sections_group_components_and_take_the_worst_status(client, account, page):
    section = ComponentGroupFactory(account=account, page=page, name="Payments", position=1)
    ok = ServiceFactory(account=account, current_state="OK")
    warn = ServiceFactory(account=account, current_state="WARN")
    StatusPageComponentFactory(account=account, page=page, service=ok, name="API", section=section)
    StatusPageComponentFactory(
        account=account, page=page, service=warn, name="Web", section=section
    )
    html = _html(client)
    assert re.search(r"<h3>Payments</h3><span class=\"status s-degraded_performance\">", html)
    assert "Minor Service Outage" in html


def test_sla_group_component_rolls_up_members(client, account, page):
    group = ServiceGroupFactory(account=account, name="checkout", aggregation="worst")
    ServiceFactory(account=account, group=group, current_state="OK")
    ServiceFactory(account=account, group=group, current_state="CRIT")
    StatusPageComponentFactory(account=account, page=page, service=None, group=group, name="Shop")
    html = _html(client)
    assert "Partial Outage" in html and "Partial System Outage" in html


def test_only_show_if_degraded(client, account, page):
    fine = ServiceFactory(account=account, current_state="OK")
    broken = ServiceFactory(account=account, current_state="CRIT")
    StatusPageComponentFactory(
        account=account, page=page, service=fine, name="Quiet", only_show_if_degraded=True
    )
    StatusPageComponentFactory(
        account=account, page=page, service=broken, name="Loud", only_show_if_degraded=True
    )
    html = _html(client)
    assert "Loud" in html and "Quiet" not in html


def _sla_result(account, service, value, *, target=99.9, state="OK", period="monthly"):
    sla = SLADefinitionFactory(
        account=account,
        period=period,
        requirements=[{"title": "Availability", "target": target}],
    )
    AssignmentRuleFactory(account=account, sla=sla, path_glob=service.path)
    return PeriodResultFactory(
        account=account,
        sla=sla,
        service=service,
        period_start=dt.datetime(2026, 10, 31, 23, 0, tzinfo=dt.UTC),
        period_end=dt.datetime(2026, 11, 30, 23, 0, tzinfo=dt.UTC),
        complete=False,
        state=state,
        result={
            "requirements": [
                {"title": "Availability", "kind": "percentage", "value": value, "state": state},
            ]
        },
    )


def test_sla_figure_for_the_current_period(client, account, page):
    service = ServiceFactory(account=account, path="shop/api")
    StatusPageComponentFactory(account=account, page=page, service=service, name="Shop API")
    # The SLA's first requirement is an outage count; the figure is the first percentage one.
    sla = SLADefinitionFactory(
        account=account,
        requirements=[
            {
                "title": "Outages",
                "kind": "outages",
                "comparison": "",
                "target": None,
                "max_count": 2,
            },
            {"title": "Availability", "target": 99.9},
        ],
    )
    AssignmentRuleFactory(account=account, sla=sla, path_glob="shop/*")
    PeriodResultFactory(
        account=account,
        sla=sla,
        service=service,
        period_start=dt.datetime(2026, 10, 31, 23, 0, tzinfo=dt.UTC),
        period_end=dt.datetime(2026, 11, 30, 23, 0, tzinfo=dt.UTC),
        complete=False,
        state="OK",
        result={
            "requirements": [
                {"title": "Outages", "kind": "outages", "count": 0, "remaining": 2},
                {"title": "Availability", "kind": "percentage", "value": 99.9573, "state": "OK"},
            ]
        },
    )
    html = _html(client)
    assert "SLA: 99.95% this month, target 99.9%" in html  # 99.9573, rounded


def test_broken_sla_is_marked_and_no_result_shows_nothing(client, account, page):
    broken = ServiceFactory(account=account, path="a/broken")
    unknown = ServiceFactory(account=account, path="b/none")
    StatusPageComponentFactory(account=account, page=page, service=broken, name="Broken")
    StatusPageComponentFactory(account=account, page=page, service=unknown, name="Unknown")
    _sla_result(account, broken, 99.497, target=99.5, state="BROKEN", period="weekly")
    html = _html(client)
    assert "SLA: 99.49% this week, target 99.5% (below target)" in html
    assert html.count("SLA:") == 1


def _sla_figure(account, page, value, *, target, comparison, state, result_state):
    service = ServiceFactory(account=account, path="shop/api")
    StatusPageComponentFactory(account=account, page=page, service=service, name="Shop API")
    sla = SLADefinitionFactory(
        account=account,
        requirements=[
            {"title": "Figure", "state": state, "comparison": comparison, "target": target}
        ],
    )
    AssignmentRuleFactory(account=account, sla=sla, path_glob=service.path)
    PeriodResultFactory(
        account=account,
        sla=sla,
        service=service,
        period_start=dt.datetime(2026, 10, 31, 23, 0, tzinfo=dt.UTC),
        period_end=dt.datetime(2026, 11, 30, 23, 0, tzinfo=dt.UTC),
        complete=False,
        state=result_state,
        result={
            "requirements": [
                {
                    "title": "Figure",
                    "kind": "percentage",
                    "value": value,
                    "target": target,
                    "comparison": comparison,
                    "state": result_state,
                },
            ]
        },
    )


@pytest.mark.parametrize(
    ("value", "target", "comparison", "state", "result_state", "text"),
    [
        # min: kept on its side of the target, with as many decimals as that takes.
        (99.95, 99.9, "min", "OK", "OK", "99.95% this month, target 99.9%"),
        (99.9004, 99.9, "min", "OK", "OK", "99.9004% this month, target 99.9%"),
        (99.8996, 99.9, "min", "OK", "BROKEN", "99.89% this month, target 99.9% (below target)"),
        (99.9, 99.9, "min", "OK", "OK", "99.90% this month, target 99.9%"),
        (99.99999, 99.99999, "min", "OK", "OK", "99.99999% this month, target 99.99999%"),
        # max: "at most", and broken means above the limit.
        (5.004, 5, "max", "CRIT", "BROKEN", "5.004% outage this month, at most 5% (above limit)"),
        (4.9996, 5, "max", "CRIT", "OK", "4.99% outage this month, at most 5%"),
        (0.42, 1, "max", "CRIT", "OK", "0.42% outage this month, at most 1%"),
        (2.5, 2, "max", "WARN", "BROKEN", "2.50% degraded this month, at most 2% (above limit)"),
    ],
)
def test_sla_figure_never_crosses_its_target(
    client, account, page, value, target, comparison, state, result_state, text
):
    _sla_figure(
        account,
        page,
        value,
        target=target,
        comparison=comparison,
        state=state,
        result_state=result_state,
    )
    html = _html(client)
    assert re.findall(r'<p class="sla[^"]*"[^>]*>SLA: ([^<]*)</p>', html) == [text]
    assert ("sla broken" in html) == (result_state == "BROKEN")


def test_sla_figure_for_max_in_german(client, account, page):
    page.language = "de"
    page.save()
    _sla_figure(
        account, page, 5.004, target=5, comparison="max", state="CRIT", result_state="BROKEN"
    )
    html = _html(client)
    assert "SLA: 5.004% Ausfall diesen Monat, höchstens 5% (über Höchstwert)" in html


def test_uptime_figures_use_the_shared_percent_format(client, account, page):
    # 435 s of major outage in a day: 99.4965 % uptime, shown "99.49%" (sla.display rounds;
    # no target to stay on a side of), where the old page-only format showed "99.49%".
    service = ServiceFactory(account=account)
    StatusPageComponentFactory(account=account, page=page, service=service, name="API")
    DailyUptimeFactory(
        account=account,
        service=service,
        day=dt.date(2026, 11, 20),
        seconds_ok=86400 - 435,
        seconds_crit=435,
    )
    html = _html(client)
    assert _strip(html, "API")[-2] == ("d1", "Fri 20 Nov 2026: 99.49% uptime, major outage 7 min")
    assert ">99.49% uptime</span>" in html  # with the figure's hover text


def test_sla_figures_hidden_when_sla_feature_off_or_page_says_so(client, account, page):
    service = ServiceFactory(account=account, path="x/api")
    StatusPageComponentFactory(account=account, page=page, service=service, name="X")
    _sla_result(account, service, 99.99)
    assert "SLA: 99.99%" in _html(client)
    page.show_sla = False
    page.save()
    assert "SLA:" not in _html(client)
    page.show_sla = True
    page.save()
    account.feature_sla = False
    account.save()
    page.save()  # bump the page cache
    assert "SLA:" not in _html(client)


def test_incident_timeline_and_history_by_month(client, account, page):
    component = StatusPageComponentFactory(account=account, page=page, name="API")
    incident = public_incident_create(
        account=account,
        page=page,
        name="API errors",
        body="Looking into it.",
        impact="major",
        components={component: "partial_outage"},
        started_at=NOW - dt.timedelta(hours=1),
    )
    html = _html(client)
    assert "Active incidents" in html and "API errors" in html and "Looking into it." in html
    assert "Partial System Outage" in html
    public_incident_update_post(
        account=account, incident=incident, status="resolved", body="Fixed & verified."
    )
    old = public_incident_create(
        account=account,
        page=page,
        name="September hiccup",
        body="Slow pages.",
        started_at=dt.datetime(2026, 9, 3, 10, tzinfo=dt.UTC),
    )
    public_incident_update_post(account=account, incident=old, status="resolved", body="Done.")
    html = _html(client)
    assert "All Systems Operational" in html
    assert "Past incidents" in html and "Fixed &amp; verified." in html
    assert "September hiccup" not in html  # older than 7 days: history only
    history = _html(client, "/status/acme/history")
    months = re.findall(r"<h2>([A-Z][a-z]+ 2026)</h2>", history)
    assert months[:3] == ["November 2026", "October 2026", "September 2026"]
    assert history.index("September hiccup") > history.index("October 2026")
    assert "No incidents reported this month." in history
    detail = _html(client, f"/status/acme/incidents/{incident.public_id}")
    assert "Fixed &amp; verified." in detail and "Looking into it." in detail


def test_maintenance_shows_before_it_starts_and_while_running(client, account, page):
    service = ServiceFactory(account=account)
    StatusPageComponentFactory(account=account, page=page, service=service, name="DB")
    downtime = DowntimeFactory(
        account=account,
        service=service,
        public=True,
        reason="Database upgrade",
        start=NOW + dt.timedelta(days=1),
        end=NOW + dt.timedelta(days=1, hours=2),
    )
    DowntimeFactory(
        account=account,
        service=service,
        public=False,
        reason="Secret work",
        start=NOW - dt.timedelta(hours=1),
        end=NOW + dt.timedelta(hours=1),
    )
    html = _html(client)
    assert "Database upgrade" in html and "Scheduled" in html
    assert "Secret work" not in html
    assert "All Systems Operational" in html
    with time_machine.travel(NOW + dt.timedelta(days=1, hours=1), tick=False):
        downtime.save()
        html = _html(client)
        assert "Service Under Maintenance" in html and "Under Maintenance" in html
    with time_machine.travel(NOW + dt.timedelta(days=1, hours=3), tick=False):
        maintenance_update_post(
            account=account, downtime=downtime, status="verifying", body="Checking replicas."
        )
        html = _html(client)
        assert "Checking replicas." in html and "Verifying" in html


def test_language_german(client, account, page):
    page.language = "de"
    page.save()
    StatusPageComponentFactory(account=account, page=page, name="API")
    html = _html(client)
    assert '<html lang="de">' in html and "Alle Systeme betriebsbereit" in html
    assert "Sa 21. Nov 2026: keine Daten" in html


def test_times_are_shown_in_the_page_time_zone(client, account, page):
    page.time_zone = "America/New_York"
    page.save()
    public_incident_create(
        account=account, page=page, name="Blip", body="x", started_at=NOW - dt.timedelta(hours=1)
    )
    html = _html(client)
    assert "Sat 21 Nov 2026, 06:00" in html  # 11:00 UTC
    assert "Times in America/New_York." in html


def test_fifty_components_stay_under_50_kb_compressed(client, account):
    page_with_history(account, components=50, now=NOW, slug="big")
    response = client.get("/status/big/", HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    html = gzip.decompress(response.content).decode()
    assert html.count('<ol class="strip"') == 50 and html.count("<li tabindex=0") == 4500
    assert len(response.content) < 50 * 1024, len(response.content)


def test_page_reads_a_bounded_number_of_queries(client, account, django_assert_max_num_queries):
    page_with_history(account, components=30, now=NOW, slug="many")
    with django_assert_max_num_queries(20):
        assert client.get("/status/many/").status_code == 200
    assert DailyUptime.objects.count() == 30 * 90


def test_no_third_party_assets_or_scripts(client, account, page):
    StatusPageComponentFactory(account=account, page=page, name="API")
    response = client.get("/status/acme/")
    html = response.content.decode()
    assert "<script" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "script-src" not in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]
