"""Custom domains never take over the application's own host names.

The app's names (STATUSPAGE_APP_HOSTS, by default the exact ALLOWED_HOSTS names; the host of
SLA_PUBLIC_BASE_URL; exact ALLOWED_HOSTS names next to a "*"), localhost, IP literals and
names without a dot are refused as custom domains by the API, the service, the model and
the admin; and a row naming an app host (older data, or written around validation) is
ignored by the middleware and the WSGI edge: the app's names are checked first.
"""

import io

import pytest
from django.core.exceptions import ValidationError

from statuspage import hosts
from statuspage.edge import StatusPageEdge, document_for
from statuspage.models import StatusPageDomain
from statuspage.selectors.pages import primary_domain
from statuspage.services import status_page_domains_set
from tests.factories import StatusPageFactory

pytestmark = pytest.mark.django_db
APP = "sla.example.com"


@pytest.fixture
def app_host(settings):
    """Production-like: the app answers on sla.example.com, custom domains via wildcard."""
    settings.ALLOWED_HOSTS = [APP, "testserver", ".example.net"]
    settings.STATUSPAGE_APP_HOSTS = frozenset({APP, "testserver"})
    settings.SLA_PUBLIC_BASE_URL = f"https://{APP}"
    return APP


@pytest.fixture
def page_b(tenants):
    return StatusPageFactory(account=tenants.b, slug="beta-status", title="Beta")


def _legacy_domain(page, domain):
    """A row as it may exist from before the check (bulk_create skips full_clean)."""
    StatusPageDomain.objects.bulk_create(
        [StatusPageDomain(account=page.account, page=page, domain=domain)]
    )
    hosts.forget([domain])


# --- refusing app hosts and non-public names ------------------------------------------------


BAD_DOMAINS = [
    APP,
    "SLA.Example.com.",
    "testserver",
    "localhost",
    "status.localhost",
    "127.0.0.1",
    "[::1]",
    "::1",
    "intranet",
]


@pytest.mark.parametrize("domain", BAD_DOMAINS)
def test_api_refuses_app_hosts_and_non_public_names(api_b, page_b, app_host, domain):
    created = api_b.post(
        "/api/v1/status-pages",
        {"title": "B", "slug": "beta-two", "domains": [domain]},
        format="json",
    )
    assert created.status_code == 400, created.content
    assert "domains" in created.json()["fields"], created.json()
    changed = api_b.patch(f"/api/v1/status-pages/{page_b.pk}", {"domains": [domain]}, format="json")
    assert changed.status_code == 400, changed.content
    assert "domains" in changed.json()["fields"], changed.json()
    assert not StatusPageDomain.objects.exists()


def test_api_error_says_why(api_b, page_b, app_host):
    response = api_b.patch(
        f"/api/v1/status-pages/{page_b.pk}",
        {"domains": ["status.beta.example.net", APP]},
        format="json",
    )
    assert response.status_code == 400
    (message,) = response.json()["fields"]["domains"]
    assert message.startswith(f"{APP}: ") and "application's own host names" in message
    assert not StatusPageDomain.objects.exists()  # nothing of the list was applied
    ok = api_b.patch(
        f"/api/v1/status-pages/{page_b.pk}", {"domains": ["status.beta.example.net"]}, format="json"
    )
    assert ok.status_code == 200 and ok.json()["domains"] == ["status.beta.example.net"]


@pytest.mark.parametrize("domain", BAD_DOMAINS)
def test_service_refuses_app_hosts_and_keeps_the_old_domains(page_b, app_host, domain):
    status_page_domains_set(account=page_b.account, page=page_b, domains=["status.beta.example"])
    with pytest.raises(ValidationError) as raised:
        status_page_domains_set(account=page_b.account, page=page_b, domains=[domain])
    assert set(raised.value.message_dict) == {"domains"}
    assert list(page_b.domains.values_list("domain", flat=True)) == ["status.beta.example"]


@pytest.mark.parametrize(
    ("domain", "words"),
    [
        (APP, "own host names"),
        ("localhost", "localhost"),
        ("10.0.0.1", "IP address"),
        ("intranet", "needs a dot"),
    ],
)
def test_model_clean_names_the_field(page_b, app_host, domain, words):
    row = StatusPageDomain(account=page_b.account, page=page_b, domain=domain)
    with pytest.raises(ValidationError) as raised:
        row.full_clean()
    assert any(words in message for message in raised.value.message_dict["domain"])


def test_base_url_host_is_always_the_apps(settings, page_b):
    settings.STATUSPAGE_APP_HOSTS = frozenset({"admin.internal"})
    settings.SLA_PUBLIC_BASE_URL = "https://portal.example.com:8443"
    with pytest.raises(ValidationError):
        status_page_domains_set(account=page_b.account, page=page_b, domains=["portal.example.com"])
    # An exact ALLOWED_HOSTS name is a custom domain when STATUSPAGE_APP_HOSTS says which
    # names are the app's (the README's production setup).
    settings.ALLOWED_HOSTS = ["admin.internal", "portal.example.com", "status.beta.example"]
    status_page_domains_set(account=page_b.account, page=page_b, domains=["status.beta.example"])


def test_wildcard_allowed_hosts_still_protects_the_named_hosts(settings, page_b):
    settings.ALLOWED_HOSTS = ["*", APP]
    settings.STATUSPAGE_APP_HOSTS = None
    settings.SLA_PUBLIC_BASE_URL = "https://portal.example.com"
    for domain in [APP, "portal.example.com"]:
        with pytest.raises(ValidationError):
            status_page_domains_set(account=page_b.account, page=page_b, domains=[domain])


def test_admin_inline_refuses_the_app_host(client, tenants, page_b, app_host):
    client.force_login(tenants.outsider)  # owner of account B
    url = f"/admin/statuspage/statuspage/{page_b.pk}/change/"
    data = {
        "account": tenants.b.pk,
        "title": "Beta",
        "slug": "beta-status",
        "enabled": "on",
        "time_zone": "UTC",
        "language": "en",
        "domains-TOTAL_FORMS": "1",
        "domains-INITIAL_FORMS": "0",
        "domains-0-domain": APP,
        "groups-TOTAL_FORMS": "0",
        "groups-INITIAL_FORMS": "0",
        "components-TOTAL_FORMS": "0",
        "components-INITIAL_FORMS": "0",
    }
    response = client.post(url, data)
    assert response.status_code == 200  # the form again, with the error
    assert "application&#x27;s own host names" in response.content.decode()
    assert not StatusPageDomain.objects.exists()


# --- routing: app hosts first ---------------------------------------------------------------


def test_a_row_naming_the_app_host_takes_nothing_over(client, page_b, app_host):
    _legacy_domain(page_b, APP)
    host = {"HTTP_HOST": APP}
    assert client.get("/admin/login/", **host).status_code == 200
    assert client.get("/api/v1/account", **host).status_code in (401, 403)
    assert client.get("/dashboard/", **host).status_code == 302  # to the login page
    root = client.get("/", **host)
    assert root.status_code == 302 and root["Location"] == "/dashboard/"
    assert client.get("/status/beta-status/", **host).status_code == 200
    # The page's canonical URL does not point at the app host either.
    assert primary_domain(page=page_b) is None
    summary = client.get("/status/beta-status/api/v2/summary.json", **host).json()
    assert summary["page"]["url"] == f"https://{APP}/status/beta-status"


def test_real_custom_domains_keep_working(client, page_b, app_host):
    status_page_domains_set(
        account=page_b.account, page=page_b, domains=["status.beta.example.net"]
    )
    host = {"HTTP_HOST": "status.beta.example.net"}
    assert b"Beta" in client.get("/", **host).content
    assert client.get("/admin/login/", **host).status_code == 404
    assert client.get("/", HTTP_HOST="other.example.net").status_code == 404


def test_wildcard_mode_serves_domains_and_the_app_everywhere_else(client, settings, page_b):
    settings.ALLOWED_HOSTS = ["*"]
    settings.STATUSPAGE_APP_HOSTS = None
    status_page_domains_set(account=page_b.account, page=page_b, domains=["status.beta.example"])
    assert b"Beta" in client.get("/", HTTP_HOST="status.beta.example").content
    assert client.get("/admin/login/", HTTP_HOST="status.beta.example").status_code == 404
    assert client.get("/admin/login/", HTTP_HOST="anything.example").status_code == 200


def _environ(path, host):
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "HTTP_HOST": host,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
    }


def test_edge_checks_app_hosts_first(client, page_b, app_host):
    # The page's domain document is in the cache, and a row names the app host too.
    status_page_domains_set(
        account=page_b.account, page=page_b, domains=["status.beta.example.net"]
    )
    assert client.get("/", HTTP_HOST="status.beta.example.net").status_code == 200
    _legacy_domain(page_b, APP)
    assert document_for(_environ("/", APP)) is None
    assert document_for(_environ("/api/v2/summary.json", f"{APP}:443")) is None
    assert document_for(_environ("/status/beta-status/", APP)) == ("beta-status", "p|")
    assert document_for(_environ("/", "status.beta.example.net")) == ("beta-status", "d|")
    calls = []

    def inner(environ, start_response):
        calls.append(environ["PATH_INFO"])
        start_response("302 Found", [("Location", "/dashboard/")])
        return [b""]

    edge = StatusPageEdge(inner)
    started = {}
    edge(_environ("/", APP), lambda status, headers: started.update(status=status))
    assert calls == ["/"] and started["status"] == "302 Found"
    edge(_environ("/", "status.beta.example.net"), lambda status, headers: None)
    assert calls == ["/"]  # the real custom domain is answered from the cache
