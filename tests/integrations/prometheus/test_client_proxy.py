"""The Prometheus client through HTTP(S)_PROXY (issue 12, item 8): the session's real
Prometheus behind a real forward proxy on 127.0.0.1; the address guard still judges the
source's host; NO_PROXY bypasses the proxy; a proxy that is down says so."""

import pytest

from integrations.prometheus.client import PrometheusClient, PrometheusUnreachable
from reporting.proxies import ProxyUnreachable
from tests.proxy_server import ForwardProxy
from tests.redis_server import free_port


def test_queries_go_through_the_proxy(prometheus_server, forward_proxy, monkeypatch):
    monkeypatch.setenv("http_proxy", forward_proxy.url)
    with PrometheusClient(prometheus_server.url, timeout=5, allow_private=True) as client:
        assert client.check()["ok"] is True
        assert client.one_value("vector(7)")[1] == 7
    lines = [seen.request_line for seen in forward_proxy.seen]
    assert f"POST {prometheus_server.url}/api/v1/query HTTP/1.1" in lines
    assert len(lines) == client.requests  # every request went through it


def test_a_private_source_is_refused_with_the_proxy_set(
    prometheus_server, forward_proxy, monkeypatch, settings
):
    settings.SLA_DATASOURCE_ALLOW_PRIVATE_NETWORKS = False
    monkeypatch.setenv("HTTP_PROXY", forward_proxy.url)
    with pytest.raises(PrometheusUnreachable, match="loopback"):
        PrometheusClient(prometheus_server.url, timeout=5).instant("vector(1)")
    assert forward_proxy.seen == []


def test_no_proxy_bypasses_the_proxy(prometheus_server, forward_proxy, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", forward_proxy.url)
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    with PrometheusClient(prometheus_server.url, timeout=5, allow_private=True) as client:
        assert client.one_value("vector(1)")[1] == 1
    assert forward_proxy.seen == []


def test_the_proxy_down_is_named(prometheus_server, monkeypatch):
    proxy = ForwardProxy(bound_port=free_port())
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    client = PrometheusClient(prometheus_server.url, timeout=5, allow_private=True)
    with pytest.raises(PrometheusUnreachable) as error:
        client.instant("vector(1)")
    assert str(error.value) == ProxyUnreachable.MESSAGE
    proxy.start()  # back: the same client gets through
    try:
        assert client.one_value("vector(1)")[1] == 1
    finally:
        client.close()
        proxy.stop()
