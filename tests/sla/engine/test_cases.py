"""Acceptance cases and the case format of SLA-SEMANTICS.md section 4."""

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sla.engine import SpecError, evaluate_case, parse_case

CASES_DIR = Path(__file__).resolve().parents[2] / "data" / "engine"
CASE_FILES = sorted(CASES_DIR.glob("*.json"))


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def test_there_are_acceptance_cases():
    assert len(CASE_FILES) >= 6


@pytest.mark.parametrize("path", CASE_FILES, ids=[path.stem for path in CASE_FILES])
def test_acceptance_case(path):
    case = load(path)
    result = evaluate_case(parse_case(case))
    assert result == case["expected"]
    # Same key order, same JSON text (e.g. "seconds" in order of first occurrence).
    assert json.dumps(result) == json.dumps(case["expected"])


@pytest.mark.parametrize("path", CASE_FILES, ids=[path.stem for path in CASE_FILES])
def test_acceptance_case_does_not_depend_on_event_order(path):
    case = load(path)
    case["events"].reverse()
    assert evaluate_case(parse_case(case)) == case["expected"]


BASE = {
    "sla": {
        "period": "daily",
        "requirements": [
            {"title": "t", "kind": "percentage", "state": "OK", "comparison": "min", "target": 99}
        ],
    },
    "events": [
        {"at": "2024-03-04T00:00:00Z", "state": "OK"},
        {"at": "2024-03-04T10:00:00+01:00", "state": "down"},
        {"at": "2024-03-04T09:10:00Z", "state": "up"},
    ],
    "downtimes": [{"start": "2024-03-04T12:00:00Z", "end": "2024-03-04T13:00:00Z"}],
    "range": {"from": "2024-03-04T00:00:00Z", "to": "2024-03-05T00:00:00Z"},
    "now": "2024-03-04T18:00:00Z",
}


def test_parse_case():
    case = parse_case(BASE)
    assert [event.state for event in case.events] == ["OK", "CRIT", "OK"]
    assert case.events[1].at == datetime(2024, 3, 4, 9, tzinfo=UTC)
    assert case.now == datetime(2024, 3, 4, 18, tzinfo=UTC)
    (period,) = evaluate_case(case)["periods"]
    assert period["complete"] is False
    assert period["end"] == "2024-03-05T00:00:00Z"
    assert period["requirements"][0]["seconds"] == {
        "OK": 60600.0,
        "CRIT": 600.0,
        "DOWNTIME": 3600.0,
    }


def test_events_and_downtimes_are_optional_description_and_expected_ignored():
    case = {key: value for key, value in BASE.items() if key not in ("events", "downtimes", "now")}
    case.update(description="nothing", expected={"periods": []})
    parsed = parse_case(case)
    assert parsed.events == () and parsed.downtimes == () and parsed.now is None


def test_now_defaults_to_the_real_current_time():
    case = copy.deepcopy(BASE)
    del case["now"]
    case["range"] = {"from": "2999-01-01T00:00:00Z", "to": "2999-01-02T00:00:00Z"}
    assert evaluate_case(parse_case(case)) == {"periods": []}
    case["range"] = {"from": "2024-03-04T00:00:00Z", "to": "2024-03-05T00:00:00Z"}
    (period,) = evaluate_case(parse_case(case))["periods"]
    assert period["complete"] is True


def broken(change):
    case = copy.deepcopy(BASE)
    change(case)
    return case


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        (lambda c: c["events"][1].update(at="2024-03-04T10:00:00"), "events[1].at", "offset"),
        (lambda c: c["events"][1].update(at="yesterday"), "events[1].at", "ISO 8601"),
        (lambda c: c["events"][1].update(at=1709546400), "events[1].at", "string"),
        (lambda c: c["events"][2].update(state="GREEN"), "events[2].state", "unknown state"),
        (lambda c: c["events"][0].pop("state"), "events[0].state", "required"),
        (lambda c: c["events"][0].update(service="x"), "events[0].service", "unknown key"),
        (lambda c: c["events"].append("x"), "events[3]", "object"),
        (lambda c: c.update(events={}), "events", "list"),
        (
            lambda c: c["downtimes"][0].update(end="2024-03-04T12:00:00Z"),
            "downtimes[0].end",
            "after",
        ),
        (
            lambda c: c["downtimes"][0].update(end="2024-03-04T11:00:00Z"),
            "downtimes[0].end",
            "after",
        ),
        (lambda c: c["downtimes"][0].update(start="2024-03-04"), "downtimes[0].start", "offset"),
        (lambda c: c["downtimes"][0].pop("end"), "downtimes[0].end", "required"),
        (lambda c: c["range"].update(to="2024-03-04T00:00:00Z"), "range.to", "after"),
        (lambda c: c["range"].update(to="2024-03-03T00:00:00Z"), "range.to", "after"),
        (lambda c: c["range"].update(**{"from": "2024-03-04T00:00"}), "range.from", "offset"),
        (lambda c: c["range"].pop("to"), "range.to", "required"),
        (lambda c: c.pop("range"), "range", "required"),
        (lambda c: c.update(range=[]), "range", "object"),
        (lambda c: c.update(now="2024-03-04 18:00"), "now", "offset"),
        (lambda c: c.update(now="0001-01-01T00:00:00+01:00"), "now", "outside"),
        (lambda c: c["range"].update(to="9999-12-31T23:00:00Z"), "range.to", "outside"),
        (lambda c: c.pop("sla"), "sla", "required"),
        (lambda c: c["sla"].update(period="hourly"), "sla.period", "one of"),
        (
            lambda c: c["sla"]["requirements"][0].update(target=101),
            "sla.requirements[0].target",
            "<=",
        ),
        (lambda c: c.update(extra=1), "extra", "unknown key"),
        (lambda c: c["events"][0].update(flapping="yes"), "events[0].flapping", "true or false"),
        (lambda c: c.update(service_period={"monday": ["9-5"]}), "service_period.monday[0]", "HH"),
        (lambda c: c.update(notification_period=[]), "notification_period", "object"),
    ],
)
def test_invalid_cases_name_the_field(change, field, fragment):
    with pytest.raises(SpecError) as error:
        parse_case(broken(change))
    assert error.value.field == field
    assert fragment in error.value.message


def test_case_must_be_an_object():
    with pytest.raises(SpecError) as error:
        parse_case([])
    assert error.value.field == "case"
