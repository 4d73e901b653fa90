"""Slot arithmetic of PromQL SLIs (pure, no Prometheus): the list path over whole matrices
gives what the slot-by-slot judgement gives, for every shape of answer; runs cut into days
and merged without overlaps; float decoding of recorded answers equals float() of the text."""

import math
import random

import msgspec
import pytest

from integrations.prometheus.answers import FloatSeries, float_series
from integrations.prometheus.errors import PrometheusResultError
from integrations.prometheus.promql import PART_LABEL
from integrations.prometheus.services.sli_slots import (
    ABSENT,
    ERROR,
    Missing,
    SlotRun,
    day_pieces,
    normalized,
    slot_run,
)
from integrations.prometheus.services.sli_store import _merge

FIRST_END = 1_700_000_100  # a slot end (multiple of 300)
VALUES = [0.0, 1.5, 2991.0, 1e-4, 0.0005, 2.5e-3, 3.0000000001, 997.3333333333334, 12.0]
ODD = [math.nan, math.inf, -math.inf, -1.0, 1e300, -0.0]


def _reference_slot(numerator, part_value, total):
    """The slot-by-slot rule, written out independently of the code under test."""
    if total is None:
        return Missing("no data: the total query has no series", ABSENT)
    for name, value in (("total", total), (numerator, part_value)):
        if value is not None and not math.isfinite(value):
            shown = "NaN" if math.isnan(value) else ("+Inf" if value > 0 else "-Inf")
            return Missing(f"the {name} query gave {shown}", ABSENT)
        if value is not None and value < 0:
            return Missing(f"the {name} query gave a negative count ({value})", ABSENT)
    total_stored = round(total * 1000)
    part_stored = min(round(part_value * 1000), total_stored) if part_value is not None else 0
    return (part_stored if numerator == "good" else total_stored - part_stored, total_stored)


def _reference(numerator, series, first_end, count, start) -> dict:
    by_part = {}
    for item in series:
        part = item.labels.get(PART_LABEL)
        if part in by_part:
            return None  # several series: every slot missing, checked apart
        by_part[part] = {round(at, 3): value for at, value in item.points}
    slots = {}
    for index in range(count):
        at = round(first_end + index * 300, 3)
        total = by_part.get("total", {}).get(at)
        part = by_part.get(numerator, {}).get(at)
        slots[start + index * 300] = _reference_slot(numerator, part, total)
    return slots


def _slots(run: SlotRun) -> dict:
    return {run.start + index * 300: run.slot(index) for index in range(len(run.totals))}


def _value(rng: random.Random, odd: float) -> float:
    if rng.random() < odd:
        return rng.choice(ODD)
    return rng.choice(VALUES) * rng.choice([1, 333, 1e6])


def _series(rng: random.Random, part: str, count: int, odd: float):
    shape = rng.choice(["whole", "whole", "head", "tail", "holes", "absent", "extra"])
    if shape == "absent":
        return []
    indices = list(range(count))
    if shape == "head":
        indices = indices[rng.randrange(count) :]
    elif shape == "tail":
        indices = indices[: rng.randrange(1, count + 1)]
    elif shape == "holes":
        indices = [index for index in indices if rng.random() < 0.7]
    points = [(float(FIRST_END + index * 300), _value(rng, odd)) for index in indices]
    if shape == "extra":  # a point off the instants, and one past the range: ignored
        points.insert(0, (FIRST_END - 150.0, 5.0))
        points.append((float(FIRST_END + count * 300), 7.0))
    return [FloatSeries({PART_LABEL: part}, points)] if points else []


def test_list_path_equals_slot_by_slot_judgement_on_random_answers():
    rng = random.Random(20261203)
    for case in range(3000):
        count = rng.choice([1, 2, 3, 12, 40])
        numerator = rng.choice(["good", "bad"])
        odd = rng.choice([0, 0, 0.05, 0.5])
        series = _series(rng, "total", count, odd) + _series(rng, numerator, count, odd)
        rng.shuffle(series)
        start = FIRST_END - 300
        got = _slots(slot_run(numerator, series, FIRST_END, count, start))
        assert got == _reference(numerator, series, FIRST_END, count, start), case


def test_running_slot_at_a_millisecond_instant():
    at = 1_700_000_123.457
    series = [FloatSeries({PART_LABEL: "total"}, [(at, 40.5)]),
              FloatSeries({PART_LABEL: "bad"}, [(at, 0.5)])]  # fmt: skip
    run = slot_run("bad", series, at, 1, 1_700_000_100)
    assert _slots(run) == {1_700_000_100: (40_000, 40_500)}


def test_several_series_of_one_part_make_every_slot_missing():
    series = [FloatSeries({PART_LABEL: "total", "pod": pod}, [(float(FIRST_END), 1.0)])
              for pod in ("a", "b")]  # fmt: skip
    run = slot_run("good", series, FIRST_END, 3, FIRST_END - 300)
    assert run.totals == [None] * 3 and set(run.missing) == {0, 1, 2}
    assert "the total query returned several series" in run.missing[0].reason


def test_runs_are_cut_at_utc_midnight():
    day = 1_700_006_400  # a UTC midnight
    run = SlotRun(day - 600, [1, 2, 3, 4], [10, 20, 30, 40], {})
    pieces = list(day_pieces(run, 288))
    assert pieces == [(day - 86400, 286, [1, 2], [10, 20]), (day, 0, [3, 4], [30, 40])]


def test_overlapping_runs_keep_the_later_answer():
    error = Missing("cannot connect", ERROR)
    first = SlotRun(0, [1, 2, 3], [10, 20, 30], {})
    later = SlotRun(600, [None, 5], [None, 50], {0: error})
    apart = SlotRun(3000, [7], [70], {})
    merged = normalized([apart, first, later])
    assert [(run.start, run.goods, run.totals) for run in merged] == [
        (0, [1, 2, None, 5], [10, 20, None, 50]),
        (3000, [7], [70]),
    ]
    assert merged[0].missing == {2: error}
    assert normalized([later, apart]) == [later, apart]  # no overlap: as they are


def test_merge_rewrites_changed_slots_and_keeps_stored_ones_without_value():
    goods, totals = [1, 2, 3, None], [10, 20, 30, None]
    assert _merge(goods, totals, 1, [2, 3], [20, 30]) is None  # same values: unchanged
    assert _merge(goods, totals, 1, [None, 4, 5], [None, 40, 50]) == 2
    assert (goods, totals) == ([1, 2, 4, 5], [10, 20, 40, 50])  # slot 1 kept, never added
    assert _merge(goods, totals, 0, [9, 2], [90, 20]) == 0


def _answer(result_type: str, texts: list[str]) -> msgspec.Raw:
    """A recorded-style ``data.result``: one vector series per text, or one matrix."""
    if result_type == "vector":
        items = [{"metric": {"i": str(i)}, "value": [1700000000.5, t]} for i, t in enumerate(texts)]
    else:
        values = [[1700000000 + 300 * i, text] for i, text in enumerate(texts)]
        items = [{"metric": {}, "values": values}]
    return msgspec.Raw(msgspec.json.encode(items))


def test_float_decoding_equals_float_of_the_text():
    rng = random.Random(7)
    texts = ["0", "-0", "2991", "0.1", "1e-05", "+Inf", "-Inf", "NaN", "1.7976931348623157e+308",
             "123456789012345678901234567890", "0.30000000000000004"]  # fmt: skip
    texts += [repr(rng.random() * 10 ** rng.randint(-8, 20)) for _ in range(2000)]
    for result_type in ("matrix", "vector"):
        series = float_series(_answer(result_type, texts), result_type)
        got = [value for item in series for _, value in item.points]
        expected = [float(text) for text in texts]
        assert [repr(value) for value in got] == [repr(value) for value in expected]
    finite = [text for text in texts if text not in ("+Inf", "-Inf", "NaN", "-0")]
    [plain] = float_series(_answer("matrix", finite), "matrix")  # the direct decoding
    assert [value for _, value in plain.points] == [float(text) for text in finite]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'[{"metric": {}, "values": [[1, "x"]]}]', "a sample value is not a number"),
        (b'[{"metric": {}}]', "malformed series"),
        (b'[{"metric": {"a": 1}, "values": []}]', "malformed series"),
        (b'[{"metric": {}, "values": [[1, "1", 2]]}]', "malformed series"),
    ],
)
def test_float_decoding_of_malformed_answers(body, message):
    with pytest.raises(PrometheusResultError, match=message):
        float_series(msgspec.Raw(body), "matrix")
