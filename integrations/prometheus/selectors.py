"""Reads of the Prometheus integration: PromQL slots for the SLO bucket rollup, gaps and
fetch state for the SLO status."""

import datetime as dt
from collections import defaultdict

from integrations.prometheus.models import PromQLDay, PromQLGap, PromQLSLI
from sla.models.slo import SLOTS_PER_HOUR
from sla.selectors.slo_windows import DAY, HOUR, SLOT, floor_to, slo_window

MAX_GAPS_SHOWN = 50


def promql_slots(*, account, slos, starts: dict[int, dt.datetime], now: dt.datetime) -> dict:
    """The stored slots of PromQL SLOs from their recompute start up to ``now``, in the
    bucket rollup's shape: ``{slo_id: {hour: [good_0..good_11, total_0..total_11]}}``
    (thousandths of an event; a slot without a value counts nothing)."""
    if not slos:
        return {}
    first_day = floor_to(min(starts[slo.pk] for slo in slos), DAY)
    rows = (
        PromQLDay.objects.for_account(account)
        .filter(slo_id__in=[slo.pk for slo in slos], day__gte=first_day, day__lt=now)
        .values_list("slo_id", "day", "good", "total")
    )
    result: dict[int, dict] = defaultdict(dict)
    for slo_id, day, goods, totals in rows:
        start, hours = starts[slo_id], result[slo_id]
        for index, total in enumerate(totals):
            if total is None:
                continue
            slot = day + index * SLOT
            if slot < start or slot >= now:
                continue
            hour = floor_to(slot, HOUR)
            row = hours.get(hour)
            if row is None:
                row = hours[hour] = [0] * (2 * SLOTS_PER_HOUR)
            position = int((slot - hour) / SLOT)
            row[position] += goods[index] or 0
            row[SLOTS_PER_HOUR + position] += total
    return result


def _gap_json(gap) -> dict:
    return {
        "start": gap.start,
        "end": gap.end,
        "seconds": int((gap.end - gap.start).total_seconds()),
        "reason": gap.reason,
        "kind": gap.kind,
        "attempts": gap.attempts,
        "next_attempt_at": gap.next_attempt_at,
    }


def promql_statuses(*, account, slos, now: dt.datetime) -> dict[int, dict]:
    """Per PromQL SLO: ``gaps`` (slot ranges of the current window without values, with
    reasons) and ``prometheus`` (fetched up to, last fetch, last error, missing seconds)."""
    windows = {slo.pk: slo_window(slo, now) for slo in slos}
    earliest = min((window.start for window in windows.values()), default=now)
    gaps = defaultdict(list)
    rows = PromQLGap.objects.for_account(account).filter(slo_id__in=list(windows), end__gt=earliest)
    for gap in rows.order_by("slo_id", "start"):
        if gap.end > windows[gap.slo_id].start:
            gaps[gap.slo_id].append(gap)
    slis = {
        sli.slo_id: sli
        for sli in PromQLSLI.objects.for_account(account).filter(slo_id__in=list(windows))
    }
    statuses = {}
    for slo_id, window in windows.items():
        own = gaps.get(slo_id, [])
        missing = sum(
            (min(gap.end, window.end) - max(gap.start, window.start)).total_seconds() for gap in own
        )
        sli = slis.get(slo_id)
        statuses[slo_id] = {
            "gaps": [_gap_json(gap) for gap in own[-MAX_GAPS_SHOWN:]],
            "prometheus": {
                "fetched_to": sli.final_to if sli else None,
                "last_fetch_at": sli.last_fetch_at if sli else None,
                "last_error": sli.last_error if sli else "",
                "gap_count": len(own),
                "missing_seconds": int(missing),
            },
        }
    return statuses


def promql_settings(slo) -> dict | None:
    """The nested ``prometheus`` field of an SLO in the API."""
    try:
        sli = slo.promql
    except PromQLSLI.DoesNotExist:
        return None
    return {
        "source": sli.source_id,
        "good_query": sli.good_query or None,
        "bad_query": sli.bad_query or None,
        "total_query": sli.total_query,
    }
