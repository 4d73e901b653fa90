"""The Alertmanager receiver: payload mapping (recorded payloads), idempotence, the worst
firing alert per service, bad input; and end to end with a real Alertmanager posting to
the live test server, fed by an alert rule of the real Prometheus."""

import copy
import time

import pytest

from integrations.prometheus.models import AlertmanagerAlert, AlertmanagerSettings
from sla.models import Incident, Service, StatusEvent
from sla.services.rollups import incidents_refresh_account
from tests.conftest import client_for
from tests.factories import ApiTokenFactory

pytestmark = pytest.mark.slow

URL = "/api/v1/integrations/alertmanager"

# As Alertmanager 0.25 sends it (webhook_config, version 4).
PAYLOAD = {
    "receiver": "sla-portal",
    "status": "firing",
    "alerts": [
        {
            "status": "firing",
            "labels": {
                "alertname": "HighErrorRate",
                "service": "shop/checkout",
                "severity": "critical",
                "instance": "10.0.0.7:9100",
                "job": "checkout",
            },
            "annotations": {"summary": "5xx above 5 %"},
            "startsAt": "2026-11-21T10:00:00.123456789Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph?g0.expr=...",
            "fingerprint": "a1b2c3d4e5f60718",
        }
    ],
    "groupLabels": {"alertname": "HighErrorRate"},
    "commonLabels": {"alertname": "HighErrorRate", "severity": "critical"},
    "commonAnnotations": {},
    "externalURL": "http://alertmanager:9093",
    "version": "4",
    "groupKey": '{}:{alertname="HighErrorRate"}',
    "truncatedAlerts": 0,
}


def _alert(**changes) -> dict:
    alert = copy.deepcopy(PAYLOAD["alerts"][0])
    labels = changes.pop("labels", {})
    alert["labels"].update(labels)
    alert.update(changes)
    return alert


def _post(client, alerts: list[dict]):
    payload = {**PAYLOAD, "alerts": alerts}
    return client.post(URL, data=payload, format="json")


def _states(path: str) -> list[tuple[str, str]]:
    events = StatusEvent.objects.filter(service__path=path).order_by("at", "id")
    return [(event.at.isoformat(), event.state) for event in events]


@pytest.mark.django_db
def test_firing_then_resolved_opens_and_closes_with_repeats_as_duplicates(tenants, api_a):
    first = _post(api_a, [_alert()])
    assert first.status_code == 200, first.content
    assert first.json()["events_new"] == 1 and first.json()["services_created"] == ["shop/checkout"]
    repeat = _post(api_a, [_alert()])  # repeat_interval: the same alert again
    assert repeat.json()["events_new"] == 0 and repeat.json()["events_duplicate"] == 1
    resolved = _post(api_a, [_alert(status="resolved", endsAt="2026-11-21T10:30:00Z")])
    assert resolved.json()["alerts_resolved"] == 1
    assert _states("shop/checkout") == [
        ("2026-11-21T10:00:00.123456+00:00", "CRIT"),
        ("2026-11-21T10:30:00+00:00", "OK"),
    ]
    incidents_refresh_account(account=tenants.a)
    [incident] = Incident.objects.filter(service__path="shop/checkout")
    assert incident.worst_state == "CRIT" and incident.ended_at is not None
    assert (
        _post(api_a, [_alert(status="resolved", endsAt="2026-11-21T10:30:00Z")]).json()[
            "events_new"
        ]
        == 0
    )


@pytest.mark.django_db
def test_worst_firing_alert_of_a_service_wins(tenants, api_a):
    critical = _alert(fingerprint="c" * 16)
    warning = _alert(
        fingerprint="w" * 16, startsAt="2026-11-21T10:05:00Z",
        labels={"severity": "warning", "alertname": "Latency"},
    )  # fmt: skip
    _post(api_a, [critical, warning])
    # The warning starts while the critical fires: still CRIT.
    assert _states("shop/checkout")[-1] == ("2026-11-21T10:05:00+00:00", "CRIT")
    _post(api_a, [_alert(fingerprint="c" * 16, status="resolved", endsAt="2026-11-21T10:10:00Z")])
    assert _states("shop/checkout")[-1] == ("2026-11-21T10:10:00+00:00", "WARN")
    _post(api_a, [{**warning, "status": "resolved", "endsAt": "2026-11-21T10:20:00Z"}])
    assert _states("shop/checkout")[-1] == ("2026-11-21T10:20:00+00:00", "OK")


@pytest.mark.django_db
def test_label_template_severity_map_and_ignored_severities(tenants, api_a):
    AlertmanagerSettings.objects.create(
        account=tenants.a, service_label="app", fallback_template="{{job}}/{{instance}}",
        severity_states={"critical": "CRIT", "info": "ignore"}, default_state="WARN",
    )  # fmt: skip
    body = _post(
        api_a,
        [
            _alert(fingerprint="1" * 16),  # no "app" label: job/instance
            _alert(fingerprint="2" * 16, labels={"app": "billing", "severity": "info"}),
            _alert(fingerprint="3" * 16, labels={"app": "search", "severity": "odd"}),
        ],
    ).json()
    assert body["ignored"] == 1 and body["rejected"] == 0
    assert set(body["services_created"]) == {"checkout/10.0.0.7_9100", "search"}
    assert _states("search") == [("2026-11-21T10:00:00.123456+00:00", "WARN")]


@pytest.mark.django_db
def test_unknown_services_follow_the_auto_create_setting(tenants, api_a):
    tenants.a.feature_auto_create_services = False
    tenants.a.save()
    response = _post(api_a, [_alert()])
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "validation_error" and "alerts[0].labels" in body["fields"]
    assert "unknown service 'shop/checkout'" in body["message"]
    assert not Service.objects.filter(path="shop/checkout").exists()
    Service.objects.create(account=tenants.a, path="shop/checkout")
    assert _post(api_a, [_alert()]).json()["events_new"] == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"version": "3", "alerts": []}, "version"),
        ({"version": "4"}, "alerts"),
        ({"version": "4", "alerts": "x"}, "alerts"),
        ({"version": "4", "alerts": [1]}, "alerts[0]"),
        ({"version": "4", "alerts": [{**PAYLOAD["alerts"][0], "status": "odd"}]},
         "alerts[0].status"),
        ({"version": "4", "alerts": [{**PAYLOAD["alerts"][0], "startsAt": "yesterday"}]},
         "alerts[0].startsAt"),
        ({"version": "4", "alerts": [{**PAYLOAD["alerts"][0], "labels": []}]}, "alerts[0].labels"),
        ({"version": "4", "alerts": [{**PAYLOAD["alerts"][0], "status": "resolved"}]},
         "alerts[0].endsAt"),
        ({"version": "4", "alerts": [{**PAYLOAD["alerts"][0], "fingerprint": 7}]},
         "alerts[0].fingerprint"),
    ],
)  # fmt: skip
def test_malformed_payloads_are_400_naming_the_field(tenants, api_a, payload, field):
    response = api_a.post(URL, data=payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"], response.json()
    assert not AlertmanagerAlert.objects.exists() and not StatusEvent.objects.exists()


@pytest.mark.django_db
def test_needs_an_ingest_token_and_keeps_accounts_apart(tenants):
    reader = ApiTokenFactory(account=tenants.a, scopes=["read"])
    assert _post(client_for(reader), [_alert()]).status_code == 403
    _post(client_for(tenants.token_b), [_alert()])
    assert not Service.objects.filter(account=tenants.a).exists()
    assert Service.objects.get(account=tenants.b).path == "shop/checkout"


@pytest.mark.django_db
def test_settings_api_is_per_account(tenants, api_a, api_b):
    patched = api_a.patch(
        f"{URL}/settings", data={"service_label": "app", "severity_states": {"p1": "CRIT"}},
        format="json",
    )  # fmt: skip
    assert patched.status_code == 200 and patched.json()["service_label"] == "app"
    assert api_b.get(f"{URL}/settings").json()["service_label"] == "service"
    bad = api_a.patch(f"{URL}/settings", data={"severity_states": {"p1": "RED"}}, format="json")
    assert bad.status_code == 400 and "severity_states" in bad.json()["fields"]


# --------------------------------------------------------------------------- end to end


def _wait(predicate, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.2)


def _incident(*, ended: bool) -> bool:
    rows = Incident.objects.filter(service__path="payments/api", ended_at__isnull=not ended)
    return rows.exists()


@pytest.mark.django_db(transaction=True)
def test_real_alertmanager_alert_opens_repeats_are_duplicates_resolution_closes(
    tenants, alertmanager_server, prometheus_server, prometheus_exporter
):
    token = ApiTokenFactory(account=tenants.a, scopes=["ingest"])
    alertmanager_server.use_token(token.secret)
    labels = {"service": "payments/api"}
    sent_before = alertmanager_server.notifications_sent()
    prometheus_exporter.set("sla_test_alert_condition", 1, labels)
    try:
        _wait(lambda: StatusEvent.objects.filter(service__path="payments/api").exists())
        [alert] = AlertmanagerAlert.objects.filter(service__path="payments/api")
        assert alert.state == "CRIT" and alert.alertname == "SLAPortalTestAlert"
        # Alertmanager repeats every 2 s (repeat_interval): the same alert, no new event.
        _wait(lambda: alertmanager_server.notifications_sent() >= sent_before + 3)
        assert StatusEvent.objects.filter(service__path="payments/api").count() == 1
        assert AlertmanagerAlert.objects.filter(service__path="payments/api").count() == 1
        # The live server refreshes incidents after each request too (rows are rebuilt):
        # look until the rebuilt row is there.
        incidents_refresh_account(account=tenants.a)
        _wait(lambda: _incident(ended=False))
    finally:
        prometheus_exporter.set("sla_test_alert_condition", 0, labels)
    _wait(lambda: StatusEvent.objects.filter(service__path="payments/api", state="OK").exists())
    incidents_refresh_account(account=tenants.a)
    _wait(lambda: _incident(ended=True))
    assert [state for _, state in _states("payments/api")] == ["CRIT", "OK"]
