"""The per-account rollup unit: 5-minute snapshots, daily rollups and incidents, for exactly
the ranges that changed.

For every service and group with a rollup mark the unit recomputes the buckets from
`min(dirty_from, rolled_until)` (never before the first event, nor more than
SLA_SNAPSHOT_MAX_DAYS back) up to the last complete bucket, upserts them on their unique
constraints, recomputes the account-local days those buckets fall in from the stored
5-minute rows, rebuilds incidents from `incidents_from`, and only then clears the marks.
A chunk of services hands its marks to their groups in the same transaction that clears
them (marks_propagate_to_groups), so an ingest committing at any moment reaches the groups:
it is either in the marks the chunk read (and handed on) or it keeps its member's mark set.
Work goes in chunks of subjects, one transaction each, under a per-account database lock,
so a crash loses at most the chunk in progress (its marks are still set) and re-running
gives the same rows. The cost follows the number of subjects and the changed ranges,
never the length of the stored history.
"""

import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from sla.engine import state_timeline
from sla.engine.buckets import bucket_floor, bucket_seconds, local_day, local_day_bounds
from sla.models import DailyUptime, RollupMark, Service, UptimeSnapshot
from sla.selectors.downtimes import downtime_index
from sla.selectors.groups import group_histories
from sla.selectors.history import histories
from sla.services import seams
from sla.services.incidents import incidents_rebuild_groups, incidents_rebuild_services
from sla.services.marks import marks_finish, marks_propagate_to_groups
from sla.sql import Column, is_postgres, upsert

logger = logging.getLogger(__name__)

# pg_advisory_xact_lock(class, account): one writer of derived rows per account at a time.
_LOCK_CLASS = 0x534C41
SECONDS_FIELDS = (
    "seconds_ok",
    "seconds_warn",
    "seconds_crit",
    "seconds_unknown",
    "seconds_unmonitored",
    "seconds_downtime",
)
_SECONDS_COLUMNS = [Column(name, "double precision") for name in SECONDS_FIELDS]


@dataclass
class RollupStats:
    """What one run of the unit did."""

    services: int = 0
    groups: int = 0
    snapshots: int = 0
    daily_rows: int = 0
    incidents: int = 0
    complete: bool = True
    seconds: float = 0.0
    timings: dict = field(default_factory=dict)


def derive_lock(account) -> None:
    """Serialise writers of an account's derived rows (call inside a transaction)."""
    if is_postgres():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_CLASS, account.pk % 2**31]
            )


def snapshot_horizon(now: dt.datetime) -> dt.datetime:
    return bucket_floor(now - dt.timedelta(days=settings.SLA_SNAPSHOT_MAX_DAYS))


def range_start(mark: RollupMark, horizon: dt.datetime) -> dt.datetime | None:
    """First bucket to recompute for a mark, or None when the subject has no history."""
    if mark.history_start is None:
        return None
    pending = [value for value in (mark.dirty_from, mark.rolled_until) if value is not None]
    base = min(pending) if pending else mark.history_start
    return bucket_floor(max(base, mark.history_start, horizon))


def _snapshot_rows(account, field_name, subject_id, buckets) -> list[tuple]:
    return [
        (
            account.pk,
            subject_id,
            bucket.start,
            *bucket.seconds,
        )
        for bucket in buckets
    ]


def _upsert_rows(table: str, field_name: str, key: Column, rows: list[tuple]) -> None:
    column = f"{field_name}_id"
    rows.sort(key=lambda row: (row[1], row[2]))
    upsert(
        table=table,
        columns=[Column("account_id", "bigint"), Column(column, "bigint"), key, *_SECONDS_COLUMNS],
        rows=rows,
        conflict=f"({column}, {key.name}) WHERE {column} IS NOT NULL",
        updates={name: f"excluded.{name}" for name in SECONDS_FIELDS},
    )


def _stored_daily(account, column: str, wanted: dict[tuple[int, dt.date], None]) -> dict:
    """Stored daily totals for (subject, day) pairs."""
    if not wanted:
        return {}
    rows = DailyUptime.objects.for_account(account).filter(
        **{f"{column}__in": {subject_id for subject_id, _ in wanted}},
        day__in={day for _, day in wanted},
    )
    return {
        (getattr(row, column), row.day): [getattr(row, name) for name in SECONDS_FIELDS]
        for row in rows
        if (getattr(row, column), row.day) in wanted
    }


def _summed_before(account, column: str, wanted: dict[tuple[int, dt.date], tuple]) -> dict:
    """Sums of the stored 5-minute rows of [day start, range start) per (subject, day)."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for (subject_id, _), bounds in wanted.items():
        groups[bounds].append(subject_id)
    result = {}
    sums = {f"total_{name}": Sum(name) for name in SECONDS_FIELDS}
    for (day, day_start, range_start), subject_ids in groups.items():
        totals = (
            UptimeSnapshot.objects.for_account(account)
            .filter(**{f"{column}__in": subject_ids})
            .filter(bucket_start__gte=day_start, bucket_start__lt=range_start)
            .values(column)
            .annotate(**sums)
            .order_by()
        )
        for total in totals:
            result[(total[column], day)] = [
                total[f"total_{name}"] or 0.0 for name in SECONDS_FIELDS
            ]
    return result


def _daily_rollup(account, field_name: str, computed, ranges, watermarks) -> int:
    """Daily rows of the account-local days the computed buckets fall in.

    Buckets of a day from the range start on are in memory. The part of the first day
    before the range start is the stored daily row when the range starts at the watermark
    (that row holds exactly the buckets before it), else the sum of the stored buckets.
    """
    tz_name = account.timezone
    column = f"{field_name}_id"
    totals: dict[tuple[int, dt.date], list[float]] = {}
    from_daily: dict[tuple[int, dt.date], None] = {}
    from_buckets: dict[tuple[int, dt.date], tuple] = {}
    for subject_id, buckets in computed.items():
        range_start = ranges[subject_id]
        for bucket in buckets:
            key = (subject_id, local_day(bucket.start, tz_name))
            row = totals.setdefault(key, [0.0] * len(SECONDS_FIELDS))
            for index, value in enumerate(bucket.seconds):
                row[index] += value
        first_day = local_day(range_start, tz_name)
        day_start = local_day_bounds(first_day, tz_name)[0]
        if day_start < range_start:
            if watermarks.get(subject_id) == range_start:
                from_daily[(subject_id, first_day)] = None
            else:
                from_buckets[(subject_id, first_day)] = (first_day, day_start, range_start)
    earlier = _stored_daily(account, column, from_daily)
    earlier.update(_summed_before(account, column, from_buckets))
    rows = []
    for (subject_id, day), values in totals.items():
        before = earlier.get((subject_id, day))
        if before is not None:
            values = [value + old for value, old in zip(values, before, strict=True)]
        rows.append((account.pk, subject_id, day, *values))
    _upsert_rows(DailyUptime._meta.db_table, field_name, Column("day", "date"), rows)
    return len(rows)


def _write_snapshots(account, field_name, computed, ranges, watermarks, stats) -> None:
    rows = []
    for subject_id, buckets in computed.items():
        rows.extend(_snapshot_rows(account, field_name, subject_id, buckets))
    table = UptimeSnapshot._meta.db_table
    _upsert_rows(table, field_name, Column("bucket_start", "timestamptz"), rows)
    stats.snapshots += len(rows)
    stats.daily_rows += _daily_rollup(account, field_name, computed, ranges, watermarks)


def _roll_services(account, marks: list[RollupMark], now, end, horizon, stats) -> None:
    ranges = {}
    for mark in marks:
        start = range_start(mark, horizon)
        if start is not None and start < end:
            ranges[mark.service_id] = start
    groups = dict(
        Service.objects.for_account(account)
        .filter(pk__in=list(ranges))
        .values_list("id", "group_id")
    )
    if ranges:
        events = histories(account=account, starts=ranges, end=end)
        downtimes = downtime_index(account=account, start=min(ranges.values()), end=end)
        computed = {}
        for service_id, start in ranges.items():
            if service_id not in groups:
                continue  # deleted meanwhile
            spans = state_timeline(events[service_id], start, end)
            intervals = downtimes.for_service(service_id, groups[service_id], start, end)
            computed[service_id] = bucket_seconds(spans, intervals, start, end)
        watermarks = {mark.service_id: mark.rolled_until for mark in marks}
        _write_snapshots(account, "service", computed, ranges, watermarks, stats)
    froms = {mark.service_id: mark.incidents_from for mark in marks if mark.incidents_from}
    stats.incidents += incidents_rebuild_services(account=account, froms=froms, now=now)
    stats.services += len(marks)


def _roll_groups(account, marks: list[RollupMark], now, end, horizon, stats) -> None:
    ranges = {}
    for mark in marks:
        start = range_start(mark, horizon)
        if start is not None and start < end:
            ranges[mark.group_id] = start
    if ranges:
        found = group_histories(account=account, starts=ranges, end=end)
        downtimes = downtime_index(account=account, start=min(ranges.values()), end=end)
        computed = {}
        for group_id, start in ranges.items():
            timeline = found.timeline(group_id, start, end)
            if timeline is None:
                continue  # the group was deleted meanwhile
            intervals = downtimes.for_group(group_id, start, end)
            computed[group_id] = bucket_seconds(timeline, intervals, start, end)
        watermarks = {mark.group_id: mark.rolled_until for mark in marks}
        _write_snapshots(account, "group", computed, ranges, watermarks, stats)
    froms = {mark.group_id: mark.incidents_from for mark in marks if mark.incidents_from}
    stats.incidents += incidents_rebuild_groups(account=account, froms=froms, now=now)
    stats.groups += len(marks)


def _pending_mark_ids(account, subject: str, pending: Q) -> list[int]:
    rows = RollupMark.objects.for_account(account).filter(**{f"{subject}__isnull": False})
    return list(rows.filter(pending).order_by("id").values_list("id", flat=True))


def _read_chunk(account, subject: str, ids: list[int], pending: Q | None = None) -> list:
    """Inside a chunk's transaction: lock the account's derived rows, read the chunk's
    marks and, for services, hand them to their groups in this same transaction (see
    marks_propagate_to_groups: the marks are cleared by this transaction too)."""
    derive_lock(account)
    marks = RollupMark.objects.filter(pk__in=ids)
    if pending is not None:
        marks = marks.filter(pending)
    marks = list(marks)
    if subject == "service":
        marks_propagate_to_groups(account=account, marks=marks)
    return marks


def account_rollup(
    *,
    account,
    now: dt.datetime | None = None,
    chunk_size: int | None = None,
    deadline: float | None = None,
    between_chunks: Callable[[], None] | None = None,
) -> RollupStats:
    """Bring the account's snapshots, daily rows and incidents up to the last complete
    bucket. `deadline` (time.monotonic()) stops early between chunks (marks keep the rest);
    `between_chunks` is called after each committed chunk (e.g. to extend a lock)."""
    started = time.monotonic()
    chunk_size = chunk_size or settings.SLA_ROLLUP_CHUNK_SIZE
    now = now or timezone.now()
    end = bucket_floor(now)
    horizon = snapshot_horizon(now)
    stats = RollupStats()
    seams.reached("rollup:start")
    pending = (
        Q(rolled_until__isnull=True)
        | Q(rolled_until__lt=end)
        | Q(dirty_from__isnull=False)
        | Q(incidents_from__isnull=False)
    )
    for subject, roll in (("service", _roll_services), ("group", _roll_groups)):
        ids = _pending_mark_ids(account, subject, pending)
        for offset in range(0, len(ids), chunk_size):
            if deadline is not None and time.monotonic() > deadline:
                stats.complete = False
                break
            chunk_started = time.monotonic()
            with transaction.atomic():
                marks = _read_chunk(account, subject, ids[offset : offset + chunk_size])
                seams.reached("rollup:chunk")
                roll(account, marks, now, end, horizon, stats)
                seams.reached("rollup:derived")
            seams.reached("rollup:finish")
            marks_finish(marks=marks, rolled_until=end, snapshots=True, incidents=True)
            elapsed = time.monotonic() - chunk_started
            stats.timings[subject] = stats.timings.get(subject, 0.0) + elapsed
            if between_chunks is not None:
                between_chunks()
    stats.seconds = time.monotonic() - started
    return stats


def incidents_refresh_account(*, account, now: dt.datetime | None = None) -> int:
    """Rebuild the incidents that changed (marks with `incidents_from`), without waiting
    for the 5-minute rollup. Returns incident rows written."""
    now = now or timezone.now()
    seams.reached("incidents:start")
    written = 0
    pending = Q(incidents_from__isnull=False)
    for subject in ("service", "group"):
        ids = _pending_mark_ids(account, subject, pending)
        chunk_size = settings.SLA_ROLLUP_CHUNK_SIZE
        for offset in range(0, len(ids), chunk_size):
            with transaction.atomic():
                marks = _read_chunk(account, subject, ids[offset : offset + chunk_size], pending)
                seams.reached("incidents:chunk")
                froms = {getattr(mark, f"{subject}_id"): mark.incidents_from for mark in marks}
                rebuild = (
                    incidents_rebuild_services if subject == "service" else incidents_rebuild_groups
                )
                written += rebuild(account=account, froms=froms, now=now)
                seams.reached("incidents:derived")
            seams.reached("incidents:finish")
            marks_finish(marks=marks, rolled_until=None, snapshots=False, incidents=True)
    return written
