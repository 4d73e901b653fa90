"""A gold / silver / bronze SLA view clicked through in headless Chromium: only objects
with outages, per-period aggregates, the all-periods summary, and the CSV download equal
to the API's results."""

import shutil
from pathlib import Path

import pytest
import time_machine

from tests.conftest import client_for
from tests.factories import MembershipFactory, UserFactory
from tests.reporting.conftest import artifacts  # noqa: F401 - the fixture
from tests.reporting.test_browser import CHROMIUM_ARGS, _watch
from tests.slaviews.scenario import NOW, build_view_scenario
from tests.slaviews.test_pages import api_cells, csv_cells, gsb_view

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "browser-test-password"


@pytest.fixture
def viewer(transactional_db, tenants, settings):
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    settings.CSRF_COOKIE_AGE = None
    with time_machine.travel(NOW, tick=True):
        scenario = build_view_scenario(tenants.a)
        view = gsb_view(tenants.a, scenario, only_outages=True, grouping="path_prefix")
        user = UserFactory(username="views-in-browser")
        user.set_password(PASSWORD)
        user.save()
        MembershipFactory(account=tenants.a, user=user, role="viewer")
        yield user, scenario, view


def test_click_through_a_gold_silver_bronze_view(live_server, viewer, tenants, artifacts):  # noqa: F811
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Debian's chromium is missing: run scripts/system-deps.sh")
    from playwright.sync_api import sync_playwright

    user, scenario, view = viewer
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900}, accept_downloads=True)
            _watch(page, problems)
            page.goto(f"{live_server.url}/dashboard/sla-views/")
            page.fill("#id_username", user.username)
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_server.url}/dashboard/sla-views/")
            page.click(f'a[href="/dashboard/sla-views/{view.pk}/"]')
            page.wait_for_url(f"**/dashboard/sla-views/{view.pk}/")

            rows = page.locator("tr.view-row")
            assert [rows.nth(i).get_attribute("data-path") for i in range(rows.count())] == [
                "pay/api",
                "shop/db",
            ]  # only objects with outages: shop/web (all OK) and pay/worker (no data) hidden
            assert page.locator("tr.view-group").all_inner_texts() == ["pay", "shop"]
            gold = f"sla:{scenario.gold.pk}"
            worst = page.locator(f'#aggregates td[data-column="{gold}"] span.period')
            assert [worst.nth(i).get_attribute("data-worst") for i in range(3)] == [
                "BROKEN",
                "BROKEN",
                "OK",
            ]
            assert "OK 1, WARN 0, CRIT 0, BROKEN 1" in worst.first.get_attribute("title")
            summary = page.locator(f'#summary td[data-column="{gold}"] .share').inner_text()
            assert summary == "66.66%"  # gold over both rows: 4 of 6 periods met
            page.screenshot(path=str(artifacts / "sla-view.png"), full_page=True)

            with page.expect_download() as download_info:
                page.click("#csv-export")
            text = Path(download_info.value.path()).read_text(encoding="utf-8")
        finally:
            browser.close()
    # Chromium reports a download as an aborted navigation: not a problem of the page.
    assert [item for item in problems if not item.endswith("/export.csv")] == []
    with time_machine.travel(NOW, tick=False):
        body = client_for(tenants.token_a).get(f"/api/v1/sla-views/{view.pk}/results").json()
    # pay/api: its own silver and three columns, 3 periods each; shop/db: no own SLA
    assert csv_cells(text) == api_cells(body) and len(api_cells(body)) == 12 + 9
