"""Many queries in flight from one thread (integrations.prometheus.lanes) against the real
Prometheus and a silent server: every fetch gets its own answers, a query that gets no
answer times out for its fetch alone, a fetch that breaks is reported and the others go on;
the background driver hands over items and errors and stops with its caller."""

import threading
from dataclasses import dataclass

import pytest

from integrations.prometheus.client import PrometheusClient, PrometheusError
from integrations.prometheus.lanes import Ask, Job, in_background, run, run_lanes
from tests.integrations.prometheus.canned import CannedServer
from tests.redis_server import free_port


@dataclass(frozen=True)
class _Source:
    """What run_lanes needs of a source: a key (and, here, where it is)."""

    pk: int
    url: str
    timeout: float = 5


def _client(source: _Source) -> PrometheusClient:
    return PrometheusClient(source.url, timeout=source.timeout, allow_private=True)


def _fetch(number: int):
    """Two queries in a row, the second built from the first answer; returns both values."""
    try:
        first = yield Ask(f"vector({number})", at=1_700_000_000)
        value = first.series[0].points[0][1]
        second = yield Ask(f"vector({value} * 2)", at=1_700_000_000)
    except PrometheusError as error:
        return (number, f"error: {error}")
    return (number, value, second.series[0].points[0][1])


def _broken(number: int):
    yield Ask("vector(1)", at=1_700_000_000)
    raise RuntimeError(f"broken {number}")


def test_every_fetch_gets_its_own_answers_and_a_broken_one_fails_alone(prometheus_server):
    source = _Source(1, prometheus_server.url)
    refusing = _Source(2, f"http://127.0.0.1:{free_port()}")  # its fetches end at once
    jobs = [Job(source, _fetch(number), number) for number in range(12)]
    jobs.insert(5, Job(source, _broken(99), 99))
    jobs[2:2] = [Job(refusing, _fetch(number)) for number in (100, 101)]
    results = list(run_lanes(
        jobs, lanes=3, client_for=_client, failed=lambda job, error: (job.context, repr(error)),
    ))  # fmt: skip
    refused = [result for result in results if result[0] >= 100]
    assert len(results) == len(jobs)  # each once
    assert sorted(result for result in results if result[0] < 100) == sorted(
        [(number, float(number), 2.0 * number) for number in range(12)]
        + [(99, "RuntimeError('broken 99')")]
    )
    assert sorted(number for number, _ in refused) == [100, 101]
    assert all(message.startswith("error: cannot connect") for _, message in refused)
    with _client(source) as client:  # one at a time: the same answers
        assert run(client, _fetch(7)) == (7, 7.0, 14.0)


def test_a_silent_source_times_out_for_its_own_fetches(prometheus_server):
    silent = CannedServer(silent=True)
    try:
        live, dead = _Source(1, prometheus_server.url), _Source(2, silent.url, timeout=1)
        jobs = [Job(dead, _fetch(0))] + [Job(live, _fetch(number)) for number in range(1, 6)]
        results = sorted(run_lanes(jobs, lanes=2, client_for=_client, failed=None))
    finally:
        silent.close()
    assert results[0] == (0, "error: no answer within 1 s")  # the first query timed out
    assert results[1:] == [(number, float(number), 2.0 * number) for number in range(1, 6)]


def test_in_background_hands_over_items_then_the_error_and_stops_early():
    def counting(limit: int, fail: bool):
        yield from range(limit)
        if fail:
            raise ValueError("producer failed")

    got = []
    with pytest.raises(ValueError, match="producer failed"):
        for item in in_background(counting(5, True), buffered=2, name="test-items"):
            got.append(item)
    assert got == [0, 1, 2, 3, 4]

    stopped = threading.Event()

    def endless():
        try:
            number = 0
            while True:
                yield number
                number += 1
        finally:
            stopped.set()

    items = in_background(endless(), buffered=2, name="test-endless")
    assert [next(items), next(items)] == [0, 1]
    items.close()  # the caller stops: the producer is told and ends
    assert stopped.wait(5)
