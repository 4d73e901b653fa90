"""Webhooks through HTTP(S)_PROXY (issue 12, item 8): a real forward proxy and real
receivers on 127.0.0.1. Deliveries go through the proxy (forwarded for http, a CONNECT
tunnel with the target's certificate checked for https), NO_PROXY bypasses it, the address
guard still judges the target, and a proxy that is down is a retryable failure."""

import datetime as dt
import socket
import ssl

import pytest
import time_machine

from reporting import outbound
from reporting.models import Delivery
from reporting.outbound import (
    WebhookProxyUnreachable,
    WebhookRefused,
    WebhookUnreachable,
    post_json,
)
from reporting.proxies import ProxyConfigError, bypassed, parse_proxy, proxy_for
from reporting.services.notifications import notification_emit, outbox_process_due
from tests.factories import WebhookEndpointFactory
from tests.proxy_server import ForwardProxy
from tests.redis_server import free_port
from tests.reporting.receiver import TLS_CA_FILE, TLS_HOST, Receiver

NOW = dt.datetime(2026, 11, 21, 8, 0, tzinfo=dt.UTC)


def _deliver(account, url: str) -> Delivery:
    with time_machine.travel(NOW, tick=False):
        WebhookEndpointFactory(account=account, url=url, secret="s3cret-for-tests")
        notification_emit(
            account=account, event_type="sla.level_changed", payload={}, dedup_key="k"
        )
        outbox_process_due(now=NOW)
    return Delivery.objects.get()


def _lines(proxy) -> list[str]:
    return [seen.request_line for seen in proxy.seen]


@pytest.fixture
def tls_receiver(allow_private_networks, monkeypatch):
    """An HTTPS receiver for hooks.example.test whose CA the webhook client trusts (the
    proxy resolves the name; with private networks allowed nothing else needs to)."""
    real_context = ssl.create_default_context
    monkeypatch.setattr(
        outbound.ssl, "create_default_context", lambda: real_context(cafile=str(TLS_CA_FILE))
    )
    server = Receiver(secret="s3cret-for-tests", tls=True).start()
    yield server
    server.stop()


# --------------------------------------------------------------------------- delivering


@pytest.mark.django_db
@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy"])
def test_a_delivery_goes_through_the_proxy(tenants, receiver, forward_proxy, monkeypatch, variable):
    monkeypatch.setenv(variable, forward_proxy.url)
    delivery = _deliver(tenants.a, receiver.url + "?x=1")
    assert delivery.status == "delivered", delivery.last_error
    assert _lines(forward_proxy) == [f"POST {receiver.url}?x=1 HTTP/1.1"]
    [got] = receiver.accepted
    assert got.signature_ok and got.headers["host"] == f"127.0.0.1:{receiver.port}"


@pytest.mark.django_db
def test_https_goes_through_a_connect_tunnel(tenants, tls_receiver, forward_proxy, monkeypatch):
    monkeypatch.setenv("https_proxy", forward_proxy.url)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # for http:// targets only
    delivery = _deliver(tenants.a, f"https://{TLS_HOST}:{tls_receiver.port}/hook")
    assert delivery.status == "delivered", delivery.last_error
    [line] = _lines(forward_proxy)
    assert line.startswith(f"CONNECT {TLS_HOST}:{tls_receiver.port} HTTP/1.")
    assert tls_receiver.sni == [TLS_HOST]  # TLS end to end, with the URL's host name
    [got] = tls_receiver.accepted
    assert got.signature_ok and got.headers["host"] == f"{TLS_HOST}:{tls_receiver.port}"


@pytest.mark.django_db
def test_the_certificate_is_still_checked_through_the_tunnel(
    tenants, tls_receiver, forward_proxy, monkeypatch
):
    monkeypatch.setenv("HTTPS_PROXY", forward_proxy.url)
    delivery = _deliver(tenants.a, f"https://other.example.test:{tls_receiver.port}/hook")
    assert delivery.status == "pending" and tls_receiver.requests == []
    assert "certificate verify failed" in delivery.last_error
    assert _lines(forward_proxy)[0].startswith("CONNECT other.example.test:")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "no_proxy",
    ["127.0.0.1", "localhost, 127.0.0.1", "127.0.0.0/8", "*", "127.0.0.1:{port}", "LOWER"],
)
def test_no_proxy_bypasses_the_proxy(tenants, receiver, forward_proxy, monkeypatch, no_proxy):
    monkeypatch.setenv("HTTP_PROXY", forward_proxy.url)
    if no_proxy == "LOWER":
        monkeypatch.setenv("no_proxy", ".example.com,127.0.0.1")
    else:
        monkeypatch.setenv("NO_PROXY", no_proxy.format(port=receiver.port))
    delivery = _deliver(tenants.a, receiver.url)
    assert delivery.status == "delivered", delivery.last_error
    assert forward_proxy.seen == [] and len(receiver.accepted) == 1


@pytest.mark.django_db
def test_no_proxy_for_another_port_does_not_bypass(tenants, receiver, forward_proxy, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", forward_proxy.url)
    monkeypatch.setenv("NO_PROXY", f"127.0.0.1:{receiver.port + 1}")
    assert _deliver(tenants.a, receiver.url).status == "delivered"
    assert len(forward_proxy.seen) == 1


# --------------------------------------------------------------------------- the guard


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("http://127.0.0.1:{port}/hook", "address 127.0.0.1 is loopback, not public"),
        ("http://localhost:{port}/hook", "host 'localhost' does not resolve to a public address"),
        ("https://[::1]:{port}/hook", "address ::1 is loopback, not public"),
        ("http://169.254.169.254/latest/meta-data/", "is link-local, not public"),
    ],
)
def test_a_private_target_is_refused_with_the_proxy_set(
    tenants, settings, forward_proxy, monkeypatch, path, message
):
    settings.SLA_WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    monkeypatch.setenv("HTTP_PROXY", forward_proxy.url)
    monkeypatch.setenv("HTTPS_PROXY", forward_proxy.url)
    server = Receiver(secret="s3cret-for-tests").start()
    try:
        delivery = _deliver(tenants.a, path.format(port=server.port))
    finally:
        server.stop()
    assert forward_proxy.seen == [] and server.requests == []  # nothing went out
    assert delivery.status == "pending" and delivery.last_error.startswith("WebhookRefused: ")
    assert message in delivery.last_error


def test_a_public_target_is_resolved_and_judged_before_the_proxy(settings, monkeypatch):
    """The guard resolves the target itself (the proxy would too): a name with a private
    address among its public ones is refused, nothing is sent to the proxy."""
    settings.SLA_WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    proxy = ForwardProxy().start()
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    lookups = []

    def mixed(host, port, *args, **kwargs):
        lookups.append(host)
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port)),
        ]

    monkeypatch.setattr(outbound.socket, "getaddrinfo", mixed)
    try:
        with pytest.raises(WebhookRefused):
            post_json(url="https://hooks.example.com/sla", body=b"{}", headers={}, timeout=2)
    finally:
        proxy.stop()
    assert lookups == ["hooks.example.com"] and proxy.seen == []


# --------------------------------------------------------------------------- failures


@pytest.mark.django_db
def test_the_proxy_down_is_a_retryable_failure_and_nothing_is_lost(tenants, receiver, monkeypatch):
    proxy = ForwardProxy(bound_port=free_port())
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    delivery = _deliver(tenants.a, receiver.url)
    assert delivery.status == "pending" and delivery.attempts == 1
    assert delivery.last_error == f"WebhookProxyUnreachable: {WebhookProxyUnreachable.MESSAGE}"
    assert receiver.requests == []
    proxy.start()  # back on the same port: the outbox's retry gets through
    try:
        with time_machine.travel(delivery.next_attempt_at, tick=False):
            outbox_process_due(now=delivery.next_attempt_at)
    finally:
        proxy.stop()
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempts == 2
    assert len(receiver.accepted) == 1 and len(proxy.seen) == 1


def test_an_unusable_proxy_setting_fails_the_same_way(monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "socks5://127.0.0.1:1080")
    with pytest.raises(WebhookProxyUnreachable):
        post_json(url="http://127.0.0.1:9/x", body=b"{}", headers={}, timeout=1, allow_private=True)


def test_refused_and_timed_out_targets_fail_with_one_text_through_the_proxy(
    forward_proxy, monkeypatch
):
    """The proxy answers 502 (refused) or 504 (timeout) for plain HTTP and fails the
    tunnel for https: one text for all, so the proxy cannot be used to map ports either."""
    monkeypatch.setenv("HTTP_PROXY", forward_proxy.url)
    monkeypatch.setenv("HTTPS_PROXY", forward_proxy.url)
    silent = socket.socket()  # accepts, never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    closed = free_port()
    urls = [
        f"http://127.0.0.1:{closed}/hook",
        f"http://127.0.0.1:{silent.getsockname()[1]}/hook",
        f"https://127.0.0.1:{closed}/hook",
    ]
    texts = set()
    try:
        for url in urls:
            with pytest.raises(WebhookUnreachable) as raised:
                post_json(url=url, body=b"{}", headers={}, timeout=10, allow_private=True)
            assert type(raised.value) is WebhookUnreachable
            texts.add(str(raised.value))
    finally:
        silent.close()
    assert texts == {WebhookUnreachable.MESSAGE}
    answers = [seen.request_line.split(" ")[0] for seen in forward_proxy.seen]
    assert answers == ["POST", "POST", "CONNECT"]  # each reached the proxy


# --------------------------------------------------------------------------- credentials


@pytest.mark.django_db
def test_proxy_credentials_are_sent_to_the_proxy_only(tenants, tls_receiver, monkeypatch):
    proxy = ForwardProxy(credentials="deploy:p@ss w", hosts={TLS_HOST: "127.0.0.1"}).start()
    monkeypatch.setenv("HTTPS_PROXY", f"http://deploy:p%40ss%20w@127.0.0.1:{proxy.port}")
    try:
        delivery = _deliver(tenants.a, f"https://{TLS_HOST}:{tls_receiver.port}/hook")
    finally:
        proxy.stop()
    assert delivery.status == "delivered", delivery.last_error
    [seen] = proxy.seen
    assert seen.proxy_authorization == "Basic ZGVwbG95OnBAc3Mgdw=="
    [got] = tls_receiver.accepted
    assert "proxy-authorization" not in got.headers


def test_wrong_proxy_credentials_are_no_http_answer(receiver, monkeypatch):
    proxy = ForwardProxy(credentials="deploy:right").start()
    monkeypatch.setenv("HTTP_PROXY", f"http://deploy:wrong@127.0.0.1:{proxy.port}")
    try:
        with pytest.raises(WebhookUnreachable):  # 407: logged, not shown as an HTTP status
            post_json(url=receiver.url, body=b"{}", headers={}, timeout=5)
    finally:
        proxy.stop()
    assert len(proxy.seen) == 1 and receiver.requests == []


# --------------------------------------------------------------------------- semantics


def test_lower_case_variables_win_and_https_uses_its_own(monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://upper:3128")
    monkeypatch.setenv("http_proxy", "http://lower:3128")
    assert proxy_for("http", "hooks.example.com", 80).host == "lower"
    assert proxy_for("https", "hooks.example.com", 443) is None
    monkeypatch.setenv("HTTPS_PROXY", "proxy.internal:8080")  # no scheme: http://
    assert proxy_for("https", "hooks.example.com", 443) == parse_proxy("http://proxy.internal:8080")


@pytest.mark.parametrize(
    ("no_proxy", "host", "port", "expected"),
    [
        ("example.com", "example.com", 443, True),
        ("example.com", "hooks.example.com", 443, True),
        (".example.com", "example.com", 443, True),
        (".example.com", "hooks.example.com", 443, True),
        ("example.com", "badexample.com", 443, False),
        ("example.com:8443", "example.com", 443, False),
        ("example.com:8443", "example.com", 8443, True),
        ("10.0.0.0/8", "10.1.2.3", 80, True),
        ("10.0.0.0/8", "11.1.2.3", 80, False),
        ("0.0.1", "127.0.0.1", 80, False),  # IPs match whole, not by suffix
        ("::1", "::1", 80, True),
        ("[::1]:80", "::1", 80, True),
        ("fd00::/8", "fd12::1", 80, True),
        ("*", "anything.example", 80, True),
        ("", "example.com", 80, False),
        (" , EXAMPLE.com ", "Hooks.Example.Com", 80, True),
    ],
)
def test_no_proxy_semantics(no_proxy, host, port, expected):
    assert bypassed(host, port, no_proxy) is expected


@pytest.mark.parametrize("url", ["socks5://p:1080", "https://p:3128", "http://:3128", "p:99999"])
def test_unusable_proxy_urls_are_refused(url):
    with pytest.raises(ProxyConfigError):
        parse_proxy(url)
