"""Retention: remove rows past their horizon in small transactions, never a row that a
figure the product shows still reads (README "Retention").

- 5-minute uptime snapshots of account-local days wholly before the SLA_SNAPSHOT_MAX_DAYS
  horizon. The rollup never writes or reads buckets before that horizon, and the day that
  holds it stays whole (recomputing that day sums its earlier buckets). Daily rows stay:
  long ranges, reports and status pages read them.
- SLO hour buckets of UTC days SLA_SLO_HOUR_RETENTION_DAYS back whose day row exists, but
  none that a reader of the SLO still sums: its open window, its burn-down and history
  charts (the windows ending in the last 7 days, and up to 92 days for the burn-down), and,
  for calendar windows, the days that hold a window edge (the completed-window reports read
  the hours there). Day rows stay. A recompute that starts in a pruned day recomputes that
  day whole (sla.services.slo_buckets.recompute_start).
- Outbox messages whose deliveries all finished (delivered, or given up) and that are older
  than SLA_OUTBOX_RETENTION_DAYS (reporting.selectors.outbox); pending and retrying
  deliveries always stay.
- Raw request counts only when SLA_REQUEST_COUNT_RETENTION_DAYS is set, and never those a
  recompute of SLO buckets reads (400 days back) or an ingest may still replace.

- Raw status events only when SLA_EVENT_RETENTION_DAYS is set (events_prune): the horizon
  is recorded first (sla.selectors.event_horizon), then per service the events before it
  go except the state and flap flag in force there and the history of an incident open
  across it. Periods whose evaluation would read removed events are frozen.

Period results, incidents, daily rows, SLO day rows, daily reports and the audit history
are kept. Each batch (at most SLA_RETENTION_BATCH_SIZE
rows) is its own transaction, so ingest and the rollups never wait long for it, and the
rows removed are disjoint from those the rollups write.
"""

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, Min, OuterRef, Q
from django.utils import timezone

from sla.burn_down import MAX_DAYS as BURN_DOWN_MAX_DAYS
from sla.engine import inputs_start, period_bounds
from sla.engine.buckets import local_day, local_day_bounds
from sla.models import (
    SLO,
    EventHorizon,
    Incident,
    RequestCount,
    Service,
    ServiceGroup,
    SLADefinition,
    SLODayBucket,
    SLOHourBucket,
    StatusEvent,
    UptimeSnapshot,
)
from sla.selectors.definitions import sla_spec
from sla.selectors.event_horizon import ingest_horizon
from sla.selectors.slo_windows import CALENDAR_PERIODS, DAY, HOUR, SLOT, floor_to, slo_window
from sla.services.rollups import snapshot_horizon
from sla.services.slo_buckets import MAX_RECOMPUTE

# Between subjects with nothing to remove, `between_batches` is called at most this often.
IDLE_CALL_SECONDS = 10
# The SLO history API's default range (GET /api/v1/slos/<id>/snapshots): its windows stay.
HISTORY_DAYS = 7


@dataclass
class Budget:
    """When to stop starting batches, and what to call after each (e.g. extend a lock)."""

    deadline: float | None = None
    between_batches: Callable[[], None] | None = None
    _last_call: float = field(default_factory=time.monotonic)

    def spent(self) -> bool:
        return self.deadline is not None and time.monotonic() > self.deadline

    def batch_done(self) -> None:
        if self.between_batches is not None:
            self.between_batches()
            self._last_call = time.monotonic()

    def subject_done(self) -> None:
        """After a subject with nothing to remove: call `between_batches` now and then, so
        a long walk over many subjects keeps its lock too."""
        if time.monotonic() - self._last_call > IDLE_CALL_SECONDS:
            self.batch_done()


@dataclass
class RetentionStats:
    """Rows one run removed, and whether it got through everything due."""

    snapshots: int = 0
    slo_hours: int = 0
    request_counts: int = 0
    events: int = 0
    outbox_messages: int = 0
    complete: bool = True


def delete_in_batches(queryset, *, budget: Budget, batch_size: int | None = None) -> int:
    """Delete the queryset's rows, at most `batch_size` per transaction; stops early when
    the budget is spent (the next run goes on). Returns the rows of the queryset deleted."""
    batch_size = batch_size or settings.SLA_RETENTION_BATCH_SIZE
    model = queryset.model
    deleted = 0
    while not budget.spent():
        ids = list(queryset.order_by().values_list("pk", flat=True)[:batch_size])
        if not ids:
            break
        with transaction.atomic():
            model.objects.filter(pk__in=ids).delete()
        deleted += len(ids)
        budget.batch_done()
        if len(ids) < batch_size:
            break
    return deleted


# --------------------------------------------------------------------------- snapshots


def snapshots_prune_before(*, account, now: dt.datetime) -> dt.datetime:
    """Snapshots before this instant go: the start of the account-local day that holds
    the snapshot horizon (so that day's buckets stay whole)."""
    day = local_day(snapshot_horizon(now), account.timezone)
    return local_day_bounds(day, account.timezone)[0]


def snapshots_prune(*, account, now: dt.datetime, budget: Budget) -> int:
    """Remove the account's 5-minute snapshots before `snapshots_prune_before`, subject by
    subject (each a range of its unique index)."""
    before = snapshots_prune_before(account=account, now=now)
    deleted = 0
    subjects = (
        ("service", Service.objects.for_account(account)),
        ("group", ServiceGroup.objects.for_account(account)),
    )
    for column, rows in subjects:
        for subject_id in rows.order_by("pk").values_list("pk", flat=True):
            old = UptimeSnapshot.objects.for_account(account).filter(
                **{f"{column}_id": subject_id}, bucket_start__lt=before
            )
            deleted += delete_in_batches(old, budget=budget)
            if budget.spent():
                return deleted
            budget.subject_done()
    return deleted


# --------------------------------------------------------------------------- SLO hours


def hour_keep_from(slo, now: dt.datetime) -> dt.datetime:
    """The first UTC day whose hour buckets of `slo` are all kept: the retention horizon,
    or earlier where the open window or the history charts still read hours."""
    retention = now - dt.timedelta(days=settings.SLA_SLO_HOUR_RETENTION_DAYS)
    chart_days = slo.window_days if slo.window_kind == "rolling" else BURN_DOWN_MAX_DAYS
    chart_days = max(HISTORY_DAYS, min(chart_days, BURN_DOWN_MAX_DAYS))
    chart_start = now - dt.timedelta(days=chart_days)
    earliest = min(
        retention,
        slo_window(slo, now).start,
        slo_window(slo, chart_start).start - HOUR,
    )
    return floor_to(earliest, DAY) - DAY  # a day of margin for charts' hour rounding


def calendar_edge_days(slo, since: dt.datetime, until: dt.datetime) -> set[dt.datetime]:
    """UTC days in [since, until) holding an edge of the SLO's calendar windows off UTC
    midnight: a completed window's report sums the hours there."""
    if slo.window_kind != "calendar":
        return set()
    period = CALENDAR_PERIODS[slo.calendar_unit]
    days = set()
    start, _ = period_bounds(period, slo.timezone, until)
    while start >= since - DAY:
        edge = floor_to(start, SLOT)
        if edge != floor_to(edge, DAY):
            days.add(floor_to(edge, DAY))
        start, _ = period_bounds(period, slo.timezone, start - SLOT)
    return days


def _prunable_hours(account, slo, now: dt.datetime):
    keep_from = hour_keep_from(slo, now)
    rows = SLOHourBucket.objects.for_account(account).filter(slo=slo, day_start__lt=keep_from)
    oldest = rows.aggregate(oldest=Min("day_start"))["oldest"]
    if oldest is None:
        return None
    day_rows = SLODayBucket.objects.filter(
        slo_id=OuterRef("slo_id"), day_start=OuterRef("day_start")
    )
    return rows.exclude(day_start__in=calendar_edge_days(slo, oldest, keep_from)).filter(
        Exists(day_rows)
    )


def slo_hours_prune(*, account, now: dt.datetime, budget: Budget) -> int:
    """Remove the account's SLO hour buckets past their horizon (see `hour_keep_from`)."""
    deleted = 0
    for slo in SLO.objects.for_account(account).order_by("pk"):
        rows = _prunable_hours(account, slo, now)
        if rows is not None:
            deleted += delete_in_batches(rows, budget=budget)
        if budget.spent():
            break
        budget.subject_done()
    return deleted


# --------------------------------------------------------------------------- requests


def request_counts_prune_before(*, now: dt.datetime) -> dt.datetime | None:
    """Request counts starting before this instant go (None: they are all kept)."""
    days = settings.SLA_REQUEST_COUNT_RETENTION_DAYS
    if not days:
        return None
    recompute_days = MAX_RECOMPUTE // DAY + 1  # a recompute starts at that day's midnight
    days = max(days, recompute_days, settings.SLA_REQUEST_COUNTS_MAX_AGE_DAYS + 1)
    return now - dt.timedelta(days=days)


def request_counts_prune(*, account, now: dt.datetime, budget: Budget) -> int:
    """Remove the account's request counts past SLA_REQUEST_COUNT_RETENTION_DAYS (when
    set), service by service (each a range of its (service, start) index)."""
    before = request_counts_prune_before(now=now)
    if before is None:
        return 0
    deleted = 0
    for service_id in (
        Service.objects.for_account(account).order_by("pk").values_list("pk", flat=True)
    ):
        old = RequestCount.objects.for_account(account).filter(
            service_id=service_id, start__lt=before
        )
        deleted += delete_in_batches(old, budget=budget)
        if budget.spent():
            break
        budget.subject_done()
    return deleted


# --------------------------------------------------------------------------- events


def events_prune_before(*, account, now: dt.datetime) -> dt.datetime | None:
    """Where raw events of the account may go (None: SLA_EVENT_RETENTION_DAYS is 0): a day
    before the UTC day of the ingest horizon, and never where an evaluation of a period
    that ends after that horizon (or of a current period) reads, whatever the SLA's period,
    outage split or flap look-back. So only periods wholly before the horizon freeze."""
    horizon = ingest_horizon(now)
    if horizon is None:
        return None
    before = floor_to(horizon, DAY) - DAY
    for sla in SLADefinition.objects.for_account(account):
        spec = sla_spec(sla)
        for instant in (horizon, now):
            start, _ = period_bounds(sla.period, sla.timezone, instant)
            before = min(before, inputs_start(spec, start) - DAY)
    return before


def _record_horizon(account, before: dt.datetime) -> dt.datetime:
    """Record (and commit, before any event goes) that events before `before` may be
    missing; the horizon never moves back. Returns the recorded horizon."""
    with transaction.atomic():
        row, created = EventHorizon.objects.select_for_update().get_or_create(
            account=account, defaults={"pruned_before": before}
        )
        if not created and row.pruned_before < before:
            row.pruned_before = before
            row.save(update_fields=["pruned_before", "updated_at"])
    return row.pruned_before


def _crossing_incidents(account, before: dt.datetime):
    """(service id, group id, start) of the incidents open across `before`: a rebuild of
    one reads the history from its start (incidents of a subject never overlap)."""
    return (
        Incident.objects.for_account(account)
        .filter(started_at__lt=before)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=before))
        .values_list("service_id", "group_id", "started_at")
    )


def event_cutoffs(*, account, before: dt.datetime) -> dict[int, dt.datetime]:
    """Per service id, where its events may go: `before`, or the start of an incident open
    across it of the service, of its group or of a group above it (a group's incident is
    rebuilt from its members' events)."""
    from sla.selectors.groups import descendants, group_members, group_parents

    services = Service.objects.for_account(account).order_by("pk").values_list("pk", flat=True)
    cutoffs = dict.fromkeys(services, before)
    group_starts: dict[int, dt.datetime] = {}
    for service_id, group_id, started_at in _crossing_incidents(account, before):
        if service_id is not None and service_id in cutoffs:
            cutoffs[service_id] = min(cutoffs[service_id], started_at)
        elif group_id is not None:
            group_starts[group_id] = min(group_starts.get(group_id, started_at), started_at)
    if group_starts:
        parents = group_parents(account=account)
        for group_id, started_at in group_starts.items():
            tree = descendants([group_id], parents)
            for members in group_members(account=account, group_ids=tree).values():
                for service_id in members:
                    cutoffs[service_id] = min(cutoffs[service_id], started_at)
    return cutoffs


def _prunable_events(account, service_id: int, cutoff: dt.datetime):
    """The service's events before `cutoff` except the state in force there (every event
    at its last instant before it) and the flap flag in force there (the flag-setting
    events at the last instant that set one): what sla.selectors.history reads for a start
    at or after `cutoff`. None when nothing goes."""
    scoped = StatusEvent.objects.for_account(account).filter(service_id=service_id)
    older = scoped.filter(at__lt=cutoff)
    last_at = older.aggregate(last=Max("at"))["last"]
    if last_at is None:
        return None
    rows = scoped.filter(at__lt=last_at)
    flag_at = older.filter(flapping__isnull=False).aggregate(last=Max("at"))["last"]
    if flag_at is not None and flag_at < last_at:
        rows = rows.exclude(at=flag_at, flapping__isnull=False)
    return rows


def events_prune(*, account, now: dt.datetime, budget: Budget) -> int:
    """Remove the account's raw events past SLA_EVENT_RETENTION_DAYS (when set), service by
    service (each a range of its (service, at) index), after recording the horizon."""
    before = events_prune_before(account=account, now=now)
    if before is None:
        return 0
    _record_horizon(account, before)
    deleted = 0
    for service_id, cutoff in event_cutoffs(account=account, before=before).items():
        rows = _prunable_events(account, service_id, cutoff)
        if rows is not None:
            deleted += delete_in_batches(rows, budget=budget)
        if budget.spent():
            break
        budget.subject_done()
    return deleted


# --------------------------------------------------------------------------- the unit


def account_retention(
    *, account, now: dt.datetime | None = None, budget: Budget | None = None
) -> RetentionStats:
    """Prune one account's snapshots, SLO hour buckets, finished outbox messages and (when
    configured) old request counts and raw status events."""
    from reporting.selectors.outbox import outbox_messages_expired

    now = now or timezone.now()
    budget = budget or Budget()
    stats = RetentionStats()
    stats.snapshots = snapshots_prune(account=account, now=now, budget=budget)
    stats.slo_hours = slo_hours_prune(account=account, now=now, budget=budget)
    stats.request_counts = request_counts_prune(account=account, now=now, budget=budget)
    stats.events = events_prune(account=account, now=now, budget=budget)
    expired = outbox_messages_expired(account=account, now=now)
    stats.outbox_messages = delete_in_batches(expired, budget=budget)
    stats.complete = not budget.spent()
    return stats
