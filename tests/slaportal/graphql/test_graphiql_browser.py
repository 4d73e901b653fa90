"""GraphiQL at /graphql in headless Chromium: self-hosted (nothing from another origin),
under its strict Content-Security-Policy, runs a query with a pasted token."""

import shutil
from urllib.parse import urlsplit

import pytest

from tests.factories import ServiceFactory

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


def test_graphiql_runs_a_query_under_a_strict_policy(
    live_server, transactional_db, tenants, settings
):
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Debian's chromium is missing: run scripts/system-deps.sh")
    from playwright.sync_api import sync_playwright

    settings.GRAPHQL_GRAPHIQL = True
    ServiceFactory(account=tenants.a, path="graphiql/probe")
    problems, origins = [], set()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            page.on("console", lambda m: m.type == "error" and problems.append(m.text))
            page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
            page.on("request", lambda request: origins.add(urlsplit(request.url).netloc))
            response = page.goto(f"{live_server.url}/graphql")
            policy = response.headers["content-security-policy"]
            assert "script-src 'self';" in policy and "unsafe" not in policy
            page.wait_for_selector(".graphiql-container")
            # Before a token is pasted, the schema request is refused (401), as it should be.
            page.wait_for_timeout(500)
            assert all("401" in problem for problem in problems), problems
            problems.clear()
            page.click(".graphiql-editor-tools button:has-text('Headers')")
            headers = page.locator(".graphiql-editor-tool .graphiql-editor").last
            headers.click()
            page.keyboard.press("Control+A")
            page.keyboard.press("Delete")
            page.keyboard.type(f'{{"Authorization": "Bearer {tenants.token_a.secret}"')
            query = page.locator(".graphiql-query-editor .CodeMirror").first
            query.click()
            page.keyboard.press("Control+A")
            page.keyboard.press("Delete")
            page.keyboard.type("{ services { edges { node { path } } }")
            page.click(".graphiql-execute-button")
            page.wait_for_selector(".result-window:has-text('graphiql/probe')")
        finally:
            browser.close()
    assert origins == {urlsplit(live_server.url).netloc}  # self-hosted: no CDN
    assert problems == []
