"""Benchmark of the SLA engine: many services, one month, business hours, two requirements.

Run: ``python bench/bench_engine.py [--services 10000] [--changes 50] [--tracemalloc]``
(also part of ``make bench``). Pure Python: no database, no Redis. Synthetic data comes
from ``random.Random(seed)``, so every run sees the same input (March 2024 in
Europe/Berlin, DST change included; business hours Mon-Fri 08:00-18:00; 1-4 downtimes
per service; a percentage requirement with levels and an outage-count requirement); only
the evaluation loop is timed, in this single process.

Target (issue 3): 10,000 services x 50 changes in under 5 s. Exit code 1 if missed.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Targets, machine
from sla.engine import Event, Interval, evaluate, parse_sla

TARGET_SECONDS = 5.0

BERLIN = ZoneInfo("Europe/Berlin")
# March 2024 in Berlin: 743 hours, with the change to summer time on the 31st.
MONTH_START = datetime(2024, 3, 1, tzinfo=BERLIN)
MONTH_END = datetime(2024, 4, 1, tzinfo=BERLIN)
NOW = datetime(2024, 4, 2, tzinfo=UTC)

SLA = {
    "period": "monthly",
    "timezone": "Europe/Berlin",
    "time_period": {
        day: ["08:00-18:00"] for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
    },
    "requirements": [
        {
            "title": "Availability >= 99.5% in business hours",
            "kind": "percentage",
            "state": "OK",
            "comparison": "min",
            "target": 99.5,
            "levels": {"warn": 50, "crit": 10},
        },
        {
            "title": "At most 3 outages >= 5 min",
            "kind": "outages",
            "state": "CRIT",
            "max_count": 3,
            "min_duration_seconds": 300,
            "levels": {"warn": 1, "crit": 0},
        },
    ],
}


def make_service(rng: random.Random, changes: int) -> tuple[list[Event], list[Interval]]:
    """One service: OK before the month, then ``changes`` state changes in the month.

    Changes come as incidents: a problem state for a few minutes (exponential, mean
    5 min), then back to OK; a few downtimes of 15 min to 4 h.
    """
    base = MONTH_START.astimezone(UTC)  # arithmetic in UTC, not on the wall clock
    span = int((MONTH_END - MONTH_START).total_seconds())
    events = [Event(base - timedelta(days=rng.randint(1, 30)), "OK")]
    starts = sorted(rng.sample(range(span), (changes + 1) // 2))
    for index, start in enumerate(starts):
        state = rng.choices(("WARN", "CRIT", "UNKNOWN"), (30, 60, 10))[0]
        events.append(Event(base + timedelta(seconds=start), state))
        if len(events) > changes:
            break
        gap = (starts[index + 1] if index + 1 < len(starts) else span) - start
        duration = min(gap - 1, max(1, int(rng.expovariate(1 / 300))))
        if duration > 0:
            events.append(Event(base + timedelta(seconds=start + duration), "OK"))
    rng.shuffle(events)  # the engine must not rely on the caller's order
    downtimes = []
    for _ in range(rng.randint(1, 4)):
        start = base + timedelta(seconds=rng.randrange(span))
        downtimes.append(Interval(start, start + timedelta(minutes=rng.randint(15, 240))))
    return events, downtimes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--changes", type=int, default=50, help="state changes per service")
    parser.add_argument("--seed", type=int, default=20240301)
    parser.add_argument(
        "--tracemalloc", action="store_true", help="also trace Python allocations (slower)"
    )
    args = parser.parse_args()

    rng = random.Random(args.seed)
    sla = parse_sla(SLA)
    services = [make_service(rng, args.changes) for _ in range(args.services)]
    event_count = sum(len(events) for events, _ in services)

    if args.tracemalloc:
        tracemalloc.start()
    states: dict[str, int] = {}
    started = time.perf_counter()
    for events, downtimes in services:
        for period in evaluate(sla, events, downtimes, MONTH_START, MONTH_END, NOW):
            states[period.state] = states.get(period.state, 0) + 1
    elapsed = time.perf_counter() - started

    print(f"machine:    {machine()}")
    print(f"services:   {args.services}")
    print(f"events:     {event_count}")
    print(f"seconds:    {elapsed:.3f}")
    print(f"events/s:   {event_count / elapsed:,.0f}")
    print(f"per service {elapsed / args.services * 1e6:.1f} us")
    print(f"states:     {dict(sorted(states.items()))}")
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS:   {peak_rss:.1f} MiB (whole process, input data included)")
    if args.tracemalloc:
        _, peak = tracemalloc.get_traced_memory()
        print(f"peak traced during evaluation: {peak / 2**20:.1f} MiB")
    targets = Targets("bench_engine")
    targets.check(
        f"engine, {args.services:,} services x {args.changes} changes",
        f"{elapsed:.2f} s",
        f"< {TARGET_SECONDS:.0f} s for 10,000 x 50",
        elapsed < TARGET_SECONDS,
    )
    return targets.exit_code()


if __name__ == "__main__":
    sys.exit(main())
