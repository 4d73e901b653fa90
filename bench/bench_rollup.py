"""Benchmark of the 5-minute rollup: 10,000 services (in 100 SLA groups), each with one
change in the last 5 minutes, on top of a long history; run for two history lengths to
show that the cost does not grow with the history.

Run: ``python bench/bench_rollup.py [--services 10000] [--days 14,112]`` (also part of
``make bench``). PostgreSQL at BENCH_PG_SERVER (default postgres://postgres@127.0.0.1:5432),
its own database sla_bench_rollup (created if missing, migrated, emptied before each
history length); no Redis. Per history length, a throw-away account loaded with COPY
(not timed):

- events every 6 hours per service over the history (some outages, with their incidents);
- the last 24 hours of 5-minute snapshots and a daily row per day, as earlier rollups
  would have left them, and rollup marks saying "rolled up to the last bucket edge";
- then one new event per service inside the current bucket, pushed through the real
  ingest path (which marks what changed).

Only the rollup unit (`account_rollup`) is timed: snapshots of the new bucket for every
service and group, the day's daily rows, incidents and current states of the services
that changed; three runs five minutes apart (one more change per service each).

Targets (issue 4): under 10 s for 10,000 services (median of the three runs, each
history length); cost flat in the history length: the longest history's median at most
1.5x the shortest's (the history is 8x longer). Exit code 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Targets, copy_rows, django_on_postgres, fresh_data, machine

DATABASE = "sla_bench_rollup"
STEP = dt.timedelta(hours=6)
TIMEZONE = "Europe/Berlin"
TARGET_SECONDS = 10.0
TARGET_GROWTH = 1.5


def state_at_step(service: int, step: int) -> str:
    """A service is CRIT for one 6-hour step now and then, else OK."""
    return "CRIT" if (service * 7 + step) % 53 == 0 else "OK"


class Loader:
    """Writes one account's history with COPY (generated, deterministic)."""

    def __init__(self, account, services: int, days: int, now: dt.datetime, tree: bool = False):
        from sla.engine.buckets import bucket_floor

        self.account = account
        self.tree = tree
        self.count = services
        self.end = bucket_floor(now)  # the rollup computes [edge, end)
        self.edge = self.end - dt.timedelta(minutes=5)  # rolled up to here already
        self.first = self.edge - dt.timedelta(days=days)
        self.steps = int((self.edge - self.first) / STEP)

    def load(self) -> dict:
        from django.db import connection, transaction

        from sla.models import Service, ServiceGroup

        account = self.account
        groups, parents = self._groups(ServiceGroup)
        services = Service.objects.bulk_create(
            [
                Service(account=account, path=f"svc/{n:05d}", group=groups[n % 100])
                for n in range(self.count)
            ],
            batch_size=2000,
        )
        self.service_ids = [service.pk for service in services]
        self.group_ids = [group.pk for group in groups + parents]
        counts = {}
        with transaction.atomic():
            counts["events"] = copy_rows(
                "sla_statusevent",
                ["account_id", "service_id", "at", "state", "message", "dedup_key", "received_at"],
                self._events(),
            )
            counts["incidents"] = copy_rows(
                "sla_incident",
                ["account_id", "service_id", "started_at", "ended_at", "worst_state", "state",
                 "updated_at"],
                self._incidents(),
            )  # fmt: skip
            counts["snapshots"] = copy_rows(
                "sla_uptimesnapshot",
                ["account_id", "service_id", "group_id", "bucket_start", "seconds_ok",
                 "seconds_warn", "seconds_crit", "seconds_unknown", "seconds_unmonitored",
                 "seconds_downtime"],
                self._snapshots(),
            )  # fmt: skip
            counts["daily"] = copy_rows(
                "sla_dailyuptime",
                ["account_id", "service_id", "group_id", "day", "seconds_ok", "seconds_warn",
                 "seconds_crit", "seconds_unknown", "seconds_unmonitored", "seconds_downtime"],
                self._daily(),
            )  # fmt: skip
            copy_rows(
                "sla_rollupmark",
                ["account_id", "service_id", "group_id", "history_start", "rolled_until", "seq",
                 "updated_at"],
                self._marks(),
            )  # fmt: skip
            last_step = self.steps - 1
            with connection.cursor() as cursor:
                for state in ("OK", "CRIT"):
                    ids = [
                        service_id
                        for number, service_id in enumerate(self.service_ids)
                        if state_at_step(number, last_step) == state
                    ]
                    cursor.execute(
                        "UPDATE sla_service SET current_state = %s, current_state_since = %s "
                        "WHERE id = ANY(%s)",
                        [state, self.first + last_step * STEP, ids],
                    )
        with connection.cursor() as cursor:
            for table in ("sla_statusevent", "sla_incident", "sla_uptimesnapshot",
                          "sla_dailyuptime", "sla_rollupmark", "sla_service"):  # fmt: skip
                cursor.execute(f"ANALYZE {table}")
        return counts

    def _groups(self, ServiceGroup) -> tuple[list, list]:
        """100 groups holding the services; with `tree`, hung below 20 middle groups below 4
        top groups (3 levels; the top and middle groups hold only groups)."""
        account = self.account
        parents = []
        if self.tree:
            top = ServiceGroup.objects.bulk_create(
                [ServiceGroup(account=account, name=f"top-{n}") for n in range(4)]
            )
            middle = ServiceGroup.objects.bulk_create(
                [ServiceGroup(account=account, name=f"mid-{n:02d}", parent=top[n % 4])
                 for n in range(20)]
            )  # fmt: skip
            parents = top + middle
        groups = ServiceGroup.objects.bulk_create(
            [
                ServiceGroup(
                    account=account,
                    name=f"group-{n:03d}",
                    parent=parents[4 + n % 20] if self.tree else None,
                )
                for n in range(100)
            ]
        )
        return groups, parents

    def _events(self):
        received = self.edge
        for number, service_id in enumerate(self.service_ids):
            for step in range(self.steps):
                at = self.first + step * STEP + dt.timedelta(seconds=number % 3600)
                yield (self.account.pk, service_id, at, state_at_step(number, step), "",
                       f"id:h-{service_id}-{step}", received)  # fmt: skip

    def _incidents(self):
        for number, service_id in enumerate(self.service_ids):
            for step in range(self.steps - 1):
                if state_at_step(number, step) == "CRIT":
                    start = self.first + step * STEP + dt.timedelta(seconds=number % 3600)
                    yield (self.account.pk, service_id, start, start + STEP, "CRIT", "OK",
                           self.edge)  # fmt: skip

    def _day_start(self):
        from sla.engine.buckets import local_day, local_day_bounds

        return local_day_bounds(local_day(self.edge, TIMEZONE), TIMEZONE)[0]

    def _snapshots(self):
        window = self.edge - dt.timedelta(hours=24)
        buckets = int((self.edge - window).total_seconds() // 300)
        for number, service_id in enumerate(self.service_ids):
            for index in range(buckets):
                bucket = window + dt.timedelta(minutes=5 * index)
                step = int((bucket - self.first) / STEP)
                ok = 300.0 if state_at_step(number, step) == "OK" else 0.0
                yield (self.account.pk, service_id, None, bucket, ok, 0.0, 300.0 - ok, 0.0,
                       0.0, 0.0)  # fmt: skip
        for group_id in self.group_ids:
            for index in range(buckets):
                bucket = window + dt.timedelta(minutes=5 * index)
                yield (self.account.pk, None, group_id, bucket, 300.0, 0.0, 0.0, 0.0, 0.0, 0.0)

    def _daily(self):
        from sla.engine.buckets import local_day

        today = local_day(self.edge, TIMEZONE)
        today_seconds = (self.edge - self._day_start()).total_seconds()
        first_day = local_day(self.first, TIMEZONE)
        days = [first_day + dt.timedelta(days=n) for n in range((today - first_day).days + 1)]
        for subject in [("s", sid) for sid in self.service_ids] + [
            ("g", g) for g in self.group_ids
        ]:
            service_id = subject[1] if subject[0] == "s" else None
            group_id = subject[1] if subject[0] == "g" else None
            for day in days:
                seconds = today_seconds if day == today else 86400.0
                yield (self.account.pk, service_id, group_id, day, seconds, 0.0, 0.0, 0.0, 0.0,
                       0.0)  # fmt: skip

    def _marks(self):
        for service_id in self.service_ids:
            yield (self.account.pk, service_id, None, self.first, self.edge, 0, self.edge)
        for group_id in self.group_ids:
            yield (self.account.pk, None, group_id, self.first, self.edge, 0, self.edge)

    def push_changes(self, bucket: int = 0) -> int:
        """One event per service inside the current bucket (`bucket` later ones: the next
        runs), through the real ingest. The post-commit incident refresh is held back, so the
        timed rollup does that work too."""
        from sla import tasks
        from sla.services.ingest import events_ingest

        tasks.incidents_refresh_soon = lambda **kwargs: None
        rng = random.Random(5 + bucket)
        start = self.edge + dt.timedelta(minutes=5 * bucket)
        items = [
            {
                "service": f"svc/{number:05d}",
                "at": (start + dt.timedelta(seconds=rng.randrange(1, 240))).isoformat(),
                "state": rng.choice(["WARN", "CRIT", "OK"]),
            }
            for number in range(self.count)
        ]
        new = 0
        for offset in range(0, len(items), 10_000):
            new += events_ingest(
                account=self.account,
                items=items[offset : offset + 10_000],
                now=self.end + dt.timedelta(minutes=5 * bucket),
            ).new
        return new


def run(days: int, services: int, tree: bool = False) -> dict:
    from django.utils import timezone

    from accounts.services import account_create
    from sla.services.rollups import account_rollup

    fresh_data()
    account = account_create(
        name=f"Rollup bench {days}d", slug=f"bench-rollup-{days}d", timezone_name=TIMEZONE
    )
    # A moment 1-4 minutes into a bucket, as when beat fires the unit.
    now = timezone.now().replace(second=0, microsecond=0)
    now = now - dt.timedelta(minutes=now.minute % 5) + dt.timedelta(minutes=1)
    loader = Loader(account, services, days, now, tree=tree)
    started = time.perf_counter()
    counts = loader.load()
    counts["load_seconds"] = time.perf_counter() - started
    counts["changes"] = loader.push_changes()
    stats = account_rollup(account=account, now=now)
    counts.update(
        seconds=stats.seconds,
        services_seconds=stats.timings.get("service", 0.0),
        groups_seconds=stats.timings.get("group", 0.0),
        written_snapshots=stats.snapshots,
        written_daily=stats.daily_rows,
        written_incidents=stats.incidents,
        complete=stats.complete,
    )
    again = account_rollup(account=account, now=now)
    counts["rerun_seconds"] = again.seconds
    counts["rerun_snapshots"] = again.snapshots
    # The following runs, five minutes apart, each with one more change per service.
    following = []
    for bucket in (1, 2):
        loader.push_changes(bucket)
        following.append(
            account_rollup(account=account, now=now + dt.timedelta(minutes=5 * bucket)).seconds
        )
    counts["next_seconds"] = following
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument(
        "--days",
        type=lambda text: [int(value) for value in text.split(",")],
        default=[14, 112],
        help="history lengths to compare",
    )
    args = parser.parse_args()
    django_on_postgres(DATABASE)
    print(f"machine: {machine()}")
    results = {}
    for days in args.days:
        found = run(days, args.services)
        results[days] = found
        print(
            f"History {days:>3} days: {found['events']:,} events, {found['incidents']:,} "
            f"incidents, {found['snapshots']:,} snapshots, {found['daily']:,} daily rows "
            f"(loaded in {found['load_seconds']:.0f} s); {found['changes']:,} changes -> "
            f"rollup {found['seconds']:.2f} s (services {found['services_seconds']:.2f} s, "
            f"groups {found['groups_seconds']:.2f} s): {found['written_snapshots']:,} snapshots, "
            f"{found['written_daily']:,} daily rows, {found['written_incidents']:,} incidents "
            f"written; re-run {found['rerun_seconds']:.2f} s, "
            f"{found['rerun_snapshots']} snapshots; the next two runs (one more change each): "
            + ", ".join(f"{seconds:.2f} s" for seconds in found["next_seconds"])
        )

    def typical(found):
        return sorted([found["seconds"], *found["next_seconds"]])[1]  # median of three

    targets = Targets("bench_rollup")
    for days, found in results.items():
        targets.check(
            f"rollup of {args.services:,} services, one change each, {days} days of history",
            f"{typical(found):.2f} s (median of 3)",
            f"< {TARGET_SECONDS:.0f} s",
            typical(found) < TARGET_SECONDS,
        )
    if len(results) > 1:
        shortest, longest = min(results), max(results)
        ratio = typical(results[longest]) / typical(results[shortest])
        targets.check(
            f"rollup time, {longest} vs {shortest} days of history "
            f"({longest / shortest:.0f}x the history)",
            f"{typical(results[longest]):.2f} s / {typical(results[shortest]):.2f} s "
            f"= {ratio:.2f}x",
            f"<= {TARGET_GROWTH}x (flat in the history length)",
            ratio <= TARGET_GROWTH,
        )
    return targets.exit_code()


if __name__ == "__main__":
    sys.exit(main())
