"""The Prometheus HTTP client: answers of the real Prometheus, and faults served by small
local HTTP servers (recorded error bodies, 5xx, silence, redirects, warnings)."""

import datetime as dt
import json
import socket
from decimal import Decimal

import pytest

from integrations.prometheus.client import (
    PrometheusAPIError,
    PrometheusClient,
    PrometheusHTTPError,
    PrometheusPartialData,
    PrometheusResultError,
    PrometheusTimeout,
    PrometheusUnreachable,
    range_chunks,
)
from tests.integrations.prometheus.canned import CannedServer


@pytest.fixture
def client(prometheus_server):
    with PrometheusClient(prometheus_server.url, timeout=5, allow_private=True) as client:
        yield client


def test_instant_range_version_and_server_time(client):
    result = client.instant('up{job="exporter"} * 2')
    [series] = result.series
    assert series.samples[0].value == Decimal(2) and series.labels["job"] == "exporter"
    end = dt.datetime.now(dt.UTC).replace(microsecond=0)
    matrix = client.range("vector(1)", end - dt.timedelta(minutes=10), end, 300)
    assert matrix.result_type == "matrix" and len(matrix.series[0].samples) == 3
    assert client.version().startswith("2.")
    assert abs((client.server_time() - dt.datetime.now(dt.UTC)).total_seconds()) < 5
    assert client.check() == {"ok": True, "version": client.version()}
    assert client.requests >= 5  # one kept-alive connection served them all


def test_error_envelope_scalar_results_nan_and_several_series(client):
    with pytest.raises(PrometheusAPIError) as error:
        client.instant("sum(")
    assert error.value.error_type == "bad_data" and "parse error" in str(error.value)
    with pytest.raises(PrometheusResultError, match="gave a scalar, not an instant vector"):
        client.instant("1")
    [series] = client.instant("vector(0) / 0").series
    assert not series.samples[0].finite
    with pytest.raises(PrometheusResultError, match="is NaN"):
        client.one_value("vector(0) / 0")
    with pytest.raises(PrometheusResultError, match=r"2 series where one is expected: .*up\{"):
        client.instant('up{job="exporter"} or vector(1)').one()  # fmt: skip
    assert client.one_value('up{job="no-such"}') is None


def test_the_address_guard_refuses_private_sources_unless_allowed(prometheus_server, settings):
    settings.SLA_DATASOURCE_ALLOW_PRIVATE_NETWORKS = False
    with pytest.raises(PrometheusUnreachable, match=r"loopback|not public|SLA_DATASOURCE"):
        PrometheusClient(prometheus_server.url).instant("vector(1)")
    for url in ("ftp://x", "http://user:pw@example.com", "http://", "http://h/?q=1"):
        with pytest.raises(PrometheusUnreachable):
            PrometheusClient(url, allow_private=True).instant("vector(1)")


@pytest.fixture
def canned():
    servers = []

    def start(**kwargs):
        server = CannedServer(**kwargs)
        servers.append(server)
        return PrometheusClient(
            server.url, timeout=1, allow_private=True, bearer_token="tok",
            headers={"X-Scope-OrgID": "tenant-1"},
        ), server  # fmt: skip

    yield start
    for server in servers:
        server.close()


def _json(body) -> bytes:
    return json.dumps(body).encode()


def test_recorded_error_bodies_and_statuses(canned):
    error = "query processing would load too many samples"
    body = _json({"status": "error", "errorType": "execution", "error": error})
    client, server = canned(status=422, body=body)
    with pytest.raises(PrometheusAPIError, match="execution: query processing would load"):
        client.instant("up")
    assert server.seen[0]["Authorization"] == "Bearer tok"
    assert server.seen[0]["X-Scope-OrgID"] == "tenant-1"
    client, _ = canned(status=503, body=b"Service Unavailable")
    with pytest.raises(PrometheusHTTPError, match="HTTP 503: Service Unavailable"):
        client.instant("up")
    client, _ = canned(status=302, headers={"Location": "http://elsewhere/"})
    with pytest.raises(PrometheusHTTPError, match="redirects are not followed"):
        client.instant("up")
    client, _ = canned(status=200, body=b"<html>not prometheus</html>")
    with pytest.raises(PrometheusResultError, match="not Prometheus API JSON"):
        client.instant("up")


def test_warnings_are_partial_data_unless_allowed(canned):
    body = {"status": "success", "warnings": ["store 2 unavailable"],
            "data": {"resultType": "vector", "result": [
                {"metric": {}, "value": [1700000000, "+Inf"]}]}}  # fmt: skip
    client, _ = canned(body=_json(body))
    with pytest.raises(PrometheusPartialData, match="store 2 unavailable"):
        client.instant("up")
    result = client.instant("up", allow_warnings=True)
    assert result.warnings == ("store 2 unavailable",)
    assert result.series[0].samples[0].value == Decimal("Infinity")


def test_timeouts_and_refused_connections(canned):
    client, _ = canned(silent=True)
    with pytest.raises(PrometheusTimeout, match="no answer within 1 s"):
        client.instant("up")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(PrometheusUnreachable, match="cannot connect"):
        PrometheusClient(f"http://127.0.0.1:{port}", allow_private=True).instant("up")


def test_range_chunks_respect_the_points_limit():
    step = dt.timedelta(minutes=5)
    first = dt.datetime(2026, 1, 1, 0, 5, tzinfo=dt.UTC)
    last = first + step * 25_000
    chunks = list(range_chunks(first, last, step, 11_000))
    assert chunks[0][0] == first and chunks[-1][1] == last
    assert all((end - start) / step + 1 <= 11_000 for start, end in chunks)
    assert sum((end - start) / step + 1 for start, end in chunks) == 25_001
    with pytest.raises(ValueError, match="11000"):
        PrometheusClient("http://x").range("up", first, last, 300)
