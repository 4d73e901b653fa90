"""Writes of the Vector integration: count a batch once, save a source with its rules."""

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from integrations.vector.models import VectorBatch, VectorRule, VectorSource
from integrations.vector.records import Rule, SourceConfig, count_body
from sla.nginx_log import LogFormat, compile_log_format
from sla.services.request_counts import BucketCounts, accepted_window, request_counts_add
from sla.sql import adapt

MINUTE = dt.timedelta(minutes=1)
PRUNE_EVERY = 50  # batches between deletions of expired batch keys


@dataclass(frozen=True)
class BatchResult:
    """The answer to a batch: what was read and counted; `stored` is false when nothing
    could be counted (the endpoint answers 400 then)."""

    data: dict
    stored: bool


@lru_cache(maxsize=64)
def _log_format(text: str) -> LogFormat:
    return compile_log_format(text)


# Rules by the source's `rules_revision`, which every change of its rules renews (the
# endpoint reads the source row on every batch anyway, so every process sees it at once).
_RULES: dict = {}


def _rules(account, source: VectorSource) -> tuple[Rule, ...]:
    rules = _RULES.get(source.rules_revision)
    if rules is None:
        if len(_RULES) > 1000:
            _RULES.clear()
        rules = _RULES[source.rules_revision] = tuple(
            Rule(kind=row.kind, value=row.value, service_id=row.service_id, field=row.field)
            for row in VectorRule.objects.for_account(account).filter(source=source)
        )
    return rules


def vector_source_config(*, account, source: VectorSource, now: dt.datetime) -> SourceConfig:
    """How `source` reads records at `now`: its rules (in order), fallback, format, window."""
    return SourceConfig(
        rules=_rules(account, source),
        default_service_id=source.default_service_id,
        log_format=_log_format(source.log_format),
        latency=None if source.latency == "none" else source.latency,
        window=accepted_window(now),
    )


def vector_batch_ingest(
    *, account, source: VectorSource, body: bytes, media_type: str, now: dt.datetime | None = None
) -> BatchResult:
    """Count a decoded batch into the per-minute request counts of its services, once.

    The batch is known by the SHA-256 of its body: Vector retries resend the same bytes, so
    a body counted before (its key is kept at least SLA_VECTOR_DEDUP_HOURS) is answered
    with the first answer and counts nothing. The key and the counts are written as one
    unit, the key first (on PostgreSQL one statement: one round trip, no transaction to
    open and commit), so a crash never keeps one without the other, and two copies of a
    batch arriving at once count once (the second's claim of the key waits for the first's,
    then finds it).
    """
    now = now or timezone.now()
    digest = hashlib.sha256(body).hexdigest()
    config = vector_source_config(account=account, source=source, now=now)
    counts = count_body(body, media_type, config)
    data = {
        "received": counts.received,
        "counted": counts.counted,
        "rejected": counts.rejected,
        "buckets": len(counts.buckets),
        "duplicate": False,
        "batch": digest,
        "errors": counts.errors,
        "errors_listed": len(counts.errors),
    }
    if not counts.counted:
        return BatchResult(data, stored=False)
    buckets = {
        key: BucketCounts(good, total, None if histogram is None else {"histogram": histogram})
        for key, (good, total, histogram) in counts.buckets.items()
    }
    batch_id = request_counts_add(
        account=account,
        source=source.count_source,
        buckets=buckets,
        width=MINUTE,
        once=_claim(account, source, digest, now, data),
    )
    if batch_id is None:
        return _seen(account, source, digest)
    if batch_id % PRUNE_EVERY == 0:
        _prune(account, source, now)
    return BatchResult(data, stored=True)


_CLAIM_SQL = (
    f"INSERT INTO {VectorBatch._meta.db_table} "  # noqa: S608
    "(account_id, source_id, sha256, received_at, result) "
    "VALUES (%s, %s, %s, %s, {value}) "
    "ON CONFLICT (source_id, sha256) DO NOTHING RETURNING id"
)


def _claim(account, source: VectorSource, digest: str, now: dt.datetime, data: dict):
    """The statement storing the batch's key (for request_counts_add's `once`): it returns
    the key's id, or nothing when the key is there already (a retry, or a copy of the
    batch that got there first: PostgreSQL makes this insert wait for it)."""
    if connection.vendor == "postgresql":
        sql = _CLAIM_SQL.replace("{value}", "CAST(%s AS jsonb)")
        return sql, [account.pk, source.pk, digest, now, json.dumps(data)]
    sql = _CLAIM_SQL.replace("{value}", "%s")
    return sql, [account.pk, source.pk, digest, adapt(now), json.dumps(data)]


def _seen(account, source: VectorSource, digest: str) -> BatchResult:
    row = VectorBatch.objects.for_account(account).only("result").get(source=source, sha256=digest)
    return BatchResult({**row.result, "duplicate": True}, stored=True)


def _prune(account, source: VectorSource, now: dt.datetime) -> int:
    cutoff = now - dt.timedelta(hours=settings.SLA_VECTOR_DEDUP_HOURS)
    deleted, _ = (
        VectorBatch.objects.for_account(account)
        .filter(source=source, received_at__lt=cutoff)
        .delete()
    )
    return deleted


def vector_batches_prune(*, account, now: dt.datetime | None = None) -> int:
    """Delete the account's batch keys older than SLA_VECTOR_DEDUP_HOURS (ingest does it
    every PRUNE_EVERY batches per source; this is for a clean sweep)."""
    cutoff = (now or timezone.now()) - dt.timedelta(hours=settings.SLA_VECTOR_DEDUP_HOURS)
    deleted, _ = VectorBatch.objects.for_account(account).filter(received_at__lt=cutoff).delete()
    return deleted


def vector_source_save(
    *, account, source: VectorSource | None, rules: list[dict] | None, **fields
) -> VectorSource:
    """Create or update a source; `rules` (if given) replaces its rules, in list order."""
    with transaction.atomic():
        source = source or VectorSource(account=account)
        for name, value in fields.items():
            setattr(source, name, value)
        source.full_clean()
        source.save()
        if rules is not None:
            VectorRule.objects.for_account(account).filter(source=source).delete()
            for position, row in enumerate(rules):
                rule = VectorRule(account=account, source=source, position=position, **row)
                rule.full_clean()
                rule.save()
            VectorSource.rules_changed(source.pk)
            source.refresh_from_db()
    return source
