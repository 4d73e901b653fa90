"""Uptime snapshots at 5-minute, hourly or daily resolution for one service or group."""

import datetime as dt
from zoneinfo import ZoneInfo

from sla.display import percent_of
from sla.engine.buckets import (
    BUCKET,
    BucketSeconds,
    bucket_floor,
    local_day,
    local_day_bounds,
    sum_buckets,
)
from sla.models import DailyUptime, UptimeSnapshot

RESOLUTIONS = {
    "5m": dt.timedelta(minutes=5),
    "1h": dt.timedelta(hours=1),
    "1d": dt.timedelta(days=1),
}
DEFAULT_SPAN = {"5m": dt.timedelta(days=1), "1h": dt.timedelta(days=7), "1d": dt.timedelta(days=90)}
MAX_SPAN = {
    "5m": dt.timedelta(days=31),
    "1h": dt.timedelta(days=400),
    "1d": dt.timedelta(days=3700),
}
_SECONDS = ("ok", "warn", "crit", "unknown", "unmonitored", "downtime")


def _bucket(row, start) -> BucketSeconds:
    return BucketSeconds(start, *(getattr(row, f"seconds_{name}") for name in _SECONDS))


def bucket_json(bucket: BucketSeconds, end: dt.datetime) -> dict:
    monitored = bucket.ok + bucket.warn + bucket.crit + bucket.unknown
    return {
        "start": bucket.start,
        "end": end,
        "seconds": bucket.as_dict(),
        "uptime_percent": percent_of(bucket.ok, monitored),
    }


def _five_minute_rows(account, subject: dict, start, end):
    rows = UptimeSnapshot.objects.for_account(account).filter(
        **subject, bucket_start__gte=bucket_floor(start), bucket_start__lt=end
    )
    return rows.order_by("bucket_start")


def _hourly(rows, tz_name: str) -> list[dict]:
    zone = ZoneInfo(tz_name)
    hours: dict[dt.datetime, list[BucketSeconds]] = {}
    for row in rows:
        local = row.bucket_start.astimezone(zone)
        hour_start = row.bucket_start - dt.timedelta(minutes=local.minute)
        hours.setdefault(hour_start, []).append(_bucket(row, row.bucket_start))
    return [
        bucket_json(sum_buckets(buckets, hour), hour + dt.timedelta(hours=1))
        for hour, buckets in hours.items()
    ]


def _daily(account, subject: dict, start, end, tz_name: str) -> list[dict]:
    first, last = local_day(start, tz_name), local_day(end - dt.timedelta(microseconds=1), tz_name)
    rows = DailyUptime.objects.for_account(account).filter(**subject, day__gte=first, day__lte=last)
    result = []
    for row in rows.order_by("day"):
        day_start, day_end = local_day_bounds(row.day, tz_name)
        result.append(bucket_json(_bucket(row, day_start), day_end))
    return result


def snapshot_series(
    *, account, subject: dict, start: dt.datetime, end: dt.datetime, resolution: str
) -> list[dict]:
    """Stored buckets of `subject` ({"service": s} or {"group": g}) overlapping [start, end);
    hours and days are the account's local ones. Buckets not rolled up yet are absent."""
    tz_name = account.timezone
    if resolution == "1d":
        return _daily(account, subject, start, end, tz_name)
    rows = _five_minute_rows(account, subject, start, end)
    if resolution == "1h":
        return _hourly(rows, tz_name)
    return [bucket_json(_bucket(row, row.bucket_start), row.bucket_start + BUCKET) for row in rows]
