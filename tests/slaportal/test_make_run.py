"""A fresh `make run` (SQLite, no Redis, periodic jobs in-process) while a browser clicks
through the dashboard, the SLA pages and the status page: no traceback, no "database is
locked", no kombu warning in its log, and the demo login printed after the report email
(which names its PDF instead of printing it).

Bounded for the suite (MAKE_RUN_SECONDS, default 30 s of clicking after start-up); run it
by hand with MAKE_RUN_SECONDS=600 for the first ten minutes. The server's log is kept in
tests/artifacts/make-run.log.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
SECONDS = int(os.environ.get("MAKE_RUN_SECONDS", "30"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BAD_LOG_LINES = re.compile(
    r"Traceback|database is locked|No hostname was supplied| ERROR |Internal Server Error"
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(url: str, process, log: Path, timeout: float = 420) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"make run ended early:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    pytest.fail(f"make run did not answer {url} in time:\n{log.read_text()[-3000:]}")


@pytest.fixture
def make_run(tmp_path):
    """`make run` on a free port with its own var directory; stopped (its process group
    only) at the end."""
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "SLA_REPORT_DIR"}
    }
    # PORT and HOST from the environment (as a container platform sets PORT), not make
    # arguments: `make run` must honour them.
    env.update(
        SLA_VAR_DIR=str(tmp_path / "var"), PYTHONUNBUFFERED="1", PORT=str(port), HOST="127.0.0.1"
    )
    log = tmp_path / "make-run.log"  # copied to tests/artifacts/ at the end
    with log.open("wb") as output:
        process = subprocess.Popen(
            ["make", "run"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(f"{base}/health", process, log)
        yield base, log
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(log, ARTIFACTS / "make-run.log")


def _watch(page, problems: list[str]) -> None:
    page.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}") if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "response",
        lambda response: (
            problems.append(f"{response.status}: {response.url}")
            if response.status >= 400
            else None
        ),
    )


def _click_through(page, base: str) -> None:
    """Dashboard, an SLA table page, a service's SLA page, the status page and history."""
    page.goto(f"{base}/dashboard/")
    assert page.locator("#figures-legend").count() == 1
    sla_id = page.locator("table.sla-table").first.get_attribute("data-sla")
    page.goto(f"{base}/dashboard/slas/{sla_id}/?periods=3")
    assert page.locator("#sla-requirements li").count() >= 1
    page.locator("a.sla-cell").last.click()
    page.wait_for_url("**/dashboard/services/**")
    page.goto(f"{base}/status/demo/")
    assert page.locator("#figures-legend").count() == 1
    links = page.locator("a[href*='/incidents/']")
    if links.count():
        links.first.click()
        page.wait_for_load_state()
    page.goto(f"{base}/status/demo/history")
    page.goto(f"{base}/dashboard/?days=90")


def test_a_fresh_make_run_serves_the_first_minutes_without_a_traceback(make_run):
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Debian's chromium is missing: run scripts/system-deps.sh")
    from playwright.sync_api import sync_playwright

    base, log = make_run
    problems: list[str] = []
    rounds = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            _watch(page, problems)
            page.goto(f"{base}/accounts/login/")
            page.fill("#id_username", "operator")
            page.fill("#id_password", "sla-demo-password")
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/dashboard/")
            deadline = time.monotonic() + SECONDS
            while True:
                _click_through(page, base)
                rounds += 1
                if time.monotonic() >= deadline:
                    break
                time.sleep(3)
            page.screenshot(path=str(log.with_suffix(".png")), full_page=True)
        finally:
            browser.close()
    text = log.read_text(errors="replace")
    assert problems == [], problems
    bad = [line for line in text.splitlines() if BAD_LOG_LINES.search(line)]
    assert bad == [], "\n".join(bad[:40])
    assert rounds >= 1
    # The report email names its attachment, and the login comes after it.
    assert "[attachment: " in text and "application/pdf" in text
    assert text.index("Operator login:") > text.index("[attachment: ")
    assert "API token (read, write, ingest): slap_" in text
