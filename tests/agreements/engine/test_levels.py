"""The level machine against the spec's table: the worked examples, every outcome
sequence up to length 8 for several x/y/z against an oracle written from the history,
and invariants with hypothesis."""

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agreements.engine import (
    BROKEN,
    MET,
    UNKNOWN,
    AgreementError,
    LevelState,
    Parameters,
    advance,
    check_parameters,
    combine,
)

M, B, U = MET, BROKEN, UNKNOWN


DEFAULTS = Parameters()


def levels_of(outcomes, parameters=DEFAULTS):
    state, seen = LevelState(), []
    for outcome in outcomes:
        state = advance(state, outcome, parameters)
        seen.append(state.level)
    return seen, state


def oracle_levels(outcomes, parameters):
    """The table of AGREEMENTS.md section 4 read off the whole history at each step."""
    levels, level = [], "Unknown"
    for index, outcome in enumerate(outcomes):
        judged = [item for item in outcomes[: index + 1] if item != U]
        if outcome == M:
            run = len(judged) - len("".join("M" if o == M else "B" for o in judged).rstrip("M"))
            if level in ("Unknown", "Met") or run >= parameters.y:
                level = "Met"
        elif outcome == B:
            window = judged[-parameters.z :]
            level = "Critical" if window.count(B) >= parameters.x else "Broken"
        levels.append(level)
    return levels


def test_the_spec_sequence_x2_y2_z5():
    # "M -> Met; B -> Broken; B -> Critical; M -> Critical (1 < y); M -> Met;
    #  B -> Critical (2 broken within the last 5); M M -> Met"
    seen, state = levels_of([M, B, B, M, M, B, M, M])
    assert seen == ["Met", "Broken", "Critical", "Critical", "Met", "Critical", "Critical", "Met"]
    assert (state.total_executions, state.total_violations) == (8, 3)


def test_the_worked_example_with_an_unknown_round():
    seen, state = levels_of([M, B, B, M, M, U, B, M, M])
    assert seen == [
        "Met", "Broken", "Critical", "Critical", "Met", "Met", "Critical", "Critical", "Met"
    ]  # fmt: skip
    assert (state.total_executions, state.total_violations) == (9, 3)
    assert (state.consecutive_met, state.consecutive_broken) == (2, 0)


def test_unknown_changes_only_the_execution_count():
    state = advance(LevelState(), M, Parameters())
    after = advance(state, U, Parameters())
    assert after.total_executions == 2
    assert (after.level, after.consecutive_met, after.recent) == (state.level, 1, "M")


def test_unknown_from_the_start_stays_unknown():
    seen, _ = levels_of([U, U, U])
    assert seen == ["Unknown"] * 3


def test_met_after_broken_needs_y_consecutive_met():
    parameters = Parameters(x=3, y=3, z=5)
    seen, _ = levels_of([B, M, M, M], parameters)
    assert seen == ["Broken", "Broken", "Broken", "Met"]


def test_unknown_rounds_do_not_break_a_run_of_met():
    seen, _ = levels_of([B, M, U, M])
    assert seen == ["Broken", "Broken", "Broken", "Met"]


@pytest.mark.parametrize(
    "parameters",
    [Parameters(1, 1, 1), Parameters(2, 2, 5), Parameters(3, 1, 4), Parameters(2, 3, 2)],
)
def test_every_sequence_up_to_length_8_matches_the_oracle(parameters):
    for length in range(1, 9):
        for outcomes in itertools.product((M, B, U), repeat=length):
            seen, state = levels_of(outcomes, parameters)
            assert seen == oracle_levels(list(outcomes), parameters), outcomes
            assert state.total_violations == outcomes.count(B)


@settings(max_examples=300, deadline=None)
@given(
    outcomes=st.lists(st.sampled_from([M, B, U]), max_size=60),
    x=st.integers(1, 6),
    y=st.integers(1, 6),
    extra=st.integers(0, 6),
)
def test_invariants(outcomes, x, y, extra):
    parameters = Parameters(x, y, x + extra)
    state = LevelState()
    for outcome in outcomes:
        previous = state
        state = advance(state, outcome, parameters)
        assert len(state.recent) <= parameters.z
        assert state.consecutive_met == 0 or state.consecutive_broken == 0
        if outcome == B:
            assert state.level in ("Broken", "Critical")
        if outcome == U:
            assert state.level == previous.level
        assert state.violated == (state.level in ("Broken", "Critical"))
    assert state.total_executions == len(outcomes)
    assert state.total_violations == outcomes.count(B)
    assert oracle_levels(outcomes, parameters)[-1:] == ([state.level] if outcomes else [])


def test_combine():
    assert combine([M, U, B]) == B
    assert combine([M, U]) == U
    assert combine([M, M]) == M
    assert combine([]) == U


@pytest.mark.parametrize(
    ("x", "y", "z", "field"),
    [(0, 2, 5, "x"), (2, 0, 5, "y"), (2, 2, 1, "z"), ("2", 2, 5, "x"), (True, 2, 5, "x"),
     (2, 2, 1001, "z"), (-1, 2, 5, "x")],
)  # fmt: skip
def test_bad_parameters_name_the_field(x, y, z, field):
    with pytest.raises(AgreementError) as caught:
        check_parameters(x, y, z)
    assert caught.value.field == field
