"""Celery tasks of the status pipeline; thin wrappers around sla.services.rollups.

- `sla.rollups_dispatch` (beat, every 5 minutes): one per-account `sla.rollup_account`
  unit for every account. Incidents and uptime snapshots are status history, which the
  status page shows even when an account's SLA feature is off, so no account is skipped.
- `sla.rollup_account`: the account's snapshots, daily rows and incidents up to the last
  complete bucket; a singleton per account (Redis lock, skipped when held).
- `sla.incidents_refresh`: incidents only, sent (debounced) after each ingest commit.
- `sla.retention_dispatch` (beat, daily) and `sla.retention_account`: rows past their
  retention pruned in small batches (sla.services.retention).

Every unit is idempotent and keeps its progress in the database (rollup marks), so a
killed worker, a redelivered message (acks_late) or a missed beat changes nothing but
the time the catch-up happens.
"""

import logging
import time

from celery import shared_task

from accounts.models import Account
from slaportal.locks import redis_client, singleton_lock

logger = logging.getLogger(__name__)

ROLLUP_SOFT_LIMIT = 240
ROLLUP_HARD_LIMIT = 300
# Stop starting new chunks this long before the soft limit; the marks keep the rest.
ROLLUP_BUDGET = ROLLUP_SOFT_LIMIT - 40
LOCK_TIMEOUT = 60  # refreshed between chunks; a killed worker's lock is free within a minute
DEBOUNCE_SECONDS = 2
DISPATCH_BACKOFF_SECONDS = 10
# How long the number of an account's latest incidents refresh is kept (renewed by each
# dispatch). Should it lapse, numbers restart low and older queued tasks simply run.
DISPATCH_NUMBER_SECONDS = 86400

_dispatch_blocked_until = 0.0
_local_window: dict[int, float] = {}


@shared_task(name="sla.rollups_dispatch", soft_time_limit=60, time_limit=90)
def rollups_dispatch() -> dict:
    """Beat entry point: one rollup unit per account."""
    return _dispatch_per_account("sla.rollups_dispatch", rollup_account)


def _dispatch_per_account(name: str, unit) -> dict:
    """Queue `unit` once per account, under the dispatcher's own lock (an overlapping
    beat run is skipped); a unit that cannot be queued does not stop the others."""
    with singleton_lock(name, timeout=120) as held:
        if held is None:
            logger.info("%s: another run holds the lock; skipped", name)
            return {"skipped": True}
        account_ids = list(Account.objects.order_by("id").values_list("id", flat=True))
        failed = 0
        for account_id in account_ids:
            try:
                unit.delay(account_id)
            except Exception:  # a broken unit must not stop the others
                failed += 1
                logger.exception("%s: unit for account %s failed", name, account_id)
        return {"accounts": len(account_ids), "failed": failed}


@shared_task(
    name="sla.rollup_account",
    soft_time_limit=ROLLUP_SOFT_LIMIT,
    time_limit=ROLLUP_HARD_LIMIT,
    acks_late=True,
)
def rollup_account(account_id: int) -> dict:
    from sla.services.rollups import account_rollup

    account = Account.objects.filter(pk=account_id).first()
    if account is None:
        return {"skipped": "no such account"}
    with singleton_lock(f"sla.rollup_account:{account_id}", timeout=LOCK_TIMEOUT) as held:
        if held is None:
            logger.info("sla.rollup_account %s: already running; skipped", account_id)
            return {"skipped": True}
        stats = account_rollup(
            account=account,
            deadline=time.monotonic() + ROLLUP_BUDGET,
            between_chunks=held.refresh,
        )
    if not stats.complete:
        logger.warning("sla.rollup_account %s: time budget used up; continues next run", account_id)
    return {
        "services": stats.services,
        "groups": stats.groups,
        "snapshots": stats.snapshots,
        "daily_rows": stats.daily_rows,
        "incidents": stats.incidents,
        "complete": stats.complete,
        "seconds": round(stats.seconds, 3),
    }


@shared_task(name="sla.incidents_refresh", soft_time_limit=60, time_limit=90, acks_late=True)
def incidents_refresh(account_id: int, dispatch: int | None = None) -> dict:
    """Rebuild the account's changed incidents. `dispatch`: the number incidents_refresh_soon
    gave this task; a task dispatched later for the same account makes this one redundant
    (see _superseded)."""
    from sla.services.rollups import incidents_refresh_account

    if dispatch is not None and _superseded(account_id, dispatch):
        return {"skipped": "superseded"}
    account = Account.objects.filter(pk=account_id).first()
    if account is None:
        return {"skipped": "no such account"}
    return {"incidents": incidents_refresh_account(account=account)}


def _latest_dispatch_key(account_id: int) -> str:
    return f"slaportal:incidents:latest:{account_id}"


def _latest_due_key(account_id: int) -> str:
    return f"slaportal:incidents:latest-due:{account_id}"


def _superseded(account_id: int, dispatch: int) -> bool:
    """Whether a refresh of the account dispatched after this one is already due. That task
    runs right after this one would and sees every commit this one would, so this one can
    stop: a worker catching up on a backlog (after being down while ingest went on) runs
    the last queued refresh, not each of them in turn, each as costly as a full one under
    load. A later task not yet due (the next debounce window's) does not count: skipping
    for it would delay this window's changes by another window. If Redis cannot say, the
    refresh runs (running is always safe)."""
    try:
        latest, due = redis_client(socket_connect_timeout=0.5, socket_timeout=0.5).mget(
            _latest_dispatch_key(account_id), _latest_due_key(account_id)
        )
    except Exception as error:  # Redis unreachable: run, as before
        logger.warning("incidents refresh: latest dispatch unknown (%s); running", error)
        return False
    if latest is None or due is None or int(latest) <= dispatch:
        return False
    return float(due) <= time.time()


def incidents_refresh_soon(*, account_id: int) -> None:
    """After an ingest commit: refresh the account's incidents in a moment.

    Never raises: with Redis down the events are stored and marked anyway, and the
    5-minute rollup rebuilds the incidents once Redis is back. After a failure, dispatch is
    not tried again for a few seconds, so a dead broker does not slow every request.
    """
    global _dispatch_blocked_until
    if incidents_refresh.app.conf.task_always_eager:
        try:
            incidents_refresh.apply(args=(account_id,))
        except Exception:
            logger.exception("incidents refresh for account %s failed", account_id)
        return
    now = time.monotonic()
    if now < _dispatch_blocked_until:
        return
    # This process already sent a refresh that runs after this commit: nothing to add.
    if _local_window.get(account_id, 0.0) > now:
        return
    try:
        client = redis_client(socket_connect_timeout=0.5, socket_timeout=0.5)
        # One task per account per debounce window; the task runs after the window, so it
        # sees every event committed inside it. With the window's time left in the same
        # round trip.
        key = f"slaportal:debounce:incidents:{account_id}"
        pipeline = client.pipeline(transaction=False)
        pipeline.set(key, "1", nx=True, px=DEBOUNCE_SECONDS * 1000)
        pipeline.pttl(key)
        created, left_ms = pipeline.execute()
        if created:
            # Only the process that opened the window gets here: one dispatch at a time.
            numbering = client.pipeline(transaction=False)
            numbering.incr(_latest_dispatch_key(account_id))
            numbering.expire(_latest_dispatch_key(account_id), DISPATCH_NUMBER_SECONDS)
            numbering.set(
                _latest_due_key(account_id), time.time() + DEBOUNCE_SECONDS,
                ex=DISPATCH_NUMBER_SECONDS,
            )  # fmt: skip
            number = numbering.execute()[0]
            incidents_refresh.apply_async(
                args=(account_id, number), countdown=DEBOUNCE_SECONDS, retry=False
            )
        # Until shortly before the window's task starts (this process's or another's: with
        # several web processes most commits find the window open), a commit here is
        # covered by it: this process need not even ask Redis.
        if left_ms > 0:
            _local_window[account_id] = now + left_ms / 1000 - DEBOUNCE_SECONDS * 0.2
    except Exception as error:  # broker or Redis unreachable
        _dispatch_blocked_until = time.monotonic() + DISPATCH_BACKOFF_SECONDS
        logger.warning("incidents refresh for account %s not dispatched: %s", account_id, error)


# --------------------------------------------------------------------------- SLA results


@shared_task(name="sla.refresh_period_results", soft_time_limit=60, time_limit=90)
def refresh_period_results() -> int:
    """Beat entry: one `sla.refresh_period_results_account` unit per account whose SLA
    feature is on (the feature gate: periodic SLA jobs skip the others)."""
    from accounts.features import sla_enabled

    dispatched = 0
    for account in Account.objects.filter(feature_sla=True).order_by("id"):
        if sla_enabled(account):
            refresh_period_results_account.delay(account.pk)
            dispatched += 1
    return dispatched


@shared_task(name="sla.refresh_period_results_account", soft_time_limit=240, time_limit=300)
def refresh_period_results_account(account_id: int) -> int:
    """Per-account unit: current-period and stale SLA results; a singleton per account."""
    from django.utils import timezone

    from accounts.features import sla_enabled
    from sla.services.results import period_results_refresh_account

    account = Account.objects.filter(pk=account_id).first()
    if account is None or not sla_enabled(account):
        return 0
    with singleton_lock(f"sla.refresh_period_results:{account_id}", timeout=300) as held:
        if held is None:
            logger.info("period results of account %s: another run is busy; skipped", account_id)
            return 0
        return period_results_refresh_account(account=account, now=timezone.now())


# --------------------------------------------------------------------------- retention


@shared_task(name="sla.retention_dispatch", soft_time_limit=60, time_limit=90)
def retention_dispatch() -> dict:
    """Beat entry point (daily): one `sla.retention_account` unit per account."""
    return _dispatch_per_account("sla.retention_dispatch", retention_account)


@shared_task(
    name="sla.retention_account",
    soft_time_limit=ROLLUP_SOFT_LIMIT,
    time_limit=ROLLUP_HARD_LIMIT,
    acks_late=True,
)
def retention_account(account_id: int) -> dict:
    """Per-account unit: prune rows past their retention (sla.services.retention) in
    small batches; stops before the time limit, the next day's run goes on."""
    from sla.services.retention import Budget, account_retention

    account = Account.objects.filter(pk=account_id).first()
    if account is None:
        return {"skipped": "no such account"}
    with singleton_lock(f"sla.retention_account:{account_id}", timeout=LOCK_TIMEOUT) as held:
        if held is None:
            logger.info("sla.retention_account %s: already running; skipped", account_id)
            return {"skipped": True}
        budget = Budget(deadline=time.monotonic() + ROLLUP_BUDGET, between_batches=held.refresh)
        stats = account_retention(account=account, budget=budget)
    if not stats.complete:
        logger.warning(
            "sla.retention_account %s: time budget used up; goes on next run", account_id
        )
    return {
        "snapshots": stats.snapshots,
        "slo_hours": stats.slo_hours,
        "request_counts": stats.request_counts,
        "outbox_messages": stats.outbox_messages,
        "complete": stats.complete,
    }
