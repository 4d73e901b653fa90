"""Concurrent batches on PostgreSQL: copies of a retried batch count once, different batches
of the same minutes add up exactly (rows locked in one order, no lost update, no deadlock)."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.test import Client

from integrations.vector.models import VectorBatch
from sla.models import RequestCount
from tests.factories import AccountFactory, ApiTokenFactory, ServiceFactory, VectorSourceFactory
from tests.integrations.vector.sink import readme_vector_toml, remap, sink_request
from tests.sla.apm_log import hand_counts, requests_of_a_morning

CONFIG = readme_vector_toml()


@pytest.mark.django_db(transaction=True)
def test_parallel_copies_and_parallel_batches_count_exactly():
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent unique inserts are PostgreSQL's (DATABASE_URL)")
    account = AccountFactory()
    token = ApiTokenFactory(account=account)
    source = VectorSourceFactory(
        account=account, default_service=ServiceFactory(account=account, path="shop/web")
    )
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    requests = requests_of_a_morning(now - dt.timedelta(minutes=10), minutes=3)
    records = [remap(request.line(index), CONFIG, "web1") for index, request in enumerate(requests)]
    retried = sink_request(records[:20], token.secret)
    others = [sink_request(records[start::4], token.secret) for start in range(20, 24)]
    requests_sent = [retried] * 4 + others
    barrier = threading.Barrier(len(requests_sent))
    answers = [None] * len(requests_sent)

    def post(index, request):
        try:
            barrier.wait()
            answers[index] = Client().post(
                f"/api/v1/vector-sources/{source.pk}/records",
                data=request.body,
                content_type=request.content_type,
                **request.headers,
            )
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=post, args=(index, request))
        for index, request in enumerate(requests_sent)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(answer.status_code == 200 for answer in answers), [a.content for a in answers]
    duplicates = [answer.json()["duplicate"] for answer in answers[:4]]
    assert sorted(duplicates) == [False, True, True, True]
    counted = requests[:20] + [r for start in range(20, 24) for r in requests[start::4]]
    expected = hand_counts(counted)
    rows = {
        row.start: (row.good, row.total)
        for row in RequestCount.objects.filter(service=source.default_service)
    }
    assert rows == expected
    assert VectorBatch.objects.filter(source=source).count() == 5
