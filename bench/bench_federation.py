"""Benchmark of the receiving side of the federation: a daily report of 1,000 services
(50 groups of 20, each with an SLA, an incident, its 30-day strip) and its PDF, pushed to
POST /api/v1/federation/reports of one gunicorn worker, as a plugin's outbox sends it.

Run: ``python bench/bench_federation.py [--services 1000] [--pushes 5]`` (also part of
``make bench``). PostgreSQL at BENCH_PG_SERVER, its own database sla_bench_federation
(created if missing, migrated, emptied, one throw-away account); no Redis.

Measured: the first push (the 1,000 services and 50 groups are created in the receiving
account), then `--pushes` later pushes of the same day (new event ids: the report and its
1,000 rows are replaced), each the time from sending the request to the answer; and the
same report applied in-process, by phase (schema check, services, rows, files).

Target (issue 16): a pushed daily report of 1,000 services applied in under 5 s.
"""

import argparse
import base64
import copy
import http.client
import json
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    ROOT,
    Targets,
    django_on_postgres,
    fresh_data,
    machine,
    start_gunicorn,
    stop_gunicorn,
)

DATABASE = "sla_bench_federation"
TARGET_SECONDS = 5.0
TEMPLATE = ROOT / "tests" / "data" / "federation" / "daily-report.json"
PER_GROUP = 20
PDF_BYTES = 2 * 1024 * 1024  # a large report's PDF


def setup() -> tuple[object, str]:
    from accounts.services import account_create, token_create

    fresh_data()
    account = account_create(name="Federation benchmark", slug="bench-federation")
    _, secret = token_create(account=account, name="push", scopes=["ingest"])
    return account, secret


def report(services: int) -> dict:
    """A schema-valid report of `services` services, cloned from the tests' real report."""
    document = json.loads(TEMPLATE.read_text())
    group_template = document["groups"][0]
    service_template = group_template["services"][0]
    groups = []
    for group_index in range(services // PER_GROUP):
        group = copy.deepcopy(group_template)
        group["id"] = group_index + 1
        group["name"] = f"group-{group_index:03d}"
        group["title"] = f"Group {group_index}"
        group["services"] = []
        for index in range(PER_GROUP):
            number = group_index * PER_GROUP + index
            service = copy.deepcopy(service_template)
            service["id"] = number + 1
            service["path"] = f"team-{group_index:03d}/service-{index:02d}"
            service["name"] = f"Service {number}"
            service["uptime"]["seconds"]["crit"] = float(number % 600)
            service["uptime"]["seconds"]["ok"] = 86400.0 - number % 600
            service["uptime"]["percent"] = 100 * (86400.0 - number % 600) / 86400
            group["services"].append(service)
        groups.append(group)
    document["groups"] = groups
    document["ungrouped_services"] = []
    document["summary"]["services"] = services
    document["summary"]["groups"] = len(groups)
    return document


def body(document: dict, pdf: bytes) -> bytes:
    envelope = {
        "id": str(uuid.uuid4()),
        "type": "sla.daily_report",
        "source": "plugin",
        "created_at": "2026-11-21T00:05:00Z",
        "data": {"report": document, "pdf_base64": base64.b64encode(pdf).decode()},
    }
    return json.dumps(envelope, separators=(",", ":")).encode()


def post(port: int, secret: str, payload: bytes) -> float:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    connection.request(
        "POST",
        "/api/v1/federation/reports",
        body=payload,
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
    )
    response = connection.getresponse()
    answer = response.read()
    elapsed = time.perf_counter() - started
    connection.close()
    if response.status != 200 or json.loads(answer)["duplicate"]:
        raise SystemExit(f"push not applied: {response.status} {answer[:300]!r}")
    return elapsed


def phases(account, document: dict, pdf: bytes) -> dict[str, float]:
    """One push applied in-process, by phase."""
    from integrations.federation import inbound

    timings = {}
    started = time.perf_counter()
    inbound.report_check(document)
    timings["schema check"] = time.perf_counter() - started
    parsed = json.loads(body(document, pdf))
    started = time.perf_counter()
    inbound.federation_apply(account=account, event_type="sla.daily_report", body=parsed)
    timings["whole apply (parsed body)"] = time.perf_counter() - started
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--pushes", type=int, default=5)
    args = parser.parse_args()
    django_on_postgres(DATABASE)
    account, secret = setup()
    print(f"machine: {machine()}")
    document = report(args.services)
    pdf = b"%PDF-1.4\n" + bytes(range(256)) * (PDF_BYTES // 256)
    size = len(body(document, pdf))
    print(
        f"report of {args.services} services: body {size / 1e6:.1f} MB "
        f"(PDF {PDF_BYTES / 1e6:.1f} MB)"
    )
    server, port = start_gunicorn("slaportal.wsgi:application", ["--workers", "1"])
    try:
        first = post(port, secret, body(document, pdf))
        later = [post(port, secret, body(document, pdf)) for _ in range(args.pushes)]
    finally:
        stop_gunicorn(server)
    median = statistics.median(later)
    print(f"first push (creates {args.services} services): {first:.2f} s")
    print(f"later pushes of the day: median {median:.2f} s, max {max(later):.2f} s")
    for name, seconds in phases(account, document, pdf).items():
        print(f"in-process: {name} {seconds * 1000:.0f} ms")
    targets = Targets("bench_federation")
    worst = max([first, *later])
    targets.check(
        f"pushed daily report of {args.services:,} services applied on the portal",
        f"first {first:.2f} s, later median {median:.2f} s, worst {worst:.2f} s",
        f"< {TARGET_SECONDS:.0f} s",
        worst < TARGET_SECONDS,
    )
    return targets.exit_code()


if __name__ == "__main__":
    sys.exit(main())
