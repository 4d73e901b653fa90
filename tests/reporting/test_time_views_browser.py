"""The time views and the status page's allowed-downtime tooltip in headless Chromium:
the incident row, the chart and the nines table are drawn; the SLO page opens from the
service page; the tooltip text shows on keyboard focus (no JavaScript on the page)."""

import datetime as dt
import shutil

import pytest
import time_machine

from sla.services.slo_buckets import slo_buckets_refresh
from tests.factories import (
    AssignmentRuleFactory,
    MembershipFactory,
    PeriodResultFactory,
    ServiceFactory,
    SLADefinitionFactory,
    SLOFactory,
    StatusPageComponentFactory,
    StatusPageFactory,
    UserFactory,
)
from tests.reporting.test_browser import CHROMIUM_ARGS, PASSWORD, _watch
from tests.reporting.test_time_views import NOW, _recipe_traffic

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def scene(transactional_db, tenants, settings):
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    settings.CSRF_COOKIE_AGE = None
    with time_machine.travel(NOW, tick=True):
        service = ServiceFactory(account=tenants.a, path="shop/web", current_state="OK")
        _recipe_traffic(tenants.a, service)
        sla = SLADefinitionFactory(
            account=tenants.a, requirements=[{"title": "Availability", "target": 99.9}]
        )
        AssignmentRuleFactory(account=tenants.a, sla=sla, path_glob="shop/*")
        # The status page shows another service: opening a service's SLA page stores its
        # computed current period (over the hand-made result below).
        shown = ServiceFactory(account=tenants.a, path="shop/shown", current_state="OK")
        PeriodResultFactory(
            account=tenants.a,
            sla=sla,
            service=shown,
            period_start=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
            period_end=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
            complete=False,
            state="OK",
            result={
                "requirements": [
                    {"title": "Availability", "kind": "percentage", "value": 99.95, "state": "OK"}
                ]
            },
        )
        slo = SLOFactory(
            account=tenants.a, service=service, sli_kind="requests", target=99.5, name="web"
        )
        slo_buckets_refresh(account=tenants.a, now=NOW)
        page = StatusPageFactory(account=tenants.a, slug="alpha")
        StatusPageComponentFactory(account=tenants.a, page=page, service=shown, name="Shop")
        user = UserFactory(username="viewer-of-times")
        user.set_password(PASSWORD)
        user.save()
        MembershipFactory(account=tenants.a, user=user, role="viewer")
        yield user, service, slo


def test_time_views_and_tooltip_in_chromium(live_server, scene, artifacts):
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Debian's chromium is missing: run scripts/system-deps.sh")
    from playwright.sync_api import sync_playwright

    user, service, slo = scene
    problems: list[str] = []
    with time_machine.travel(NOW, tick=True), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            _watch(page, problems)
            page.goto(f"{live_server.url}/dashboard/services/{service.pk}/sla/")
            page.fill("#id_username", user.username)
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"**/dashboard/services/{service.pk}/sla/")
            assert page.locator("#sli-windows tr.incident").count() == 2  # requests and SLO
            assert page.locator("#sli-windows .incident-note").first.is_visible()
            assert page.locator("#rate-chart svg polyline").count() >= 2  # rate and errors
            assert page.locator("#allowed-downtime td", has_text="43 min 49.8 s").count() == 1
            page.screenshot(path=str(artifacts / "service-time-views.png"), full_page=True)
            page.click(f'#sli-windows a[href="/dashboard/slos/{slo.pk}/"]')
            page.wait_for_url(f"**/dashboard/slos/{slo.pk}/")
            assert page.locator("h1").inner_text() == "SLO web"
            page.click("#rate-chart nav a:has-text('30 days')")
            page.wait_for_url("**chart=30d**")
            assert page.locator("#rate-chart svg").is_visible()
            page.screenshot(path=str(artifacts / "slo-page.png"), full_page=True)

            page.goto(f"{live_server.url}/status/alpha/")
            trigger = page.locator(".sla-nines .nines")
            assert "4 h 22 min 48 s a year" not in trigger.get_attribute("title")
            assert "8 h 45 min 36 s a year (365 days)" in trigger.get_attribute("title")
            tip = trigger.locator(".tip")
            assert tip.bounding_box()["width"] <= 1  # hidden until focused
            page.keyboard.press("Tab")
            while page.evaluate("document.activeElement.className") != "nines":
                page.keyboard.press("Tab")
            assert tip.bounding_box()["width"] > 100
            assert "43 min 49.8 s a month" in tip.inner_text()
            page.screenshot(path=str(artifacts / "status-allowed-downtime.png"), full_page=True)
            assert page.evaluate("document.scripts.length") == 0
        finally:
            browser.close()
    assert problems == []
