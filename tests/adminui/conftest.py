"""An operator's first day, in headless Chromium: an account in Europe/Berlin with a
status page, an owner who logs in to the admin, and helpers to drive and photograph it."""

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.factories import (
    AccountFactory,
    MembershipFactory,
    ServiceFactory,
    StatusPageComponentFactory,
    StatusPageFactory,
    UserFactory,
)

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "adminui"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "pw-for-tests-1"


@dataclass
class Operator:
    """The account (Europe/Berlin), its owner, a service shown on the public status page."""

    account: object
    user: object
    service: object
    page: object


def make_operator(slug: str = "acme") -> Operator:
    account = AccountFactory(name="Acme", slug=slug, timezone="Europe/Berlin")
    user = UserFactory(username=f"{slug}-owner")
    MembershipFactory(account=account, user=user, role="owner")
    service = ServiceFactory(account=account, path="shop/checkout", current_state="OK")
    page = StatusPageFactory(account=account, slug=slug, title="Acme", time_zone="Europe/Berlin")
    StatusPageComponentFactory(account=account, page=page, service=service, name="Checkout")
    return Operator(account=account, user=user, service=service, page=page)


@pytest.fixture
def operator(db) -> Operator:
    return make_operator()


@pytest.fixture
def live_operator(transactional_db) -> Operator:
    return make_operator()


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator.user)
    return client


@pytest.fixture
def chromium(monkeypatch):
    """A headless Chromium (Playwright's event loop runs in this thread: the test's own
    database reads between browser steps are safe, hence DJANGO_ALLOW_ASYNC_UNSAFE)."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("Debian's chromium is not installed (scripts/system-deps.sh installs it)")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Tab:
    """One logged-in browser tab: go to admin pages, watch for errors, take screenshots."""

    def __init__(self, browser, base_url: str):
        # The browser's own zone is not the operator's: nothing may depend on it.
        self.context = browser.new_context(
            viewport={"width": 1280, "height": 900}, timezone_id="America/New_York"
        )
        self.page = self.context.new_page()
        self.base_url = base_url
        self.problems: list[str] = []
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on(
            "console",
            lambda message: (
                self.problems.append(f"console: {message.text}")
                if message.type == "error"
                else None
            ),
        )
        self.page.on(
            "response",
            lambda response: (
                self.problems.append(f"{response.status}: {response.url}")
                if response.status >= 500
                else None
            ),
        )

    def goto(self, path: str):
        response = self.page.goto(f"{self.base_url}{path}")
        assert response.status < 400, (path, response.status)
        return self.page

    def login(self, username: str, password: str = PASSWORD):
        self.goto("/admin/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.page.click("input[type=submit]")
        assert "/admin/login/" not in self.page.url, self.page.inner_text("body")

    def shot(self, name: str):
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def save(self, button: str = "input[name=_save]"):
        self.page.click(button)
        self.page.wait_for_load_state()

    def errors(self) -> str:
        return " | ".join(self.page.locator(".errorlist, .errornote").all_inner_texts())


@pytest.fixture
def operator_tab(chromium, live_server, live_operator):
    tab = Tab(chromium, live_server.url)
    tab.login(live_operator.user.username)
    yield tab
    tab.context.close()
    assert tab.problems == []
