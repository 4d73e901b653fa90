import copy
from datetime import date

import pytest

from sla.engine import (
    Levels,
    Options,
    SpecError,
    TimePeriodSpec,
    parse_options,
    parse_requirement,
    parse_sla,
    parse_time_period,
    sla_to_json,
    time_period_to_json,
)

FULL = {
    "period": "weekly",
    "timezone": "Europe/Berlin",
    "time_period": {
        "monday": ["08:00-12:00", "13:00-18:00"],
        "friday": ["08:00-24:00"],
        "exceptions": {"2024-12-25": [], "2024-12-24": ["08:00-12:00"]},
    },
    "options": {
        "downtimes": "exclude",
        "downtime_ok_is_uptime": True,
        "warn_as": "crit",
        "unknown_as": "OK",
        "short_interval_seconds": 60,
        "merge_phases": False,
        "include_unmonitored": True,
        "outage_split": "start_period",
    },
    "requirements": [
        {
            "title": "Availability",
            "kind": "percentage",
            "state": "up",
            "comparison": "min",
            "target": 99.5,
            "levels": {"warn": 50, "crit": 10},
        },
        {
            "title": "Outages",
            "kind": "outages",
            "state": "down",
            "max_count": 2,
            "min_duration_seconds": 300,
            "levels": {"warn": 1, "crit": 0},
            "time_period": {"saturday": ["00:00-24:00"]},
        },
    ],
}


def test_full_sla_parses():
    sla = parse_sla(FULL)
    assert sla.period == "weekly"
    assert sla.timezone == "Europe/Berlin"
    assert sla.time_period.weekdays[0] == ((480, 720), (780, 1080))
    assert sla.time_period.weekdays[4] == ((480, 1440),)
    assert sla.time_period.weekdays[1] == ()
    assert sla.time_period.ranges_for(date(2024, 12, 25)) == ()
    assert sla.time_period.ranges_for(date(2024, 12, 24)) == ((480, 720),)
    assert sla.time_period.ranges_for(date(2024, 12, 23)) == ((480, 720), (780, 1080))
    assert sla.options == Options(
        downtimes="exclude",
        downtime_ok_is_uptime=True,
        warn_as="CRIT",
        unknown_as="OK",
        short_interval_seconds=60,
        merge_phases=False,
        include_unmonitored=True,
        outage_split="start_period",
    )
    percentage, outages = sla.requirements
    assert (percentage.state, percentage.comparison, percentage.target) == ("OK", "min", 99.5)
    assert percentage.levels == Levels(warn=50, crit=10)
    assert percentage.time_period is None
    assert (outages.state, outages.max_count, outages.min_duration_seconds) == ("CRIT", 2, 300)
    assert outages.time_period.weekdays[5] == ((0, 1440),)


def test_defaults():
    sla = parse_sla({"period": "daily", "requirements": [FULL["requirements"][0]]})
    assert sla.timezone == "UTC"
    assert sla.time_period is None
    assert sla.options == Options()
    assert Options() == Options(
        downtimes="honor",
        downtime_ok_is_uptime=False,
        warn_as="WARN",
        unknown_as="UNKNOWN",
        short_interval_seconds=0,
        merge_phases=True,
        include_unmonitored=False,
        outage_split="per_period",
    )


def test_round_trip():
    sla = parse_sla(FULL)
    again = parse_sla(sla_to_json(sla))
    assert again == sla
    assert sla_to_json(again) == sla_to_json(sla)


def test_time_period_round_trip_and_ranges_sorted():
    spec = parse_time_period({"monday": ["13:00-18:00", "08:00-12:00"]}, "tp")
    assert spec.weekdays[0] == ((480, 720), (780, 1080))
    assert time_period_to_json(spec) == {"monday": ["08:00-12:00", "13:00-18:00"]}
    assert parse_time_period(time_period_to_json(spec), "tp") == spec


def test_time_period_is_hashable_and_compares_by_value():
    first = parse_time_period({"monday": ["08:00-18:00"]}, "tp")
    second = parse_time_period({"monday": ["08:00-18:00"]}, "tp")
    assert first == second
    assert hash(first) == hash(second)
    assert isinstance(first, TimePeriodSpec)


def test_touching_ranges_are_not_overlapping():
    spec = parse_time_period({"monday": ["08:00-12:00", "12:00-18:00"]}, "tp")
    assert spec.weekdays[0] == ((480, 720), (720, 1080))


def test_requirement_time_period_null_means_the_slas():
    requirement = dict(FULL["requirements"][0], time_period=None)
    assert parse_requirement(requirement, "r").time_period is None


def test_integral_float_count_is_accepted():
    requirement = dict(FULL["requirements"][1], max_count=2.0)
    assert parse_requirement(requirement, "r").max_count == 2


def _broken(path, value=None, delete=False):
    """A copy of FULL with ``path`` (list of keys) set to ``value`` or deleted."""
    obj = copy.deepcopy(FULL)
    parent = obj
    for key in path[:-1]:
        parent = parent[key]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return obj


@pytest.mark.parametrize(
    ("path", "value", "field", "fragment"),
    [
        (["period"], "hourly", "sla.period", "daily"),
        (["timezone"], "Mars/Olympus", "sla.timezone", "unknown timezone"),
        (["timezone"], "", "sla.timezone", "unknown timezone"),
        (["timezone"], 1, "sla.timezone", "unknown timezone"),
        (["requirements"], [], "sla.requirements", "at least one"),
        (["requirements"], {}, "sla.requirements", "list"),
        (["requirements", 0, "target"], 100.5, "sla.requirements[0].target", "<= 100"),
        (["requirements", 0, "target"], -1, "sla.requirements[0].target", ">= 0"),
        (["requirements", 0, "target"], True, "sla.requirements[0].target", "number"),
        (["requirements", 0, "target"], "99", "sla.requirements[0].target", "number"),
        (["requirements", 0, "target"], float("nan"), "sla.requirements[0].target", "number"),
        (["requirements", 0, "comparison"], "avg", "sla.requirements[0].comparison", "min"),
        (["requirements", 0, "kind"], "latency", "sla.requirements[0].kind", "percentage"),
        (["requirements", 0, "state"], "WARNINGS", "sla.requirements[0].state", "unknown state"),
        (["requirements", 0, "title"], "", "sla.requirements[0].title", "non-empty"),
        (["requirements", 0, "title"], 5, "sla.requirements[0].title", "non-empty"),
        (
            ["requirements", 0, "levels"],
            {"warn": 10, "crit": 50},
            "sla.requirements[0].levels.crit",
            "<=",
        ),
        (
            ["requirements", 0, "levels"],
            {"warn": "10", "crit": 5},
            "sla.requirements[0].levels.warn",
            "number",
        ),
        (
            ["requirements", 0, "levels"],
            {"warn": 10},
            "sla.requirements[0].levels.crit",
            "required",
        ),
        (
            ["requirements", 0, "levels"],
            {"warn": 10, "crit": 5, "ok": 1},
            "sla.requirements[0].levels.ok",
            "unknown key",
        ),
        (["requirements", 0, "levels"], [1, 2], "sla.requirements[0].levels", "object"),
        (["requirements", 0, "max_count"], 3, "sla.requirements[0].max_count", "unknown key"),
        (["requirements", 1, "target"], 3, "sla.requirements[1].target", "unknown key"),
        (["requirements", 1, "max_count"], -1, "sla.requirements[1].max_count", ">= 0"),
        (["requirements", 1, "max_count"], 1.5, "sla.requirements[1].max_count", "whole number"),
        (["requirements", 1, "max_count"], False, "sla.requirements[1].max_count", "whole number"),
        (
            ["requirements", 1, "min_duration_seconds"],
            -5,
            "sla.requirements[1].min_duration_seconds",
            ">= 0",
        ),
        (
            ["requirements", 1, "time_period", "saturday"],
            ["10:00-09:00"],
            "sla.requirements[1].time_period.saturday[0]",
            "inverted",
        ),
        (["requirements", 2], "x", "sla.requirements[2]", "object"),
        (["time_period", "monday", 1], "11:00-13:00", "sla.time_period.monday[1]", "overlaps"),
        (["time_period", "monday", 1], "12:00-12:00", "sla.time_period.monday[1]", "inverted"),
        (["time_period", "monday", 1], "8:00-9:00", "sla.time_period.monday[1]", "malformed"),
        (["time_period", "monday", 1], "24:00-24:00", "sla.time_period.monday[1]", "malformed"),
        (["time_period", "monday", 1], "22:00-24:30", "sla.time_period.monday[1]", "malformed"),
        (["time_period", "monday", 1], "22:00-25:00", "sla.time_period.monday[1]", "malformed"),
        (["time_period", "monday", 1], "22:60-23:00", "sla.time_period.monday[1]", "malformed"),
        (["time_period", "monday", 1], "22:00-02:00", "sla.time_period.monday[1]", "midnight"),
        (["time_period", "monday", 1], "13:00-18:00\n", "sla.time_period.monday[1]", "malformed"),
        (["time_period", "monday", 1], 1300, "sla.time_period.monday[1]", "string"),
        (["time_period", "monday"], "08:00-12:00", "sla.time_period.monday", "list"),
        (["time_period", "mondays"], [], "sla.time_period.mondays", "unknown key"),
        (
            ["time_period", "exceptions", "2024-13-01"],
            [],
            "sla.time_period.exceptions.2024-13-01",
            "date",
        ),
        (
            ["time_period", "exceptions", "20241224"],
            [],
            "sla.time_period.exceptions.20241224",
            "date",
        ),
        (
            ["time_period", "exceptions", "2024-12-25"],
            ["x"],
            "sla.time_period.exceptions.2024-12-25[0]",
            "malformed",
        ),
        (["time_period"], [], "sla.time_period", "object"),
        (["options", "downtimes"], "skip", "sla.options.downtimes", "honor"),
        (["options", "warn_as"], "BAD", "sla.options.warn_as", "unknown state"),
        (["options", "unknown_as"], None, "sla.options.unknown_as", "unknown state"),
        (["options", "short_interval_seconds"], -1, "sla.options.short_interval_seconds", ">= 0"),
        (
            ["options", "short_interval_seconds"],
            "60",
            "sla.options.short_interval_seconds",
            "number",
        ),
        (["options", "merge_phases"], "yes", "sla.options.merge_phases", "true or false"),
        (["options", "include_unmonitored"], 1, "sla.options.include_unmonitored", "true or false"),
        (
            ["options", "downtime_ok_is_uptime"],
            None,
            "sla.options.downtime_ok_is_uptime",
            "true or false",
        ),
        (["options", "outage_split"], "whole", "sla.options.outage_split", "per_period"),
        (["options", "merge"], True, "sla.options.merge", "unknown key"),
        (["options"], [], "sla.options", "object"),
        (["name"], "x", "sla.name", "unknown key"),
    ],
)
def test_validation_names_the_field(path, value, field, fragment):
    if path == ["requirements", 2]:
        obj = copy.deepcopy(FULL)
        obj["requirements"].append(value)
    else:
        obj = _broken(path, value)
    with pytest.raises(SpecError) as error:
        parse_sla(obj)
    assert error.value.field == field
    assert fragment in error.value.message
    assert str(error.value) == f"{field}: {error.value.message}"


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (["period"], "sla.period"),
        (["requirements"], "sla.requirements"),
        (["requirements", 0, "target"], "sla.requirements[0].target"),
        (["requirements", 0, "comparison"], "sla.requirements[0].comparison"),
        (["requirements", 0, "state"], "sla.requirements[0].state"),
        (["requirements", 0, "title"], "sla.requirements[0].title"),
        (["requirements", 0, "kind"], "sla.requirements[0].kind"),
        (["requirements", 1, "max_count"], "sla.requirements[1].max_count"),
        (["requirements", 1, "min_duration_seconds"], "sla.requirements[1].min_duration_seconds"),
    ],
)
def test_missing_required_keys(path, field):
    with pytest.raises(SpecError) as error:
        parse_sla(_broken(path, delete=True))
    assert error.value.field == field
    assert error.value.message == "is required"


def test_sla_must_be_an_object():
    with pytest.raises(SpecError) as error:
        parse_sla([], "sla")
    assert error.value.field == "sla"


def test_parsers_take_the_field_prefix():
    with pytest.raises(SpecError) as error:
        parse_time_period({"monday": ["x"]}, "time_period")
    assert error.value.field == "time_period.monday[0]"
    with pytest.raises(SpecError) as error:
        parse_options({"downtimes": "x"}, "options")
    assert error.value.field == "options.downtimes"
    with pytest.raises(SpecError) as error:
        parse_requirement({"kind": "outages"}, "requirements[4]")
    assert error.value.field == "requirements[4].title"


def test_options_none_is_defaults():
    assert parse_options(None, "options") == Options()
