"""The demo-like status page in headless Chromium: desktop and phone, light and dark.

Tabs through the 90-day strip and reads a day's figures from the focused bar's tooltip,
saves screenshots under tests/artifacts/, and fails on any console error, page error,
failed request or 4xx/5xx response (a broken asset).
"""

import datetime as dt
import re
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from sla.models import DailyUptime
from statuspage import i18n
from statuspage.services import public_incident_create
from tests.factories import AccountFactory, DowntimeFactory
from tests.statuspage.builders import page_with_history

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWS = [(1280, 900, "light"), (375, 812, "dark")]
DAY_TEXT = re.compile(r"^[A-Z][a-z]{2} \d{1,2} [A-Z][a-z]{2} \d{4}: (\d+(\.\d+)?% uptime|no data)")


@pytest.fixture
def demo_page(transactional_db):
    account = AccountFactory(name="Demo Corp", slug="demo", timezone="Europe/Berlin")
    now = timezone.now()
    page, components = page_with_history(
        account, components=8, now=now, slug="demo", title="Demo Corp Status"
    )
    yesterday = now.astimezone(ZoneInfo(account.timezone)).date() - dt.timedelta(days=1)
    DailyUptime.objects.filter(service=components[0].service, day=yesterday).update(
        seconds_ok=86400 - 1200, seconds_warn=0, seconds_crit=1200, seconds_downtime=0
    )
    public_incident_create(
        account=account,
        page=page,
        name="Slow checkout",
        body="Some payments take longer than usual.",
        components={components[1]: "degraded_performance"},
    )
    DowntimeFactory(
        account=account,
        service=components[2].service,
        public=True,
        reason="Database upgrade",
        start=now + dt.timedelta(days=2),
        end=now + dt.timedelta(days=2, hours=1),
    )
    return page, yesterday


def _watch(browser_page, problems: list[str]):
    browser_page.on(
        "console",
        lambda message: (
            problems.append(f"console {message.type}: {message.text} {message.location}")
            if message.type == "error"
            else None
        ),
    )
    browser_page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    browser_page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
    browser_page.on(
        "response",
        lambda response: (
            problems.append(f"{response.status}: {response.url}")
            if response.status >= 400
            else None
        ),
    )


def _tab_to_first_bar(browser_page, limit: int = 60) -> None:
    for _ in range(limit):
        browser_page.keyboard.press("Tab")
        if browser_page.evaluate("document.activeElement.matches('ol.strip li')"):
            return
    raise AssertionError("the uptime strip is not reachable with the Tab key")


def _focused_tooltip(browser_page) -> tuple[str, dict]:
    text = browser_page.evaluate("document.activeElement.textContent")
    box = browser_page.locator("ol.strip li:focus span").bounding_box()
    return text, box


def test_status_page_in_chromium(live_server, demo_page):
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("Debian's chromium is not installed (scripts/system-deps.sh installs it)")
    page, yesterday = demo_page
    url = f"{live_server.url}/status/{page.slug}/"
    expected_yesterday = f"{i18n.day_name(yesterday, 'en')}: 98.61% uptime, major outage 20 min"
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            for width, height, scheme in VIEWS:
                context = browser.new_context(
                    viewport={"width": width, "height": height}, color_scheme=scheme
                )
                tab = context.new_page()
                _watch(tab, problems)
                response = tab.goto(url, wait_until="networkidle")
                assert response.status == 200
                assert tab.locator("section.banner h1").inner_text() == "Minor Service Outage"
                assert tab.locator("ol.strip").count() == 8
                assert tab.locator("ol.strip").first.locator("li").count() == 90
                dark = tab.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
                assert dark == (scheme == "dark")
                background = tab.evaluate("getComputedStyle(document.body).backgroundColor")
                assert (background == "rgb(18, 21, 27)") == (scheme == "dark"), background
                assert tab.evaluate("document.documentElement.scrollWidth") <= width

                _tab_to_first_bar(tab)
                first_text, _ = _focused_tooltip(tab)
                assert DAY_TEXT.match(first_text), first_text
                for _ in range(88):  # along the first strip to yesterday
                    tab.keyboard.press("Tab")
                text, box = _focused_tooltip(tab)
                assert text == expected_yesterday
                assert box["width"] > 40 and box["height"] > 10, box  # the tooltip is shown
                assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1, box
                tab.screenshot(path=str(ARTIFACTS / f"statuspage-{width}-{scheme}.png"))

                bar = tab.locator("ol.strip").nth(1).locator("li").nth(45)
                bar.hover()
                hover_box = bar.locator("span").bounding_box()
                assert hover_box["width"] > 40, hover_box
                assert DAY_TEXT.match(bar.inner_text())
                tab.screenshot(
                    path=str(ARTIFACTS / f"statuspage-{width}-{scheme}-full.png"), full_page=True
                )
                assert tab.goto(f"{url}history").status == 200
                # JSON is read by programs, not browsed (a browser would ask for /favicon.ico)
                assert context.request.get(f"{url}api/v2/summary.json").status == 200
                context.close()
        finally:
            browser.close()
    assert problems == []
