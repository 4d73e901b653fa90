"""The supervised way to run SLA Portal (deploy/systemd) is complete, restarts whatever ends
a process, runs what the README documents, and is what the README's production section uses."""

import configparser
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = {
    "slaportal-web.service": "gunicorn slaportal.wsgi:application",
    "slaportal-worker.service": "celery -A slaportal worker -Q slaportal",
    "slaportal-beat.service": "celery -A slaportal beat",
}


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(ROOT / "deploy" / "systemd" / name)
    return parser


@pytest.mark.parametrize(("name", "command"), UNITS.items())
def test_every_process_is_restarted_whatever_ends_it(name, command):
    parsed = unit(name)
    service = parsed["Service"]
    assert service["Restart"] == "always"
    assert parsed["Unit"]["StartLimitIntervalSec"] == "0"
    assert service["EnvironmentFile"] == "/etc/slaportal/env"
    executable, *arguments = shlex.split(service["ExecStart"])
    assert executable.startswith("/opt/slaportal/.venv/bin/")
    assert " ".join([Path(executable).name, *arguments]).startswith(command)
    assert parsed["Install"]["WantedBy"] == "multi-user.target"


def test_the_readme_production_section_installs_the_units():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Running in production", 1)[1].split("\n## ", 1)[0]
    assert "sudo cp deploy/systemd/slaportal-*.service /etc/systemd/system/" in section
    for name in UNITS:
        assert name in section
    assert "enable --now slaportal-web slaportal-worker slaportal-beat" in section


def test_systemd_accepts_the_units():
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    result = subprocess.run(
        [analyze, "verify", *(str(ROOT / "deploy" / "systemd" / name) for name in UNITS)],
        capture_output=True,
        text=True,
        check=False,
    )
    # The only complaint allowed: the checkout is not installed in /opt/slaportal here.
    complaints = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if line.strip() and "is not executable: No such file or directory" not in line
    ]
    assert complaints == []


def test_the_worker_yields_the_cpus_to_the_web_server():
    """Jobs always catch up, ingest answers do not wait: where both share the CPUs the
    worker runs at the lowest priority (Nice without a CPU controller, CPUWeight with one),
    as bench/bench_load.py runs it by default."""
    worker = unit("slaportal-worker.service")["Service"]
    assert worker["Nice"] == "19"
    assert int(worker["CPUWeight"]) < 100  # systemd's default weight, the web unit's
    assert "Nice" not in unit("slaportal-web.service")["Service"]
    bench = (ROOT / "bench" / "bench_load.py").read_text()
    assert '"--worker-nice", type=int, default=19' in bench
