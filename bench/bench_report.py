"""Daily report (JSON + PDF) of an account with 1,000 services and 30 days of history.

Targets: under 60 s and under 500 MB peak memory (resident set of the process building the
report, Django included). The data is generated once (bench/reports_data.py, not timed);
each build runs in a fresh process so its peak RSS is its own.

Run: ``python bench/bench_report.py [--services 1000] [--keep]`` (also part of
``make bench``). PostgreSQL at BENCH_PG_SERVER (default postgres://postgres@127.0.0.1:5432),
its own database sla_bench_report (created if missing, migrated, emptied and refilled;
--keep reuses the data of an earlier run); no Redis. Reports are written to a temporary
directory. Exit code 1 if a target is missed (or the two builds differ).
"""

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Targets, django_on_postgres, machine

DATABASE = "sla_bench_report"
NOW = dt.datetime(2026, 11, 21, 6, 0, tzinfo=dt.UTC)
DAY = dt.date(2026, 11, 20)  # yesterday in Europe/Berlin
TARGET_SECONDS = 60
TARGET_MB = 500


def _rss_mb() -> float:
    """Peak resident set of this process image (VmHWM). Not getrusage's ru_maxrss: Linux
    carries that over from the forking parent across exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(report_dir: str) -> dict:
    """One build in this process (called in a child): time, peak RSS, sizes, pages."""
    os.environ["SLA_REPORT_DIR"] = report_dir
    django_on_postgres(DATABASE)
    from pypdf import PdfReader

    from accounts.models import Account
    from reporting.services.reports import daily_report_build, report_file

    account = Account.objects.get(slug="bench-reports")
    before = _rss_mb()
    started = time.perf_counter()
    report = daily_report_build(account=account, day=DAY, regenerate=True, notify=False, now=NOW)
    elapsed = time.perf_counter() - started
    pages = len(PdfReader(report_file(report.pdf_path)).pages)
    return {
        "seconds": elapsed,
        "peak_rss_mb": _rss_mb(),
        "rss_before_mb": before,
        "json_bytes": report.json_size,
        "pdf_bytes": report.pdf_size,
        "pages": pages,
        "pdf_sha256": report.pdf_sha256,
        "json_sha256": report.json_sha256,
    }


def _child(report_dir: str) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--measure", report_dir],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def _phases(account) -> None:
    """Where the time goes: data selection versus PDF rendering (one in-process run)."""
    from reporting.pdf import render_report_pdf
    from reporting.selectors.report_data import daily_report_data

    started = time.perf_counter()
    data = daily_report_data(account=account, day=DAY)
    selected = time.perf_counter()
    render_report_pdf(data)
    rendered = time.perf_counter()
    print(
        f"  phases: report data (queries + SLA evaluation as of the day's end) "
        f"{selected - started:.1f} s, PDF {rendered - selected:.1f} s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--keep", action="store_true", help="reuse the generated data")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return 0
    django_on_postgres(DATABASE)
    from accounts.models import Account
    from bench.reports_data import generate
    from sla.models import StatusEvent

    print(f"machine: {machine()}")
    account = Account.objects.filter(slug="bench-reports").first()
    if account is None or not args.keep:
        started = time.perf_counter()
        account, figures = generate(now=NOW, services=args.services)
        print(f"generated {figures} in {time.perf_counter() - started:.0f} s (not timed)")
    events = StatusEvent.objects.filter(account=account).count()
    print(f"account: {args.services} services, {events} status events, 30 days of history")
    with tempfile.TemporaryDirectory() as report_dir:
        runs = [_child(report_dir), _child(report_dir)]
    for number, run in enumerate(runs, start=1):
        print(
            f"build {number}: {run['seconds']:.1f} s, peak RSS {run['peak_rss_mb']:.0f} MB "
            f"(after Django set-up {run['rss_before_mb']:.0f} MB); JSON "
            f"{run['json_bytes'] / 1e6:.1f} MB, PDF {run['pdf_bytes'] / 1e6:.2f} MB, "
            f"{run['pages']} pages"
        )
    same = runs[0]["pdf_sha256"] == runs[1]["pdf_sha256"] and (
        runs[0]["json_sha256"] == runs[1]["json_sha256"]
    )
    print(f"  both builds byte-identical (JSON and PDF): {same}")
    _phases(account)
    worst_seconds = max(run["seconds"] for run in runs)
    worst_mb = max(run["peak_rss_mb"] for run in runs)
    targets = Targets("bench_report")
    targets.check(
        f"daily report JSON + PDF, {args.services:,} services x 30 days (slower of 2 builds)",
        f"{worst_seconds:.1f} s",
        f"< {TARGET_SECONDS} s",
        worst_seconds < TARGET_SECONDS,
    )
    targets.check(
        "peak RSS of the building process (higher of 2 builds)",
        f"{worst_mb:.0f} MB",
        f"< {TARGET_MB} MB",
        worst_mb < TARGET_MB,
    )
    targets.check("the two builds byte-identical", str(same), "True", same)
    return targets.exit_code()


if __name__ == "__main__":
    sys.exit(main())
