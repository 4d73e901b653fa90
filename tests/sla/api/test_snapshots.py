"""GET /api/v1/services/{id}/snapshots and /groups/{id}/snapshots at 5m, 1h and 1d."""

import datetime as dt

import pytest
import time_machine

from sla.models import Service, ServiceGroup
from sla.services.ingest import events_ingest
from sla.services.rollups import account_rollup
from tests.factories import ServiceFactory
from tests.sla.helpers import item

pytestmark = pytest.mark.django_db
BASE = dt.datetime(2024, 3, 4, 21, 0, tzinfo=dt.UTC)  # 22:00 in Berlin
NOW = BASE + dt.timedelta(hours=4)


@pytest.fixture
def rolled(tenants):
    account = tenants.a
    account.timezone = "Europe/Berlin"
    account.save()
    with time_machine.travel(NOW, tick=False):
        events_ingest(
            account=account,
            items=[
                item("web", 0, "OK", base=BASE),
                item("web", 30, "CRIT", base=BASE),
                item("web", 40, "OK", base=BASE),
            ],
        )
        group = ServiceGroup.objects.create(account=account, name="front")
        service = Service.objects.get(account=account, path="web")
        service.group = group
        service.save()
        account_rollup(account=account)
    return service, group


def get(client, url):
    with time_machine.travel(NOW, tick=False):
        response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()


def test_five_minute_buckets(api_a, rolled):
    service, _ = rolled
    body = get(
        api_a,
        f"/api/v1/services/{service.pk}/snapshots?from=2024-03-04T21:25:00Z&to=2024-03-04T21:45:00Z",
    )
    assert body["service"] == {"id": service.pk, "path": "web"} and body["resolution"] == "5m"
    assert [bucket["start"] for bucket in body["buckets"]] == [
        "2024-03-04T21:25:00Z",
        "2024-03-04T21:30:00Z",
        "2024-03-04T21:35:00Z",
        "2024-03-04T21:40:00Z",
    ]
    assert (
        body["buckets"][1]["seconds"]["crit"] == 300 and body["buckets"][1]["uptime_percent"] == 0
    )
    assert body["buckets"][0]["end"] == "2024-03-04T21:30:00Z"


def test_hourly_and_daily_in_local_time(api_a, rolled):
    service, group = rolled
    hourly = get(
        api_a, f"/api/v1/services/{service.pk}/snapshots?resolution=1h&from=2024-03-04T21:00:00Z"
    )
    assert [b["start"] for b in hourly["buckets"]] == [
        "2024-03-04T21:00:00Z",
        "2024-03-04T22:00:00Z",
        "2024-03-04T23:00:00Z",
        "2024-03-05T00:00:00Z",
    ]
    assert hourly["buckets"][0]["seconds"]["crit"] == 600
    assert hourly["buckets"][0]["uptime_percent"] == pytest.approx(100 * 3000 / 3600)
    daily = get(api_a, f"/api/v1/groups/{group.pk}/snapshots?resolution=1d")
    assert daily["group"]["name"] == "front" and daily["timezone"] == "Europe/Berlin"
    assert [(b["start"], b["seconds"]["ok"]) for b in daily["buckets"]] == [
        ("2024-03-03T23:00:00Z", 6600),
        ("2024-03-04T23:00:00Z", 7200),
    ]


def test_daily_buckets_are_local_days(api_a, rolled):
    service, _ = rolled
    daily = get(
        api_a, f"/api/v1/services/{service.pk}/snapshots?resolution=1d&from=2024-03-04T00:00:00Z"
    )
    assert [(b["start"], b["end"]) for b in daily["buckets"]] == [
        ("2024-03-03T23:00:00Z", "2024-03-04T23:00:00Z"),
        ("2024-03-04T23:00:00Z", "2024-03-05T23:00:00Z"),
    ]
    assert [b["seconds"]["ok"] for b in daily["buckets"]] == [7200 - 600, 7200]


@pytest.mark.parametrize(
    "query",
    [
        "resolution=1y",
        "from=2024-01-01T00:00:00Z&resolution=5m",
        "from=2024-03-05T00:00:00Z&to=2024-03-04T00:00:00Z",
        "to=nope",
    ],
)
def test_bad_parameters(api_a, rolled, query):
    service, _ = rolled
    with time_machine.travel(NOW, tick=False):
        response = api_a.get(f"/api/v1/services/{service.pk}/snapshots?{query}")
    assert response.status_code == 400 and response.json()["error"] == "validation_error"


def test_other_accounts_service_is_404(api_b, tenants):
    service = ServiceFactory(account=tenants.a)
    assert api_b.get(f"/api/v1/services/{service.pk}/snapshots").status_code == 404
