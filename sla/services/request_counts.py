"""Request counts: validated items in, idempotent upserts per (service, source, start).

Three ways in: the API replaces a bucket sent again (`request_counts_ingest`), an imported
log replaces its source's range (`request_counts_replace_source`), and a log stream pushed
in batches adds up per minute (`request_counts_add`, Vector). Every bucket may carry latency
data for latency SLIs (`sla.engine.latency`). Buckets must start inside the accepted window:
at most `MAX_FUTURE` ahead of now and at most SLA_REQUEST_COUNTS_MAX_AGE_DAYS back (older
counts could never reach an SLO window: SLO buckets are recomputed at most 400 days back).
"""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from licensing.limits import creatable_paths
from sla.engine.latency import LatencyError, empty_histogram, histogram_add, parse_latency
from sla.models import SLO, RequestCount, Service
from sla.models.slo import REQUEST_SLI_KINDS
from sla.services.slo_buckets import slos_mark_dirty
from sla.validators import validate_service_path
from slaportal.db import bulk_cursor, is_postgres, prepared
from slaportal.instants import InstantError, parse_aware_instant
from slaportal.text import lone_surrogate_fields

MAX_COUNT = 10**15
MAX_BUCKET = dt.timedelta(days=1)
MAX_FUTURE = dt.timedelta(minutes=5)
MAX_ITEMS = 10_000


def accepted_window(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """[earliest, latest] start of a bucket accepted at `now` (README "Request counts")."""
    oldest = now - dt.timedelta(days=settings.SLA_REQUEST_COUNTS_MAX_AGE_DAYS)
    return oldest, now + MAX_FUTURE


@dataclass
class BucketCounts:
    """Counts of one bucket: good (not 5xx) and total requests, and optional latency data
    (the stored form of `sla.engine.latency`: {"histogram": [...]} or {"le_ms": {...}})."""

    good: int
    total: int
    latency: dict | None = None

    def add(self, other: "BucketCounts") -> None:
        """Add another batch's counts of the same bucket (histograms bucket by bucket)."""
        self.good += other.good
        self.total += other.total
        mine = (self.latency or {}).get("histogram")
        theirs = (other.latency or {}).get("histogram")
        if theirs is not None:
            self.latency = {"histogram": histogram_add(list(mine or empty_histogram()), theirs)}


@dataclass(frozen=True)
class CountItem:
    """One validated bucket."""

    path: str
    start: dt.datetime
    end: dt.datetime
    good: int
    total: int
    latency: dict | None = None


@dataclass
class IngestResult:
    """What an ingest did: stored buckets (created/replaced) and rejected items."""

    created: int = 0
    updated: int = 0
    services_created: list[str] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)


class ItemError(ValueError):
    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name
        self.message = message


def _instant(item: dict, name: str) -> dt.datetime:
    try:
        return parse_aware_instant(item.get(name))
    except InstantError as error:
        raise ItemError(name, str(error)) from None


def _count(item: dict, name: str) -> int:
    value = item.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_COUNT:
        raise ItemError(name, f"Give a whole number from 0 to {MAX_COUNT}.")
    return value


def count_item_parse(item, now: dt.datetime) -> CountItem:
    """Validate one item: {service, start, end, good|bad, total, latency?}; raises
    ItemError naming the field."""
    if not isinstance(item, dict):
        raise ItemError("", "Each item must be an object.")
    for name, messages in lone_surrogate_fields(item).items():  # text no database stores
        raise ItemError(name, messages[0])
    path = item.get("service")
    if not isinstance(path, str):
        raise ItemError("service", "Give the service path, e.g. payment/api.")
    try:
        validate_service_path(path)
    except Exception as error:
        raise ItemError("service", " ".join(getattr(error, "messages", [str(error)]))) from None
    start, end = _instant(item, "start"), _instant(item, "end")
    if end <= start:
        raise ItemError("end", "The end must be after the start.")
    if end - start > MAX_BUCKET:
        raise ItemError("end", "A bucket may span at most one day.")
    oldest, latest = accepted_window(now)
    if start > latest:
        raise ItemError("start", "The bucket starts in the future (more than 5 minutes ahead).")
    if start < oldest:
        days = settings.SLA_REQUEST_COUNTS_MAX_AGE_DAYS
        raise ItemError("start", f"The bucket starts more than {days} days ago.")
    total = _count(item, "total")
    if ("good" in item) == ("bad" in item):
        raise ItemError("good", 'Give exactly one of "good" and "bad".')
    if "good" in item:
        good = _count(item, "good")
        if good > total:
            raise ItemError("good", "good cannot exceed total.")
    else:
        bad = _count(item, "bad")
        if bad > total:
            raise ItemError("bad", "bad cannot exceed total.")
        good = total - bad
    latency = None
    if item.get("latency") is not None:
        try:
            latency = parse_latency(item["latency"], good=good)
        except LatencyError as error:
            raise ItemError(error.field, error.message) from None
    return CountItem(path=path, start=start, end=end, good=good, total=total, latency=latency)


def _services_for(account, paths: set[str], result: IngestResult) -> dict[str, Service]:
    services = {
        service.path: service
        for service in Service.objects.for_account(account).filter(path__in=paths)
    }
    missing = sorted(paths - services.keys())
    if missing and account.feature_auto_create_services:
        missing = creatable_paths(account, missing)[0]  # beyond the licence: unknown
        Service.objects.bulk_create(
            [Service(account=account, path=path) for path in missing], ignore_conflicts=True
        )
        for service in Service.objects.for_account(account).filter(path__in=missing):
            services[service.path] = service
        result.services_created.extend(missing)
    return services


def request_counts_ingest(
    *, account, items: list, source: str = "api", now: dt.datetime | None = None
) -> IngestResult:
    """Store valid items (replacing a bucket sent before), report the others by index."""
    now = now or timezone.now()
    result = IngestResult()
    parsed: list[tuple[int, CountItem]] = []
    for index, item in enumerate(items):
        try:
            parsed.append((index, count_item_parse(item, now)))
        except ItemError as error:
            result.errors.append({"index": index, "field": error.field, "message": error.message})
    services = _services_for(account, {item.path for _, item in parsed}, result)
    latest: dict[tuple[int, dt.datetime], CountItem] = {}
    for index, item in parsed:
        service = services.get(item.path)
        if service is None:
            result.errors.append(
                {
                    "index": index,
                    "field": "service",
                    "message": f"Unknown service {item.path!r} (auto-creation is off).",
                }
            )
            continue
        latest[(service.pk, item.start)] = item  # the last of duplicates in one batch wins
    result.errors.sort(key=lambda error: error["index"])
    if latest:
        _upsert(account, source, latest, result)
    return result


def _upsert(account, source: str, latest: dict, result: IngestResult) -> None:
    with transaction.atomic():
        keys = list(latest)
        existing = set(
            RequestCount.objects.for_account(account)
            .filter(source=source, service_id__in={key[0] for key in keys})
            .filter(start__in={key[1] for key in keys})
            .values_list("service_id", "start")
        )
        RequestCount.objects.bulk_create(
            [
                RequestCount(
                    account=account,
                    service_id=service_id,
                    source=source,
                    start=item.start,
                    end=item.end,
                    good=item.good,
                    total=item.total,
                    latency=item.latency,
                )
                for (service_id, _), item in latest.items()
            ],
            update_conflicts=True,
            unique_fields=["service", "source", "start"],
            update_fields=["end", "good", "total", "latency", "updated_at"],
            batch_size=2000,
        )
        result.updated += sum(1 for key in keys if key in existing)
        result.created += len(keys) - sum(1 for key in keys if key in existing)
        _mark_dirty(account, latest)


def _mark_dirty(account, latest: dict) -> None:
    # SLO buckets are recomputed from the hour of the earliest change, so marking from that
    # hour loses nothing and needs one statement for all services of a batch, not one per
    # distinct minute.
    earliest: dict[int, dt.datetime] = {}
    for service_id, start in latest:
        hour = start.replace(minute=0, second=0, microsecond=0)
        if service_id not in earliest or hour < earliest[service_id]:
            earliest[service_id] = hour
    for since in sorted(set(earliest.values())):
        service_ids = [sid for sid, start in earliest.items() if start == since]
        slos_mark_dirty(
            account=account, since=since, service_ids=service_ids, kind=REQUEST_SLI_KINDS
        )


def request_counts_replace_source(
    *,
    account,
    service: Service,
    source: str,
    buckets: dict[dt.datetime, BucketCounts | tuple[int, int]],
    width: dt.timedelta,
) -> tuple[int, int]:
    """Replace a source's buckets of one service over the range the new buckets cover
    (first to last bucket): what a re-imported log computes wins, nothing adds up twice.
    Returns (stored, removed)."""
    if not buckets:
        return 0, 0
    first, last = min(buckets), max(buckets)
    rows = []
    for start, counts in sorted(buckets.items()):
        if not isinstance(counts, BucketCounts):
            counts = BucketCounts(*counts)
        rows.append(
            RequestCount(
                account=account,
                service=service,
                source=source,
                start=start,
                end=start + width,
                good=counts.good,
                total=counts.total,
                latency=counts.latency,
            )
        )
    with transaction.atomic():
        removed, _ = (
            RequestCount.objects.for_account(account)
            .filter(service=service, source=source, start__gte=first, start__lte=last)
            .delete()
        )
        RequestCount.objects.bulk_create(rows, batch_size=5000)
        slos_mark_dirty(
            account=account, since=first, service_ids=[service.pk], kind=REQUEST_SLI_KINDS
        )
    return len(buckets), removed


def request_counts_add(
    *,
    account,
    source: str,
    buckets: dict[tuple[int, dt.datetime], BucketCounts],
    width: dt.timedelta,
    once: tuple[str, list] | None = None,
):
    """Add counts to the (service id, start) buckets of `source`: a log stream pushed in
    batches, each batch adding its requests to the minutes they fall in (histograms bucket
    by bucket). Rows are written in (service, start) order, so concurrent batches queue on
    the same rows instead of deadlocking, and no addition is lost: on PostgreSQL one upsert
    adds in SQL; elsewhere the rows are created, locked and summed in Python. Run it inside
    the caller's transaction to make the addition and the caller's own bookkeeping one unit.
    Returns the number of buckets touched.

    `once`: an `INSERT ... ON CONFLICT DO NOTHING RETURNING id` (SQL and parameters) that
    claims the caller's idempotency key: the counts are added only when it inserts, in the
    same statement on PostgreSQL (one round trip, atomic without a transaction of the
    caller's), and the claimed id (None: the key was there) is returned instead."""
    if once is not None and not buckets:
        raise ValueError("`once` claims a key for counts: give some")
    if not buckets:
        return 0
    ordered = sorted(buckets.items(), key=lambda pair: pair[0])
    if once is not None and is_postgres():
        return _add_postgres(account, source, ordered, width, once)
    with transaction.atomic(savepoint=False):  # inside the caller's: no extra round trips
        claimed = None
        if once is not None:
            with connection.cursor() as cursor:
                cursor.execute(*once)
                row = cursor.fetchone()
            claimed = None if row is None else row[0]
            if claimed is None:
                return None
        if is_postgres():
            _add_postgres(account, source, ordered, width)
        else:
            _add_portable(account, source, ordered, width)
            _mark_dirty(account, dict(ordered))
    return len(ordered) if once is None else claimed


# One round trip: add the counts (histograms bucket by bucket) and mark the request SLOs
# of the services (and of their groups) dirty from the hour of the batch's first minute.
# With a key to claim first (`once`), nothing is added when the key is there already: the
# claim's INSERT waits for a concurrent copy's transaction, then inserts nothing.
_PG_ADD = """
WITH {claim}added AS (
INSERT INTO {table} AS t
    (account_id, service_id, source, start, "end", good, total, latency, updated_at)
SELECT %s, v.service_id, %s, v.start, v.start + %s, v.good, v.total, v.latency::jsonb, now()
FROM unnest(%b::bigint[], %b::timestamptz[], %b::bigint[], %b::bigint[], %b::text[])
    AS v(service_id, start, good, total, latency)
{where}ORDER BY v.service_id, v.start
ON CONFLICT (service_id, source, start) DO UPDATE SET
    good = t.good + excluded.good,
    total = t.total + excluded.total,
    latency = CASE
        WHEN excluded.latency IS NULL THEN t.latency
        WHEN t.latency -> 'histogram' IS NULL THEN excluded.latency
        ELSE jsonb_build_object('histogram', (
            SELECT jsonb_agg(
                (t.latency -> 'histogram' ->> i)::bigint
                + (excluded.latency -> 'histogram' ->> i)::bigint ORDER BY i)
            FROM generate_series(0, jsonb_array_length(t.latency -> 'histogram') - 1) AS i))
        END,
    updated_at = excluded.updated_at
RETURNING t.service_id
), changed AS (
    SELECT DISTINCT service_id FROM added
), marked AS (
UPDATE {slo} AS o SET buckets_dirty_from = %s
WHERE o.account_id = %s AND o.sli_kind = ANY(%s)
  AND (o.service_id IN (SELECT service_id FROM changed)
       OR o.group_id IN (SELECT s.group_id FROM {service} AS s
                         WHERE s.id IN (SELECT service_id FROM changed)))
  AND (o.buckets_dirty_from IS NULL OR o.buckets_dirty_from > %s)
RETURNING 1
)
SELECT {result}
""".replace("{table}", RequestCount._meta.db_table).replace("{slo}", SLO._meta.db_table)
_PG_ADD = _PG_ADD.replace("{service}", Service._meta.db_table)


def _add_postgres(account, source: str, ordered, width: dt.timedelta, once=None):
    import json

    latency = [
        None if counts.latency is None else json.dumps(counts.latency, separators=(",", ":"))
        for _, counts in ordered
    ]
    since = min(start for (_, start), _ in ordered).replace(minute=0, second=0, microsecond=0)
    sql, claim_params = _PG_ADD, []
    if once is None:
        sql = sql.replace("{claim}", "").replace("{where}", "").replace("{result}", "NULL")
    else:
        claim_sql, claim_params = once
        sql = (
            sql.replace("{claim}", f"claim AS ({claim_sql}), ")
            .replace("{where}", "WHERE EXISTS (SELECT FROM claim)\n")
            .replace("{result}", "(SELECT id FROM claim)")
        )
    with bulk_cursor() as cursor:
        cursor.execute(
            sql,
            [
                *claim_params,
                account.pk,
                source,
                width,
                [service_id for (service_id, _), _ in ordered],
                [start for (_, start), _ in ordered],
                [counts.good for _, counts in ordered],
                [counts.total for _, counts in ordered],
                latency,
                since,
                account.pk,
                [str(kind) for kind in REQUEST_SLI_KINDS],
                since,
            ],
            prepare=prepared(),
        )
        return cursor.fetchone()[0]


def _add_portable(account, source: str, ordered, width: dt.timedelta) -> None:
    RequestCount.objects.bulk_create(
        [
            RequestCount(
                account=account,
                service_id=service_id,
                source=source,
                start=start,
                end=start + width,
                good=0,
                total=0,
            )
            for (service_id, start), _ in ordered
        ],
        ignore_conflicts=True,
        batch_size=2000,
    )
    buckets = dict(ordered)
    rows = list(
        RequestCount.objects.for_account(account)
        .select_for_update()
        .filter(source=source, service_id__in={key[0] for key in buckets})
        .filter(start__in={key[1] for key in buckets})
        .order_by("service_id", "start")
        .only("id", "service_id", "start", "good", "total", "latency")
    )
    changed = []
    for row in rows:
        added = buckets.get((row.service_id, row.start))
        if added is None:
            continue
        counts = BucketCounts(row.good, row.total, row.latency)
        counts.add(added)
        row.good, row.total, row.latency = counts.good, counts.total, counts.latency
        changed.append(row)
    RequestCount.objects.bulk_update(changed, ["good", "total", "latency"], batch_size=2000)
