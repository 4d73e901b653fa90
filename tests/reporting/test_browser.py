"""The dashboard in headless Chromium (Debian's, driven by Playwright): log in through the
login form, open the dashboard, check that every same-origin link on it answers below 400,
click an SLA cell through to the service's SLA detail page, and save screenshots under
tests/artifacts/. Fails on any console error, page error, failed request or 4xx/5xx.
"""

import shutil
from urllib.parse import urljoin, urlsplit

import pytest
import time_machine

from reporting.services.reports import daily_report_build
from tests.factories import UserFactory
from tests.reporting.scenario import DAY, NOW, build_scenario

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "browser-test-password"


@pytest.fixture
def frozen_start():
    # The clock starts at the scenario's morning and runs on (live server thread included).
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def viewer(transactional_db, tenants, settings, report_dir, frozen_start):
    # Cookies without an expiry date: the browser's clock is not the travelled one.
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    settings.CSRF_COOKIE_AGE = None
    scenario = build_scenario(tenants.a)
    daily_report_build(account=tenants.a, day=DAY, notify=False)
    user = UserFactory(username="viewer-in-browser")
    user.set_password(PASSWORD)
    user.save()
    from tests.factories import MembershipFactory

    MembershipFactory(account=tenants.a, user=user, role="viewer")
    return user, scenario


def _watch(page, problems: list[str]) -> None:
    def on_console(message):
        if message.type == "error":
            problems.append(f"console error: {message.text} {message.location}")

    def on_response(response):
        if response.status >= 400:
            problems.append(f"{response.status}: {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
    page.on("response", on_response)


def _same_origin_links(page, base: str) -> set[str]:
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(link => link.href)")
    origin = urlsplit(base).netloc
    return {href.split("#")[0] for href in hrefs if urlsplit(urljoin(base, href)).netloc == origin}


def test_log_in_open_dashboard_click_through_to_sla_detail(live_server, viewer, artifacts):
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Debian's chromium is missing: run scripts/system-deps.sh")
    from playwright.sync_api import sync_playwright

    user, scenario = viewer
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            _watch(page, problems)
            page.goto(f"{live_server.url}/dashboard/")
            assert "/accounts/login/" in page.url
            page.fill("#id_username", user.username)
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_server.url}/dashboard/")
            assert page.locator("h1").inner_text() == "Alpha Ltd"
            assert page.locator("#sla-at-risk .sla-BROKEN").count() >= 1
            assert page.locator("#uptime-trend svg polyline").count() >= 1
            page.screenshot(path=str(artifacts / "dashboard.png"), full_page=True)

            links = _same_origin_links(page, live_server.url)
            assert any("/dashboard/reports/" in link for link in links)
            broken = {}
            for link in sorted(links):
                status = page.request.get(link).status
                if status >= 400:
                    broken[link] = status
            assert broken == {}, broken

            api = scenario.services["payment/api"]
            cell = page.locator(
                f'#sla-results table[data-sla="{scenario.gold.pk}"] '
                f'a.sla-cell[href*="/dashboard/services/{api.pk}/sla/"]'
            ).last
            cell.click()
            page.wait_for_url(f"**/dashboard/services/{api.pk}/sla/**")
            assert "Zahlungs-API" in page.locator("h1").inner_text()
            assert page.locator("#sla-timeline rect").count() >= 1
            assert page.locator("#sla-results .sla-BROKEN").count() >= 1
            page.screenshot(path=str(artifacts / "dashboard-service-sla.png"), full_page=True)
            for link in sorted(_same_origin_links(page, live_server.url)):
                assert page.request.get(link).status < 400, link
        finally:
            browser.close()
    assert problems == []
