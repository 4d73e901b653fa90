"""The agreements jobs on a real Celery worker process: ``agreements.dispatch`` is queued
through Redis (not run eagerly), the worker queues and runs the per-account units, which
ask the session's real Prometheus, store counters, levels and violations, and deliver the
violation webhook to a real receiver on 127.0.0.1 (the outbox tasks run on the worker too).
"""

import time

import pytest
import redis
from django.conf import settings

from agreements.models import Agreement, Violation
from agreements.services.definitions import agreement_create, agreement_state_set
from agreements.tasks import dispatch
from reporting.models import WebhookEndpoint
from slaportal.celery import app as celery_app
from tests.agreements.conftest import unique_metric
from tests.redis_server import redis_url  # noqa: F401 - a fixture
from tests.sla.worker_process import Worker, require_postgres

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
]
WAIT_SECONDS = 60  # a generous bound for a loaded machine; the test takes a few seconds


@pytest.fixture
def worker(request, tmp_path):
    require_postgres()
    if not settings.REDIS_URL:  # without it this process has no broker to queue through
        pytest.skip("needs Redis (REDIS_URL): the dispatch is queued through the broker")
    broker_url = request.getfixturevalue("redis_url")
    prometheus_server = request.getfixturevalue("prometheus_server")
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    running = Worker(tmp_path, broker_url, pool_args=("--pool", "threads", "--concurrency", "2"))
    running.env.update(
        SLA_DATASOURCE_ALLOW_PRIVATE_NETWORKS="true",  # the session's Prometheus is local
        SLA_WEBHOOK_ALLOW_PRIVATE_NETWORKS="true",  # and so is the receiver
        PROMETHEUS_ADDRESS=prometheus_server.url,  # account B has no source of its own
        SLA_NOTIFICATION_ENDPOINT="",
    )
    running.start("--without-gossip", "--without-mingle", "--without-heartbeat")
    yield running
    # Nothing is left to run when the test ends: a warm shutdown would only cost seconds.
    running.process.kill()
    running.process.wait(timeout=30)
    celery_app.conf.task_always_eager = saved
    redis.Redis.from_url(broker_url).delete(
        running.queue,
        f"_kombu.binding.{running.queue}",
        f"_kombu.binding_permanent.{running.queue}",
    )


def wait_until(worker, condition, what: str):
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert worker.alive(), worker.log.read_text()[-4000:]
        assert time.monotonic() < deadline, f"{what}: {worker.log.read_text()[-4000:]}"
        time.sleep(0.1)


def test_a_worker_assesses_what_the_queued_dispatch_finds_due(
    worker, tenants, source, prometheus_exporter, prometheus_server, receiver, settings
):  # the worker first: it starts up (seconds) while the rest is set up
    settings.PROMETHEUS_ADDRESS = prometheus_server.url
    WebhookEndpoint.objects.create(
        account=tenants.a, name="hook", url=receiver.url, secret="s3cret-for-tests"
    )
    metric = unique_metric("agr_worker")
    prometheus_exporter.set(metric, 900)
    prometheus_server.wait_for(metric, lambda result: len(result) == 1)

    def create(account, name, threshold):
        query = f"[{metric}] < {threshold}"
        guarantees = [{"name": "g", "query": query, "scope": ""}]
        return agreement_create(account=account, name=name, guarantees=guarantees)

    broken = create(tenants.a, "Broken", 500)  # account A's source: 900 is not < 500
    met = create(tenants.a, "Met", 1000)
    stopped = create(tenants.a, "Stopped", 500)
    agreement_state_set(account=tenants.a, agreement=stopped, state="stopped")
    other = create(tenants.b, "Other", 1000)  # account B: PROMETHEUS_ADDRESS, its own unit

    dispatch.apply_async(queue=worker.queue)
    due = Agreement.objects.filter(pk__in=[broken.pk, met.pk, other.pk])
    wait_until(worker, lambda: not due.filter(total_executions=0).exists(), "not assessed")
    wait_until(worker, lambda: receiver.accepted, "no webhook")

    rows = {row.name: row for row in Agreement.objects.all()}
    assert (rows["Broken"].level, rows["Broken"].last_outcome) == ("Broken", "broken")
    assert (rows["Broken"].total_executions, rows["Broken"].total_violations) == (1, 1)
    assert (rows["Met"].level, rows["Met"].total_violations) == ("Met", 0)
    assert (rows["Other"].level, rows["Other"].unknown_executions) == ("Met", 0)
    assert rows["Stopped"].total_executions == 0
    violation = Violation.objects.get()
    assert (violation.agreement_id, violation.account_id) == (broken.pk, tenants.a.pk)

    (hook,) = receiver.accepted
    assert hook.signature_ok and hook.json["type"] == "agreement.violation"
    (kpi,) = hook.json["data"][0]["KPIs"]
    assert kpi["violations"][0]["agreement_id"] == broken.agreement_id
    assert kpi["violations"][0]["values"][0]["value"] == 900
    assert "Traceback" not in worker.log.read_text()
