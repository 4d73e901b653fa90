"""Celery tasks of the pipeline (eager here; a real worker in test_celery_worker.py):
per-account units from one beat task, singleton locks, and ingest that survives Redis down."""

import datetime as dt
import time
import uuid

import pytest
import time_machine
from kombu.exceptions import OperationalError

from sla import tasks
from sla.models import Incident, RollupMark, StatusEvent, UptimeSnapshot
from slaportal.locks import singleton_lock
from tests.factories import AccountFactory
from tests.redis_server import free_port
from tests.sla.helpers import T0, item

pytestmark = pytest.mark.django_db
NOW = T0 + dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def ingest(account, *items):
    from sla.services.ingest import events_ingest

    return events_ingest(account=account, items=list(items))


def test_beat_task_dispatches_one_unit_per_account(eager):
    first, second = AccountFactory(), AccountFactory()
    ingest(first, item("web", 0, "OK"))
    ingest(second, item("db", 0, "CRIT"))
    result = tasks.rollups_dispatch.apply().get()
    assert result == {"accounts": 2, "failed": 0}
    assert UptimeSnapshot.objects.for_account(first).count() == 12
    assert Incident.objects.for_account(second).count() == 1


def test_a_failing_unit_does_not_stop_the_others(eager, monkeypatch):
    accounts = [AccountFactory(), AccountFactory()]
    for account in accounts:
        ingest(account, item("web", 0, "OK"))
    original = tasks.rollup_account.delay

    def flaky(account_id):
        if account_id == accounts[0].pk:
            raise RuntimeError("boom")
        return original(account_id)

    monkeypatch.setattr(tasks.rollup_account, "delay", flaky)
    assert tasks.rollups_dispatch.apply().get() == {"accounts": 2, "failed": 1}
    assert UptimeSnapshot.objects.for_account(accounts[1]).exists()


def test_singletons_skip_while_their_lock_is_held(eager):
    account = AccountFactory()
    ingest(account, item("web", 0, "OK"))
    with singleton_lock("sla.rollups_dispatch", timeout=30):
        assert tasks.rollups_dispatch.apply().get() == {"skipped": True}
    with singleton_lock(f"sla.rollup_account:{account.pk}", timeout=30):
        assert tasks.rollup_account.apply(args=(account.pk,)).get() == {"skipped": True}
    assert not UptimeSnapshot.objects.exists()
    result = tasks.rollup_account.apply(args=(account.pk,)).get()
    assert result["snapshots"] == 12 and result["complete"] is True


def test_units_for_a_deleted_account_do_nothing(eager):
    assert tasks.rollup_account.apply(args=(987654,)).get() == {"skipped": "no such account"}
    assert tasks.incidents_refresh.apply(args=(987654,)).get() == {"skipped": "no such account"}


def test_ingest_refreshes_incidents_right_after_commit(eager, django_capture_on_commit_callbacks):
    account = AccountFactory()
    with django_capture_on_commit_callbacks(execute=True):
        ingest(account, item("web", 0, "OK"), item("web", 10, "CRIT"))
    assert Incident.objects.for_account(account).get().ended_at is None


def test_redis_down_ingest_still_stores_and_the_rollup_catches_up_later(
    not_eager, settings, django_capture_on_commit_callbacks, caplog, monkeypatch
):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # nobody listens there
    monkeypatch.setattr(tasks, "_dispatch_blocked_until", 0.0)
    account = AccountFactory()
    with django_capture_on_commit_callbacks(execute=True):
        result = ingest(account, item("web", 0, "OK"), item("web", 10, "CRIT"))
    assert result.new == 2 and StatusEvent.objects.for_account(account).count() == 2
    assert "not dispatched" in caplog.text
    mark = RollupMark.objects.get(account=account)
    assert mark.incidents_from is not None and mark.dirty_from is not None
    assert not Incident.objects.exists()
    # Redis is back: the next beat run derives everything from the marks in the database.
    from sla.services.rollups import account_rollup

    account_rollup(account=account)
    assert Incident.objects.for_account(account).count() == 1
    assert UptimeSnapshot.objects.for_account(account).count() == 12


@pytest.fixture
def debounce(settings, redis_url, monkeypatch):
    """A real Redis for the debounce keys, this process's memory of windows cleared, and
    the tasks it sends recorded instead of queued (no worker would take them)."""
    import redis

    settings.REDIS_URL = redis_url
    monkeypatch.setattr(tasks, "_dispatch_blocked_until", 0.0)
    monkeypatch.setattr(tasks, "_local_window", {})
    sent = []
    monkeypatch.setattr(
        tasks.incidents_refresh, "apply_async", lambda *args, **kwargs: sent.append(kwargs)
    )
    account_id = 10**12 + int(uuid.uuid4().int % 10**6)  # no other test's key
    key = f"slaportal:debounce:incidents:{account_id}"
    client = redis.Redis.from_url(redis_url)
    yield account_id, key, client, sent
    client.delete(key)


def test_a_dead_broker_is_caught_and_backs_off(not_eager, debounce, monkeypatch, caplog):
    account_id, key, client, _ = debounce

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to broker")

    monkeypatch.setattr(tasks.incidents_refresh, "apply_async", broker_down)
    tasks.incidents_refresh_soon(account_id=account_id)
    assert "Error 111" in caplog.text and client.exists(key)
    client.delete(key)
    tasks.incidents_refresh_soon(account_id=account_id)  # backing off: not even tried
    assert not client.exists(key)


def test_one_refresh_per_window_and_its_processes_stop_asking(not_eager, debounce):
    account_id, key, client, sent = debounce
    tasks.incidents_refresh_soon(account_id=account_id)
    assert [call["countdown"] for call in sent] == [tasks.DEBOUNCE_SECONDS]
    assert 0 < client.pttl(key) <= tasks.DEBOUNCE_SECONDS * 1000
    client.delete(key)  # were it asked again, a new window would start
    tasks.incidents_refresh_soon(account_id=account_id)
    assert len(sent) == 1 and not client.exists(key)


def test_a_process_finding_another_s_window_open_sends_nothing_and_stops_asking(
    not_eager, debounce
):
    account_id, key, client, sent = debounce
    client.set(key, "1", px=tasks.DEBOUNCE_SECONDS * 1000)  # another web process's window
    tasks.incidents_refresh_soon(account_id=account_id)
    assert sent == []  # that process's task, after the window, covers this commit
    client.delete(key)
    tasks.incidents_refresh_soon(account_id=account_id)  # still inside the window
    assert sent == [] and not client.exists(key)


def test_the_api_stays_up_with_redis_down(
    not_eager, settings, api_a, tenants, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    monkeypatch.setattr(tasks, "_dispatch_blocked_until", 0.0)
    body = [item("web", 0, "OK"), item("web", 5, "WARN")]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api_a.post("/api/v1/events", data=body, format="json")
    assert response.status_code == 200 and response.json()["new"] == 2
    assert len(callbacks) == 1 and "not dispatched" in caplog.text


def test_each_dispatched_refresh_carries_a_higher_number(not_eager, debounce):
    account_id, key, client, sent = debounce
    latest = tasks._latest_dispatch_key(account_id)
    try:
        tasks.incidents_refresh_soon(account_id=account_id)
        client.delete(key)  # the window ends
        assert tasks._local_window.pop(account_id, None) is not None  # this process's too
        tasks.incidents_refresh_soon(account_id=account_id)
        numbers = [call["args"][1] for call in sent]
        assert numbers == [1, 2] and int(client.get(latest)) == 2
        assert 0 < client.ttl(latest) <= tasks.DISPATCH_NUMBER_SECONDS
        due = float(client.get(tasks._latest_due_key(account_id)))
        assert time.time() < due <= time.time() + tasks.DEBOUNCE_SECONDS
    finally:
        client.delete(latest, tasks._latest_due_key(account_id))


def test_a_queued_refresh_overtaken_by_a_later_one_stops_and_the_latest_runs(
    settings, redis_url, monkeypatch
):
    import redis

    settings.REDIS_URL = redis_url
    account = AccountFactory()
    ran = []
    monkeypatch.setattr(
        "sla.services.rollups.incidents_refresh_account", lambda **kwargs: ran.append(1) or 0
    )
    client = redis.Redis.from_url(redis_url)
    latest, due = tasks._latest_dispatch_key(account.pk), tasks._latest_due_key(account.pk)
    client.set(latest, 7)
    client.set(due, time.time() - 1)  # task 7 is due: a backlog
    try:
        assert tasks.incidents_refresh.apply(args=(account.pk, 6)).get() == {
            "skipped": "superseded"
        }
        assert ran == []
        assert tasks.incidents_refresh.apply(args=(account.pk, 7)).get() == {"incidents": 0}
        assert tasks.incidents_refresh.apply(args=(account.pk,)).get() == {"incidents": 0}
        client.set(due, time.time() + 2)  # task 7 is the next window's, not due yet
        assert tasks.incidents_refresh.apply(args=(account.pk, 6)).get() == {"incidents": 0}
        client.delete(latest)  # the number lapsed: an older task runs
        assert tasks.incidents_refresh.apply(args=(account.pk, 6)).get() == {"incidents": 0}
        assert len(ran) == 4
    finally:
        client.delete(latest, due)


def test_a_refresh_runs_when_redis_cannot_tell_whether_it_was_overtaken(
    settings, monkeypatch, caplog
):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    account = AccountFactory()
    monkeypatch.setattr("sla.services.rollups.incidents_refresh_account", lambda **kwargs: 0)
    assert tasks.incidents_refresh.apply(args=(account.pk, 1)).get() == {"incidents": 0}
    assert "latest dispatch unknown" in caplog.text
