"""SLO bucket rollup: recompute hour and day rows of dirty or advancing ranges.

Time SLIs run the service's (or the derived group's) events and downtimes through the
engine (`period_timeline`: classification, downtimes, time period, merge, melting) and
count good (class OK, or DOWNTIME with `downtimes: honor`) and considered microseconds per
5-minute slot. Request SLIs add up the request counts whose bucket starts in the slot;
latency SLIs count the successful requests at or under the threshold as good; time-slice
SLIs count the microseconds of the minutes whose percentile is at or under it.
A recompute runs from the 5-minute slot of the earliest change (or of the last computed
instant) to `now`, keeping the stored slots before it in that hour, when every instant's
class depends only on what is in force then (`slot_exact`); otherwise (short-interval
melting, flap detection, plugin SLIs) it covers whole hours from the hour of that instant.
"""

import datetime as dt
from collections import defaultdict
from fractions import Fraction

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum

from sla.engine import DOWNTIME, OK, SLASpec, parse_sla, period_timeline
from sla.engine.budget import as_fraction
from sla.engine.latency import slice_is_good, within_threshold
from sla.models import SLO, RequestCount, Service, SLODayBucket, SLOHourBucket
from sla.models.slo import LATENCY_SLI_KINDS, SLOTS_PER_HOUR
from sla.selectors.downtimes import downtime_index
from sla.selectors.groups import group_events_from_members, group_members
from sla.selectors.history import histories
from sla.selectors.slo_windows import DAY, EPOCH, HOUR, SLOT, floor_to, slo_window
from sla.services import seams
from sla.sli_kinds import plugin_for
from sla.sql import Column, bulk_cursor, is_postgres, prepared, update_from_rows

MICROSECOND = dt.timedelta(microseconds=1)
SLOT_US = 300_000_000
HOUR_US = 3_600_000_000
NEAR = dt.timedelta(hours=2)
MAX_RECOMPUTE = dt.timedelta(days=400)

Slots = dict[dt.datetime, list[int]]  # hour start -> [good_0..good_11, total_0..total_11]


def _micros(instant: dt.datetime) -> int:
    return (instant - EPOCH) // MICROSECOND


def slo_engine_spec(slo: SLO) -> SLASpec:
    """An SLA spec whose single requirement is "OK at least": what a time SLI measures."""
    data = {
        "period": "daily",
        "timezone": slo.timezone,
        "options": slo.options or {},
        "requirements": [
            {"title": "SLO", "kind": "percentage", "state": "OK", "comparison": "min", "target": 0}
        ],
    }
    if slo.time_period_id:
        data["time_period"] = slo.time_period.definition
    return parse_sla(data, "slo")


def time_slots(*, spec: SLASpec, events, downtimes, start, end, now) -> Slots:
    """Good and considered microseconds per 5-minute slot of [start, min(end, now))."""
    slots: Slots = {}
    if start >= min(end, now):
        return slots
    for span in period_timeline(spec, 0, events, downtimes, start, end, now):
        good = span.klass in (OK, DOWNTIME)
        position, stop = _micros(span.start), _micros(span.end)
        while position < stop:
            slot_start = position - position % SLOT_US
            cut = min(stop, slot_start + SLOT_US)
            hour_us = slot_start - slot_start % HOUR_US
            hour = EPOCH + dt.timedelta(microseconds=hour_us)
            row = slots.get(hour)
            if row is None:
                row = slots[hour] = [0] * (2 * SLOTS_PER_HOUR)
            index = (slot_start - hour_us) // SLOT_US
            if good:
                row[index] += cut - position
            row[SLOTS_PER_HOUR + index] += cut - position
            position = cut
    return slots


def request_slots(rows) -> Slots:
    """Request counts per slot from (start, good, total) rows (a bucket counts in the slot
    its start falls in)."""
    slots: Slots = {}
    for start, good, total in rows:
        slot_start = floor_to(start, SLOT)
        hour = floor_to(slot_start, HOUR)
        row = slots.get(hour)
        if row is None:
            row = slots[hour] = [0] * (2 * SLOTS_PER_HOUR)
        index = int((slot_start - hour) / SLOT)
        row[index] += good
        row[SLOTS_PER_HOUR + index] += total
    return slots


def latency_slots(rows, threshold_ms: int) -> Slots:
    """Latency SLI per slot from (start, end, total, latency) rows: good = successful
    requests at or under the threshold, total = every request of a bucket that says how
    many were; buckets without a count for the threshold are left out."""
    counted = []
    for start, _end, total, latency in rows:
        within = within_threshold(latency, threshold_ms)
        if within is not None:
            counted.append((start, within, total))
    return request_slots(counted)


def timeslice_slots(rows, threshold_ms: int, percentile: Fraction) -> Slots:
    """Time-slice SLI per slot, in microseconds like time SLIs: each bucket [start, end)
    (one per minute from logs) is a slice; the counts of every source and member service
    with the same bounds are merged first, then the slice is good when its percentile is at
    or under the threshold (sla.engine.latency.slice_is_good). Slices without requests or
    without a count for the threshold are not considered."""
    merged: dict[tuple[dt.datetime, dt.datetime], list[int]] = {}
    for start, end, total, latency in rows:
        within = within_threshold(latency, threshold_ms)
        if within is None:
            continue
        sums = merged.setdefault((start, end), [0, 0])
        sums[0] += within
        sums[1] += total
    counted = []
    for (start, end), (within, total) in merged.items():
        if total <= 0:
            continue
        length = (end - start) // MICROSECOND
        good = slice_is_good(within=within, total=total, percentile=percentile)
        counted.append((start, length if good else 0, length))
    return request_slots(counted)


def _hour_row(account, slo_id: int, hour: dt.datetime, values: list[int]) -> SLOHourBucket:
    fields = {f"good_{index}": values[index] for index in range(SLOTS_PER_HOUR)}
    fields.update(
        {f"total_{index}": values[SLOTS_PER_HOUR + index] for index in range(SLOTS_PER_HOUR)}
    )
    return SLOHourBucket(
        account=account,
        slo_id=slo_id,
        hour_start=hour,
        day_start=floor_to(hour, DAY),
        good=sum(values[:SLOTS_PER_HOUR]),
        total=sum(values[SLOTS_PER_HOUR:]),
        **fields,
    )


def buckets_replace(*, account, results: dict[int, tuple[dt.datetime, Slots]]) -> None:
    """Replace the hour rows of each SLO from the hour of its recompute start on (the
    slots before a start inside an hour are kept as stored), then its day rows."""
    by_start: dict[dt.datetime, list[int]] = defaultdict(list)
    with transaction.atomic():
        _keep_slots_before_start(account, results)
        new_rows = []
        for slo_id, (start, slots) in results.items():
            first_hour = floor_to(start, HOUR)
            by_start[first_hour].append(slo_id)
            new_rows.extend(
                _hour_row(account, slo_id, hour, values)
                for hour, values in slots.items()
                if hour >= first_hour and any(values)
            )
        hours = SLOHourBucket.objects.for_account(account)
        for first_hour, slo_ids in by_start.items():
            hours.filter(slo_id__in=slo_ids, hour_start__gte=first_hour).delete()
        SLOHourBucket.objects.bulk_create(new_rows, batch_size=2000)
        _days_rebuild(account, by_start)


_SLOT_COLUMNS = [f"good_{index}" for index in range(SLOTS_PER_HOUR)] + [
    f"total_{index}" for index in range(SLOTS_PER_HOUR)
]


def _keep_slots_before_start(account, results: dict[int, tuple[dt.datetime, Slots]]) -> None:
    """Fill the slots before each start that lies inside an hour with the stored ones
    (the recompute left them at zero), so that hour's row can be replaced whole."""
    inside = {
        slo_id: start for slo_id, (start, _) in results.items() if start != floor_to(start, HOUR)
    }
    if not inside:
        return
    stored = {
        (slo_id, hour): values
        for slo_id, hour, *values in SLOHourBucket.objects.for_account(account)
        .filter(
            slo_id__in=list(inside),
            hour_start__in={floor_to(start, HOUR) for start in inside.values()},
        )
        .values_list("slo_id", "hour_start", *_SLOT_COLUMNS)
    }
    for slo_id, start in inside.items():
        hour = floor_to(start, HOUR)
        kept = (start - hour) // SLOT
        before = stored.get((slo_id, hour))
        if before is None:
            continue  # no row: every slot of the hour was zero
        slots = results[slo_id][1]
        values = slots.get(hour) or [0] * (2 * SLOTS_PER_HOUR)
        for offset in (0, SLOTS_PER_HOUR):  # good, then total
            values[offset : offset + kept] = before[offset : offset + kept]
        slots[hour] = values


def _days_rebuild(account, by_start: dict[dt.datetime, list[int]]) -> None:
    days = SLODayBucket.objects.for_account(account)
    new_rows = []
    for start, slo_ids in by_start.items():
        first_day = floor_to(start, DAY)
        days.filter(slo_id__in=slo_ids, day_start__gte=first_day).delete()
        sums = (
            SLOHourBucket.objects.for_account(account)
            .filter(slo_id__in=slo_ids, day_start__gte=first_day)
            .order_by()
            .values("slo_id", "day_start")
            .annotate(good_sum=Sum("good"), total_sum=Sum("total"))
        )
        new_rows.extend(
            SLODayBucket(
                account=account,
                slo_id=row["slo_id"],
                day_start=row["day_start"],
                good=int(row["good_sum"]),
                total=int(row["total_sum"]),
            )
            for row in sums
        )
    SLODayBucket.objects.bulk_create(new_rows, batch_size=2000)


# --------------------------------------------------------------------------- planning


def slot_exact(slo: SLO) -> bool:
    """Does a recompute starting at a 5-minute slot inside an hour give the slots one
    starting at the hour gives? Yes when the class of every instant depends only on what is
    in force then (state, flap flag, downtimes, time periods): request, latency and
    time-slice SLIs, and time SLIs without short-interval melting (an event can change the
    class of the spans before it) or flap detection (it reads changes before the start).
    Plugin SLIs compute whole hours."""
    if slo.sli_kind in ("requests", *LATENCY_SLI_KINDS):
        return True
    if slo.sli_kind != "time":
        return False
    options = slo_engine_spec(slo).options
    return options.short_interval_seconds == 0 and options.lookback_micros == 0


def recompute_start(slo: SLO, now: dt.datetime) -> dt.datetime:
    """Where the next recompute of `slo` starts: the earliest dirty instant or the last
    computed one (first time: two windows back, for the reports), floored to the 5-minute
    slot (`slot_exact` SLOs; the per-minute advance then reads minutes of events, not up to
    an hour) or to the hour, or to the UTC day when that day's hours may have been pruned
    (sla.services.retention): its day row is then summed from hours that are all
    recomputed."""
    unit = HOUR
    if slo.buckets_computed_to is None:
        window = slo_window(slo, now)
        start = window.end - 2 * dt.timedelta(seconds=max(window.seconds, 3 * 86400))
    else:
        start = slo.buckets_computed_to
        if slo.buckets_dirty_from is not None:
            start = min(start, slo.buckets_dirty_from)
        if slot_exact(slo):
            unit = SLOT
    start = floor_to(max(start, now - MAX_RECOMPUTE), unit)
    if start < now - dt.timedelta(days=settings.SLA_SLO_HOUR_RETENTION_DAYS):
        start = floor_to(start, DAY)
    return start


def _compute_batch(account, slos, start: dt.datetime, now: dt.datetime, starts) -> dict:
    """Slots for SLOs whose recompute starts at or after `start`, from shared inputs."""
    group_ids = {slo.group_id for slo in slos if slo.group_id}
    members = group_members(account=account, group_ids=group_ids) if group_ids else {}
    service_ids = {slo.service_id for slo in slos if slo.service_id}
    for group_id in group_ids:
        service_ids.update(members.get(group_id, []))
    time_slos = [slo for slo in slos if slo.sli_kind == "time"]
    request_slos = [slo for slo in slos if slo.sli_kind == "requests"]
    latency_slos = [slo for slo in slos if slo.sli_kind in LATENCY_SLI_KINDS]
    results = {}
    if time_slos:
        events = histories(
            account=account, starts=_service_starts(time_slos, members, starts), end=now
        )
        downtimes = downtime_index(account=account, start=start, end=now)
        group_of = dict(
            Service.objects.for_account(account)
            .filter(pk__in=service_ids)
            .values_list("pk", "group_id")
        )
        for slo in time_slos:
            if slo.service_id:
                slo_events = events.get(slo.service_id, [])
                slo_downtimes = downtimes.for_service(slo.service_id, group_of.get(slo.service_id))
            else:
                group = slo.group
                member_events = [events.get(sid, []) for sid in members.get(group.pk, [])]
                slo_events = group_events_from_members(
                    group=group, member_events=member_events, start=starts[slo.pk], end=now
                )
                slo_downtimes = downtimes.for_group(group.pk)
            slots = time_slots(
                spec=slo_engine_spec(slo),
                events=slo_events,
                downtimes=slo_downtimes,
                start=starts[slo.pk],
                end=now,
                now=now,
            )
            results[slo.pk] = (starts[slo.pk], slots)
    if request_slos:
        counts = defaultdict(list)
        rows = RequestCount.objects.for_account(account).filter(
            service_id__in=service_ids, start__gte=start, start__lt=now
        )
        for service_id, bucket_start, good, total in rows.values_list(
            "service_id", "start", "good", "total"
        ):
            counts[service_id].append((bucket_start, good, total))
        for slo in request_slos:
            sources = [slo.service_id] if slo.service_id else members.get(slo.group_id, [])
            rows = [
                row for sid in sources for row in counts.get(sid, []) if row[0] >= starts[slo.pk]
            ]
            results[slo.pk] = (starts[slo.pk], request_slots(rows))
    if latency_slos:
        results.update(
            _latency_results(account, latency_slos, members, service_ids, start, now, starts)
        )
    _plugin_slots(account, slos, now, starts, results)
    return results


def _service_starts(slos, members, starts) -> dict[int, dt.datetime]:
    """Per service: the earliest recompute start of the SLOs reading it (its own, its
    groups'), so each service's events are read only from where they are needed."""
    service_starts: dict[int, dt.datetime] = {}
    for slo in slos:
        sources = [slo.service_id] if slo.service_id else members.get(slo.group_id, [])
        for service_id in sources:
            known = service_starts.get(service_id)
            if known is None or starts[slo.pk] < known:
                service_starts[service_id] = starts[slo.pk]
    return service_starts


def _latency_results(account, slos, members, service_ids, start, now, starts) -> dict:
    """Slots of latency and time-slice SLOs from the request counts' latency data."""
    counts = defaultdict(list)
    rows = RequestCount.objects.for_account(account).filter(
        service_id__in=service_ids, start__gte=start, start__lt=now
    )
    for service_id, *row in rows.values_list("service_id", "start", "end", "total", "latency"):
        counts[service_id].append(row)
    results = {}
    for slo in slos:
        sources = [slo.service_id] if slo.service_id else members.get(slo.group_id, [])
        rows = [row for sid in sources for row in counts.get(sid, []) if row[0] >= starts[slo.pk]]
        threshold = slo.latency_threshold_ms
        if slo.sli_kind == "timeslice":
            percentile = as_fraction(slo.latency_percentile)
            slots = timeslice_slots(rows, threshold, percentile)
        else:
            slots = latency_slots(rows, threshold)
        results[slo.pk] = (starts[slo.pk], slots)
    return results


def _plugin_slots(account, slos, now: dt.datetime, starts, results: dict) -> None:
    """Slots of SLI kinds registered by other apps (sla.sli_kinds), e.g. PromQL SLIs."""
    by_kind = defaultdict(list)
    for slo in slos:
        if slo.sli_kind not in ("time", "requests", *LATENCY_SLI_KINDS):
            by_kind[slo.sli_kind].append(slo)
    for kind, kind_slos in by_kind.items():
        plugin = plugin_for(kind)
        slots = (
            {}
            if plugin is None
            else plugin.slots(account=account, slos=kind_slos, starts=starts, now=now)
        )
        for slo in kind_slos:
            results[slo.pk] = (starts[slo.pk], slots.get(slo.pk, {}))


def slo_buckets_refresh(*, account, now: dt.datetime, slos=None) -> int:
    """Bring the buckets of the account's SLOs (or the given ones) up to `now`.

    SLOs whose recompute starts within the last two hours (the per-minute advance) share
    one fetch of events, downtimes and counts; older dirty ranges are done one by one.
    Returns the number of SLOs refreshed.
    """
    if slos is None:
        slos = list(
            SLO.objects.for_account(account).select_related("group", "time_period", "service")
        )
    if not slos:
        return 0
    starts = {slo.pk: recompute_start(slo, now) for slo in slos}
    _claim_dirty(slos)
    near_start = floor_to(now - NEAR, HOUR)
    near = [slo for slo in slos if starts[slo.pk] >= near_start]
    far = [slo for slo in slos if starts[slo.pk] < near_start]
    if near:
        # One shared read from the earliest start among them (each SLO computes from its
        # own start), not from `near_start`: in the per-minute advance every start is the
        # current hour, so this reads half an hour of events on average instead of two
        # to three hours for every service.
        shared_start = min(starts[slo.pk] for slo in near)
        results = _compute_batch(account, near, shared_start, now, starts)
        seams.reached("slo:store")
        buckets_replace(account=account, results=results)
    for slo in far:
        results = _compute_batch(account, [slo], starts[slo.pk], now, starts)
        seams.reached("slo:store_range")
        buckets_replace(account=account, results=results)
    _mark_computed(slos, now)
    return len(slos)


def _claim_dirty(slos) -> None:
    """Take over the dirty marks of the SLOs before reading their inputs: clear
    `buckets_dirty_from` and move `buckets_computed_to` back to it, in one committed
    statement (per SLO only if the mark is still what was read: an earlier one that arrived
    meanwhile stays for the next run). A change committing after this claim finds the mark
    clear and sets it again, so it is recomputed next time even when it is later than the
    claimed instant (an ingest moves the mark only back); clearing after the recompute
    instead would forget such a change for good. A crash after the claim loses nothing:
    the recompute then starts at the moved-back `buckets_computed_to`. An SLO an ingest
    holds right now is skipped, not waited for: its mark stays set, so the next run
    recomputes from it again."""
    table = SLO._meta.db_table
    claimed = f"{table}.buckets_dirty_from = v.dirty"
    update_from_rows(
        table=table,
        columns=[Column("id", "bigint"), Column("dirty", "timestamptz")],
        rows=sorted((slo.pk, slo.buckets_dirty_from) for slo in slos if slo.buckets_dirty_from),
        sets={
            "buckets_dirty_from": (
                f"CASE WHEN {claimed} THEN NULL ELSE {table}.buckets_dirty_from END"
            ),
            "buckets_computed_to": (
                f"CASE WHEN {claimed} AND {table}.buckets_computed_to > v.dirty THEN v.dirty "
                f"ELSE {table}.buckets_computed_to END"
            ),
        },
        skip_locked=True,
    )


def _mark_computed(slos, now: dt.datetime) -> None:
    """Record how far the buckets are computed. An SLO an ingest holds right now (marking it
    dirty) is skipped rather than waited for: its older `buckets_computed_to` only makes
    the next run recompute a little more, while waiting held every other SLO row and
    queued each ingest that marks one of them."""
    update_from_rows(
        table=SLO._meta.db_table,
        columns=[Column("id", "bigint"), Column("computed_to", "timestamptz")],
        rows=sorted((slo.pk, now) for slo in slos),
        sets={"buckets_computed_to": "v.computed_to"},
        skip_locked=True,
    )


def slos_mark_dirty(*, account, since: dt.datetime, service_ids=(), group_ids=(), kind=None):
    """Mark the SLOs of these services (and of their groups) for recompute from `since`
    (only those of SLI `kind`: one kind or a tuple of kinds)."""
    subject = Q(service_id__in=list(service_ids)) | Q(group_id__in=list(group_ids))
    if service_ids:
        member_groups = (
            Service.objects.for_account(account)
            .filter(pk__in=list(service_ids), group__isnull=False)
            .values("group_id")
        )
        subject |= Q(group_id__in=member_groups)
    slos = SLO.objects.for_account(account).filter(subject)
    if kind is not None:
        slos = slos.filter(sli_kind__in=[kind] if isinstance(kind, str) else list(kind))
    return slos.filter(Q(buckets_dirty_from__isnull=True) | Q(buckets_dirty_from__gt=since)).update(
        buckets_dirty_from=since
    )


_PG_MARK_DIRTY_EACH = """
WITH c AS (
    SELECT * FROM unnest(%b::bigint[], %b::timestamptz[]) AS c(service_id, since)
), g AS (
    SELECT s.group_id, min(c.since) AS since FROM {service} AS s JOIN c ON s.id = c.service_id
    WHERE s.account_id = %s AND s.group_id IS NOT NULL GROUP BY s.group_id
), t AS (
    SELECT o.id, c.since FROM {slo} AS o JOIN c ON o.service_id = c.service_id
    WHERE o.account_id = %s AND (%s::text IS NULL OR o.sli_kind = %s::text)
    UNION ALL
    SELECT o.id, g.since FROM {slo} AS o JOIN g ON o.group_id = g.group_id
    WHERE o.account_id = %s AND (%s::text IS NULL OR o.sli_kind = %s::text)
), m AS (
    SELECT id, min(since) AS since FROM t GROUP BY id
)
UPDATE {slo} AS o SET buckets_dirty_from = m.since FROM m
WHERE o.id = m.id AND (o.buckets_dirty_from IS NULL OR o.buckets_dirty_from > m.since)
""".replace("{slo}", SLO._meta.db_table).replace("{service}", Service._meta.db_table)


def slos_mark_dirty_each(*, account, changes: dict[int, dt.datetime], kind=None) -> int:
    """`slos_mark_dirty` for many services at once, each from its own instant
    (`changes`: service id -> earliest changed instant; a group's SLOs from the earliest of
    its changed members). Runs after every ingest commit, so its cost follows the SLOs
    touched, not the services changed: on PostgreSQL one statement; elsewhere two reads
    find the SLOs concerned, then one UPDATE per distinct instant among them."""
    if not changes:
        return 0
    if is_postgres():
        with bulk_cursor() as cursor:
            cursor.execute(
                _PG_MARK_DIRTY_EACH,
                [list(changes), list(changes.values()), account.pk, account.pk, kind, kind,
                 account.pk, kind, kind],
                prepare=prepared(),
            )  # fmt: skip
            return cursor.rowcount
    service_ids = list(changes)
    group_since: dict[int, dt.datetime] = {}
    for service_id, group_id in (
        Service.objects.for_account(account)
        .filter(pk__in=service_ids, group__isnull=False)
        .values_list("pk", "group_id")
    ):
        since = changes[service_id]
        if group_id not in group_since or since < group_since[group_id]:
            group_since[group_id] = since
    slos = SLO.objects.for_account(account).filter(
        Q(service_id__in=service_ids) | Q(group_id__in=list(group_since))
    )
    if kind is not None:
        slos = slos.filter(sli_kind=kind)
    by_since: dict[dt.datetime, list[int]] = defaultdict(list)
    for pk, service_id, group_id in slos.values_list("pk", "service_id", "group_id"):
        candidates = [changes.get(service_id), group_since.get(group_id)]
        by_since[min(value for value in candidates if value is not None)].append(pk)
    updated = 0
    for since, pks in by_since.items():
        updated += (
            SLO.objects.for_account(account)
            .filter(pk__in=pks)
            .filter(Q(buckets_dirty_from__isnull=True) | Q(buckets_dirty_from__gt=since))
            .update(buckets_dirty_from=since)
        )
    return updated
