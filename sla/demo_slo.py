"""Demo data of the SLO side for `make run`: SLOs and request counts for demo services.

Services are found by path or created (another seeder may have made them with events);
no webhook is created (a demo must not post to an unreachable address).
"""

import datetime as dt
import random

from sla.engine.latency import BOUND_INDEX, BUCKETS
from sla.models import SLO, RequestCount, Service, StatusEvent
from sla.selectors.slo_windows import floor_to
from sla.services.slo_buckets import slo_buckets_refresh

MINUTE = dt.timedelta(minutes=1)


def _service(account, path: str) -> Service:
    service, _ = Service.objects.get_or_create(account=account, path=path)
    return service


def _events_if_none(account, service: Service, now: dt.datetime) -> None:
    if StatusEvent.objects.for_account(account).filter(service=service).exists():
        return
    outage = floor_to(now - dt.timedelta(days=2, hours=3), MINUTE)
    rows = [
        (now - dt.timedelta(days=70), "OK"),
        (outage, "CRIT"),
        (outage + dt.timedelta(minutes=17), "OK"),
    ]
    for at, state in rows:
        StatusEvent.objects.create(
            account=account,
            service=service,
            at=at,
            state=state,
            dedup_key=f"demo-slo:{service.pk}:{at.isoformat()}",
        )


# Shares of the good requests per latency bound (ms) in a normal minute and a slow one.
NORMAL = ((50, 0.42), (100, 0.3), (200, 0.18), (300, 0.06), (500, 0.03), (1000, 0.01))
SLOW = ((100, 0.2), (300, 0.3), (500, 0.25), (1000, 0.15), (2500, 0.1))


def _histogram(good: int, rng: random.Random, slow: bool) -> list[int]:
    """A plausible latency histogram of `good` requests (whole counts adding up to it)."""
    histogram = [0] * BUCKETS
    left = good
    for bound, share in SLOW if slow else NORMAL:
        count = min(left, round(good * share * rng.uniform(0.9, 1.1)))
        histogram[BOUND_INDEX[bound]] += count
        left -= count
    histogram[BOUND_INDEX[1000]] += left
    return histogram


def _request_counts(account, service: Service, now: dt.datetime) -> int:
    rng = random.Random(5)
    end = floor_to(now, MINUTE)
    start = end - dt.timedelta(days=3)
    rows, minute = [], start
    while minute < end:
        total = rng.randint(400, 900)
        bad = rng.randint(0, 3)
        if end - dt.timedelta(hours=7) <= minute < end - dt.timedelta(hours=6, minutes=40):
            bad = total // 4  # a bad deploy 7 hours ago
        slow = end - dt.timedelta(hours=7) <= minute < end - dt.timedelta(hours=6, minutes=30)
        rows.append(
            RequestCount(
                account=account,
                service=service,
                source="demo",
                start=minute,
                end=minute + MINUTE,
                good=total - bad,
                total=total,
                latency={"histogram": _histogram(total - bad, rng, slow)},
            )
        )
        minute += MINUTE
    RequestCount.objects.for_account(account).filter(service=service, source="demo").delete()
    RequestCount.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def seed(account, now: dt.datetime) -> list[str]:
    payment_api = _service(account, "payment/api")
    payment_db = _service(account, "payment/db")
    shop_web = _service(account, "shop/web")
    for service in (payment_api, payment_db):
        _events_if_none(account, service, now)
    minutes = _request_counts(account, shop_web, now)
    definitions = [
        ("Payment API availability", payment_api, "time", "99.9", {"window_days": 30}),
        (
            "Payment DB availability (monthly)",
            payment_db,
            "time",
            "99.95",
            {"window_kind": "calendar", "calendar_unit": "month", "timezone": "Europe/Berlin"},
        ),
        ("Shop web good requests", shop_web, "requests", "99.5", {"window_days": 28}),
        (
            "Shop web under 500 ms",
            shop_web,
            "latency",
            "99",
            {"window_days": 28, "latency_threshold_ms": 500},
        ),
        (
            "Shop web p95 under 300 ms per minute",
            shop_web,
            "timeslice",
            "99",
            {"window_days": 28, "latency_threshold_ms": 300, "latency_percentile": 95},
        ),
    ]
    for name, service, kind, target, window in definitions:
        SLO.objects.update_or_create(
            account=account,
            name=name,
            defaults={"service": service, "sli_kind": kind, "target": target, **window},
        )
    slo_buckets_refresh(account=account, now=now)
    return [
        f"SLOs: {len(definitions)} (time, request, latency and time-slice based), {minutes} "
        "minutes of request counts with latency for shop/web; see /admin/sla/slo/, "
        "GET /api/v1/slos and the service's page on the dashboard"
    ]
