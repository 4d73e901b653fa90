"""Privacy: only what an account published appears, and never on another account's page."""

import datetime as dt
import re

import pytest
import time_machine

from statuspage.services import (
    maintenance_update_post,
    public_incident_create,
    public_incident_update_post,
    status_page_update,
)
from tests.factories import (
    DailyUptimeFactory,
    DowntimeFactory,
    ServiceFactory,
    StatusPageComponentFactory,
    StatusPageFactory,
)

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)
DOCUMENTS = [
    "",
    "history",
    "api/v2/summary.json",
    "api/v2/status.json",
    "api/v2/components.json",
    "api/v2/incidents.json",
    "api/v2/incidents/unresolved.json",
    "api/v2/scheduled-maintenances.json",
    "api/v2/scheduled-maintenances/upcoming.json",
    "api/v2/scheduled-maintenances/active.json",
    "history.atom",
    "history.rss",
    "badges/status.svg",
    "badges/uptime.svg",
]


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _populate(account, prefix: str):
    """A page with public and hidden parts, every text marked with `prefix`."""
    page = StatusPageFactory(account=account, slug=f"{prefix}-page", title=f"{prefix} Status")
    internal = ServiceFactory(
        account=account,
        path=f"{prefix}-internal/db",
        name=f"{prefix} internal service name",
        current_state="CRIT",
    )
    hidden_service = ServiceFactory(account=account, path=f"{prefix}-hidden/api")
    shown = StatusPageComponentFactory(
        account=account, page=page, service=internal, name=f"{prefix} Public Component"
    )
    hidden = StatusPageComponentFactory(
        account=account,
        page=page,
        service=hidden_service,
        name=f"{prefix} Hidden Component",
        public=False,
    )
    DailyUptimeFactory(account=account, service=internal, day=dt.date(2026, 11, 20))
    incident = public_incident_create(
        account=account,
        page=page,
        name=f"{prefix} incident",
        body=f"{prefix} update text",
        components={shown: "partial_outage", hidden: "major_outage"},
        started_at=NOW - dt.timedelta(hours=1),
    )
    public_incident_update_post(
        account=account,
        incident=incident,
        status="identified",
        body=f"{prefix} second update",
        components={hidden: "partial_outage"},
    )
    DowntimeFactory(
        account=account,
        service=internal,
        public=True,
        reason=f"{prefix} public maintenance",
        start=NOW + dt.timedelta(days=1),
        end=NOW + dt.timedelta(days=1, hours=1),
    )
    secret = DowntimeFactory(
        account=account,
        service=internal,
        public=False,
        reason=f"{prefix} private downtime",
        start=NOW - dt.timedelta(hours=1),
        end=NOW + dt.timedelta(hours=1),
    )
    DowntimeFactory(
        account=account,
        service=hidden_service,
        public=True,
        reason=f"{prefix} maintenance of a hidden component",
        start=NOW + dt.timedelta(days=2),
        end=NOW + dt.timedelta(days=2, hours=1),
    )
    return page, shown, hidden, incident, secret


@pytest.fixture
def two_pages(tenants):
    return _populate(tenants.a, "alpha"), _populate(tenants.b, "beta")


def _all_documents(client, page, component_ids):
    paths = [*DOCUMENTS, *(f"components/{cid}/status.svg" for cid in component_ids)]
    paths += [f"components/{cid}/uptime.svg" for cid in component_ids]
    bodies = {}
    for path in paths:
        response = client.get(f"/status/{page.slug}/{path}")
        assert response.status_code == 200, (page.slug, path)
        bodies[path] = response.content.decode()
    return bodies


def test_nothing_of_one_account_appears_on_the_others_page(client, two_pages):
    (a_page, a_shown, a_hidden, a_incident, _), (b_page, b_shown, *_rest) = two_pages
    a_secrets = [
        "alpha",
        "Alpha",
        a_page.public_id,
        a_shown.public_id,
        a_hidden.public_id,
        a_incident.public_id,
    ]
    for path, body in _all_documents(client, b_page, [b_shown.public_id]).items():
        for secret in a_secrets:
            assert secret not in body, (path, secret)
        assert "beta" in body or path.endswith(".svg"), path
    # A component id of another page is not found through this page.
    assert (
        client.get(f"/status/beta-page/components/{a_shown.public_id}/status.svg").status_code
        == 404
    )
    assert client.get(f"/status/beta-page/incidents/{a_incident.public_id}").status_code == 404


def test_internal_names_and_hidden_components_never_appear(client, two_pages):
    (a_page, a_shown, a_hidden, a_incident, _), _b = two_pages
    bodies = _all_documents(client, a_page, [a_shown.public_id])
    bodies["incident"] = client.get(
        f"/status/alpha-page/incidents/{a_incident.public_id}"
    ).content.decode()
    forbidden = [
        "alpha-internal",
        "alpha internal service name",
        "alpha-hidden",
        "alpha Hidden Component",
        a_hidden.public_id,
        "alpha private downtime",
        "alpha maintenance of a hidden component",
    ]
    for path, body in bodies.items():
        for secret in forbidden:
            assert secret not in body, (path, secret)
    assert "alpha Public Component" in bodies[""]
    assert "alpha public maintenance" in bodies[""]
    assert (
        client.get(f"/status/alpha-page/components/{a_hidden.public_id}/status.svg").status_code
        == 404
    )


def test_private_downtime_does_not_put_components_under_maintenance(client, two_pages):
    _a, _b = two_pages
    summary = client.get("/status/alpha-page/api/v2/summary.json").json()
    assert [c["status"] for c in summary["components"]] == ["major_outage"]  # CRIT, no maintenance
    assert summary["scheduled_maintenances"][0]["name"] == "alpha public maintenance"


def test_custom_domain_serves_only_its_own_page(client, two_pages, settings):
    _a, (b_page, *_) = two_pages
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "status.beta.example"]
    from statuspage.services import status_page_domains_set

    status_page_domains_set(account=b_page.account, page=b_page, domains=["status.beta.example"])
    body = client.get("/", HTTP_HOST="status.beta.example").content.decode()
    assert "beta Public Component" in body and "alpha" not in body
    assert client.get("/status/alpha-page/", HTTP_HOST="status.beta.example").status_code == 404


# --- password-protected pages --------------------------------------------------------------


@pytest.fixture
def private_page(tenants):
    page, shown, *_ = _populate(tenants.a, "alpha")
    status_page_update(account=tenants.a, page=page, password="correct horse")
    return page, shown


def test_private_page_needs_the_password_everywhere(client, private_page):
    page, shown = private_page
    for path in [*DOCUMENTS, f"components/{shown.public_id}/status.svg"]:
        response = client.get(f"/status/{page.slug}/{path}")
        assert response.status_code == 401, path
        assert response["Cache-Control"] == "private, no-store"
        assert b"alpha Public Component" not in response.content
        assert b"alpha incident" not in response.content
    form = client.get(f"/status/{page.slug}/").content.decode()
    assert 'type="password"' in form and "alpha Status" in form


def test_password_form_sets_a_signed_cookie(client, private_page):
    page, _ = private_page
    wrong = client.post(f"/status/{page.slug}/password", {"password": "nope"})
    assert wrong.status_code == 401 and b"Wrong password." in wrong.content
    right = client.post(f"/status/{page.slug}/password", {"password": "correct horse"})
    assert right.status_code == 303 and right["Location"] == f"/status/{page.slug}/"
    cookie = right.cookies[f"sp_{page.public_id}"]
    assert cookie["httponly"] and cookie["path"] == f"/status/{page.slug}/"
    assert "correct horse" not in cookie.value
    response = client.get(f"/status/{page.slug}/")
    assert response.status_code == 200 and b"alpha Public Component" in response.content
    assert response["Cache-Control"] == "private, no-cache"
    assert "Cookie" in response["Vary"]
    summary = client.get(f"/status/{page.slug}/api/v2/summary.json")
    assert summary.status_code == 200 and "Access-Control-Allow-Origin" not in summary
    # A forged cookie value is refused.
    client.cookies[f"sp_{page.public_id}"] = re.sub(r":[^:]+$", ":forged", cookie.value)
    assert client.get(f"/status/{page.slug}/").status_code == 401


def test_new_password_logs_visitors_out(client, private_page):
    page, _ = private_page
    client.post(f"/status/{page.slug}/password", {"password": "correct horse"})
    assert client.get(f"/status/{page.slug}/").status_code == 200
    status_page_update(account=page.account, page=page, password="battery staple")
    assert client.get(f"/status/{page.slug}/").status_code == 401


def test_password_attempts_are_throttled(client, private_page):
    page, _ = private_page
    for _ in range(10):
        client.post(f"/status/{page.slug}/password", {"password": "guess"})
    blocked = client.post(f"/status/{page.slug}/password", {"password": "correct horse"})
    assert blocked.status_code == 429


def test_making_a_page_private_hides_cached_content_at_once(client, tenants):
    page, *_ = _populate(tenants.a, "alpha")
    assert client.get(f"/status/{page.slug}/").status_code == 200  # cached now
    status_page_update(account=tenants.a, page=page, password="pw-123456")
    response = client.get(f"/status/{page.slug}/")
    assert response.status_code == 401 and b"alpha Public Component" not in response.content


def test_maintenance_note_on_private_downtime_is_refused(tenants):
    *_, secret = _populate(tenants.a, "alpha")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        maintenance_update_post(account=tenants.a, downtime=secret, status="verifying")
