"""A visitor subscribes on the status page in headless Chromium (no JavaScript: the page's
CSP forbids scripts), confirms by the link mailed through a real SMTP server, receives the
updates of the chosen component only, and unsubscribes by the mailed link."""

import shutil

import pytest
from django.db import connections

from statuspage.services import public_incident_create
from statuspage.subscriptions.models import Subscriber
from tests.statuspage.subscriptions.conftest import acme_page, announce, confirm_link, deliver_all
from tests.statuspage.test_browser import ARTIFACTS, CHROMIUM_ARGS, _watch

pytestmark = [pytest.mark.browser, pytest.mark.slow]
UNSUBSCRIBE = "/subscription/unsubscribe/"


def test_subscribe_confirm_receive_unsubscribe_in_chromium(
    live_server, transactional_db, smtp_server, settings, monkeypatch
):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls between the
    # browser steps are plain synchronous ones all the same.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("Debian's chromium is not installed (scripts/system-deps.sh installs it)")
    settings.SLA_PUBLIC_BASE_URL = live_server.url
    acme = acme_page()
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            tab = browser.new_context(viewport={"width": 375, "height": 812}).new_page()
            _watch(tab, problems)
            tab.goto(f"{live_server.url}{acme.path}/", wait_until="networkidle")
            tab.get_by_role("link", name="Subscribe to updates").click()
            tab.get_by_label("Email address").fill("visitor@example.com")
            tab.get_by_label("Only the components ticked below").check()
            tab.get_by_label("Web").check()
            tab.screenshot(path=str(ARTIFACTS / "subscribe-form.png"), full_page=True)
            tab.get_by_role("button", name="Subscribe").click()
            assert tab.locator("h1").inner_text() == "Check your inbox"

            deliver_all()
            [mail] = smtp_server.wait_for(1)
            tab.goto(confirm_link(mail))
            tab.get_by_role("button", name="Confirm subscription").click()
            assert "You are subscribed" in tab.locator("h1").inner_text()
            subscriber = Subscriber.objects.get(email="visitor@example.com")
            assert subscriber.is_confirmed and list(subscriber.components.all()) == [acme.web]

            smtp_server.clear()
            for component, name in ((acme.api, "API errors"), (acme.web, "Slow pages")):
                incident = public_incident_create(
                    account=acme.account,
                    page=acme.page,
                    name=name,
                    body=f"{name}: we are on it.",
                    components={component: "major_outage"},
                )
                announce(incident.updates.get())
            deliver_all()
            [update] = smtp_server.wait_for(1)
            assert "Slow pages" in update.message["Subject"]
            assert len(smtp_server.messages) == 1, "the API incident is not the visitor's"

            link = next(word for word in update.text.split() if UNSUBSCRIBE in word)
            tab.goto(link)
            tab.get_by_role("button", name="Unsubscribe").click()
            assert "unsubscribed" in tab.locator("h1").inner_text()
            tab.screenshot(path=str(ARTIFACTS / "unsubscribed.png"))
            assert not Subscriber.objects.filter(email="visitor@example.com").exists()
        finally:
            browser.close()
            connections.close_all()  # the ones opened inside Playwright's loop context
    assert problems == []
