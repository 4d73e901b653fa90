"""PromQL SLIs: fetch good/total counts per 5-minute slot from Prometheus into raw day rows
(``PromQLDay``), record what Prometheus could not answer as gaps (``PromQLGap``), and mark
the SLO's buckets dirty so the ``slo-minutely`` job rolls the slots up like request counts.

A slot ``[s, s + 5m)`` is ``increase(...[5m])`` evaluated at ``s + 5m`` (``query_range``,
step 5 minutes, at most 11,000 points per request). The first fetch backfills the SLO's
whole window; later fetches ask from ``final_to`` on: slots ended more than
``SLA_PROMETHEUS_SETTLE_SECONDS`` ago become final, younger ones (and the running slot,
``increase`` over its elapsed seconds) are fetched again next minute. Storing a slot
rewrites it, never adds to it. A slot without a value (Prometheus down or failing, the total
series absent, partial data, NaN/Inf, a negative count) is a gap with its reason; gaps are
fetched again (at once when the source answers again after a failure, with a growing delay
when the series is absent) until they have values. Counts are stored in thousandths of an
event: ``increase()`` extrapolates and is fractional.
"""

import datetime as dt
import logging
import math
import threading
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from integrations.prometheus.client import (
    MAX_POINTS,
    PrometheusClient,
    PrometheusError,
    PrometheusHTTPError,
    PrometheusTimeout,
    PrometheusUnreachable,
    client_for_source,
    range_chunks,
)
from integrations.prometheus.models import PromQLDay, PromQLGap, PromQLSLI
from integrations.prometheus.promql import PART_LABEL, sli_combined_query
from sla.models import SLO
from sla.selectors.slo_windows import DAY, SLOT, floor_to, slo_window

logger = logging.getLogger(__name__)

SLOTS_PER_DAY = 288
STORED_PER_EVENT = 1000  # thousandths of an event
MAX_GAP_RETRY = dt.timedelta(hours=1)
ERROR = "error"  # the source failed: fetched again as soon as it answers
ABSENT = "absent"  # the source answered without a usable value: fetched again with backoff


@dataclass(frozen=True)
class Missing:
    """Why a slot has no value."""

    reason: str
    kind: str


@dataclass
class FetchResult:
    """What one fetch of one SLI did."""

    slots: int = 0
    changed: int = 0
    missing: int = 0
    queries: int = 0
    error: str = ""
    values: dict = field(default_factory=dict)  # slot start -> (good, total) | Missing


def settle_delay() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "SLA_PROMETHEUS_SETTLE_SECONDS", 60))


def to_stored(value: float) -> int:
    """Thousandths of an event (Prometheus' values are float64 already)."""
    return round(value * STORED_PER_EVENT)


def _error_kind(error: PrometheusError) -> str:
    if isinstance(error, (PrometheusUnreachable, PrometheusTimeout)):
        return ERROR
    if isinstance(error, PrometheusHTTPError) and error.status >= 500:
        return ERROR
    return ABSENT


# --------------------------------------------------------------------------- values


def slot_values(sli, series, at_by_slot: dict[float, dt.datetime]) -> dict:
    """Stored (good, total) or Missing per slot start from the combined query's series;
    ``at_by_slot`` maps evaluation times (epoch seconds) to the slot they close."""
    numerator = "good" if sli.good_query.strip() else "bad"
    by_part: dict[str, dict[float, float]] = {}
    for item in series:
        part = item.labels.get(PART_LABEL)
        if part in by_part:
            others = [s.name for s in series if s.labels.get(PART_LABEL) == part][:5]
            reason = f"the {part} query returned several series: {', '.join(others)}"
            return dict.fromkeys(at_by_slot.values(), Missing(reason, ABSENT))
        by_part[part] = {round(at, 3): value for at, value in item.float_points()}
    values = {}
    for at, slot in at_by_slot.items():
        total = by_part.get("total", {}).get(at)
        part_value = by_part.get(numerator, {}).get(at)
        values[slot] = _slot_value(numerator, part_value, total)
    return values


def _slot_value(numerator: str, part_value, total):
    if total is None:
        return Missing("no data: the total query has no series", ABSENT)
    for name, value in (("total", total), (numerator, part_value)):
        if value is not None and not math.isfinite(value):
            shown = "NaN" if math.isnan(value) else ("+Inf" if value > 0 else "-Inf")
            return Missing(f"the {name} query gave {shown}", ABSENT)
        if value is not None and value < 0:
            return Missing(f"the {name} query gave a negative count ({value})", ABSENT)
    total_stored = to_stored(total)
    # An absent numerator series counts 0 (an error counter that never fired does not
    # exist yet); slight overshoots from extrapolation are cut to the total.
    part_stored = min(to_stored(part_value), total_stored) if part_value is not None else 0
    good = part_stored if numerator == "good" else total_stored - part_stored
    return (good, total_stored)


def _range_values(client, sli, first_end, last_end, result: FetchResult) -> dict:
    """Values of the slots ending at first_end ... last_end (chunked range queries)."""
    values = {}
    query = sli_combined_query(sli, "5m")
    for chunk_start, chunk_end in range_chunks(first_end, last_end, SLOT, MAX_POINTS):
        ends = {}
        instant = chunk_start
        while instant <= chunk_end:
            ends[round(instant.timestamp(), 3)] = instant - SLOT
            instant += SLOT
        try:
            result.queries += 1
            answer = client.range(query, chunk_start, chunk_end, int(SLOT.total_seconds()))
        except PrometheusError as error:
            result.error = str(error)
            values.update(
                dict.fromkeys(ends.values(), Missing(str(error)[:1000], _error_kind(error)))
            )
            continue
        values.update(slot_values(sli, answer.series, ends))
    return values


def running_window(slot_start: dt.datetime, now: dt.datetime) -> tuple[dt.datetime, str]:
    """Evaluation time and range of the running slot: its elapsed milliseconds, evaluated
    at ``now`` (whole seconds would miss the newest scrape)."""
    milliseconds = (now - slot_start) // dt.timedelta(milliseconds=1)
    return slot_start + dt.timedelta(milliseconds=milliseconds), f"{milliseconds}ms"


def _running_value(client, sli, slot_start, now, result: FetchResult) -> dict:
    """The running slot: increase over its elapsed time, evaluated now."""
    at, window = running_window(slot_start, now)
    if at - slot_start < dt.timedelta(seconds=1):
        return {}
    try:
        result.queries += 1
        answer = client.instant(sli_combined_query(sli, window), at)
    except PrometheusError as error:
        result.error = str(error)
        return {slot_start: Missing(str(error)[:1000], _error_kind(error))}
    return slot_values(sli, answer.series, {round(at.timestamp(), 3): slot_start})


# --------------------------------------------------------------------------- storage


@dataclass
class Fetched:
    """What the queries of one SLI gave, before anything is stored."""

    sli: PromQLSLI
    now: dt.datetime
    final_to: dt.datetime
    covered_from: dt.datetime
    result: FetchResult


def _store_values(account, fetched: list[Fetched]) -> dict[int, dt.datetime]:
    """Write the slots that have values into the day rows (all SLIs: one read, one insert,
    one update); the earliest changed slot per SLO."""
    by_day: dict[tuple[int, dt.datetime], dict[int, tuple[int, int]]] = defaultdict(dict)
    days: dict[int, dt.datetime] = {}
    for item in fetched:
        for slot, value in item.result.values.items():
            if not isinstance(value, Missing):
                # Integer seconds: this loop sees every slot of every backfilled window.
                seconds = int(slot.timestamp())
                day_seconds = seconds - seconds % 86400
                day = days.get(day_seconds)
                if day is None:
                    day = days[day_seconds] = dt.datetime.fromtimestamp(day_seconds, tz=dt.UTC)
                by_day[(item.sli.slo_id, day)][(seconds - day_seconds) // 300] = value
    if not by_day:
        return {}
    rows = {
        (row.slo_id, row.day): row
        for row in PromQLDay.objects.for_account(account).filter(
            slo_id__in={slo_id for slo_id, _ in by_day},
            day__gte=min(day for _, day in by_day),
            day__lte=max(day for _, day in by_day),
        )
    }
    earliest: dict[int, dt.datetime] = {}
    to_create, to_update = [], []
    for (slo_id, day), slots in sorted(by_day.items()):
        row = rows.get((slo_id, day))
        if row is None:
            row = PromQLDay(account=account, slo_id=slo_id, day=day)
            row.good, row.total = [None] * SLOTS_PER_DAY, [None] * SLOTS_PER_DAY
            to_create.append(row)
        else:
            row.good = (list(row.good) + [None] * SLOTS_PER_DAY)[:SLOTS_PER_DAY]
            row.total = (list(row.total) + [None] * SLOTS_PER_DAY)[:SLOTS_PER_DAY]
        changed_index = None
        goods, totals = row.good, row.total
        for index, (good, total) in slots.items():
            if goods[index] != good or totals[index] != total:
                goods[index], totals[index] = good, total
                if changed_index is None or index < changed_index:
                    changed_index = index
        changed = changed_index is not None
        if changed:
            instant = day + changed_index * SLOT
            if slo_id not in earliest or instant < earliest[slo_id]:
                earliest[slo_id] = instant
        if changed and row.pk is not None:
            to_update.append(row)
    PromQLDay.objects.bulk_create(to_create, batch_size=500)
    PromQLDay.objects.bulk_update(to_update, ["good", "total"], batch_size=500)
    return earliest


def _retry_delay(attempts: int) -> dt.timedelta:
    return min(dt.timedelta(minutes=2 ** min(attempts - 1, 10)), MAX_GAP_RETRY)


def _gap_slots(gaps, values: dict, now: dt.datetime) -> dict[dt.datetime, dict]:
    """The slots of the overlapping gaps, updated by ``values``: slots with values leave,
    slots without join (or count another attempt)."""
    slots: dict[dt.datetime, dict] = {}
    for gap in gaps:
        instant = gap.start
        while instant < gap.end:
            slots[instant] = {
                "reason": gap.reason,
                "kind": gap.kind,
                "first_seen_at": gap.first_seen_at,
                "attempts": gap.attempts,
                "next_attempt_at": gap.next_attempt_at,
            }
            instant += SLOT
    for slot, value in values.items():
        if not isinstance(value, Missing):
            slots.pop(slot, None)
            continue
        before = slots.get(slot)
        attempts = before["attempts"] + 1 if before else 1
        slots[slot] = {
            "reason": value.reason,
            "kind": value.kind,
            "first_seen_at": before["first_seen_at"] if before else now,
            "attempts": attempts,
            # A failing source's gaps are fetched again as soon as it answers (any run).
            "next_attempt_at": now if value.kind == ERROR else now + _retry_delay(attempts),
        }
    return slots


def _update_gaps(account, fetched: list[Fetched], gaps_by_slo: dict[int, list]) -> None:
    """Rewrite the gaps the fetched slots touch (one delete, one insert for all SLIs)."""
    deleted, created = [], []
    for item in fetched:
        values = item.result.values
        if not values:
            continue
        first, last = min(values), max(values) + SLOT
        overlapping = [
            gap
            for gap in gaps_by_slo.get(item.sli.slo_id, [])
            if gap.start < last and gap.end > first
        ]
        if not overlapping and all(not isinstance(v, Missing) for v in values.values()):
            continue
        deleted.extend(gap.pk for gap in overlapping)
        slots = _gap_slots(overlapping, values, item.now)
        created.extend(_gap_rows(account, item.sli.slo_id, slots, item.now))
    if deleted:
        PromQLGap.objects.filter(pk__in=deleted).delete()
    PromQLGap.objects.bulk_create(created, batch_size=1000)


def _gap_rows(account, slo_id: int, slots: dict, now: dt.datetime) -> list[PromQLGap]:
    rows: list[PromQLGap] = []
    for slot in sorted(slots):
        info = slots[slot]
        last = rows[-1] if rows else None
        same = last is not None and (last.reason, last.kind) == (info["reason"], info["kind"])
        if same and last.end == slot:
            last.end = slot + SLOT
            last.attempts = max(last.attempts, info["attempts"])
            last.first_seen_at = min(last.first_seen_at, info["first_seen_at"])
            last.next_attempt_at = min(last.next_attempt_at, info["next_attempt_at"])
            continue
        rows.append(
            PromQLGap(
                account=account,
                slo_id=slo_id,
                start=slot,
                end=slot + SLOT,
                reason=info["reason"][:1000],
                kind=info["kind"],
                first_seen_at=info["first_seen_at"],
                last_attempt_at=now,
                attempts=info["attempts"],
                next_attempt_at=info["next_attempt_at"],
            )
        )
    return rows


def _mark_dirty(earliest: dict[int, dt.datetime]) -> None:
    """Move each SLO's ``buckets_dirty_from`` back to its earliest changed slot (one UPDATE
    per distinct instant: in the minutely run that is the running slot for all)."""
    by_instant: dict[dt.datetime, list[int]] = defaultdict(list)
    for slo_id, instant in earliest.items():
        by_instant[instant].append(slo_id)
    for instant, slo_ids in by_instant.items():
        SLO.objects.filter(pk__in=slo_ids).filter(
            Q(buckets_dirty_from__isnull=True) | Q(buckets_dirty_from__gt=instant)
        ).update(buckets_dirty_from=instant)


# --------------------------------------------------------------------------- fetching


def _due_gaps(gaps, before: dt.datetime, now: dt.datetime, source_answered: bool) -> list:
    """Gaps before the fetched range to fetch again: those of absent data when their delay
    is over; those of a failing source as soon as it answers again (never while it fails)."""
    if not source_answered:
        return []
    ended = floor_to(now, SLOT)
    return [
        gap
        for gap in gaps
        if gap.start < before
        and gap.end <= ended
        and (gap.kind == ERROR or gap.next_attempt_at <= now)
    ]


def effective_now(client: PrometheusClient, now: dt.datetime) -> dt.datetime:
    """``now``, or Prometheus' own clock when it is behind ours (clock skew): slots are
    never fetched, nor made final, before Prometheus itself has reached their end."""
    try:
        server_now = client.server_time()
    except PrometheusError:
        return now  # the fetch itself will fail and record why
    if server_now < now - dt.timedelta(seconds=5):
        logger.warning("Prometheus %s is %s behind this host", client.base_url, now - server_now)
        return server_now
    return now


def _query(client, sli: PromQLSLI, now: dt.datetime, gaps: list) -> Fetched:
    """Ask Prometheus for one SLI (nothing stored yet): the new range from ``final_to`` (or
    the window start), the running slot, and the gaps that are due."""
    window_start = floor_to(slo_window(sli.slo, now).start, SLOT)
    start = max(sli.final_to or window_start, window_start)
    running_start = floor_to(now, SLOT)
    result = FetchResult()
    values = {}
    if sli.covered_from is not None and window_start < sli.covered_from:
        # The window grew (a longer window_days): fetch the part never asked for.
        values.update(_range_values(client, sli, window_start + SLOT, sli.covered_from, result))
    if start < running_start:
        values.update(_range_values(client, sli, start + SLOT, running_start, result))
    values.update(_running_value(client, sli, running_start, now, result))
    for gap in sorted(_due_gaps(gaps, start, now, not result.error), key=lambda g: g.start):
        values.update(_range_values(client, sli, gap.start + SLOT, gap.end, result))
    result.values = values
    result.slots = len(values)
    result.missing = sum(1 for value in values.values() if isinstance(value, Missing))
    settled = floor_to(now - settle_delay(), SLOT)
    return Fetched(
        sli=sli,
        now=now,
        final_to=max(start, min(settled, running_start)),
        covered_from=min(window_start, sli.covered_from or window_start),
        result=result,
    )


def _gaps_by_slo(account, slo_ids) -> dict[int, list]:
    gaps = defaultdict(list)
    for gap in PromQLGap.objects.for_account(account).filter(slo_id__in=list(slo_ids)):
        gaps[gap.slo_id].append(gap)
    return gaps


def _save(account, fetched: list[Fetched], gaps_by_slo) -> None:
    """Store what the queries gave, for all SLIs in one transaction."""
    with transaction.atomic():
        earliest = _store_values(account, fetched)
        _update_gaps(account, fetched, gaps_by_slo)
        _mark_dirty(earliest)
        for item in fetched:
            sli = item.sli
            sli.last_fetch_at = item.now
            sli.last_error = item.result.error[:1000]
            if sli.final_to is None or item.final_to > sli.final_to:
                sli.final_to = item.final_to
            sli.covered_from = item.covered_from
            item.result.changed = int(sli.slo_id in earliest)
        PromQLSLI.objects.bulk_update(
            [item.sli for item in fetched],
            ["final_to", "covered_from", "last_fetch_at", "last_error"],
            batch_size=500,
        )


def sli_fetch(
    *,
    account,
    sli: PromQLSLI,
    now: dt.datetime | None = None,
    client: PrometheusClient | None = None,
) -> FetchResult:
    """Fetch what is new (or missing) for one SLI and store it; see the module docstring."""
    now = now or timezone.now()
    own_client = client is None
    client = client or client_for_source(sli.source)
    try:
        gaps = _gaps_by_slo(account, [sli.slo_id])
        fetched = _query(client, sli, effective_now(client, now), gaps.get(sli.slo_id, []))
    finally:
        if own_client:
            client.close()
    _save(account, [fetched], gaps)
    return fetched.result


def sli_reset(*, account, slo_id: int) -> None:
    """Forget what was fetched (new queries or source): the next fetch backfills again."""
    PromQLDay.objects.for_account(account).filter(slo_id=slo_id).delete()
    PromQLGap.objects.for_account(account).filter(slo_id=slo_id).delete()
    PromQLSLI.objects.for_account(account).filter(slo_id=slo_id).update(
        final_to=None, covered_from=None, last_fetch_at=None, last_error=""
    )
    SLO.objects.filter(pk=slo_id).update(buckets_computed_to=None, buckets_dirty_from=None)


SAVE_BATCH = 100  # SLIs stored per transaction


def slis_fetch(*, account, now: dt.datetime | None = None) -> dict:
    """Fetch every PromQL SLI of the account: one clock check per source, the queries of up
    to SLA_PROMETHEUS_FETCH_CONCURRENCY SLIs in flight at once (each thread keeps its own
    connection per source), stored in batches of SAVE_BATCH SLIs per transaction."""
    now = now or timezone.now()
    slis = list(
        PromQLSLI.objects.for_account(account)
        .filter(slo__sli_kind="prometheus")
        .select_related("slo", "source")
        .order_by("source_id", "pk")
    )
    totals = {"slis": 0, "queries": 0, "missing": 0, "errors": 0}
    gaps = _gaps_by_slo(account, [sli.slo_id for sli in slis])
    source_nows = _source_clocks({sli.source_id: sli.source for sli in slis}, now)
    batch: list[Fetched] = []
    for fetched in _queries_in_flight(slis, gaps, source_nows):
        batch.append(fetched)
        totals["slis"] += 1
        totals["queries"] += fetched.result.queries
        totals["missing"] += fetched.result.missing
        totals["errors"] += bool(fetched.result.error)
        if len(batch) >= SAVE_BATCH:
            _save(account, batch, gaps)
            batch = []
    if batch:
        _save(account, batch, gaps)
    _prune(account, now)
    return totals


def _source_clocks(sources: dict, now: dt.datetime) -> dict[int, dt.datetime]:
    """The effective ``now`` of each source (its clock when behind ours)."""
    clocks = {}
    for source_id, source in sources.items():
        with client_for_source(source) as client:
            clocks[source_id] = effective_now(client, now)
    return clocks


def _queries_in_flight(slis, gaps, source_nows) -> Iterator[Fetched]:
    """``_query`` of every SLI, in their order, run by a small thread pool. The threads
    only talk HTTP (no database): what they give is stored by the caller's thread."""
    local = threading.local()
    opened: list[PrometheusClient] = []

    def client_of(source) -> PrometheusClient:
        clients = local.__dict__.setdefault("clients", {})
        if source.pk not in clients:
            clients[source.pk] = client_for_source(source)
            opened.append(clients[source.pk])  # list.append is atomic
        return clients[source.pk]

    def query(sli) -> Fetched:
        client = client_of(sli.source)
        return _query(client, sli, source_nows[sli.source_id], gaps.get(sli.slo_id, []))

    workers = max(1, min(settings.SLA_PROMETHEUS_FETCH_CONCURRENCY, len(slis)))
    try:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="promql") as pool:
            yield from pool.map(query, slis)
    finally:
        for client in opened:
            client.close()


def _prune(account, now: dt.datetime) -> None:
    """Raw rows and gaps far behind every window are of no use (two windows are kept for
    the reports of the previous window); one delete per window shape."""
    keep: dict[dt.datetime, list[int]] = defaultdict(list)
    for slo in SLO.objects.for_account(account).filter(sli_kind="prometheus"):
        window = slo_window(slo, now)
        keep[floor_to(window.end - 2 * (window.end - window.start), DAY) - DAY].append(slo.pk)
    for keep_from, slo_ids in keep.items():
        PromQLDay.objects.for_account(account).filter(
            slo_id__in=slo_ids, day__lt=keep_from
        ).delete()
        PromQLGap.objects.for_account(account).filter(
            slo_id__in=slo_ids, end__lte=keep_from
        ).delete()
