"""Refresh ahead: documents wanted lately are re-rendered by the job before they turn
stale, so web processes serve hits and never render while a page is popular."""

import pytest

from sla.models import Service
from statuspage import cache
from statuspage.refresh import REFRESH_WINDOW, status_pages_refresh_ahead
from statuspage.tasks import refresh_ahead
from tests.factories import (
    ServiceFactory,
    StatusPageComponentFactory,
)
from tests.statuspage.builders import one_component_page

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


@pytest.fixture
def page():
    return one_component_page("acme")


def _half_fresh(settings):
    return settings.STATUSPAGE_CACHE_SECONDS / 2


def test_a_document_rendered_on_request_is_kept_fresh_by_the_job(
    client, page, settings, frozen_now
):
    assert client.get("/status/acme/")["X-Status-Cache"] == "MISS"
    assert status_pages_refresh_ahead() == 0  # just rendered: not due
    Service.objects.filter(account=page.account).update(current_state="CRIT")
    frozen_now.shift(_half_fresh(settings) + 1)
    assert status_pages_refresh_ahead() == 1
    # Past the request-time fresh period of the first render, hits stay hits, with the
    # state the job rendered.
    frozen_now.shift(_half_fresh(settings))
    response = client.get("/status/acme/")
    assert response["X-Status-Cache"] == "HIT" and b"Major Service Outage" in response.content


def test_every_wanted_document_is_refreshed_with_its_own_links(client, page, settings, frozen_now):
    client.get("/status/acme/")
    client.get("/status/acme/api/v2/summary.json")
    frozen_now.shift(_half_fresh(settings) + 1)
    assert refresh_ahead.apply().get() == 2  # the Celery task, run here
    html = client.get("/status/acme/")
    assert html["X-Status-Cache"] == "HIT" and b'href="/status/acme/history"' in html.content


def test_a_publish_is_rendered_by_the_next_run(client, page):
    from statuspage.services import public_incident_create

    client.get("/status/acme/")
    public_incident_create(account=page.account, page=page, name="Database trouble", body="x")
    assert status_pages_refresh_ahead() == 1  # outdated version: due at once
    response = client.get("/status/acme/")
    assert response["X-Status-Cache"] == "HIT" and b"Database trouble" in response.content


def test_documents_nobody_asked_for_lately_are_no_longer_refreshed(
    client, page, settings, frozen_now
):
    client.get("/status/acme/")
    for _ in range(REFRESH_WINDOW // 10 - 1):  # the job every 10 s keeps it fresh ...
        frozen_now.shift(10)
        status_pages_refresh_ahead()
        assert client.get("/status/acme/")["X-Status-Cache"] == "HIT"
    frozen_now.shift(20)  # ... until the window since the last on-request render has passed
    assert status_pages_refresh_ahead() == 0
    frozen_now.shift(settings.STATUSPAGE_CACHE_SECONDS)
    assert client.get("/status/acme/")["X-Status-Cache"] == "MISS"  # and registers again


def test_private_and_disabled_pages_are_never_rendered_ahead(client, settings, frozen_now):
    from django.contrib.auth.hashers import make_password

    private = one_component_page("secret")
    disabled = one_component_page("gone")
    client.get("/status/secret/")
    client.get("/status/gone/")
    private.password_hash = make_password("hunter2-hunter2")  # made private since
    private.save()
    disabled.enabled = False
    disabled.save()
    frozen_now.shift(_half_fresh(settings) + 1)
    assert status_pages_refresh_ahead() == 0
    assert client.get("/status/secret/").status_code == 401


def test_a_render_in_progress_elsewhere_is_left_alone(client, page, settings, frozen_now):
    client.get("/status/acme/")
    frozen_now.shift(_half_fresh(settings) + 1)
    assert cache.acquire("acme", "p|")
    assert status_pages_refresh_ahead() == 0
    cache.release("acme", "p|")
    assert status_pages_refresh_ahead() == 1


def test_two_accounts_pages_are_each_rendered_with_their_own_content(client, settings, frozen_now):
    one_component_page("alpha")
    beta = one_component_page("beta")
    StatusPageComponentFactory(
        account=beta.account,
        page=beta,
        service=ServiceFactory(account=beta.account),
        name="Beta Billing",
    )
    client.get("/status/alpha/")
    client.get("/status/beta/")
    frozen_now.shift(_half_fresh(settings) + 1)
    assert status_pages_refresh_ahead() == 2
    assert b"Beta Billing" not in client.get("/status/alpha/").content
    assert b"Beta Billing" in client.get("/status/beta/").content
