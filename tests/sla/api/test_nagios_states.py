"""Nagios/Checkmk spellings of states are accepted wherever a state is named."""

import datetime as dt

import pytest
import time_machine

from sla.engine import StateError, normalize_state, parse_requirement
from sla.models import StatusEvent
from tests.factories import ServiceFactory

NOW = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("spelling", "state"),
    [
        ("WARNING", "WARN"),
        ("critical", "CRIT"),
        (0, "OK"),
        (1, "WARN"),
        ("2", "CRIT"),
        (3, "UNKNOWN"),
    ],
)
def test_nagios_spellings(spelling, state):
    assert normalize_state(spelling) == state


@pytest.mark.parametrize("spelling", [4, -1, True, "4", "2.0", "WARNINGS", None])
def test_other_values_are_rejected_with_the_accepted_list(spelling):
    with pytest.raises(StateError, match="WARNING, CRITICAL, 0-3"):
        normalize_state(spelling)


def test_requirements_accept_them_too():
    requirement = parse_requirement(
        {
            "title": "t",
            "kind": "outages",
            "state": "CRITICAL",
            "max_count": 0,
            "min_duration_seconds": 0,
        }
    )
    assert requirement.state == "CRIT"


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_ingest_and_filters_take_nagios_states(api_a, tenants):
    events = [
        {"service": "web", "at": "2026-11-21T11:00:00Z", "state": "WARNING"},
        {"service": "web", "at": "2026-11-21T11:01:00Z", "state": 2},
        {"service": "web", "at": "2026-11-21T11:02:00Z", "state": "3"},
        {"service": "web", "at": "2026-11-21T11:03:00Z", "state": "CRITICAL"},
    ]
    response = api_a.post("/api/v1/events", {"events": events}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["accepted"] == 4
    stored = StatusEvent.objects.filter(account=tenants.a).order_by("at")
    assert [event.state for event in stored] == ["WARN", "CRIT", "UNKNOWN", "CRIT"]
    critical = api_a.get("/api/v1/events?state=critical").json()["results"]
    assert len(critical) == 2
    ServiceFactory(account=tenants.a, path="db", current_state="CRIT")
    assert [row["path"] for row in api_a.get("/api/v1/services?state=2").json()["results"]] == [
        "db"
    ]
    bad = api_a.post(
        "/api/v1/events",
        {"service": "web", "at": "2026-11-21T11:04:00Z", "state": 7},
        format="json",
    )
    assert bad.status_code == 400 and "state" in bad.json()["fields"]
