"""Demo data of the SLO side for `make run`: SLOs and request counts for demo services.

Services are found by path or created (another seeder may have made them with events);
no webhook is created (a demo must not post to an unreachable address).
"""

import datetime as dt
import random

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
        rows.append(
            RequestCount(
                account=account,
                service=service,
                source="demo",
                start=minute,
                end=minute + MINUTE,
                good=total - bad,
                total=total,
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
    ]
    for name, service, kind, target, window in definitions:
        SLO.objects.update_or_create(
            account=account,
            name=name,
            defaults={"service": service, "sli_kind": kind, "target": target, **window},
        )
    slo_buckets_refresh(account=account, now=now)
    return [
        f"SLOs: {len(definitions)} (time and request based), {minutes} minutes of request "
        "counts for shop/web; see /admin/sla/slo/ and GET /api/v1/slos"
    ]
