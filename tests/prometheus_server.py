"""A real Prometheus (and Alertmanager) for tests, started once per session on free ports.

- ``prometheus_exporter``: an exporter served with prometheus-client on 127.0.0.1 whose
  series the test sets (``set`` gauges, ``inc`` counters, ``reset`` a counter, ``remove``
  a series, ``down = True`` to fail scrapes so ``up`` turns 0).
- ``prometheus_server``: Debian's ``prometheus`` with a temporary config and storage,
  scraping that exporter every second and evaluating rules every second. ``backfill()``
  writes history with ``promtool tsdb create-blocks-from openmetrics`` and restarts the
  server on the same storage (blocks are read at start-up); ``stop()`` / ``start()``
  take it down and back (its data kept); ``query()`` / ``query_range()`` ask it directly
  (plain HTTP, for expected values).
- ``alertmanager_server`` (in tests that use ``live_server``): Debian's Alertmanager whose
  webhook receiver posts to the live test server's ``/api/v1/integrations/alertmanager``
  with the bearer token written by ``use_token()``; Prometheus is reloaded to send its
  alerts there, with the alert rules of ``ALERT_RULES``.

Tests that share the session server keep apart by labels of their own (a ``case`` label).
Skipped, saying why, when the binaries are missing (``scripts/system-deps.sh`` installs
them).
"""

import json
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from tests.redis_server import free_port

SCRAPE_SECONDS = 1
ALERT_RULES = {
    "groups": [
        {
            "name": "sla-portal-tests",
            "interval": "1s",
            "rules": [
                {
                    "alert": "SLAPortalTestAlert",
                    "expr": "sla_test_alert_condition > 0",
                    "labels": {"severity": "critical"},
                    "annotations": {"summary": "test alert of {{ $labels.service }}"},
                },
                {
                    "alert": "SLAPortalTestWarning",
                    "expr": "sla_test_warning_condition > 0",
                    "labels": {"severity": "warning"},
                },
            ],
        }
    ]
}


class _Collector:
    """prometheus-client collector over the exporter's table (one consistent snapshot per
    scrape, so counters set together are scraped together)."""

    def __init__(self, exporter):
        self.exporter = exporter

    def collect(self):
        with self.exporter.lock:
            series = {key: dict(values) for key, values in self.exporter.series.items()}
        for (kind, name), values in sorted(series.items()):
            label_names = sorted({label for labels in values for label, _ in labels})
            family_class = CounterMetricFamily if kind == "counter" else GaugeMetricFamily
            family = family_class(name, f"test {kind} {name}", labels=label_names)
            for labels, value in sorted(values.items()):
                mapping = dict(labels)
                family.add_metric([mapping.get(label, "") for label in label_names], value)
            yield family


class Exporter:
    """Metrics the test drives, served at ``url`` (``/metrics``)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.series: dict[tuple[str, str], dict[tuple, float]] = {}
        self.down = False
        self.registry = CollectorRegistry()
        self.registry.register(_Collector(self))
        exporter = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                if exporter.down:
                    self.send_response(503)
                    self.end_headers()
                    return
                body = generate_latest(exporter.registry)
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.address = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.address}/metrics"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @staticmethod
    def _key(labels: dict | None) -> tuple:
        return tuple(sorted((labels or {}).items()))

    def set(self, name: str, value: float, labels: dict | None = None) -> None:
        """Set a gauge ``name{labels}``."""
        with self.lock:
            self.series.setdefault(("gauge", name), {})[self._key(labels)] = value

    def inc(self, name: str, amount: float = 1, labels: dict | None = None) -> None:
        """Add to the counter ``name_total{labels}`` (give ``name`` without ``_total``)."""
        with self.lock:
            values = self.series.setdefault(("counter", name), {})
            key = self._key(labels)
            values[key] = values.get(key, 0) + amount

    def inc_many(self, changes: list[tuple[str, float, dict]]) -> None:
        """Several counters at once, seen together by the next scrape."""
        with self.lock:
            for name, amount, labels in changes:
                values = self.series.setdefault(("counter", name), {})
                key = self._key(labels)
                values[key] = values.get(key, 0) + amount

    def reset(self, name: str, labels: dict | None = None) -> None:
        """A counter reset (the process restarted): back to 0."""
        with self.lock:
            self.series.setdefault(("counter", name), {})[self._key(labels)] = 0

    def remove(self, name: str, labels: dict | None = None, kind: str = "gauge") -> None:
        with self.lock:
            self.series.get((kind, name), {}).pop(self._key(labels), None)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _get_json(url: str, timeout: float = 5) -> dict:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.load(response)


class PrometheusServer:
    """One Prometheus process on a free port; storage survives stop()/start()."""

    def __init__(self, binary: str, exporter: Exporter, directory: Path):
        self.binary = binary
        self.exporter = exporter
        self.directory = directory
        self.data = directory / "data"
        self.data.mkdir()
        self.config_path = directory / "prometheus.yml"
        self.rules_path = directory / "rules.yml"
        self.rules_path.write_text(yaml.safe_dump({"groups": []}))
        self.log_path = directory / "prometheus.log"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.alertmanager_address: str | None = None
        self.extra_scrape_configs: list[dict] = []  # e.g. SLA Portal's own /metrics
        self.process: subprocess.Popen | None = None
        self.write_config()

    def write_config(self) -> None:
        config = {
            "global": {
                "scrape_interval": f"{SCRAPE_SECONDS}s",
                "evaluation_interval": f"{SCRAPE_SECONDS}s",
            },
            "rule_files": [str(self.rules_path)],
            "scrape_configs": [
                {
                    "job_name": "exporter",
                    "static_configs": [{"targets": [self.exporter.address]}],
                },
                *self.extra_scrape_configs,
            ],
        }
        if self.alertmanager_address:
            config["alerting"] = {
                "alertmanagers": [{"static_configs": [{"targets": [self.alertmanager_address]}]}]
            }
        self.config_path.write_text(yaml.safe_dump(config))

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                self.binary,
                f"--config.file={self.config_path}",
                f"--storage.tsdb.path={self.data}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--storage.tsdb.retention.time=400d",
                "--web.enable-lifecycle",
                "--rules.alert.resend-delay=1s",
                "--log.level=warn",
            ],
            stdout=log,
            stderr=log,
        )
        log.close()
        self._wait_ready()

    def _wait_ready(self, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"prometheus exited: {self.log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/-/ready", timeout=1):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)
        self.process = None

    def reload(self) -> None:
        self.write_config()
        request = urllib.request.Request(f"{self.url}/-/reload", method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass

    def set_rules(self, rules: dict) -> None:
        self.rules_path.write_text(yaml.safe_dump(rules))
        self.reload()

    def backfill(self, openmetrics: str) -> None:
        """Add history (OpenMetrics text ending in ``# EOF``, timestamps in seconds) as TSDB
        blocks, then restart on the same storage so the blocks are loaded."""
        with tempfile.TemporaryDirectory(dir=self.directory) as work:
            source = Path(work) / "input.om"
            source.write_text(openmetrics)
            blocks = Path(work) / "blocks"
            subprocess.run(
                # A few large blocks, not one per 2 hours (promtool's hidden flag): writing
                # hundreds of small blocks takes minutes.
                [shutil.which("promtool") or "promtool", "tsdb", "create-blocks-from",
                 "openmetrics", "--max-block-duration=2000h", "-q", str(source), str(blocks)],
                check=True,
                capture_output=True,
            )  # fmt: skip
            self.stop()
            for block in blocks.iterdir():
                shutil.move(str(block), str(self.data / block.name))
        self.start()

    def query(self, expr: str, at: float | None = None) -> list:
        params = {"query": expr}
        if at is not None:
            params["time"] = f"{at:.3f}"
        body = _get_json(f"{self.url}/api/v1/query?{urllib.parse.urlencode(params)}")
        return body["data"]["result"]

    def query_range(self, expr: str, start: float, end: float, step: int) -> list:
        params = {"query": expr, "start": start, "end": end, "step": step}
        body = _get_json(f"{self.url}/api/v1/query_range?{urllib.parse.urlencode(params)}")
        return body["data"]["result"]

    def wait_for(self, expr: str, predicate=bool, seconds: float = 20, at=None) -> list:
        """Poll ``expr`` until ``predicate(result)`` holds (the scrape or rule caught up)."""
        deadline = time.monotonic() + seconds
        while True:
            result = self.query(expr, at=at)
            if predicate(result):
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"{expr}: still {result!r} after {seconds} s")
            time.sleep(0.2)

    def wait_for_scrape(self, seconds: float = 20) -> None:
        """Until a scrape newer than now has been stored (what the test set is visible)."""
        since = time.time()
        self.wait_for(
            'timestamp(up{job="exporter"})',
            lambda result: bool(result) and float(result[0]["value"][1]) > since,
            seconds,
        )


class AlertmanagerServer:
    """Alertmanager posting every notification to the live server's receiver."""

    def __init__(self, binary: str, directory: Path, receiver_url: str):
        self.directory = directory
        self.token_path = directory / "token"
        self.token_path.write_text("none")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.address = f"127.0.0.1:{self.port}"
        config = {
            "route": {
                "receiver": "sla-portal",
                "group_by": ["alertname", "service"],
                "group_wait": "1s",
                "group_interval": "1s",
                "repeat_interval": "2s",
            },
            "receivers": [
                {
                    "name": "sla-portal",
                    "webhook_configs": [
                        {
                            "url": receiver_url,
                            "send_resolved": True,
                            "http_config": {
                                "authorization": {
                                    "type": "Bearer",
                                    "credentials_file": str(self.token_path),
                                }
                            },
                        }
                    ],
                }
            ],
        }
        config_path = directory / "alertmanager.yml"
        config_path.write_text(yaml.safe_dump(config))
        storage = directory / "storage"
        storage.mkdir()
        self.log_path = directory / "alertmanager.log"
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                binary,
                f"--config.file={config_path}",
                f"--storage.path={storage}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--cluster.listen-address=",
                "--log.level=warn",
            ],
            stdout=log,
            stderr=log,
        )
        log.close()
        deadline = time.monotonic() + 30
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"alertmanager exited: {self.log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/-/ready", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def use_token(self, secret: str) -> None:
        """The bearer token Alertmanager sends from now on (read on every request)."""
        self.token_path.write_text(secret)

    def alerts(self) -> list:
        return _get_json(f"{self.url}/api/v2/alerts")

    def notifications_sent(self) -> float:
        """Webhook notifications Alertmanager has sent (its own counter)."""
        with urllib.request.urlopen(f"{self.url}/metrics", timeout=5) as response:
            text = response.read().decode()
        for line in text.splitlines():
            if line.startswith('alertmanager_notifications_total{integration="webhook"}'):
                return float(line.split()[-1])
        return 0.0

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def _binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"needs {name} (Debian package; scripts/system-deps.sh installs it)")
    return path


@pytest.fixture(scope="session")
def prometheus_exporter():
    exporter = Exporter()
    yield exporter
    exporter.close()


@pytest.fixture(scope="session")
def prometheus_server(prometheus_exporter, tmp_path_factory):
    binary = _binary("prometheus")
    _binary("promtool")
    server = PrometheusServer(binary, prometheus_exporter, tmp_path_factory.mktemp("prometheus"))
    server.start()
    try:
        server.wait_for('up{job="exporter"} == 1')
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def alertmanager_server(prometheus_server, live_server, tmp_path_factory):
    binary = _binary("prometheus-alertmanager")
    receiver = f"{live_server.url}/api/v1/integrations/alertmanager"
    server = AlertmanagerServer(binary, tmp_path_factory.mktemp("alertmanager"), receiver)
    prometheus_server.alertmanager_address = server.address
    prometheus_server.rules_path.write_text(yaml.safe_dump(ALERT_RULES))
    prometheus_server.reload()
    try:
        yield server
    finally:
        prometheus_server.alertmanager_address = None
        prometheus_server.rules_path.write_text(yaml.safe_dump({"groups": []}))
        if prometheus_server.process is not None:
            prometheus_server.reload()
        server.stop()
