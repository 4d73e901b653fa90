"""Clearing rollup marks never waits for an ingest (PostgreSQL row locks).

An ingest holds its services' marks from its upsert to its commit. `marks_finish` and the
SLO job's `_claim_dirty` and `_mark_computed` skip rows held like that instead of waiting:
waiting held the rest of their batch meanwhile, and every later ingest of those services
queued behind it.
"""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction

from sla.models import SLO, RollupMark
from sla.services.marks import marks_finish
from sla.services.slo_buckets import _claim_dirty, _mark_computed
from tests.factories import AccountFactory, ServiceFactory, SLOFactory
from tests.sla.helpers import T0 as NOW

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def hold_rows(model, pk, locked: threading.Event, release: threading.Event) -> None:
    """Another connection: lock one row (as an ingest's upsert does) until told to let go."""
    try:
        with transaction.atomic():
            model.objects.select_for_update().get(pk=pk)
            locked.set()
            release.wait(timeout=30)
    finally:
        connection.close()


def while_held(model, pk, work):
    locked, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=hold_rows, args=(model, pk, locked, release))
    holder.start()
    try:
        assert locked.wait(timeout=10)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")  # waiting would fail the test
        try:
            work()
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
    finally:
        release.set()
        holder.join(timeout=30)


def test_marks_finish_skips_a_mark_an_ingest_holds_and_clears_the_others():
    account = AccountFactory()
    services = [ServiceFactory(account=account, path=f"svc/{n}") for n in range(3)]
    marks = [
        RollupMark.objects.create(account=account, service=service, dirty_from=NOW, seq=1)
        for service in services
    ]
    held = marks[1]
    while_held(
        RollupMark,
        held.pk,
        lambda: marks_finish(marks=marks, rolled_until=NOW, snapshots=True, incidents=True),
    )
    stored = {mark.pk: mark for mark in RollupMark.objects.filter(account=account)}
    assert stored[held.pk].dirty_from == NOW  # left for the next unit
    assert stored[held.pk].rolled_until is None
    for mark in (marks[0], marks[2]):
        assert stored[mark.pk].dirty_from is None
        assert stored[mark.pk].rolled_until == NOW


def test_recording_slo_progress_skips_an_slo_an_ingest_holds():
    account = AccountFactory()
    service = ServiceFactory(account=account, path="svc/a")
    slos = [
        SLOFactory(account=account, name=f"slo {n}", service=service, target="99.9")
        for n in range(2)
    ]
    while_held(SLO, slos[0].pk, lambda: _mark_computed(slos, NOW))
    assert SLO.objects.get(pk=slos[0].pk).buckets_computed_to != NOW
    assert SLO.objects.get(pk=slos[1].pk).buckets_computed_to == NOW


def test_claiming_slo_marks_skips_a_held_slo_and_only_claims_marks_as_read():
    account = AccountFactory()
    service = ServiceFactory(account=account, path="svc/a")
    computed, dirty = NOW, NOW - dt.timedelta(minutes=30)
    slos = [
        SLOFactory(
            account=account,
            name=f"slo {n}",
            service=service,
            buckets_computed_to=computed,
            buckets_dirty_from=dirty,
        )
        for n in range(3)
    ]
    earlier = dirty - dt.timedelta(minutes=5)  # an ingest moved this mark back after the read
    SLO.objects.filter(pk=slos[2].pk).update(buckets_dirty_from=earlier)
    while_held(SLO, slos[0].pk, lambda: _claim_dirty(slos))
    stored = {slo.pk: slo for slo in SLO.objects.filter(account=account)}
    held, claimed, moved = (stored[slo.pk] for slo in slos)
    assert (held.buckets_dirty_from, held.buckets_computed_to) == (dirty, computed)
    assert (claimed.buckets_dirty_from, claimed.buckets_computed_to) == (None, dirty)
    assert (moved.buckets_dirty_from, moved.buckets_computed_to) == (earlier, computed)
