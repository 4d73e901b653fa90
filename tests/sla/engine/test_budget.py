"""Error-budget and burn-rate arithmetic, incl. the SRE workbook's worked numbers."""

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from sla.engine.budget import (
    DAY,
    DEFAULT_BURN_WINDOWS,
    HOUR,
    THIRTY_DAYS,
    BurnWindow,
    WindowCounts,
    as_fraction,
    budget_consumed_by,
    burn_rate,
    burn_rate_threshold,
    detection_seconds,
    error_budget,
    evaluate_burn_windows,
    requirement_budget,
    time_to_exhaustion,
)


def test_target_floats_are_read_exactly():
    assert as_fraction(99.9) == Fraction(999, 10)
    assert as_fraction(99.95) == Fraction(1999, 20)


def test_budget_of_a_window():
    budget = error_budget(target=99.9, good=999_000, total=1_000_000)
    assert budget.allowed == 1000
    assert budget.bad == 1000 and budget.remaining == 0
    assert budget.remaining_fraction == 0 and budget.met is True


def test_overspent_budget_is_negative():
    budget = error_budget(target=99, good=97, total=100)
    assert budget.allowed == 1 and budget.remaining == -2
    assert budget.remaining_fraction == -2 and budget.met is False


def test_no_events_means_no_sli():
    budget = error_budget(target=99.9, good=0, total=0)
    assert budget.sli is None and budget.met is None and budget.remaining_fraction is None


def test_workbook_page_threshold_consumes_two_percent():
    threshold = burn_rate_threshold(
        budget_consumed=Fraction(2, 100), window_seconds=THIRTY_DAYS, long_seconds=HOUR
    )
    assert threshold == Fraction(144, 10)
    consumed = budget_consumed_by(burn=14.4, duration_seconds=HOUR, window_seconds=THIRTY_DAYS)
    assert consumed == Fraction(2, 100)


def test_workbook_default_thresholds_for_30_days():
    assert [w.threshold(THIRTY_DAYS) for w in DEFAULT_BURN_WINDOWS] == [
        Fraction(72, 5),
        6,
        1,
    ]


def test_thresholds_scale_with_the_window():
    page = DEFAULT_BURN_WINDOWS[0]
    assert page.threshold(28 * DAY) == Fraction(2, 100) * 28 * 24
    assert page.threshold(7 * DAY) == Fraction(336, 100)


def test_time_to_exhaustion_at_burn_one_is_the_window():
    assert time_to_exhaustion(remaining_fraction=1, burn=1, window_seconds=THIRTY_DAYS) == (
        THIRTY_DAYS
    )


def test_time_to_exhaustion_at_burn_1000_is_43_2_minutes():
    seconds = time_to_exhaustion(
        remaining_fraction=Fraction(1), burn=Fraction(1000), window_seconds=THIRTY_DAYS
    )
    assert seconds == Fraction(432, 10) * 60


def test_time_to_exhaustion_edges():
    assert time_to_exhaustion(remaining_fraction=Fraction(0), burn=5, window_seconds=10) == 0
    assert time_to_exhaustion(remaining_fraction=Fraction(1, 2), burn=0, window_seconds=10) is None
    assert time_to_exhaustion(remaining_fraction=None, burn=1, window_seconds=10) is None


def test_burn_rate_formula():
    assert burn_rate(target=99.9, bad=1, total=1000) == 1
    assert burn_rate(target=99.9, bad=0, total=1000) == 0
    assert burn_rate(target=99.9, bad=0, total=0) is None
    assert burn_rate(target=100, bad=1, total=10) is None


def test_detection_time_of_a_full_outage_is_0_864_minutes():
    seconds = detection_seconds(error_rate=1, target=99.9, threshold=14.4, long_seconds=HOUR)
    assert seconds == Fraction(5184, 100)
    assert seconds / 60 == Fraction(864, 1000)
    assert detection_seconds(error_rate=0.01, target=99.9, threshold=14.4, long_seconds=HOUR) is (
        None
    )


def test_multiwindow_needs_both_windows():
    window = BurnWindow("page", HOUR, 300, Fraction(2, 100))
    counts = {HOUR: WindowCounts(Fraction(100), Fraction(1000)), 300: WindowCounts(0, 100)}
    [result] = evaluate_burn_windows(
        target=99.9, window_seconds=THIRTY_DAYS, windows=[window], counts=counts
    )
    assert result.long_burn == 100 and result.short_burn == 0 and not result.firing
    counts[300] = WindowCounts(Fraction(10), Fraction(100))
    [result] = evaluate_burn_windows(
        target=99.9, window_seconds=THIRTY_DAYS, windows=[window], counts=counts
    )
    assert result.firing


def test_min_events_guard_stops_a_single_error_paging():
    window = DEFAULT_BURN_WINDOWS[0]
    counts = {HOUR: WindowCounts(Fraction(1), Fraction(3)), 300: WindowCounts(1, 1)}
    [result] = evaluate_burn_windows(
        target=99.9, window_seconds=THIRTY_DAYS, windows=[window], counts=counts, min_events=100
    )
    assert not result.guard_ok and not result.firing
    [result] = evaluate_burn_windows(
        target=99.9, window_seconds=THIRTY_DAYS, windows=[window], counts=counts, min_events=0
    )
    assert result.firing


def test_requirement_budget_min_and_max():
    budget = requirement_budget(
        comparison="min", target=99.5, considered_seconds=86400, state_seconds=86400 - 216
    )
    assert budget.allowed == 432 and budget.consumed == 216
    assert budget.remaining_fraction == Fraction(1, 2) and budget.burn == Fraction(1, 2)
    assert budget.time_to_exhaustion is None
    over = requirement_budget(comparison="max", target=1, considered_seconds=1000, state_seconds=5)
    assert over.allowed == 10 and over.consumed == 5 and over.burn == Fraction(1, 2)
    spent = requirement_budget(
        comparison="min", target=90, considered_seconds=100, state_seconds=85
    )
    assert spent.remaining == -5 and spent.time_to_exhaustion == 0


def test_requirement_budget_runs_out_at_a_recent_burn_above_one():
    # 1000 s considered, 50 s bad of a 100 s budget; the last hour burns at 3x (30 % bad):
    # each further considered second spends 0.3 s and earns 0.1 s, so 50 s last 250 s.
    budget = requirement_budget(
        comparison="min",
        target=90,
        considered_seconds=1000,
        state_seconds=950,
        recent_burn=Fraction(3),
    )
    assert budget.remaining == 50 and budget.burn == Fraction(1, 2)
    assert budget.time_to_exhaustion == 250


def test_requirement_without_budget():
    budget = requirement_budget(
        comparison="min", target=100, considered_seconds=10, state_seconds=10
    )
    assert budget.allowed == 0 and budget.remaining_fraction is None and budget.burn is None


# --------------------------------------------------------------------------- properties

counts = st.integers(min_value=0, max_value=10**12)
targets = st.fractions(min_value=Fraction(1, 10), max_value=Fraction(99999, 1000))


@given(good=counts, bad=counts, target=targets)
def test_budget_adds_up(good, bad, target):
    budget = error_budget(target=target, good=good, total=good + bad)
    assert budget.bad + budget.remaining == budget.allowed
    if budget.allowed:
        assert budget.remaining_fraction + budget.consumed_fraction == 1


@given(good=counts, bad=counts, target=targets)
def test_met_iff_budget_left(good, bad, target):
    budget = error_budget(target=target, good=good, total=good + bad)
    if good + bad:
        assert budget.met == (budget.remaining >= 0)


@given(bad=counts, extra=counts, target=targets)
def test_burn_rate_one_spends_exactly_the_budget(bad, extra, target):
    total = bad + extra
    burn = burn_rate(target=target, bad=bad, total=total)
    if total:
        budget = error_budget(target=target, good=extra, total=total)
        assert burn == budget.consumed_fraction
        assert (burn <= 1) == (budget.remaining >= 0)


@given(
    fraction=st.fractions(min_value=Fraction(1, 1000), max_value=1),
    window_days=st.integers(min_value=1, max_value=400),
    long_seconds=st.integers(min_value=60, max_value=30 * DAY),
)
def test_threshold_keeps_the_consumed_fraction(fraction, window_days, long_seconds):
    window = window_days * DAY
    threshold = burn_rate_threshold(
        budget_consumed=fraction, window_seconds=window, long_seconds=long_seconds
    )
    assert (
        budget_consumed_by(burn=threshold, duration_seconds=long_seconds, window_seconds=window)
        == fraction
    )


@given(
    burn=st.fractions(min_value=Fraction(1, 100), max_value=10**6),
    remaining=st.fractions(min_value=Fraction(1, 10**6), max_value=1),
)
def test_exhaustion_spends_the_remaining_budget(burn, remaining):
    seconds = time_to_exhaustion(
        remaining_fraction=remaining, burn=burn, window_seconds=THIRTY_DAYS
    )
    assert budget_consumed_by(burn=burn, duration_seconds=seconds, window_seconds=THIRTY_DAYS) == (
        remaining
    )


@given(
    rate=st.fractions(min_value=Fraction(1, 10**4), max_value=1),
    target=targets,
    threshold=st.fractions(min_value=Fraction(1, 10), max_value=100),
)
def test_detection_time_reaches_exactly_the_threshold(rate, target, threshold):
    seconds = detection_seconds(
        error_rate=rate, target=target, threshold=threshold, long_seconds=HOUR
    )
    if seconds is None:
        assert rate < threshold * (1 - target / 100)
    else:
        bad = rate * seconds
        assert burn_rate(target=target, bad=bad, total=HOUR) == threshold
        assert seconds <= HOUR


@given(
    considered=st.integers(min_value=1, max_value=10**9),
    share=st.fractions(min_value=0, max_value=1),
    target=targets,
)
def test_requirement_budget_adds_up(considered, share, target):
    budget = requirement_budget(
        comparison="min",
        target=target,
        considered_seconds=considered,
        state_seconds=considered * share,
    )
    assert budget.consumed + budget.remaining == budget.allowed
    assert (budget.remaining >= 0) == (100 * considered * share / considered >= target)
