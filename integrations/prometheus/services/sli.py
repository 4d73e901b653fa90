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
from collections import defaultdict
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
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
from integrations.prometheus.lanes import Ask, Job, in_background, run, run_lanes
from integrations.prometheus.models import PrometheusSource, PromQLDay, PromQLGap, PromQLSLI
from integrations.prometheus.promql import sli_combined_query
from integrations.prometheus.services.sli_slots import (
    ABSENT,
    ERROR,
    SLOT_SECONDS,
    STORED_PER_EVENT,
    Missing,
    SlotRun,
    missing_run,
    normalized,
    slot_run,
    to_stored,
)
from integrations.prometheus.services.sli_store import (
    days_store,
    epoch,
    gaps_by_slo,
    gaps_update,
    slos_mark_dirty,
    states_store,
)
from sla.models import SLO
from sla.selectors.slo_windows import DAY, SLOT, floor_to, slo_window

logger = logging.getLogger(__name__)

__all__ = [
    "ABSENT", "ERROR", "STORED_PER_EVENT", "FetchResult", "Missing", "effective_now",
    "running_window", "settle_delay", "sli_fetch", "sli_reset", "slis_fetch", "to_stored",
]  # fmt: skip


@dataclass
class FetchResult:
    """What one fetch of one SLI did."""

    slots: int = 0
    changed: int = 0
    missing: int = 0
    queries: int = 0
    error: str = ""
    runs: list[SlotRun] = field(default_factory=list)  # in time order, no overlaps


Steps = Generator[Ask, object, object]  # a fetch: asks queries, gets answers, returns


def settle_delay() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "SLA_PROMETHEUS_SETTLE_SECONDS", 60))


def _error_kind(error: PrometheusError) -> str:
    if isinstance(error, (PrometheusUnreachable, PrometheusTimeout)):
        return ERROR
    if isinstance(error, PrometheusHTTPError) and error.status >= 500:
        return ERROR
    return ABSENT


def _numerator(sli) -> str:
    return "good" if sli.good_query.strip() else "bad"


def _range_runs(sli, first_end, last_end, result: FetchResult) -> Steps:
    """The slots ending at first_end ... last_end (chunked range queries), a run per chunk."""
    runs = []
    query = sli_combined_query(sli, "5m")
    for chunk_start, chunk_end in range_chunks(first_end, last_end, SLOT, MAX_POINTS):
        first = epoch(chunk_start)
        count = (epoch(chunk_end) - first) // SLOT_SECONDS + 1
        try:
            result.queries += 1
            answer = yield Ask(query, start=chunk_start, end=chunk_end, step=SLOT_SECONDS)
        except PrometheusError as error:
            result.error = str(error)
            missing = Missing(str(error)[:1000], _error_kind(error))
            runs.append(missing_run(first - SLOT_SECONDS, count, missing))
            continue
        runs.append(slot_run(_numerator(sli), answer.series, first, count, first - SLOT_SECONDS))
    return runs


def running_window(slot_start: dt.datetime, now: dt.datetime) -> tuple[dt.datetime, str]:
    """Evaluation time and range of the running slot: its elapsed milliseconds, evaluated
    at ``now`` (whole seconds would miss the newest scrape)."""
    milliseconds = (now - slot_start) // dt.timedelta(milliseconds=1)
    return slot_start + dt.timedelta(milliseconds=milliseconds), f"{milliseconds}ms"


def _running_runs(sli, slot_start, now, result: FetchResult) -> Steps:
    """The running slot: increase over its elapsed time, evaluated now."""
    at, window = running_window(slot_start, now)
    if at - slot_start < dt.timedelta(seconds=1):
        return []
    start = epoch(slot_start)
    try:
        result.queries += 1
        answer = yield Ask(sli_combined_query(sli, window), at=at)
    except PrometheusError as error:
        result.error = str(error)
        return [missing_run(start, 1, Missing(str(error)[:1000], _error_kind(error)))]
    return [slot_run(_numerator(sli), answer.series, round(at.timestamp(), 3), 1, start)]


# --------------------------------------------------------------------------- storage


@dataclass
class Fetched:
    """What the queries of one SLI gave, before anything is stored (``final_to`` and
    ``covered_from`` None: leave them as they are)."""

    sli: PromQLSLI
    now: dt.datetime
    final_to: dt.datetime | None
    covered_from: dt.datetime | None
    result: FetchResult


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
    """:func:`_fetch_steps` of one SLI on ``client``, one query after the other."""
    return run(client, _fetch_steps(sli, now, gaps))


def _fetch_steps(sli: PromQLSLI, now: dt.datetime, gaps: list) -> Steps:
    """Ask Prometheus for one SLI (nothing stored yet): the new range from ``final_to`` (or
    the window start), the running slot, and the gaps that are due (up to where the new
    range starts: its slots are asked for once). A generator of the queries it needs
    (``integrations.prometheus.lanes``); returns the Fetched."""
    window_start = floor_to(slo_window(sli.slo, now).start, SLOT)
    start = max(sli.final_to or window_start, window_start)
    running_start = floor_to(now, SLOT)
    result = FetchResult()
    runs = []
    if sli.covered_from is not None and window_start < sli.covered_from:
        # The window grew (a longer window_days): fetch the part never asked for.
        runs += yield from _range_runs(sli, window_start + SLOT, sli.covered_from, result)
    if start < running_start:
        runs += yield from _range_runs(sli, start + SLOT, running_start, result)
    runs += yield from _running_runs(sli, running_start, now, result)
    for gap in sorted(_due_gaps(gaps, start, now, not result.error), key=lambda g: g.start):
        runs += yield from _range_runs(sli, gap.start + SLOT, min(gap.end, start), result)
    result.runs = normalized(runs)
    result.slots = sum(len(run.totals) for run in result.runs)
    result.missing = sum(len(run.missing) for run in result.runs)
    settled = floor_to(now - settle_delay(), SLOT)
    return Fetched(
        sli=sli,
        now=now,
        final_to=max(start, min(settled, running_start)),
        covered_from=min(window_start, sli.covered_from or window_start),
        result=result,
    )


def _failed(sli: PromQLSLI, now: dt.datetime, error: Exception) -> Fetched:
    """An SLI whose fetch broke on something other than Prometheus' answer: nothing stored
    and its range not advanced (fetched again next run), the error shown on the SLI."""
    logger.exception("PromQL fetch of SLO %s failed", sli.slo_id, exc_info=error)
    result = FetchResult(error=f"internal error: {type(error).__name__}: {error}")
    return Fetched(sli=sli, now=now, final_to=None, covered_from=None, result=result)


def _save(account, fetched: list[Fetched], gaps_by_slo) -> None:
    """Store what the queries gave, for all SLIs in one transaction."""
    runs = [(item.sli.slo_id, item.result.runs) for item in fetched]
    with transaction.atomic():
        earliest = days_store(account=account, runs_by_slo=runs)
        gaps_update(
            account=account,
            fetched=[(item.sli.slo_id, item.result.runs, item.now) for item in fetched],
            gaps_by_slo=gaps_by_slo,
        )
        slos_mark_dirty(earliest)
        for item in fetched:
            sli = item.sli
            sli.last_fetch_at = item.now
            sli.last_error = item.result.error[:1000]
            if item.final_to is not None and (sli.final_to is None or item.final_to > sli.final_to):
                sli.final_to = item.final_to
            if item.covered_from is not None:
                sli.covered_from = item.covered_from
            item.result.changed = int(sli.slo_id in earliest)
        states_store([item.sli for item in fetched])


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
        gaps = gaps_by_slo(account, [sli.slo_id])
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
    to SLA_PROMETHEUS_FETCH_CONCURRENCY SLIs in flight at once (a connection each, per
    source), stored in batches of SAVE_BATCH SLIs per transaction while the next are
    fetched."""
    now = now or timezone.now()
    slis = _slis(account)
    totals = {"slis": 0, "queries": 0, "missing": 0, "errors": 0}
    gaps = gaps_by_slo(account, [sli.slo_id for sli in slis])
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
    if _prune_due(account, now):
        _prune(account, [sli.slo for sli in slis], now)
    return totals


def _slis(account) -> list[PromQLSLI]:
    """The account's PromQL SLIs with their SLO and source loaded (a source object per
    source, not per SLI): the fetching threads never touch the database."""
    sources = {source.pk: source for source in PrometheusSource.objects.for_account(account)}
    slis = list(
        PromQLSLI.objects.for_account(account)
        .filter(slo__sli_kind="prometheus")
        .select_related("slo")
        .order_by("source_id", "pk")
    )
    for sli in slis:
        source = sources.get(sli.source_id)
        if source is not None:
            sli.source = source
        else:
            sli.source  # noqa: B018 - loaded here, in the caller's thread
    return slis


def _source_clocks(sources: dict, now: dt.datetime) -> dict[int, dt.datetime]:
    """The effective ``now`` of each source (its clock when behind ours)."""
    clocks = {}
    for source_id, source in sources.items():
        with client_for_source(source) as client:
            clocks[source_id] = effective_now(client, now)
    return clocks


def _queries_in_flight(slis, gaps, source_nows) -> Iterator[Fetched]:
    """The fetches of every SLI, up to SLA_PROMETHEUS_FETCH_CONCURRENCY in flight
    (``lanes.run_lanes``: one thread, a connection per lane and source), in a thread of
    their own that only talks HTTP and parses (no database): the caller stores what
    arrives meanwhile. At most SAVE_BATCH answers wait to be stored. An SLI whose fetch
    breaks gives an error for itself alone."""

    def job(sli) -> Job:
        now = source_nows[sli.source_id]
        return Job(sli.source, _fetch_steps(sli, now, gaps.get(sli.slo_id, [])), (sli, now))

    def failed(job: Job, error: Exception) -> Fetched:
        return _failed(*job.context, error)

    results = run_lanes(
        (job(sli) for sli in slis),
        lanes=settings.SLA_PROMETHEUS_FETCH_CONCURRENCY,
        client_for=client_for_source,
        failed=failed,
    )
    return in_background(results, buffered=SAVE_BATCH, name="promql-fetch")


def _prune_due(account, now: dt.datetime) -> bool:
    """Once a day per account: what is kept moves by whole days."""
    key = f"prometheus:promql-pruned:{account.pk}:{floor_to(now, DAY):%Y-%m-%d}"
    return cache.add(key, 1, timeout=2 * 86400)


def _prune(account, slos, now: dt.datetime) -> None:
    """Raw rows and gaps far behind every window are of no use (two windows are kept for
    the reports of the previous window); one delete per window shape."""
    keep: dict[dt.datetime, list[int]] = defaultdict(list)
    for slo in slos:
        window = slo_window(slo, now)
        keep[floor_to(window.end - 2 * (window.end - window.start), DAY) - DAY].append(slo.pk)
    for keep_from, slo_ids in keep.items():
        PromQLDay.objects.for_account(account).filter(
            slo_id__in=slo_ids, day__lt=keep_from
        ).delete()
        PromQLGap.objects.for_account(account).filter(
            slo_id__in=slo_ids, end__lte=keep_from
        ).delete()
