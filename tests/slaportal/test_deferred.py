"""after_response: inside a request, deferred work runs once the response is closed (after
the last byte, under a WSGI server); outside a request, at once. A failing piece is logged
and does not stop the others."""

import inspect
from contextlib import contextmanager

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.http import HttpResponse

from slaportal.deferred import after_response


@contextmanager
def _request():
    """A request's start and end signals, without the database bookkeeping (as Django's
    test client sends them); the end is a response being closed, as a WSGI server does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        request_started.send(sender=None)
        try:
            yield
        finally:
            HttpResponse("ok").close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_outside_a_request_the_work_runs_at_once():
    done = []
    after_response(lambda: done.append("now"))
    assert done == ["now"]


def test_inside_a_request_the_work_waits_for_the_response_to_close(caplog):
    done = []
    with _request():
        after_response(lambda: done.append("first"))
        after_response(lambda: 1 / 0)  # fails: logged, the next one still runs
        after_response(lambda: done.append("second"))
        assert done == []  # the view has returned, nothing sent yet
    assert done == ["first", "second"]
    assert "deferred work" in caplog.text and "ZeroDivisionError" in caplog.text
    after_response(lambda: done.append("later"))  # the request is over: at once again
    assert done == ["first", "second", "later"]


def test_work_left_by_a_request_that_never_finished_runs_at_the_next_start():
    done = []
    request_started.disconnect(close_old_connections)
    try:
        request_started.send(sender=None)
        after_response(lambda: done.append("left"))
    finally:
        request_started.connect(close_old_connections)
    with _request():
        assert done == ["left"]


def _closing_a_response() -> bool:
    return any(
        frame.function == "close" and frame.filename.endswith("django/http/response.py")
        for frame in inspect.stack()
    )


@pytest.mark.django_db(transaction=True)  # real commits: the ingest's on-commit work runs
def test_an_api_ingest_dispatches_the_incident_refresh_after_the_response(client, monkeypatch):
    from sla import tasks
    from tests.factories import AccountFactory, ApiTokenFactory

    dispatched = []
    monkeypatch.setattr(
        tasks,
        "incidents_refresh_soon",
        lambda account_id: dispatched.append((account_id, _closing_a_response())),
    )
    account = AccountFactory(feature_auto_create_services=True)
    token = ApiTokenFactory(account=account, scopes=["ingest"])
    response = client.post(
        "/api/v1/events",
        {"service": "web", "at": "2024-03-04T10:00:00Z", "state": "CRIT"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token.secret}",
    )
    assert response.status_code == 200
    assert dispatched == [(account.pk, True)]  # once, while the response was being closed
