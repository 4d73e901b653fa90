"""JSON shapes of the results (SLA-SEMANTICS.md section 4)."""

import json
from datetime import UTC, datetime

from sla.engine import Outage, PeriodResult, RequirementResult, isoformat_utc

from .helpers import at, events, make_sla, outages, percentage, run


def test_isoformat_utc():
    assert isoformat_utc(at("2024-03-04T01:00+01:00")) == "2024-03-04T00:00:00Z"
    assert (
        isoformat_utc(datetime(2024, 3, 4, 0, 0, 0, 500000, UTC)) == "2024-03-04T00:00:00.500000Z"
    )


def test_period_json_shape_for_both_kinds():
    sla = make_sla(requirements=[percentage("OK", 99, levels=(50, 10)), outages("CRIT", 1, 0)])
    event_list = events(
        ("2024-03-01", "OK"), ("2024-03-04T10:00", "CRIT"), ("2024-03-04T10:10", "OK")
    )
    (period,) = run(sla, event_list)
    data = period.to_json()
    assert list(data) == ["start", "end", "complete", "state", "requirements"]
    pct, out = data["requirements"]
    assert list(pct) == [
        "title",
        "kind",
        "state",
        "broken",
        "considered_seconds",
        "value",
        "remaining",
        "seconds",
    ]
    assert list(out) == [
        "title",
        "kind",
        "state",
        "broken",
        "considered_seconds",
        "count",
        "remaining",
        "outages",
    ]
    assert out["outages"] == [
        {"start": "2024-03-04T10:00:00Z", "end": "2024-03-04T10:10:00Z", "seconds": 600.0}
    ]
    assert out["remaining"] == 0 and isinstance(out["remaining"], int)
    assert isinstance(pct["considered_seconds"], float)
    json.dumps(data)  # serialisable as is


def test_nodata_json():
    sla = make_sla(requirements=[percentage(), outages()])
    (period,) = run(sla, [])
    pct, out = period.to_json()["requirements"]
    assert pct == {
        "title": pct["title"],
        "kind": "percentage",
        "state": "NODATA",
        "broken": False,
        "considered_seconds": 0.0,
        "value": None,
        "remaining": None,
        "seconds": {},
    }
    assert out == {
        "title": out["title"],
        "kind": "outages",
        "state": "NODATA",
        "broken": False,
        "considered_seconds": 0.0,
        "count": 0,
        "remaining": None,
        "outages": [],
    }


def test_results_are_frozen_dataclasses():
    outage = Outage(at("2024-03-04"), at("2024-03-05"), 86400.0)
    result = RequirementResult("t", "outages", "OK", False, 1.0, None, 0, None, 1, (outage,))
    period = PeriodResult(at("2024-03-04"), at("2024-03-05"), True, "OK", (result,))
    try:
        period.state = "BROKEN"
    except AttributeError:
        pass
    else:  # pragma: no cover
        raise AssertionError("PeriodResult must be frozen")
    assert period.to_json()["requirements"][0]["outages"][0]["seconds"] == 86400.0
