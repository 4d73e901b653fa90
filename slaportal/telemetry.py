"""Counters of this process for GET /metrics (prometheus-client, default registry).

With several web processes (gunicorn) set PROMETHEUS_MULTIPROC_DIR to an empty directory
shared by them: prometheus-client then keeps the counters in files there and /metrics adds
up every process's values (see README "Prometheus and Grafana").
"""

import functools

from prometheus_client import Counter

INGEST_EVENTS = Counter(
    "slaportal_ingest_events",
    "Status events received by ingest, by result (accepted or rejected).",
    ["result"],
)


def counted_ingest(function):
    """Count what an ingest call accepted and rejected (its result's counts)."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        result = function(*args, **kwargs)
        INGEST_EVENTS.labels("accepted").inc(result.accepted)
        INGEST_EVENTS.labels("rejected").inc(result.rejected)
        return result

    return wrapper
