"""The strict Content-Security-Policy in headless Chromium: the login forms, the dashboard
and an SLA detail page, the admin (index, every model's list and add form, the first
object's change form, the SLA detail admin page), the Swagger UI (rendered and an
operation opened) and the status page load with zero CSP violations: neither a
`securitypolicyviolation` event nor a console error, and every page still works.
"""

import shutil

import pytest

from tests.factories import StatusPageComponentFactory, StatusPageFactory
from tests.reporting.scenario import build_scenario
from tests.slaportal.csp_pages import PASSWORD, admin_pages, superuser

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
# Runs before any page script, outside the page's CSP: records every violation.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} ` +
    `(${event.sourceFile}:${event.lineNumber})`);
});
"""


@pytest.fixture
def site(transactional_db, tenants, settings):
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    scenario = build_scenario(tenants.a)
    page = StatusPageFactory(account=tenants.a, slug="alpha-status", title="Alpha Status")
    service = scenario.services["payment/api"]
    StatusPageComponentFactory(account=tenants.a, page=page, service=service, name="API")
    return scenario, page, superuser()


def _watch(page, problems: list[str]) -> None:
    def on_console(message):
        expected_404 = message.location.get("url", "").endswith("/no-such-page/")
        if (message.type == "error" and not expected_404) or "Security Policy" in message.text:
            problems.append(f"console: {message.text} {message.location.get('url')}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))


def _visit(page, url: str, problems: list[str]) -> None:
    response = page.goto(url)
    assert response is not None and response.status < 500, url
    is_html = response.headers.get("content-type", "").startswith("text/html")
    if is_html and "content-security-policy" not in response.headers:
        problems.append(f"no policy: {url}")
    page.wait_for_load_state("load")
    problems.extend(f"{url}: {v}" for v in page.evaluate("window.__cspViolations || []"))


def test_main_pages_load_with_zero_csp_violations(live_server, site):
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Debian's chromium is missing: run scripts/system-deps.sh")
    from playwright.sync_api import sync_playwright

    scenario, status_page, root = site
    base = live_server.url
    api = scenario.services["payment/api"]
    pages = admin_pages()  # before Playwright: its loop makes this thread "async" to Django
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.add_init_script(RECORD_VIOLATIONS)
            _watch(page, problems)

            _visit(page, f"{base}/accounts/login/", problems)
            _visit(page, f"{base}/admin/login/", problems)
            page.fill("#id_username", root.username)
            page.fill("#id_password", PASSWORD)
            page.click("input[type=submit]")
            page.wait_for_url(f"{base}/admin/")

            for path in ["/dashboard/", f"/dashboard/services/{api.pk}/sla/", "/admin/"]:
                _visit(page, base + path, problems)
            assert page.locator("#content-main").count() == 1
            for path in pages:
                _visit(page, base + path, problems)
            _visit(page, f"{base}/admin/sla/service/{api.pk}/sla/", problems)

            _visit(page, f"{base}/api/docs/", problems)
            page.wait_for_selector(".swagger-ui .opblock-tag", timeout=20000)
            page.locator(".swagger-ui .opblock-tag").first.click()
            page.locator(".swagger-ui .opblock-summary").first.click()
            page.wait_for_selector(".swagger-ui .opblock-body")

            _visit(page, f"{base}/status/{status_page.slug}/", problems)
            assert page.locator("text=API").count() >= 1
            _visit(page, f"{base}/no-such-page/", problems)
        finally:
            browser.close()
    assert problems == [], "\n".join(problems)
