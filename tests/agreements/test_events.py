"""What a round tells the rest of SLA Portal: signed webhooks and plain JSON to
SLA_NOTIFICATION_ENDPOINT through the outbox (real receivers on 127.0.0.1), and a linked
service's status events with incidents."""

import pytest
from django.utils import timezone

from agreements.services.assessment import agreements_assess
from agreements.services.definitions import agreement_create
from reporting.models import OutboxMessage, WebhookEndpoint
from reporting.services.notifications import outbox_process_due
from sla.models import Incident, StatusEvent
from sla.services.rollups import incidents_refresh_account
from tests.agreements.conftest import unique_metric
from tests.factories import ServiceFactory
from tests.reporting.receiver import Receiver


@pytest.fixture
def endpoint(settings, allow_private_networks):
    server = Receiver(secret=None).start()
    settings.SLA_NOTIFICATION_ENDPOINT = server.url
    yield server
    server.stop()


def assess(agreement):
    agreements_assess(account=agreement.account, agreements=[agreement], now=timezone.now())
    agreement.refresh_from_db()


def test_levels_notify_and_feed_the_linked_service(
    tenants, source, prometheus_exporter, prometheus_server, receiver, endpoint
):
    WebhookEndpoint.objects.create(
        account=tenants.a, name="hook", url=receiver.url, secret="s3cret-for-tests"
    )
    service = ServiceFactory(account=tenants.a, path="apps/app01")
    metric = unique_metric("agr_events")
    prometheus_exporter.set(metric, 10)
    prometheus_server.wait_for(metric, lambda result: len(result) == 1)
    agreement = agreement_create(
        account=tenants.a,
        name="ExampleApplication_01",
        service=service,
        guarantees=[{"name": "Processing01", "query": f"[{metric}] < 50000", "scope": ""}],
    )
    assess(agreement)  # Unknown -> Met: the service's first state, no level_changed event
    prometheus_exporter.set(metric, 239641613)
    prometheus_server.wait_for(f"{metric} > 50000", lambda result: len(result) == 1)
    assess(agreement)  # Met -> Broken
    assess(agreement)  # Broken -> Critical
    assert agreement.level == "Critical"
    types = list(OutboxMessage.objects.order_by("pk").values_list("event_type", flat=True))
    assert types == [
        "agreement.level_changed", "agreement.violation",
        "agreement.level_changed", "agreement.violation",
    ]  # fmt: skip
    outbox_process_due(now=timezone.now())

    hooks = list(receiver.accepted)
    assert len(hooks) == 4 and all(item.signature_ok for item in hooks)
    first_change = hooks[0].json
    assert first_change["type"] == "agreement.level_changed"
    assert first_change["data"] == {
        "serviceId": "ExampleApplication_01",
        "slaId": agreement.agreement_id,
        "KPIs": [
            {
                "roleId": agreement.agreement_id,
                "query": f"[{metric}#LABELS#] < 50000",
                "level": "Broken",
                "value": 239641613,
                "threshold": "",
                "violations": None,
                "total_violations": 1,
            }
        ],
    }
    plain = endpoint.bodies
    assert len(plain) == 4
    assert all("x-sla-signature" not in item.headers for item in endpoint.accepted)
    violation_list = plain[1]
    assert isinstance(violation_list, list) and len(violation_list) == 1
    (kpi,) = violation_list[0]["KPIs"]
    (violation,) = kpi["violations"]
    assert violation["agreement_id"] == violation["appID"] == agreement.agreement_id
    assert violation["guarantee"] == "Processing01"
    assert violation["constraint"] == f"[{metric}] < 50000"
    assert violation["values"][0]["key"] == metric
    assert violation["values"][0]["value"] == 239641613
    assert set(violation["values"][0]) == {"key", "action", "namespace", "value", "datetime"}

    events = StatusEvent.objects.filter(service=service).order_by("at")
    assert [event.state for event in events] == ["OK", "WARN", "CRIT"]
    assert all(
        event.dedup_key.startswith(f"id:agreement:{agreement.agreement_id}:") for event in events
    )
    incidents_refresh_account(account=tenants.a)
    incident = Incident.objects.get(service=service)
    assert incident.ended_at is None and incident.worst_state == "CRIT"
