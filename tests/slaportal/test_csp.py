"""A strict Content-Security-Policy on every HTML page, and no markup it would block.

Every page of the product (login, dashboard, admin lists/forms of every model, API docs,
error pages) answers with the default policy (no 'unsafe-inline', no foreign origin); the
status page keeps its own script-free policy; a view can carry another policy through
`csp_override`, and a page that uses `request.csp_nonce` gets the nonce in its policy.
The browser side (zero violations reported by Chromium) is in test_csp_browser.py.
"""

import asyncio

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from slaportal import csp
from tests.factories import StatusPageFactory
from tests.reporting.scenario import build_scenario
from tests.slaportal.csp_pages import (
    PUBLIC_PAGES,
    SIGNED_IN_PAGES,
    admin_pages,
    inline_code,
    superuser,
)


def _directives(policy: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def test_default_policy_is_strict():
    directives = _directives(csp.DEFAULT_POLICY)
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert "'unsafe-inline'" not in csp.DEFAULT_POLICY
    assert "'unsafe-eval'" not in csp.DEFAULT_POLICY
    assert "*" not in csp.DEFAULT_POLICY and "http" not in csp.DEFAULT_POLICY


@pytest.fixture
def scenario(tenants):
    built = build_scenario(tenants.a)
    StatusPageFactory(account=tenants.a, slug="alpha-status")
    return built


@pytest.fixture
def signed_in(client, scenario):
    client.force_login(superuser())
    return client


def _check_page(response, path) -> list[str]:
    problems = []
    if response.status_code >= 500:
        problems.append(f"{path}: {response.status_code}")
    if not response.get("Content-Type", "").startswith("text/html"):
        return problems
    if response.get("Content-Security-Policy") != csp.DEFAULT_POLICY:
        problems.append(f"{path}: policy {response.get('Content-Security-Policy')!r}")
    body = response.content.decode()
    problems.extend(f"{path}: {found}" for found in inline_code(body))
    return problems


def test_public_pages_send_the_policy_and_no_inline_code(client, db):
    problems = []
    for path in PUBLIC_PAGES:
        problems += _check_page(client.get(path), path)
    assert problems == [], "\n".join(problems)


def test_every_signed_in_page_sends_the_policy_and_no_inline_code(signed_in, tenants):
    pages = SIGNED_IN_PAGES + admin_pages()
    assert len(pages) > 40  # every model's list and add form
    problems = []
    for path in pages:
        response = signed_in.get(path)
        if response.status_code in (301, 302):
            continue
        assert response.status_code < 400, (path, response.status_code)
        problems += _check_page(response, path)
    assert problems == [], "\n".join(problems)


def test_dashboard_sla_detail_draws_its_bars_without_inline_style(signed_in, scenario):
    service = scenario.services["payment/api"]
    response = signed_in.get(f"/dashboard/services/{service.pk}/sla/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="sla-timeline"' in html and "<rect" in html
    assert inline_code(html) == []


def test_server_error_page_sends_the_policy(client, db, settings):
    settings.DEBUG = False
    client.raise_request_exception = False
    settings.ROOT_URLCONF = "tests.slaportal.csp_urls"
    response = client.get("/boom/")
    assert response.status_code == 500
    assert response["Content-Security-Policy"] == csp.DEFAULT_POLICY


def test_status_page_keeps_its_script_free_policy(client, db):
    page = StatusPageFactory(slug="csp-status")
    response = client.get(f"/status/{page.slug}/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == csp.NO_SCRIPT_POLICY
    assert "script-src" not in response["Content-Security-Policy"]


def test_json_answers_are_left_alone(api_a):
    assert "Content-Security-Policy" not in api_a.get("/api/v1/account")


def _html_view(request):
    return HttpResponse("<p>hi</p>")


def test_csp_override_gives_one_view_its_own_policy(rf: RequestFactory, settings):
    loose = csp.build_policy(script_src=("'self'", "'unsafe-inline'"))
    assert "script-src 'self' 'unsafe-inline'" in loose and "object-src 'none'" in loose
    view = csp.csp_override(loose)(_html_view)
    middleware = csp.ContentSecurityPolicyMiddleware(view)
    assert middleware(rf.get("/graphql"))["Content-Security-Policy"] == loose
    plain = csp.ContentSecurityPolicyMiddleware(_html_view)
    assert plain(rf.get("/"))["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY


def test_csp_override_on_an_async_view(rf: RequestFactory):
    async def view(request):
        return HttpResponse("<p>async</p>")

    wrapped = csp.csp_override("default-src 'self'")(view)
    assert asyncio.iscoroutinefunction(wrapped)
    response = asyncio.run(wrapped(rf.get("/")))
    assert response.csp_policy == "default-src 'self'"


def test_build_policy_drops_a_directive():
    assert "frame-ancestors" not in csp.build_policy(frame_ancestors=None)


def test_a_page_using_the_nonce_gets_it_in_its_policy(rf: RequestFactory):
    def view(request):
        return HttpResponse(f'<script nonce="{request.csp_nonce}">1</script>')

    response = csp.ContentSecurityPolicyMiddleware(view)(rf.get("/"))
    nonce = response.content.decode().split('"')[1]
    directives = _directives(response["Content-Security-Policy"])
    assert f"'nonce-{nonce}'" in directives["script-src"]
    assert f"'nonce-{nonce}'" in directives["style-src"]
    # A page that does not use it gets none (no nonce is better than an unused one).
    plain = csp.ContentSecurityPolicyMiddleware(_html_view)(rf.get("/"))
    assert "nonce" not in plain["Content-Security-Policy"]
