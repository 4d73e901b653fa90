"""Benchmark of the 5-minute rollup with a 3-level SLA group tree beside flat groups.

Issue 19: with a 3-level group tree over 10,000 services the rollup stays within 1.2x of
the same services in flat groups, both printed in one run. The set-up is that of
``bench_rollup.py`` (10,000 services with 14 days of history, one change per service in
the last 5 minutes, pushed through the real ingest): "flat" puts the services in 100 SLA
groups; "tree" hangs the same 100 groups below 20 middle groups below 4 top groups, so
each change also reaches two more levels of groups (124 groups in all).

Run: ``python bench/bench_group_tree.py [--services 10000] [--days 14]`` (also part of
``make bench``). PostgreSQL at BENCH_PG_SERVER, database sla_bench_rollup (shared with
bench_rollup, emptied before each case); no Redis. Only the rollup units are timed, the
median of three runs five minutes apart per case. Exit code 1 if the target is missed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_rollup import DATABASE, run
from bench.common import Targets, django_on_postgres, machine

TARGET_RATIO = 1.2


def typical(found: dict) -> float:
    """Median of the three timed rollups of one case."""
    return sorted([found["seconds"], *found["next_seconds"]])[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=14)
    args = parser.parse_args()
    django_on_postgres(DATABASE)
    print(f"machine: {machine()}")
    results = {}
    for case in ("flat", "tree"):
        found = run(args.days, args.services, tree=case == "tree")
        results[case] = found
        print(
            f"{case}: {found['changes']:,} changes -> rollups "
            + ", ".join(f"{s:.2f} s" for s in [found["seconds"], *found["next_seconds"]])
            + f" (first: services {found['services_seconds']:.2f} s, groups "
            f"{found['groups_seconds']:.2f} s, {found['written_snapshots']:,} snapshots, "
            f"{found['written_incidents']:,} incidents written)"
        )
    flat, tree = typical(results["flat"]), typical(results["tree"])
    targets = Targets("bench_group_tree")
    targets.check(
        f"rollup of {args.services:,} services, 3-level group tree vs flat groups",
        f"{tree:.2f} s / {flat:.2f} s = {tree / flat:.2f}x (medians of 3)",
        f"<= {TARGET_RATIO}x",
        tree / flat <= TARGET_RATIO,
    )
    return targets.exit_code()


if __name__ == "__main__":
    sys.exit(main())
