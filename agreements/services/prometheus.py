"""Which Prometheus an agreement asks, and running a round's instant queries.

An agreement asks its own ``source``; else the account's default source (the one flagged
``is_default``; else, as before that flag existed, its only source or the one named
``default``); else the deployment-wide ``PROMETHEUS_ADDRESS`` (set by the operator, so a
private address is allowed). With none, every assessment is ``unknown`` with the reason.

A round's queries run concurrently (``AGREEMENTS_QUERY_CONCURRENCY`` threads, one client
and kept-alive connection per thread and Prometheus), each distinct query once.
"""

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings

from agreements.engine import QueryFailure, Sample
from integrations.prometheus.client import (
    PrometheusAPIError,
    PrometheusClient,
    PrometheusError,
    client_for_source,
)
from integrations.prometheus.models import PrometheusSource

DEFAULT_SOURCE_NAME = "default"
NO_PROMETHEUS = (
    "no Prometheus to ask: choose a source on the agreement, make one of the account's "
    "sources its default, or set PROMETHEUS_ADDRESS"
)


@dataclass(frozen=True)
class Target:
    """A Prometheus to ask: ``key`` tells targets apart, ``connect`` makes a client."""

    key: str
    connect: Callable[[], PrometheusClient]
    label: str


def account_default_source(account) -> PrometheusSource | None:
    """The account's source flagged default; else its only source, or its source named
    ``default`` (how a default was chosen before the flag: kept so those keep working);
    None otherwise."""
    sources = list(PrometheusSource.objects.for_account(account).order_by("-is_default", "pk")[:50])
    if sources and sources[0].is_default:
        return sources[0]
    if len(sources) == 1:
        return sources[0]
    return next((source for source in sources if source.name == DEFAULT_SOURCE_NAME), None)


def _source_target(source: PrometheusSource) -> Target:
    return Target(f"source:{source.pk}", lambda: client_for_source(source), source.name)


def address_target() -> Target | None:
    address = settings.PROMETHEUS_ADDRESS.strip()
    if not address:
        return None
    return Target(
        f"address:{address}",
        lambda: PrometheusClient(address, allow_private=True),
        "PROMETHEUS_ADDRESS",
    )


def target_for(agreement, default_source: PrometheusSource | None) -> Target | None:
    """The Prometheus ``agreement`` asks (None: none is configured)."""
    if agreement.source_id is not None:
        return _source_target(agreement.source)
    if default_source is not None:
        return _source_target(default_source)
    return address_target()


def _samples(client: PrometheusClient, promql: str, at) -> list[Sample] | QueryFailure:
    try:
        result = client.instant(promql, at)
    except PrometheusError as error:
        return QueryFailure(str(error)[:1000])
    try:
        return [Sample(series.labels, series.samples[0].value) for series in result.series]
    except (PrometheusError, IndexError):
        return QueryFailure("malformed sample in the answer")


def _run_slice(jobs, targets: dict[str, Target], at) -> dict:
    clients: dict[str, PrometheusClient] = {}
    answers = {}
    try:
        for key, promql in jobs:
            client = clients.get(key)
            if client is None:
                client = clients[key] = targets[key].connect()
            answers[(key, promql)] = _samples(client, promql, at)
    finally:
        for client in clients.values():
            client.close()
    return answers


@dataclass
class QueryRun:
    """Answers by (target key, PromQL), and the wall time spent waiting for Prometheus."""

    answers: dict
    seconds: float


def queries_run(jobs: set[tuple[str, str]], targets: dict[str, Target], at) -> QueryRun:
    """Every (target key, PromQL) of ``jobs`` as an instant query at ``at``."""
    started = time.perf_counter()
    ordered = sorted(jobs)
    workers = max(1, min(settings.AGREEMENTS_QUERY_CONCURRENCY, len(ordered)))
    if workers == 1:
        answers = _run_slice(ordered, targets, at) if ordered else {}
    else:
        slices = [ordered[index::workers] for index in range(workers)]
        answers = {}
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for part in pool.map(lambda jobs_slice: _run_slice(jobs_slice, targets, at), slices):
                answers.update(part)
    return QueryRun(answers, time.perf_counter() - started)


def promql_problem(target: Target | None, promql: str) -> str | None:
    """Prometheus' own message when it refuses ``promql`` as bad data (a syntax error);
    None when it is accepted, or when there is no Prometheus to ask or it does not answer
    (the agreement is created anyway; its assessments will say what is wrong)."""
    if target is None:
        return None
    client = target.connect()
    try:
        client.instant(promql)
    except PrometheusAPIError as error:
        if error.error_type == "bad_data":
            return error.error
        return None
    except PrometheusError:
        return None
    finally:
        client.close()
    return None
