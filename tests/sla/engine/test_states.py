import pytest

from sla.engine.states import (
    CRIT,
    OK,
    RESULT_BADNESS,
    STATE_BADNESS,
    UNKNOWN,
    WARN,
    StateError,
    normalize_state,
    worst_result_state,
    worst_state,
)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("OK", OK),
        ("ok", OK),
        ("Warn", WARN),
        ("crit", CRIT),
        ("unknown", UNKNOWN),
        ("UP", OK),
        ("up", OK),
        ("Operational", OK),
        ("DEGRADED", WARN),
        ("degraded", WARN),
        ("OUTAGE", CRIT),
        ("Down", CRIT),
    ],
)
def test_states_and_aliases_are_case_insensitive(given, expected):
    assert normalize_state(given) == expected


@pytest.mark.parametrize(
    "given", ["WARNINGS", "CRIT ICAL", "", " OK", "OK ", "unmonitored", "DOWNTIME", None, 4, 2.0]
)
def test_anything_else_is_rejected_never_guessed(given):
    with pytest.raises(StateError) as error:
        normalize_state(given)
    message = str(error.value)
    assert repr(given) in message
    for accepted in ("OK", "WARN", "CRIT", "UNKNOWN", "UP", "OPERATIONAL", "DOWN", "OUTAGE"):
        assert accepted in message


def test_state_error_is_a_value_error():
    assert issubclass(StateError, ValueError)


def test_badness_order():
    assert STATE_BADNESS[OK] < STATE_BADNESS[WARN] < STATE_BADNESS[UNKNOWN] < STATE_BADNESS[CRIT]
    assert list(RESULT_BADNESS) == ["NODATA", "OK", "WARN", "CRIT", "BROKEN"]


@pytest.mark.parametrize(
    ("a", "b", "worst"),
    [(OK, WARN, WARN), (CRIT, UNKNOWN, CRIT), (UNKNOWN, WARN, UNKNOWN), (OK, OK, OK)],
)
def test_worst_state_is_symmetric(a, b, worst):
    assert worst_state(a, b) == worst
    assert worst_state(b, a) == worst


def test_worst_result_state():
    assert worst_result_state("NODATA", "OK") == "OK"
    assert worst_result_state("BROKEN", "CRIT") == "BROKEN"
    assert worst_result_state("WARN", "NODATA") == "WARN"


def test_downtime_counts_as_ok_only_when_honored():
    from sla.engine.states import counts_as, time_in_state

    assert counts_as("DOWNTIME", "OK", honor_downtimes=True)
    assert not counts_as("DOWNTIME", "OK", honor_downtimes=False)
    assert not counts_as("DOWNTIME", "CRIT", honor_downtimes=True)
    assert counts_as("CRIT", "CRIT", honor_downtimes=False)
    seconds = {"OK": 10.0, "DOWNTIME": 5.0, "CRIT": 1.0}
    assert time_in_state(seconds, "OK", honor_downtimes=True) == 15.0
    assert time_in_state(seconds, "OK", honor_downtimes=False) == 10.0
