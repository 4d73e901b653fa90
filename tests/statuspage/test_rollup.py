"""Rollup rules and day figures (pure functions)."""

import pytest

from sla.display import format_target
from statuspage import rollup
from statuspage.uptime import DayFigures, format_minutes, uptime_over


@pytest.mark.parametrize(
    ("state", "status"),
    [
        ("OK", "operational"),
        ("", "operational"),
        (None, "operational"),
        ("WARN", "degraded_performance"),
        ("UNKNOWN", "degraded_performance"),
        ("CRIT", "major_outage"),
    ],
)
def test_service_state_to_component_status(state, status):
    assert rollup.status_for_state(state) == status


def test_group_status_follows_aggregation():
    assert rollup.status_for_group("worst", None, ["OK", "CRIT", "OK"]) == "partial_outage"
    assert rollup.status_for_group("worst", None, ["CRIT", "CRIT"]) == "major_outage"
    assert rollup.status_for_group("worst", None, ["OK", "WARN"]) == "degraded_performance"
    assert rollup.status_for_group("best", None, ["OK", "CRIT"]) == "operational"
    assert rollup.status_for_group("k_of_n", 2, ["OK", "CRIT", "CRIT"]) == "partial_outage"
    assert rollup.status_for_group("k_of_n", 2, ["OK", "OK", "CRIT"]) == "operational"
    assert rollup.status_for_group("worst", None, ["", ""]) == "operational"  # never monitored


def test_effective_status_incident_and_maintenance():
    assert rollup.effective_status("operational", "partial_outage", False) == "partial_outage"
    assert rollup.effective_status("major_outage", "degraded_performance", False) == "major_outage"
    assert rollup.effective_status("major_outage", None, True) == "under_maintenance"
    assert rollup.effective_status("operational", "major_outage", True) == "major_outage"


@pytest.mark.parametrize(
    ("components", "impacts", "maintenance", "expected"),
    [
        ([], [], False, ("none", "All Systems Operational")),
        (["operational"], [], False, ("none", "All Systems Operational")),
        (["degraded_performance"], [], False, ("minor", "Minor Service Outage")),
        (["partial_outage", "operational"], [], False, ("major", "Partial System Outage")),
        (["major_outage", "partial_outage"], [], False, ("critical", "Major Service Outage")),
        (["operational"], ["critical"], False, ("critical", "Major Service Outage")),
        (["operational"], ["none"], False, ("none", "All Systems Operational")),
        (["under_maintenance"], [], False, ("maintenance", "Service Under Maintenance")),
        (["operational"], [], True, ("maintenance", "Service Under Maintenance")),
        (["under_maintenance", "major_outage"], [], True, ("critical", "Major Service Outage")),
    ],
)
def test_page_indicator(components, impacts, maintenance, expected):
    assert rollup.page_indicator(components, impacts, maintenance) == expected


def test_day_levels_weight_partial_outage_less_than_major():
    ten_minutes = 600.0
    major = DayFigures(ok=86400 - ten_minutes, crit=ten_minutes)
    partial = DayFigures(ok=86400 - ten_minutes, warn=ten_minutes)
    assert partial.weighted_outage == pytest.approx(0.3 * major.weighted_outage)
    assert partial.uptime > major.uptime
    assert DayFigures(ok=86400).level == "0"
    assert major.level == "1"
    assert DayFigures(ok=80000, crit=3000).level == "2"
    assert DayFigures(ok=70000, crit=10000).level == "3"
    assert DayFigures(ok=20000, crit=60000).level == "4"
    assert DayFigures().level == "nodata"
    assert DayFigures(downtime=3600).level == "nodata"  # downtime alone is no monitoring


def test_uptime_over_days_ignores_unmonitored_days():
    days = [DayFigures(ok=86400), DayFigures(ok=86400 - 864, crit=864), DayFigures()]
    assert uptime_over(days) == pytest.approx(99.5)
    assert uptime_over([DayFigures()]) is None


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (99.9, "99.9%"),
        (5, "5%"),
        (99.95, "99.95%"),
        (99.99999, "99.99999%"),  # never rounded up to "100%"
        (99.9999999, "99.9999999%"),
        (0.00001, "0.00001%"),
        (None, ""),
    ],
)
def test_target_is_shown_as_written(value, text):
    assert format_target(value) == text


def test_minutes_text():
    assert format_minutes(0) == "0 min"
    assert format_minutes(20) == "<1 min"
    assert format_minutes(600) == "10 min"
    assert format_minutes(3900) == "1 h 5 min"
    assert format_minutes(7200) == "2 h"
