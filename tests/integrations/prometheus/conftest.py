"""Fixtures of the Prometheus integration tests: the session's real Prometheus (and
Alertmanager), sources pointing at it, PromQL SLOs."""

import time

import pytest

from integrations.prometheus.models import PrometheusSource
from integrations.prometheus.services.sources import promql_sli_save
from sla.models import SLO
from tests.factories import ServiceFactory
from tests.prometheus_server import (  # noqa: F401
    alertmanager_server,
    prometheus_exporter,
    prometheus_server,
)

SLOT_SECONDS = 300


@pytest.fixture
def allow_datasources(settings):
    """Sources may be on 127.0.0.1, where the session's Prometheus listens."""
    settings.SLA_DATASOURCE_ALLOW_PRIVATE_NETWORKS = True


@pytest.fixture
def source(tenants, request, allow_datasources):
    server = request.getfixturevalue("prometheus_server")
    return PrometheusSource.objects.create(
        account=tenants.a, name="local", url=server.url, timeout_seconds=10
    )


def promql_slo(account, source, *, good="", bad="", total, target="99.5", days=30, path=None):
    """An SLO of kind prometheus on a new service, saved through the services."""
    service = ServiceFactory(account=account, path=path or f"svc/{time.monotonic_ns()}")
    slo = SLO.objects.create(
        account=account,
        name=f"PromQL {service.path}",
        service=service,
        sli_kind="prometheus",
        target=target,
        window_days=days,
    )
    promql_sli_save(
        account=account,
        slo=slo,
        data={"source": source, "good_query": good, "bad_query": bad, "total_query": total},
        created=True,
    )
    slo.refresh_from_db()
    return slo


def wait_clear_of_slot_edge(margin: float = 25.0) -> None:
    """Sleep past the next 5-minute edge when it is closer than `margin` seconds, so a test
    that compares one running slot before and after a few steps stays in one slot."""
    left = SLOT_SECONDS - time.time() % SLOT_SECONDS
    if left < margin:
        time.sleep(left + 2)
