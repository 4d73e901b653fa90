"""Webhook SSRF guard: non-public addresses refused (unless SLA_WEBHOOK_ALLOW_PRIVATE_NETWORKS),
the connection pinned to the address checked, redirects never followed, URLs validated."""

import datetime as dt
import ipaddress
import socket
import ssl
import subprocess
import sys

import pytest
import time_machine
from django.core.exceptions import ValidationError

from reporting import outbound
from reporting.models import Delivery, WebhookEndpoint
from reporting.outbound import WebhookRefused, address_refusal, post_json
from reporting.services.notifications import notification_emit, outbox_process_due
from tests.factories import WebhookEndpointFactory
from tests.reporting.receiver import TLS_CA_FILE, TLS_HOST, Receiver
from tests.slaportal.test_settings import ROOT

NOW = dt.datetime(2026, 11, 21, 8, 0, tzinfo=dt.UTC)

REFUSED = [
    "127.0.0.1",
    "127.255.0.9",
    "0.0.0.0",  # noqa: S104 - an address to refuse, not one to bind
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "192.0.2.1",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "ff02::1",
    "2001:db8::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "2002:a00:1::",  # 6to4 of 10.0.0.1
]
PUBLIC = ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "2a00:1450:4001:80b::200e"]


@pytest.mark.parametrize("address", REFUSED)
def test_non_public_addresses_are_refused(address):
    assert address_refusal(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address):
    assert address_refusal(ipaddress.ip_address(address)) is None


# --------------------------------------------------------------------------- delivering


@pytest.fixture
def connections(monkeypatch):
    """Every address the webhook code connects to (the real connect still happens)."""
    seen = []
    real = socket.create_connection

    def recording(address, *args, **kwargs):
        seen.append(address[0])
        return real(address, *args, **kwargs)

    monkeypatch.setattr(outbound.socket, "create_connection", recording)
    return seen


def _deliver(account, url: str) -> Delivery:
    with time_machine.travel(NOW, tick=False):
        WebhookEndpointFactory(account=account, url=url, secret="s3cret-for-tests")
        notification_emit(
            account=account, event_type="sla.level_changed", payload={}, dedup_key="k"
        )
        outbox_process_due(now=NOW)
    return Delivery.objects.get()


@pytest.mark.django_db
def test_local_receiver_is_refused_when_private_networks_are_off(tenants, settings, connections):
    settings.SLA_WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    server = Receiver(secret="s3cret-for-tests").start()
    try:
        delivery = _deliver(tenants.a, server.url)
    finally:
        server.stop()
    assert server.requests == [] and connections == []
    assert delivery.status == "pending" and delivery.attempts == 1
    assert delivery.last_status_code is None
    assert delivery.last_error == "WebhookRefused: address 127.0.0.1 is loopback, not public"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1:9/hook",
        "http://169.254.169.254/latest/meta-data/",
        "https://[::ffff:169.254.169.254]/x",
        "http://[::1]:9/x",
        "http://2130706433:9/decimal-loopback",
        "http://0x7f.1:9/hex-loopback",
    ],
)
def test_private_addresses_are_never_contacted(tenants, settings, connections, url):
    settings.SLA_WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    delivery = _deliver(tenants.a, url)
    assert connections == []
    assert delivery.status == "pending" and delivery.last_error.startswith("WebhookRefused: ")


@pytest.mark.django_db
def test_host_names_are_judged_by_their_addresses(tenants, settings, connections):
    """`localhost` resolves to loopback: refused with the same message an unknown name gets
    (no map of internal DNS names through the error)."""
    settings.SLA_WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    delivery = _deliver(tenants.a, "http://localhost:9/hook")
    assert connections == []
    expected = "WebhookRefused: host 'localhost' does not resolve to a public address"
    assert delivery.last_error == expected
    with pytest.raises(WebhookRefused) as unknown:
        post_json(url="http://no-such-host.invalid/x", body=b"{}", headers={}, timeout=1)
    assert str(unknown.value) == "host 'no-such-host.invalid' does not resolve to a public address"


@pytest.mark.django_db
def test_the_connection_goes_to_the_checked_address(settings, monkeypatch, connections):
    """A resolver answering differently on a second lookup (DNS rebinding) changes nothing:
    the host is resolved once per attempt and the connection goes to that address."""
    settings.SLA_WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    answers = iter(["93.184.216.34", "127.0.0.1"])
    lookups = []

    def rebinding(host, port, *args, **kwargs):
        lookups.append(host)
        address = next(answers)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    def refuse(address, *args, **kwargs):
        connections.append(address[0])
        raise ConnectionRefusedError("test: no network")

    monkeypatch.setattr(outbound.socket, "getaddrinfo", rebinding)
    monkeypatch.setattr(outbound.socket, "create_connection", refuse)
    with pytest.raises(outbound.WebhookUnreachable):  # one text for every connect failure
        post_json(url="https://hooks.example.com/sla", body=b"{}", headers={}, timeout=1)
    assert lookups == ["hooks.example.com"] and connections == ["93.184.216.34"]


@pytest.mark.django_db
def test_a_name_with_one_private_address_is_refused(settings, monkeypatch, connections):
    settings.SLA_WEBHOOK_ALLOW_PRIVATE_NETWORKS = False

    def mixed(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port)),
        ]

    monkeypatch.setattr(outbound.socket, "getaddrinfo", mixed)
    with pytest.raises(WebhookRefused):
        post_json(url="http://hooks.example.com/sla", body=b"{}", headers={}, timeout=1)
    assert connections == []


@pytest.fixture
def test_names_on_localhost(monkeypatch):
    """A resolver answering 127.0.0.1 for *.example.test (others resolve as usual)."""
    real = socket.getaddrinfo

    def stub(host, port, *args, **kwargs):
        if not host.endswith(".example.test"):  # socket.create_connection looks IPs up too
            return real(host, port, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(outbound.socket, "getaddrinfo", stub)


@pytest.mark.django_db
def test_pinned_connection_sends_the_host_name(
    tenants, allow_private_networks, test_names_on_localhost
):
    """Resolved to 127.0.0.1 by a stub resolver, the request still names the URL's host."""
    server = Receiver(secret="s3cret-for-tests").start()
    try:
        delivery = _deliver(tenants.a, f"http://hooks.example.test:{server.port}/hook?x=1")
    finally:
        server.stop()
    [got] = server.requests
    assert got.signature_ok and got.headers["host"] == f"hooks.example.test:{server.port}"
    assert delivery.status == "delivered" and delivery.last_status_code == 200


@pytest.fixture
def tls_receiver(allow_private_networks, test_names_on_localhost, monkeypatch):
    """An HTTPS receiver for hooks.example.test whose CA the webhook client trusts."""
    real_context = ssl.create_default_context
    monkeypatch.setattr(
        outbound.ssl, "create_default_context", lambda: real_context(cafile=str(TLS_CA_FILE))
    )
    server = Receiver(secret="s3cret-for-tests", tls=True).start()
    yield server
    server.stop()


@pytest.mark.django_db
def test_https_sends_sni_and_checks_the_certificate_against_the_host_name(tenants, tls_receiver):
    delivery = _deliver(tenants.a, f"https://{TLS_HOST}:{tls_receiver.port}/hook")
    assert delivery.status == "delivered", delivery.last_error
    assert tls_receiver.sni == [TLS_HOST]
    [got] = tls_receiver.requests
    assert got.signature_ok and got.headers["host"] == f"{TLS_HOST}:{tls_receiver.port}"


@pytest.mark.django_db
def test_https_to_a_name_the_certificate_does_not_cover_fails(tenants, tls_receiver):
    delivery = _deliver(tenants.a, f"https://other.example.test:{tls_receiver.port}/hook")
    assert delivery.status == "pending" and tls_receiver.requests == []
    assert "certificate verify failed" in delivery.last_error
    assert tls_receiver.sni == ["other.example.test"]


@pytest.mark.django_db
def test_redirects_are_not_followed(tenants, allow_private_networks):
    inside = Receiver(secret="s3cret-for-tests").start()
    redirecting = Receiver(secret="s3cret-for-tests", redirect_to=inside.url).start()
    try:
        delivery = _deliver(tenants.a, redirecting.url)
    finally:
        redirecting.stop()
        inside.stop()
    assert len(redirecting.requests) == 1 and inside.requests == []
    assert delivery.status == "pending" and delivery.last_status_code == 302
    assert "redirects are not followed" in delivery.last_error


@pytest.mark.django_db
def test_non_2xx_is_a_failed_attempt_with_its_status(tenants, flaky_receiver):
    delivery = _deliver(tenants.a, flaky_receiver.url)
    assert delivery.status == "pending" and delivery.last_status_code == 500
    assert delivery.last_error == "WebhookHTTPError: HTTP 500"


# --------------------------------------------------------------------------- URLs on save


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://hooks.example.com/x", "http:// or https://"),
        ("file:///etc/passwd", "http:// or https://"),
        ("http://user:pw@hooks.example.com/x", "passwords"),
        ("http://token@hooks.example.com/x", "passwords"),
        ("http://127.0.0.1:8080/hook", "loopback"),
        ("http://10.0.0.1/hook", "private"),
        ("http://169.254.169.254/latest", "link-local"),
        ("http://[::ffff:127.0.0.1]/x", "loopback"),
        ("http://hooks.example.com:99999/x", "valid URL"),
    ],
)
def test_bad_urls_are_refused_on_save(tenants, settings, url, message):
    settings.SLA_WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    endpoint = WebhookEndpoint(account=tenants.a, name="x", url=url, secret="s" * 20)
    with pytest.raises(ValidationError) as error:
        endpoint.full_clean()
    assert message in str(error.value.message_dict["url"])


@pytest.mark.django_db
def test_private_literals_pass_validation_when_allowed(tenants, allow_private_networks):
    endpoint = WebhookEndpoint(account=tenants.a, name="x", url="http://10.0.0.1/h", secret="s")
    endpoint.full_clean()


@pytest.mark.django_db
def test_api_refuses_bad_urls_naming_the_field(api_a, settings):
    settings.SLA_WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    for url in ("http://u:p@hooks.example.com/x", "http://169.254.169.254/", "gopher://x/"):
        response = api_a.post("/api/v1/webhooks", {"name": "x", "url": url}, format="json")
        assert response.status_code == 400 and "url" in response.json()["fields"], url
    good = api_a.post(
        "/api/v1/webhooks", {"name": "ok", "url": "https://hooks.example.com/a"}, format="json"
    )
    assert good.status_code == 201


def test_delivery_refuses_urls_saved_before_validation():
    with pytest.raises(WebhookRefused, match="passwords"):
        post_json(url="http://u:p@hooks.example.com/", body=b"{}", headers={}, timeout=1)
    with pytest.raises(WebhookRefused, match="http:// or https://"):
        post_json(url="ftp://hooks.example.com/", body=b"{}", headers={}, timeout=1)


# --------------------------------------------------------------------------- setting


def _setting_at_start(value: str) -> subprocess.CompletedProcess:
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.SLA_WEBHOOK_ALLOW_PRIVATE_NETWORKS)"
    )
    environment = {"DJANGO_SETTINGS_MODULE": "slaportal.settings", "PATH": "/usr/bin:/bin"}
    environment["SLA_WEBHOOK_ALLOW_PRIVATE_NETWORKS"] = value
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_setting_defaults_to_false_and_is_parsed_strictly():
    assert _setting_at_start("").stdout.strip() == "False"
    assert _setting_at_start("yes").stdout.strip() == "True"
    bad = _setting_at_start("sometimes")
    assert bad.returncode != 0 and "SLA_WEBHOOK_ALLOW_PRIVATE_NETWORKS:" in bad.stderr


def test_refused_timed_out_and_non_http_ports_fail_with_the_same_text():
    # Issue 12: different texts for refused connections and timeouts let a tenant map the
    # open, closed and filtered ports of a public host through delivery errors.
    import threading

    from reporting.outbound import WebhookUnreachable
    from tests.redis_server import free_port

    silent = socket.socket()  # accepts, never answers: a read timeout
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    banner = socket.socket()  # answers what is no HTTP (an SSH-like banner), then closes
    banner.bind(("127.0.0.1", 0))
    banner.listen()

    def serve_banner():
        conn, _ = banner.accept()
        conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")
        conn.close()

    thread = threading.Thread(target=serve_banner, daemon=True)
    thread.start()
    texts = set()
    try:
        for port in (free_port(), silent.getsockname()[1], banner.getsockname()[1]):
            with pytest.raises(WebhookUnreachable) as raised:
                post_json(
                    url=f"http://127.0.0.1:{port}/hook",
                    body=b"{}",
                    headers={},
                    timeout=0.5,
                    allow_private=True,
                )
            assert isinstance(raised.value, OSError)  # callers catch OSError as before
            texts.add(str(raised.value))
    finally:
        silent.close()
        banner.close()
        thread.join(timeout=5)
    assert texts == {WebhookUnreachable.MESSAGE}
