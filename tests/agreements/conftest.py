"""Fixtures of the agreement tests: the session's real Prometheus with its test exporter,
a source of account A pointing at it, real HTTP receivers, Celery in the caller."""

import time

import pytest

from integrations.prometheus.models import PrometheusSource
from slaportal.celery import app as celery_app
from tests.prometheus_server import prometheus_exporter, prometheus_server  # noqa: F401
from tests.reporting.conftest import allow_private_networks, receiver  # noqa: F401


@pytest.fixture
def allow_datasources(settings):
    """Sources may be on 127.0.0.1, where the session's Prometheus listens."""
    settings.SLA_DATASOURCE_ALLOW_PRIVATE_NETWORKS = True


@pytest.fixture
def source(tenants, prometheus_server, allow_datasources):  # noqa: F811
    return PrometheusSource.objects.create(
        account=tenants.a, name="local", url=prometheus_server.url, timeout_seconds=10
    )


@pytest.fixture
def eager():
    """Celery tasks run in the caller (as without REDIS_URL), whatever the environment."""
    saved = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = saved


def unique_metric(prefix: str) -> str:
    """A metric name of this test alone (tests share the session's Prometheus)."""
    return f"{prefix}_{time.monotonic_ns()}"
