import pytest

from accounts.demo import demo_seed
from reporting.models import WebhookEndpoint
from sla.models import SLO, SLOHourBucket

pytestmark = pytest.mark.django_db


def test_demo_seed_adds_slos_with_buckets_and_no_webhooks():
    first = demo_seed()
    demo_seed()  # idempotent
    slos = SLO.objects.filter(account=first.account)
    assert slos.count() == 5
    assert {slo.sli_kind for slo in slos} == {"time", "requests", "latency", "timeslice"}
    assert SLOHourBucket.objects.filter(account=first.account).exists()
    assert not WebhookEndpoint.objects.exists()
    assert any("SLOs" in line for line in first.notes)
