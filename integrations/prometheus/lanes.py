"""Many Prometheus queries in flight from one thread.

A *fetch* is a generator that yields the queries it needs (:class:`Ask`), one after the
other, and receives each answer (a ``QueryResult``) or its error (thrown in at the
``yield``); what it returns is its result. :func:`run` drives one fetch on one client.
:func:`run_lanes` drives many: each of ``lanes`` lanes runs one fetch at a time on its own
connection (a client per lane and source), and the thread waits on all their sockets at
once (``selectors``). Prometheus answers several queries at the same time while this one
thread reads and works on those that arrived: none of the thread switches and GIL waits
of a thread per connection. :func:`in_background` runs such a driver in a thread of its
own, so that its caller can store results meanwhile (the database stays in the caller's
thread).
"""

import queue
import selectors
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field

from integrations.prometheus.client import PrometheusClient, PrometheusTimeout


@dataclass(frozen=True)
class Ask:
    """A query a fetch needs: a range query (``step`` > 0: ``start`` ... ``end``) or an
    instant query at ``at``; answered with float series."""

    query: str
    at: object = None
    start: object = None
    end: object = None
    step: int = 0

    def begin(self, client: PrometheusClient):
        if self.step:
            return client.begin_range(self.query, self.start, self.end, self.step, floats=True)
        return client.begin_instant(self.query, self.at, floats=True)


def run(client: PrometheusClient, fetch: Generator):
    """Drive ``fetch`` on ``client``, one query at a time; its result."""
    reply, error = None, None
    while True:
        try:
            ask = fetch.throw(error) if error is not None else fetch.send(reply)
        except StopIteration as stop:
            return stop.value
        try:
            reply, error = ask.begin(client).result(), None
        except Exception as failure:  # thrown into the fetch, which handles its own kinds
            reply, error = None, failure


@dataclass
class Job:
    """A fetch to drive and the source it asks; ``context`` is the caller's."""

    source: object
    fetch: Generator
    context: object = None


@dataclass(eq=False)
class _Lane:
    clients: dict = field(default_factory=dict)  # source pk -> PrometheusClient
    job: Job | None = None
    pending: object = None
    deadline: float = 0.0


def run_lanes(
    jobs: Iterable[Job],
    *,
    lanes: int,
    client_for: Callable[[object], PrometheusClient],
    failed: Callable[[Job, Exception], object],
) -> Iterator:
    """Drive the fetches of ``jobs`` (started in their order) on up to ``lanes`` lanes;
    yields each fetch's result as it completes, or ``failed(job, error)`` for a fetch that
    raised. ``client_for(source)`` makes a lane's client for a source; all are closed at
    the end. A query gets no more than its client's timeout, as a blocking one would."""
    pool = [_Lane() for _ in range(max(1, lanes))]
    selector = selectors.DefaultSelector()
    waiting: list[_Lane] = []
    pending_jobs = iter(jobs)
    idle = list(pool)
    exhausted = False
    try:
        while True:
            finished: list = []
            while idle and not exhausted:
                job = next(pending_jobs, None)
                if job is None:
                    exhausted = True
                    break
                lane = idle.pop()
                lane.job = job
                _step(lane, None, None, selector, client_for, failed, waiting, idle, finished)
            yield from finished  # the lanes' next queries are in flight meanwhile
            if not waiting:
                if exhausted:
                    return
                continue
            answered: list = []
            for lane, reply, error in _answers(selector, waiting):
                _step(lane, reply, error, selector, client_for, failed, waiting, idle, answered)
            yield from answered
    finally:
        for lane in pool:
            if lane.job is not None:
                lane.job.fetch.close()
            for client in lane.clients.values():
                client.close()
        selector.close()


def _step(lane, reply, error, selector, client_for, failed, waiting, idle, finished) -> None:
    """Give the lane's fetch its answer and send its next query; a fetch that ends frees
    the lane (its result in ``finished``)."""
    job = lane.job
    while True:
        try:
            ask = job.fetch.throw(error) if error is not None else job.fetch.send(reply)
        except StopIteration as stop:
            result = stop.value
            break
        except Exception as failure:
            result = failed(job, failure)
            break
        try:
            client = lane.clients.get(job.source.pk)
            if client is None:
                client = lane.clients[job.source.pk] = client_for(job.source)
            lane.pending = ask.begin(client)
        except Exception as failure:  # refused before an answer: the fetch hears of it
            reply, error = None, failure
            continue
        lane.deadline = time.monotonic() + client.timeout
        socket = lane.pending.socket
        if socket is not None:
            selector.register(socket, selectors.EVENT_READ, lane)
        waiting.append(lane)
        return
    lane.job, lane.pending = None, None
    finished.append(result)
    idle.append(lane)


def _answers(selector, waiting: list[_Lane]) -> list[tuple]:
    """``(lane, answer, error)`` of the lanes whose answers arrived (or whose time is
    up), taken out of ``waiting``; waits for at least one."""
    ready = [lane for lane in waiting if lane.pending.socket is None or lane.pending.buffered()]
    if not ready:
        timeout = max(0.0, min(lane.deadline for lane in waiting) - time.monotonic())
        ready = [key.data for key, _ in selector.select(timeout)]
    expired = []
    if not ready:
        now = time.monotonic()
        expired = [lane for lane in waiting if lane.deadline <= now]
    answers = []
    for lane in ready + expired:
        waiting.remove(lane)
        pending = lane.pending
        if pending.socket is not None:
            selector.unregister(pending.socket)
        if lane in expired:
            pending.abandon()
            timeout = pending.client.timeout
            answers.append((lane, None, PrometheusTimeout(f"no answer within {timeout:g} s")))
            continue
        try:
            answers.append((lane, pending.result(), None))
        except Exception as error:  # thrown into the fetch, which handles its own kinds
            answers.append((lane, None, error))
    return answers


# --------------------------------------------------------------------------- background

_END = object()


@dataclass(frozen=True)
class _Raised:
    error: BaseException


def in_background(items: Iterator, *, buffered: int, name: str) -> Iterator:
    """The items of ``items``, produced by a thread of its own (at most ``buffered``
    ahead of the caller). An exception of the producer is raised in the caller; when the
    caller stops early, the producer stops at its next item."""
    channel: queue.Queue = queue.Queue(maxsize=max(1, buffered))
    stop = threading.Event()

    def produce() -> None:
        outcome = _END
        try:
            for item in items:
                if not _put(channel, item, stop):
                    return
        except BaseException as error:  # handed to the caller's thread
            outcome = _Raised(error)
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()
        _put(channel, outcome, stop)

    producer = threading.Thread(target=produce, name=name, daemon=True)
    producer.start()
    try:
        while True:
            item = channel.get()
            if item is _END:
                return
            if isinstance(item, _Raised):
                raise item.error
            yield item
    finally:
        stop.set()
        producer.join()


def _put(channel: queue.Queue, item, stop: threading.Event) -> bool:
    while not stop.is_set():
        try:
            channel.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False
