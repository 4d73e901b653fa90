"""events_ingest: validation per item, exactly-once storage, current state, marks, signal."""

import datetime as dt

import pytest
import time_machine

from sla.models import RollupMark, Service, StatusEvent
from sla.services import ingest as ingest_module
from sla.services.ingest import events_ingest
from sla.services.rollups import incidents_refresh_account
from sla.signals import status_history_changed
from tests.factories import AccountFactory, ServiceFactory
from tests.sla.helpers import T0, at, item, stored_events

pytestmark = pytest.mark.django_db
NOW = T0 + dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def account():
    return AccountFactory(timezone="Europe/Berlin")


def test_new_and_duplicates_are_counted_exactly(account):
    batch = [
        item("payment/api", 0, "OK", id="a1"),
        item("payment/api", 5, "CRIT"),
        item("payment/api", 5, "CRIT"),  # same service, instant and state: a duplicate
        item("payment/api", 0, "OK", id="a1", message="again"),  # the same id and event
        item("payment/db", 1, "up", id="a1"),  # the first's id for another event: a conflict
    ]
    result = events_ingest(account=account, items=batch)
    counts = (result.received, result.accepted, result.new, result.duplicates)
    assert counts == (5, 4, 2, 2) and result.conflicts == 1
    again = events_ingest(account=account, items=batch)
    assert (again.new, again.duplicates, again.conflicts) == (0, 4, 1)
    assert StatusEvent.objects.for_account(account).count() == 2
    assert result.services_created == ["payment/api"]  # none for the conflicting item


def test_states_are_normalised_and_ids_make_dedup_keys(account):
    events_ingest(
        account=account,
        items=[
            item("web", 0, "operational", id=7),
            item("web", 1, "Degraded"),
            item("web", 2, "DOWN", message="503s"),
        ],
    )
    rows = stored_events(account)
    assert [row[2] for row in rows] == ["OK", "WARN", "CRIT"]
    assert rows[0][4] == "id:7" and rows[2][3] == "503s"
    service = Service.objects.get(account=account, path="web")
    assert rows[1][4] == f"auto:{service.pk}:{at(1).isoformat()}:WARN"


@pytest.mark.parametrize(
    ("bad", "field", "fragment"),
    [
        ({"state": "BROKEN"}, "state", "unknown state"),
        ({"state": None}, "state", "required"),
        ({"state": 7}, "state", "unknown state"),  # 0-3 are Nagios codes
        ({"at": "2024-03-04T10:00:00"}, "at", "naive"),
        ({"at": "2024-03-04"}, "at", "naive"),
        ({"at": "yesterday"}, "at", "ISO 8601"),
        ({"at": 1709510400}, "at", "as a string"),
        ({"at": "9999-12-31T23:00:00Z"}, "at", "out of range"),
        ({"at": "0001-01-01T00:00:00+01:00"}, "at", "out of range"),
        ({"service": ""}, "service", "required"),
        ({"service": "bad path/"}, "service", "not a service path"),
        ({"service": "a\nb"}, "service", "not a service path"),
        ({"service": ["x"]}, "service", "string"),
        ({"message": "a\x00b"}, "message", "NUL"),
        ({"message": "x" * 5000}, "message", "at most"),
        ({"message": 5}, "message", "string"),
        ({"id": True}, "id", "string"),
        ({"id": ""}, "id", "empty"),
        ({"id": {"x": 1}}, "id", "string"),
    ],
)
def test_bad_items_are_rejected_with_index_and_field(account, bad, field, fragment):
    good = item("web", 0, "OK")
    result = events_ingest(account=account, items=[good, {**item("web", 1, "OK"), **bad}])
    assert result.new == 1 and result.rejected == 1
    (error,) = result.errors
    assert error["index"] == 1 and error["field"] == field
    assert fragment.lower() in error["error"].lower()


def test_every_bad_field_of_an_item_is_reported_and_non_objects(account):
    result = events_ingest(account=account, items=[{"state": "nope"}, 42, None])
    assert result.accepted == 0 and result.rejected == 3
    fields = [(error["index"], error["field"]) for error in result.errors]
    assert fields == [(0, "service"), (0, "at"), (0, "state"), (1, ""), (2, "")]
    assert StatusEvent.objects.count() == 0


def test_future_beyond_skew_is_rejected(account, settings):
    settings.SLA_INGEST_MAX_FUTURE_SKEW_SECONDS = 60
    result = events_ingest(
        account=account,
        items=[
            item("web", 0, "OK", base=NOW + dt.timedelta(seconds=59)),
            item("web", 2, "OK", base=NOW),
        ],
    )
    assert result.new == 1
    assert result.errors == [
        {
            "index": 1,
            "field": "at",
            "error": "more than 60 s in the future (check the agent's clock)",
        }
    ]


def test_unknown_services_are_rejected_when_auto_create_is_off(account):
    account.feature_auto_create_services = False
    account.save()
    ServiceFactory(account=account, path="known")
    result = events_ingest(
        account=account, items=[item("known", 0, "OK"), item("new/one", 0, "OK")]
    )
    assert result.new == 1
    assert result.errors[0]["index"] == 1 and "unknown service" in result.errors[0]["error"]
    assert not Service.objects.filter(path="new/one").exists()


def test_services_of_another_account_are_not_used(account):
    other = ServiceFactory(path="shared/name")
    events_ingest(account=account, items=[item("shared/name", 0, "OK")])
    mine = Service.objects.get(account=account, path="shared/name")
    assert mine.pk != other.pk and not other.events.exists()


def test_current_state_follows_the_latest_event_and_the_worst_at_a_tie(account):
    def push(*items):
        events_ingest(account=account, items=list(items))
        incidents_refresh_account(account=account)  # runs right after the commit
        return Service.objects.get(account=account, path="web")

    service = push(item("web", 10, "WARN"), item("web", 10, "OK"))
    assert (service.current_state, service.current_state_since) == ("WARN", at(10))
    assert push(item("web", 5, "CRIT")).current_state == "WARN"  # late and older: no change
    service = push(item("web", 10, "CRIT"))  # same instant, worse
    assert (service.current_state, service.current_state_since) == ("CRIT", at(10))
    service = push(item("web", 11, "OK"))
    assert (service.current_state, service.current_state_since) == ("OK", at(11))


def test_current_state_is_left_to_the_refresh_after_commit(
    account, eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        events_ingest(account=account, items=[item("web", 3, "CRIT")])
    assert Service.objects.get(account=account, path="web").current_state == "CRIT"


def test_marks_move_back_to_the_earliest_new_instant_only(account):
    events_ingest(account=account, items=[item("web", 30, "OK"), item("web", 40, "CRIT")])
    mark = RollupMark.objects.get(account=account)
    assert (mark.history_start, mark.dirty_from, mark.incidents_from) == (at(30),) * 3
    seq = mark.seq
    events_ingest(account=account, items=[item("web", 40, "CRIT")])  # duplicate only
    mark.refresh_from_db()
    assert mark.seq == seq
    events_ingest(account=account, items=[item("web", 10, "WARN"), item("web", 50, "OK")])
    mark.refresh_from_db()
    assert (mark.history_start, mark.dirty_from, mark.seq) == (at(10), at(10), seq + 1)


def test_signal_after_commit_with_the_earliest_changed_instants(
    account, django_capture_on_commit_callbacks
):
    received = []

    def listener(sender, account, changes, **kwargs):
        received.append((account.pk, changes))

    status_history_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            events_ingest(account=account, items=[item("web", 20, "OK"), item("web", 3, "CRIT")])
        assert len(callbacks) == 1
        service_id = Service.objects.get(account=account, path="web").pk
        assert received == [(account.pk, {service_id: at(3)})]
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            events_ingest(account=account, items=[item("web", 20, "OK")])  # nothing new
        assert callbacks == []
    finally:
        status_history_changed.disconnect(listener)


def test_a_failure_inside_the_write_leaves_nothing_behind(account, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ingest_module, "marks_upsert", broken)
    with pytest.raises(RuntimeError):
        events_ingest(account=account, items=[item("web", 0, "OK"), item("db", 0, "OK")])
    assert not StatusEvent.objects.exists() and not Service.objects.exists()
