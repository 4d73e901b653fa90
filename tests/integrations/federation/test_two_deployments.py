"""Two live deployments of SLA Portal on 127.0.0.1, each with its own database and server
process (gunicorn): the plugin ingests events, rolls up and builds a daily report; every
state change, downtime, incident and report reaches the portal through the outbox; the
portal's public status page (Statuspage summary.json, badges) and its 90-day figures equal
the plugin's own. Then the portal goes down, the plugin builds another report and takes
more events, the portal comes back, and the outbox delivers everything exactly once (the
portal's access log has one successful POST per message, its receipts every event id).

Databases: `<DATABASE_URL's name>_plugin` and `_portal` on the same PostgreSQL server,
copied from a migrated template (`_fedtemplate`), or SQLite files without DATABASE_URL.
"""

import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.redis_server import free_port

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[3]
ENV_DROPPED = ("DATABASE_URL", "REDIS_URL", "SLA_PORTAL_URL", "SLA_PORTAL_API_KEY")


# --------------------------------------------------------------------------- databases


def _pg_admin(url: str):
    import psycopg

    parts = urlsplit(url)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    return psycopg.connect(admin_url, autocommit=True)


def _with_name(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _manage(env: dict, *arguments, check=True, timeout=240) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"manage.py {arguments[0]} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def _databases(tmp: Path) -> tuple[str, str]:
    """Fresh plugin and portal databases (URLs), copies of a migrated template."""
    base_env = _base_env(tmp / "template")
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        template = tmp / "template.sqlite3"
        _manage(base_env | {"DATABASE_URL": f"sqlite:///{template}"}, "migrate", "--noinput")
        copies = []
        for side in ("plugin", "portal"):
            shutil.copy(template, tmp / f"{side}.sqlite3")
            copies.append(f"sqlite:///{tmp / f'{side}.sqlite3'}")
        return copies[0], copies[1]
    base = urlsplit(url).path.lstrip("/")
    template = f"{base}_fedtemplate"
    with _pg_admin(url) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template]).fetchone():
            admin.execute(f'CREATE DATABASE "{template}"')
    # Up to date in a second or two when the template is already migrated.
    _manage(base_env | {"DATABASE_URL": _with_name(url, template)}, "migrate", "--noinput")
    names = [f"{base}_plugin", f"{base}_portal"]
    with _pg_admin(url) as admin:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return _with_name(url, names[0]), _with_name(url, names[1])


def _drop(urls) -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return
    with _pg_admin(url) as admin:
        for deployment_url in urls:
            name = urlsplit(deployment_url).path.lstrip("/")
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --------------------------------------------------------------------------- deployments


def _base_env(var_dir: Path) -> dict:
    env = {key: value for key, value in os.environ.items() if key not in ENV_DROPPED}
    env = {key: value for key, value in env.items() if not key.startswith("ITOPS_SLA_PORTAL")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "slaportal.settings",
            "DEBUG": "true",
            "SLA_VAR_DIR": str(var_dir),
            "SLA_REPORT_DIR": str(var_dir / "reports"),
            "STATUSPAGE_CACHE_SECONDS": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    return env


@dataclass
class Deployment:
    """One SLA Portal: its environment (own database, no Redis: Celery runs eagerly),
    its gunicorn process and access log."""

    name: str
    env: dict
    port: int
    log: Path
    process: subprocess.Popen | None = None
    token: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "slaportal.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--threads",
                "4",
                "--access-logfile",
                str(self.log),
                "--error-logfile",
                str(self.log) + ".err",
            ],
            cwd=ROOT,
            env=self.env | {"SLA_PUBLIC_BASE_URL": self.url},
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                if self.process.poll() is not None:
                    raise AssertionError(  # noqa: B904 - the log says why, not the probe
                        f"{self.name} exited: {Path(str(self.log) + '.err').read_text()}"
                    )
                time.sleep(0.2)
        raise AssertionError(f"{self.name} did not answer /health within 60 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)
        self.process = None

    def ops(self, *calls: tuple[str, dict]) -> list:
        """Run operations of deployment_ops inside this deployment (one process)."""
        code = (
            "from tests.integrations.federation.deployment_ops import run; "
            f"run({json.dumps(json.dumps(calls))})"
        )
        output = _manage(self.env, "shell", "--no-imports", "-c", code)
        line = next(line for line in output.splitlines() if line.startswith("RESULT "))
        return json.loads(line.removeprefix("RESULT "))

    def request(self, method: str, path: str, body=None, *, token: bool = True):
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()

    def json(self, path: str, *, token: bool = False):
        status, body = self.request("GET", path, token=token)
        assert status == 200
        return json.loads(body)


SERVICES = [
    {"path": "payment/api", "name": "Payment API", "slaGroup": "payment-system"},
    {"path": "payment/db", "slaGroup": "payment-system"},
    {"path": "tools/wiki", "name": "Wiki"},
]
PATHS = [service["path"] for service in SERVICES]
PLUGIN, PORTAL = "itops", "status-co"
SCOPES = ["ingest", "read", "write"]


def _instant(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _history(now: dt.datetime) -> list[dict]:
    today = dt.datetime.combine(now.date(), dt.time(), tzinfo=dt.UTC)
    yesterday = today - dt.timedelta(days=1)
    events = [
        {"service": path, "at": _instant(today - dt.timedelta(days=3)), "state": "OK"}
        for path in PATHS
    ]
    events += [
        {
            "service": "payment/api",
            "at": _instant(yesterday + dt.timedelta(hours=9)),
            "state": "CRIT",
        },
        {
            "service": "payment/api",
            "at": _instant(yesterday + dt.timedelta(hours=9, minutes=45)),
            "state": "OK",
        },
        {
            "service": "tools/wiki",
            "at": _instant(yesterday + dt.timedelta(hours=12)),
            "state": "WARN",
        },
        {
            "service": "tools/wiki",
            "at": _instant(yesterday + dt.timedelta(hours=12, minutes=30)),
            "state": "OK",
        },
        # Repeated OKs: not changes, but the latest one is the current state's "since".
        {
            "service": "payment/api",
            "at": _instant(now - dt.timedelta(minutes=50, microseconds=123_456)),
            "state": "OK",
        },
        # Microseconds travel too: a shorter outage than any whole second.
        {
            "service": "tools/wiki",
            "at": _instant(now - dt.timedelta(minutes=30, microseconds=654_321)),
            "state": "CRIT",
        },
        {
            "service": "tools/wiki",
            "at": _instant(now - dt.timedelta(minutes=30, microseconds=4_321)),
            "state": "OK",
        },
        {"service": "payment/db", "at": _instant(now - dt.timedelta(minutes=40)), "state": "CRIT"},
    ]
    return events


def _public_view(summary: dict) -> dict:
    """What customers read in summary.json, with each deployment's own ids left out."""
    return {
        "status": summary["status"],
        "components": sorted(
            (component["name"], component["status"]) for component in summary["components"]
        ),
        "maintenances": sorted(
            (
                item["name"],
                item["status"],
                item["scheduled_for"],
                item["scheduled_until"],
                tuple(sorted(component["name"] for component in item["components"])),
            )
            for item in summary["scheduled_maintenances"]
        ),
        "incidents": sorted(item["name"] for item in summary["incidents"]),
    }


def _badges(deployment: Deployment, summary: dict) -> dict:
    badges = {"page": deployment.request("GET", "/status/status/badges/uptime.svg", token=False)[1]}
    for component in summary["components"]:
        path = f"/status/status/components/{component['id']}/uptime.svg"
        badges[component["name"]] = deployment.request("GET", path, token=False)[1]
    return badges


def _compare_pages(plugin: Deployment, portal: Deployment, figures: tuple[dict, dict]) -> None:
    """Same 90-day figures and statuses; same public summary.json and uptime badges."""
    plugin_figures, portal_figures = figures
    assert portal_figures == plugin_figures
    plugin_summary = plugin.json("/status/status/api/v2/summary.json")
    portal_summary = portal.json("/status/status/api/v2/summary.json")
    assert _public_view(portal_summary) == _public_view(plugin_summary)
    assert _badges(portal, portal_summary) == _badges(plugin, plugin_summary)


def _post_count(log: Path) -> int:
    """Successful pushes in a gunicorn access log."""
    return sum(
        1
        for line in log.read_text().splitlines()
        if '"POST /api/v1/federation/' in line and '" 200 ' in line
    )


@pytest.fixture
def deployments(tmp_path):
    plugin_url, portal_url = _databases(tmp_path)
    portal = Deployment(
        "portal",
        _base_env(tmp_path / "portal") | {"DATABASE_URL": portal_url},
        free_port(),
        tmp_path / "portal-access.log",
    )
    plugin = Deployment(
        "plugin",
        _base_env(tmp_path / "plugin") | {"DATABASE_URL": plugin_url},
        free_port(),
        tmp_path / "plugin-access.log",
    )
    try:
        yield plugin, portal
    finally:
        plugin.stop()
        portal.stop()
        _drop([plugin_url, portal_url])


def test_two_deployments_plugin_pushes_and_the_portal_shows_the_same_figures(deployments):
    started = time.monotonic()
    plugin, portal = deployments
    [setup] = portal.ops(("setup", {"slug": PORTAL, "scopes": SCOPES, "link": False}))
    portal.token = setup["secret"]
    # The ITOps way: the deployment's variables name the portal and its key.
    plugin.env |= {"ITOPS_SLA_PORTAL_URL": portal.url, "ITOPS_SLA_PORTAL_API_KEY": portal.token}
    [setup] = plugin.ops(
        ("setup", {"slug": PLUGIN, "scopes": SCOPES, "link": True, "services": SERVICES})
    )
    plugin.token = setup["secret"]
    portal.start()
    plugin.start()

    # --- the plugin ingests history, announces a maintenance, rolls up, builds a report.
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    today = now.date()
    yesterday = today - dt.timedelta(days=1)
    status, body = plugin.request("POST", "/api/v1/events", _history(now))
    assert status == 200 and json.loads(body)["rejected"] == 0
    services = {
        row["path"]: row["id"] for row in plugin.json("/api/v1/services", token=True)["results"]
    }
    window = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(2), tzinfo=dt.UTC)
    downtime = {
        "service": services["payment/api"],
        "reason": "Database upgrade",
        "start": _instant(window),
        "end": _instant(window + dt.timedelta(hours=1)),
        "public": True,
    }
    assert plugin.request("POST", "/api/v1/downtimes", downtime)[0] == 201
    page = {"services": PATHS, "groups": ["payment-system"]}
    *_, plugin_figures, plugin_reports = plugin.ops(
        ("rollup", {"slug": PLUGIN, "now": now.isoformat()}),
        ("push_incidents", {"slug": PLUGIN}),
        ("build_report", {"slug": PLUGIN, "day": yesterday.isoformat()}),
        ("page", {"slug": PLUGIN, **page}),
        ("figures", {"slug": PLUGIN, "now": now.isoformat()}),
        ("local_reports", {"slug": PLUGIN}),
    )
    *_, portal_figures, received = portal.ops(
        ("rollup", {"slug": PORTAL, "now": now.isoformat()}),
        ("page", {"slug": PORTAL, **page}),
        ("figures", {"slug": PORTAL, "now": now.isoformat()}),
        ("received", {"slug": PORTAL}),
    )
    _compare_pages(plugin, portal, (plugin_figures, portal_figures))
    summary = portal.json("/status/status/api/v2/summary.json")
    statuses = {c["name"]: c["status"] for c in summary["components"]}
    assert statuses["payment/db"] == "major_outage" and statuses["tools/wiki"] == "operational"
    assert [item["name"] for item in summary["scheduled_maintenances"]] == ["Database upgrade"]
    # The report the plugin built is kept on the portal byte for byte, listed beside its own.
    assert received["reports"] == plugin_reports["reports"]
    listed = portal.json("/api/v1/federation/reports", token=True)["results"]
    assert [(entry["source"], entry["day"]) for entry in listed] == [
        (PLUGIN, yesterday.isoformat())
    ]

    # --- the portal goes down; the plugin keeps ingesting and builds another report.
    portal.stop()
    later = [
        {"service": "tools/wiki", "at": _instant(now - dt.timedelta(minutes=20)), "state": "CRIT"},
        {"service": "tools/wiki", "at": _instant(now - dt.timedelta(minutes=10)), "state": "OK"},
    ]
    assert plugin.request("POST", "/api/v1/events", later)[0] == 200
    before = today - dt.timedelta(days=2)
    _, outbox = plugin.ops(
        ("build_report", {"slug": PLUGIN, "day": before.isoformat()}), ("outbox", {"slug": PLUGIN})
    )
    waiting = [row for row in outbox["deliveries"] if row["status"] == "pending"]
    assert {row["type"] for row in waiting} == {"federation.status", "sla.daily_report"}
    assert all(row["attempts"] == 1 and "refused" in row["last_error"] for row in waiting)

    # --- back up: the periodic outbox job delivers once the retry time has come.
    portal.start()
    rolled = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    _, outbox, _, plugin_figures, plugin_reports = plugin.ops(
        ("deliver", {"slug": PLUGIN, "now": (rolled + dt.timedelta(hours=1)).isoformat()}),
        ("outbox", {"slug": PLUGIN}),
        ("rollup", {"slug": PLUGIN, "now": rolled.isoformat()}),
        ("figures", {"slug": PLUGIN, "now": rolled.isoformat()}),
        ("local_reports", {"slug": PLUGIN}),
    )
    _, portal_figures, received = portal.ops(
        ("rollup", {"slug": PORTAL, "now": rolled.isoformat()}),
        ("figures", {"slug": PORTAL, "now": rolled.isoformat()}),
        ("received", {"slug": PORTAL}),
    )
    deliveries = outbox["deliveries"]
    assert {row["status"] for row in deliveries} == {"delivered"}
    assert sorted({row["type"] for row in deliveries}) == [
        "federation.downtime",
        "federation.incident",
        "federation.status",
        "sla.daily_report",
    ]
    sent = sorted(row["event_id"] for row in deliveries)
    assert len(sent) == len(set(sent))  # one delivery per message
    assert received["receipts"] == sent  # every event applied
    assert _post_count(portal.log) == len(sent)  # and each reached the portal exactly once
    assert received["reports"] == plugin_reports["reports"]
    _compare_pages(plugin, portal, (plugin_figures, portal_figures))
    print(f"two-deployment test: {time.monotonic() - started:.1f} s")
