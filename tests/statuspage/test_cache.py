"""Caching: headers, ETag/304, gzip, invalidation on publish, stale serving, the WSGI edge,
and host dispatch for custom domains."""

import datetime as dt
import gzip
import io

import pytest

from statuspage import cache, documents
from statuspage.edge import StatusPageEdge
from statuspage.services import (
    maintenance_update_post,
    public_incident_create,
    status_page_domains_set,
    status_page_update,
)
from tests.factories import (
    AccountFactory,
    DowntimeFactory,
    StatusPageFactory,
)
from tests.statuspage.builders import NOW, one_component_page

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


@pytest.fixture
def page():
    return one_component_page("acme")


def test_public_cache_headers_etag_and_304(client, page, settings):
    first = client.get("/status/acme/")
    assert first.status_code == 200 and first["X-Status-Cache"] == "MISS"
    assert first["Cache-Control"] == settings.STATUSPAGE_CACHE_CONTROL
    assert "stale-while-revalidate=" in first["Cache-Control"]
    assert "stale-if-error=" in first["Cache-Control"] and "max-age=30" in first["Cache-Control"]
    assert first["Vary"] == "Accept-Encoding"
    second = client.get("/status/acme/")
    assert second["X-Status-Cache"] == "HIT" and second.content == first.content
    assert second["ETag"] == first["ETag"]
    not_modified = client.get("/status/acme/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified["ETag"] == first["ETag"]
    other = client.get("/status/acme/", HTTP_IF_NONE_MATCH='"something-else"')
    assert other.status_code == 200
    head = client.head("/status/acme/")
    assert head.status_code == 200 and head.content == b""
    assert int(head["Content-Length"]) == len(first.content)


def test_gzip_is_served_precompressed_with_its_own_etag(client, page):
    plain = client.get("/status/acme/")
    zipped = client.get("/status/acme/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == plain.content
    assert zipped["ETag"] != plain["ETag"]
    assert (
        client.get(
            "/status/acme/", HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=zipped["ETag"]
        ).status_code
        == 304
    )
    refused = client.get("/status/acme/", HTTP_ACCEPT_ENCODING="gzip;q=0, identity")
    assert "Content-Encoding" not in refused


def test_publishing_an_incident_shows_at_once(client, page):
    assert b"Database trouble" not in client.get("/status/acme/").content
    assert client.get("/status/acme/api/v2/summary.json")["X-Status-Cache"] == "MISS"
    public_incident_create(account=page.account, page=page, name="Database trouble", body="x")
    html = client.get("/status/acme/")
    assert html["X-Status-Cache"] == "MISS" and b"Database trouble" in html.content
    assert b"Database trouble" in client.get("/status/acme/api/v2/summary.json").content
    assert b"Database trouble" in client.get("/status/acme/history.atom").content


def test_public_downtime_changes_show_at_once(client, page):
    client.get("/status/acme/")
    downtime = DowntimeFactory(
        account=page.account,
        public=True,
        reason="Kernel update",
        start=NOW + dt.timedelta(hours=5),
        end=NOW + dt.timedelta(hours=6),
    )
    assert b"Kernel update" in client.get("/status/acme/").content
    maintenance_update_post(
        account=page.account, downtime=downtime, status="scheduled", body="Moved by a day."
    )
    assert b"Moved by a day." in client.get("/status/acme/").content
    downtime.delete()
    assert b"Kernel update" not in client.get("/status/acme/").content


def test_automatic_states_refresh_after_the_fresh_period(client, page, settings, frozen_now):
    client.get("/status/acme/")
    from sla.models import Service

    Service.objects.filter(account=page.account).update(current_state="CRIT")
    cached = client.get("/status/acme/")
    assert cached["X-Status-Cache"] == "HIT" and b"All Systems Operational" in cached.content
    frozen_now.shift(settings.STATUSPAGE_CACHE_SECONDS + 1)
    fresh = client.get("/status/acme/")
    assert fresh["X-Status-Cache"] == "MISS" and b"Major Service Outage" in fresh.content


def test_stale_copy_is_served_while_another_worker_renders(client, page, settings, frozen_now):
    old = client.get("/status/acme/").content
    frozen_now.shift(settings.STATUSPAGE_CACHE_SECONDS + 1)
    assert cache.acquire("acme", "p|")  # someone else is rendering
    response = client.get("/status/acme/")
    assert response["X-Status-Cache"] == "STALE" and response.content == old
    cache.release("acme", "p|")
    assert client.get("/status/acme/")["X-Status-Cache"] == "MISS"


def test_last_copy_is_served_when_rendering_fails(client, page, settings, frozen_now, monkeypatch):
    old = client.get("/status/acme/").content
    frozen_now.shift(settings.STATUSPAGE_CACHE_SECONDS + 1)

    def broken(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(documents, "render", broken)
    response = client.get("/status/acme/")
    assert response.status_code == 200 and response["X-Status-Cache"] == "STALE-ERROR"
    assert response.content == old
    with pytest.raises(RuntimeError):
        client.get("/status/acme/history")  # never rendered: nothing to fall back to


def test_cache_keys_ignore_query_strings(client, page):
    client.get("/status/acme/?utm=1")
    assert client.get("/status/acme/?other=2")["X-Status-Cache"] == "HIT"


def test_post_is_not_allowed_on_documents(client, page):
    assert client.post("/status/acme/").status_code == 405


# --- the WSGI edge -------------------------------------------------------------------------


class Inner:
    """Stands for Django behind the edge; records whether it was asked."""

    def __init__(self):
        self.calls = 0

    def __call__(self, environ, start_response):
        self.calls += 1
        start_response("599 Inner", [("Content-Type", "text/plain")])
        return [b"inner"]


def _edge_get(edge, path, host="testserver", **headers):
    environ = {
        "REQUEST_METHOD": headers.pop("method", "GET"),
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "HTTP_HOST": host,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
    }
    environ.update({f"HTTP_{name.upper()}": value for name, value in headers.items()})
    started = {}

    def start_response(status, response_headers):
        started["status"] = status
        started["headers"] = dict(response_headers)

    body = b"".join(edge(environ, start_response))
    return started["status"], started["headers"], body


def test_edge_answers_hits_like_django_and_passes_everything_else(client, page):
    inner = Inner()
    edge = StatusPageEdge(inner)
    status, _, _ = _edge_get(edge, "/status/acme/")
    assert status.startswith("599") and inner.calls == 1  # nothing cached yet
    django = client.get("/status/acme/api/v2/summary.json")
    status, headers, body = _edge_get(edge, "/status/acme/api/v2/summary.json")
    assert status == "200 OK" and inner.calls == 1
    assert body == django.content
    assert headers["X-Status-Cache"] == "EDGE-HIT"
    for name in [
        "ETag",
        "Cache-Control",
        "Content-Type",
        "Vary",
        "Access-Control-Allow-Origin",
        "X-Content-Type-Options",
        "X-Frame-Options",
        "Referrer-Policy",
    ]:
        assert headers[name] == django[name], name
    status, headers, body = _edge_get(
        edge, "/status/acme/api/v2/summary.json", if_none_match=django["ETag"]
    )
    assert status == "304 Not Modified" and body == b""
    status, headers, body = _edge_get(edge, "/status/acme/api/v2/summary.json", method="HEAD")
    assert (
        status == "200 OK" and body == b"" and headers["Content-Length"] == str(len(django.content))
    )
    for path in ["/admin/", "/status/acme/password", "/status/acme", "/status/other/"]:
        _edge_get(edge, path)
    _edge_get(edge, "/status/acme/api/v2/summary.json", method="POST")
    _edge_get(edge, "/status/acme/api/v2/summary.json", host="evil.example")  # not allowed
    assert inner.calls == 7


def test_edge_passes_on_after_a_publish_and_for_private_pages(client, page):
    inner = Inner()
    edge = StatusPageEdge(inner)
    client.get("/status/acme/")
    assert _edge_get(edge, "/status/acme/")[0] == "200 OK"
    public_incident_create(account=page.account, page=page, name="New", body="x")
    assert _edge_get(edge, "/status/acme/")[0].startswith("599")  # outdated: Django renders
    status_page_update(account=page.account, page=page, password="pw-123456")
    client.get("/status/acme/")
    assert _edge_get(edge, "/status/acme/")[0].startswith("599")


def test_edge_serves_custom_domains(client, page, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "status.acme.example"]
    status_page_domains_set(account=page.account, page=page, domains=["status.acme.example"])
    django = client.get("/", HTTP_HOST="status.acme.example")
    assert django.status_code == 200
    assert b'href="/history"' in django.content  # links relative to the domain root
    status, _, body = _edge_get(StatusPageEdge(Inner()), "/", host="status.acme.example:443")
    assert status == "200 OK" and body == django.content


# --- host dispatch --------------------------------------------------------------------------


def test_custom_domain_shows_only_the_page(client, page, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "Status.Acme.Example"]
    status_page_domains_set(account=page.account, page=page, domains=["Status.Acme.Example."])
    host = {"HTTP_HOST": "status.acme.example"}
    assert client.get("/", **host).status_code == 200
    summary = client.get("/api/v2/summary.json", **host).json()
    assert summary["page"]["url"] == "https://status.acme.example"
    assert client.get("/admin/", **host).status_code == 404
    assert client.get("/api/v1/account", **host).status_code == 404
    assert client.get("/status/acme/", **host).status_code == 404
    assert client.get("/health", **host).status_code == 200
    # Removing the domain stops serving it at once.
    status_page_domains_set(account=page.account, page=page, domains=[])
    assert client.get("/", **host).status_code == 404


def test_unknown_hosts_are_a_plain_404(client, page, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, ".example.org"]
    response = client.get("/admin/", HTTP_HOST="anything.example.org")
    assert response.status_code == 404 and response.content == b"Not Found"
    assert client.get("/status/acme/", HTTP_HOST="anything.example.org").status_code == 404
    assert client.get("/health", HTTP_HOST="anything.example.org").status_code == 200
    assert client.get("/status/acme/").status_code == 200  # the app's own host
    assert client.get("/", HTTP_HOST="not-allowed.test").status_code == 400


def test_domains_are_unique_across_accounts(page):
    from django.core.exceptions import ValidationError

    other = StatusPageFactory(account=AccountFactory(), slug="other")
    status_page_domains_set(account=page.account, page=page, domains=["status.acme.example"])
    with pytest.raises(ValidationError):
        status_page_domains_set(account=other.account, page=other, domains=["status.acme.example"])
    with pytest.raises(ValidationError):
        status_page_domains_set(account=page.account, page=page, domains=["http://bad/path"])


SECURITY_HEADERS = (
    "Strict-Transport-Security",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "Content-Security-Policy",
)


@pytest.mark.parametrize(
    "path", ["/status/acme/", "/status/acme/api/v2/summary.json", "/status/acme/history"]
)
def test_edge_hits_carry_every_security_header_django_sends(client, page, settings, path):
    # Issue 12: edge-cache hits skipped HSTS (it depends on the request being HTTPS).
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    django = client.get(path, HTTP_X_FORWARDED_PROTO="https")
    assert django.status_code == 200 and django["Strict-Transport-Security"]
    edge = StatusPageEdge(Inner())
    for forwarded in ("https", None):
        extra = {"x_forwarded_proto": forwarded} if forwarded else {}
        status, headers, _ = _edge_get(edge, path, **extra)
        assert status == "200 OK" and headers["X-Status-Cache"] == "EDGE-HIT"
        plain = client.get(path, **({"HTTP_X_FORWARDED_PROTO": forwarded} if forwarded else {}))
        for name in SECURITY_HEADERS:
            assert headers.get(name) == plain.get(name), (path, forwarded, name)
    assert "Strict-Transport-Security" not in headers  # plain HTTP gets none, as from Django
