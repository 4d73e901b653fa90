"""Storage of fetched PromQL slots (database only, no Prometheus): a slot with a value
rewrites the stored one and never adds to it, whether the row is written whole or patched
in place; unchanged slots change nothing (no dirty mark); gaps that keep their slots only
count another attempt."""

import datetime as dt

import pytest
from django.utils import timezone

from integrations.prometheus.models import PromQLDay, PromQLGap
from integrations.prometheus.services.sli_slots import ABSENT, ERROR, Missing, SlotRun
from integrations.prometheus.services.sli_store import days_store, gaps_by_slo, gaps_update
from tests.factories.slo import SLOFactory

pytestmark = pytest.mark.django_db
DAY = 1_796_256_000  # a UTC midnight (epoch seconds)


def _row(slo) -> tuple[list, list]:
    row = PromQLDay.objects.get(slo=slo, day=dt.datetime.fromtimestamp(DAY, tz=dt.UTC))
    return row.good, row.total


def _at(index: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(DAY + index * 300, tz=dt.UTC)


def test_slots_are_rewritten_never_added_whole_rows_and_patches_alike(tenants):
    slo = SLOFactory(account=tenants.a, sli_kind="prometheus")
    other = SLOFactory(account=tenants.a, sli_kind="prometheus")
    day = SlotRun(DAY, list(range(288)), [1000 + index for index in range(288)])
    assert days_store(account=tenants.a, runs_by_slo=[(slo.pk, [day]), (other.pk, [day])]) == {
        slo.pk: _at(0), other.pk: _at(0),
    }  # fmt: skip
    # The same values again: nothing written, nothing marked (whole row, then a patch).
    assert days_store(account=tenants.a, runs_by_slo=[(slo.pk, [day])]) == {}
    same = SlotRun(DAY + 10 * 300, [10], [1010])
    assert days_store(account=tenants.a, runs_by_slo=[(slo.pk, [same])]) == {}
    # Two slots of one row (the patch path): only the one that differs is the change.
    patch = SlotRun(DAY + 10 * 300, [10, 7], [1010, 2000])
    assert days_store(account=tenants.a, runs_by_slo=[(slo.pk, [patch])]) == {slo.pk: _at(11)}
    goods, totals = _row(slo)
    assert (goods[10:12], totals[10:12]) == ([10, 7], [1010, 2000])
    # A slot without a value keeps what is stored (and is a gap elsewhere).
    hole = SlotRun(DAY + 11 * 300, [None, 5], [None, 3000], {0: Missing("down", ERROR)})
    assert days_store(account=tenants.a, runs_by_slo=[(slo.pk, [hole])]) == {slo.pk: _at(12)}
    goods, totals = _row(slo)
    assert (goods[11:13], totals[11:13]) == ([7, 5], [2000, 3000])
    # Three slots of a row go the whole-row way: the same outcome.
    whole = SlotRun(DAY + 20 * 300, [1, 2, 3], [4, 5, 6])
    assert days_store(account=tenants.a, runs_by_slo=[(slo.pk, [whole])]) == {slo.pk: _at(20)}
    goods, totals = _row(slo)
    assert (goods[20:23], totals[20:23]) == ([1, 2, 3], [4, 5, 6])
    assert goods[:10] == list(range(10)) and totals[23:] == [1023 + i for i in range(265)]
    assert _row(other) == (list(range(288)), [1000 + index for index in range(288)])


def test_a_run_over_midnight_and_a_new_day_of_few_slots(tenants):
    slo = SLOFactory(account=tenants.a, sli_kind="prometheus")
    run = SlotRun(DAY - 300, [1, 2], [3, 4])  # the last slot of one day, the first of next
    assert days_store(account=tenants.a, runs_by_slo=[(slo.pk, [run])]) == {slo.pk: _at(-1)}
    rows = {row.day: row for row in PromQLDay.objects.filter(slo=slo)}
    before, after = rows[_at(-288)], rows[_at(0)]
    assert (before.good[287], before.total[287], before.good[:287]) == (1, 3, [None] * 287)
    assert (after.good[0], after.total[0], after.total[1:]) == (2, 4, [None] * 287)


def test_gaps_that_keep_their_slots_count_another_attempt(tenants):
    slo = SLOFactory(account=tenants.a, sli_kind="prometheus")
    now = timezone.now()
    absent = Missing("no data: the total query has no series", ABSENT)
    run = SlotRun(DAY, [None, None], [None, None], {0: absent, 1: absent})
    gaps_update(account=tenants.a, fetched=[(slo.pk, [run], now)], gaps_by_slo={})
    [first] = PromQLGap.objects.filter(slo=slo)
    assert (first.start, first.end, first.attempts) == (_at(0), _at(2), 1)
    later = now + dt.timedelta(minutes=3)
    stored = gaps_by_slo(tenants.a, [slo.pk])
    gaps_update(account=tenants.a, fetched=[(slo.pk, [run], later)], gaps_by_slo=stored)
    [again] = PromQLGap.objects.filter(slo=slo)
    assert again.pk == first.pk and again.attempts == 2 and again.last_attempt_at == later
    assert again.first_seen_at == first.first_seen_at and again.next_attempt_at > later
    # The first slot answers: the gap shrinks to the second (a new row).
    answered = SlotRun(DAY, [1, None], [2, None], {1: absent})
    stored = gaps_by_slo(tenants.a, [slo.pk])
    gaps_update(account=tenants.a, fetched=[(slo.pk, [answered], later)], gaps_by_slo=stored)
    [rest] = PromQLGap.objects.filter(slo=slo)
    assert (rest.start, rest.end, rest.attempts) == (_at(1), _at(2), 3)
    assert rest.first_seen_at == first.first_seen_at
