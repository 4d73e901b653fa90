"""The ingest edge (sla/api/edge.py): the pushes it takes are answered exactly as Django
answers them, and everything else reaches Django untouched, counted once, written once."""

import io
import json
import uuid

import pytest
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.db import OperationalError, connection

from sla.api import edge as edge_module
from sla.api.edge import IngestEdge
from sla.models import Service, StatusEvent
from slaportal.api.throttling import COUNTED_KEY
from slaportal.wsgi import django_application
from tests.factories import ApiTokenFactory, ServiceFactory

pytestmark = [pytest.mark.django_db(transaction=True)]
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the edge takes pushes on PostgreSQL only"
)


class CountingDjango:
    """Django behind the edge, counting the requests handed to it."""

    def __init__(self):
        self.calls = 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return django_application(environ, start_response)


def environ_for(body, *, secret=None, path="/api/v1/events", **extra) -> dict:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "testserver",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(data)),
        "wsgi.input": io.BytesIO(data),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    if secret is not None:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    environ.update(extra)
    return environ


def call(application, environ) -> tuple[int, dict, bytes]:
    started = {}

    def start_response(status, headers, exc_info=None):
        started["status"] = int(status.split()[0])
        started["headers"] = dict(headers)

    answer = application(environ, start_response)
    try:
        body = b"".join(answer)
    finally:
        answer.close()
    return started["status"], started["headers"], body


def event(path="pay/api", state="OK", **fields) -> dict:
    return {"service": path, "at": "2026-01-02T03:04:05Z", "state": state,
            "id": uuid.uuid4().hex, **fields}  # fmt: skip


@pytest.fixture
def pushing(settings):
    """An account with two services and an ingest token; Django behind an edge."""
    settings.ALLOWED_HOSTS = ["testserver"]
    token = ApiTokenFactory()
    for path in ("pay/api", "pay/db"):
        ServiceFactory(account=token.account, path=path)
    django = CountingDjango()
    return token, django, IngestEdge(django)


def _both(edge, body_for, token, django=django_application, **extra):
    """The same kind of push once through the edge and once through Django alone."""
    through_edge = call(edge, environ_for(body_for(), secret=token.secret, **extra))
    through_django = call(django, environ_for(body_for(), secret=token.secret, **extra))
    return through_edge, through_django


@postgres_only
@pytest.mark.parametrize(
    "body_for",
    [
        pytest.param(lambda: event(message="fine"), id="single"),
        pytest.param(lambda: [event(), event("pay/db", "CRIT")], id="list"),
        pytest.param(
            lambda: {"events": [event(), event(state="SIDEWAYS"), event(at="soon")]},
            id="batch-with-bad-items",
        ),
        pytest.param(
            lambda: {"events": [event(message="\u2028 ü ☃"), event(message="bad \udfff")]},
            id="odd-text",
        ),
    ],
)
def test_the_edge_answers_a_push_as_django_does(pushing, body_for):
    token, django, edge = pushing
    (status, headers, body), (django_status, django_headers, django_body) = _both(
        edge, body_for, token
    )
    assert django.calls == 0  # the edge answered
    assert status == django_status == 200
    assert headers == django_headers
    assert body == django_body
    new = json.loads(body)["new"]
    assert StatusEvent.objects.filter(account=token.account).count() == 2 * new


@postgres_only
def test_https_answers_carry_the_same_security_headers(pushing, settings):
    token, django, edge = pushing
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_REFERRER_POLICY = ["same-origin", "strict-origin"]
    fresh_django = WSGIHandler()  # its middleware reads these settings when loaded
    (_, headers, _), (_, django_headers, _) = _both(
        edge, event, token, django=fresh_django, HTTP_X_FORWARDED_PROTO="https"
    )
    assert django.calls == 0
    assert headers == django_headers
    assert headers["Strict-Transport-Security"] == "max-age=3600; includeSubDomains"


def _revoked(token):
    from django.utils import timezone

    type(token).objects.filter(pk=token.pk).update(revoked_at=timezone.now())


HANDED_ON = [
    # (id, how the push differs, what Django answers)
    ("no-token", {"secret": None}, 401),
    ("unknown-token", {"secret": "sla_nope_nope"}, 401),
    ("malformed-authorization", {"HTTP_AUTHORIZATION": "Bearer a b"}, 401),
    ("not-json", {"body": b"{nope"}, 400),
    ("form-content-type", {"CONTENT_TYPE": "application/x-www-form-urlencoded"}, 415),
    ("accept-html", {"HTTP_ACCEPT": "text/html"}, 406),
    ("accept-with-parameters", {"HTTP_ACCEPT": "application/json; indent=4"}, 200),
    ("every-item-bad", {"body": [{"service": "pay/api", "state": "SIDEWAYS"}]}, 400),
    ("empty-batch", {"body": {"events": []}}, 400),
    ("events-not-a-list", {"body": {"events": "x"}}, 400),
    ("batch-too-large", {"batch": 3}, 413),
    ("body-too-large", {"max_body": 10}, 413),
    ("chunked", {"HTTP_TRANSFER_ENCODING": "chunked"}, 200),
    ("other-host", {"HTTP_HOST": "evil.example"}, 400),
    ("new-service", {"body": "new-service"}, 200),
    ("read-only-token", {"scopes": ["read"]}, 403),
    ("revoked-token", {"revoke": True}, 401),
]


@postgres_only
@pytest.mark.parametrize(
    ("change", "status"), [h[1:] for h in HANDED_ON], ids=[h[0] for h in HANDED_ON]
)
def test_what_the_edge_does_not_take_reaches_django_untouched(pushing, settings, change, status):
    token, django, edge = pushing
    change = dict(change)
    if "scopes" in change:
        token = ApiTokenFactory(account=token.account, scopes=change.pop("scopes"))
    if change.pop("revoke", False):
        _revoked(token)
    if "batch" in change:
        settings.SLA_INGEST_MAX_BATCH = change.pop("batch") - 1
        change["body"] = [event() for _ in range(settings.SLA_INGEST_MAX_BATCH + 1)]
    if "max_body" in change:
        settings.SLA_INGEST_MAX_BODY_BYTES = change.pop("max_body")
    body = change.pop("body", event())
    if body == "new-service":
        body = [event("brand/new")]
    secret = change.pop("secret", token.secret)
    answer = call(edge, environ_for(body, secret=secret, **change))
    assert django.calls == 1
    assert answer[0] == status, answer[2]
    # What Django alone answers to the same push (a write repeated is a duplicate).
    if status != 200:
        django_answer = call(django_application, environ_for(body, secret=secret, **change))
        assert (django_answer[0], django_answer[2]) == (answer[0], answer[2])


@postgres_only
def test_a_push_for_another_accounts_path_writes_nothing_there(pushing):
    token, django, edge = pushing
    other = ServiceFactory(path="their/api")
    status, _, body = call(edge, environ_for(event("their/api"), secret=token.secret))
    assert status == 200 and django.calls == 1  # Django creates it in the token's account
    assert json.loads(body)["services_created"] == ["their/api"]
    assert not StatusEvent.objects.filter(service=other).exists()
    created = Service.objects.get(account=token.account, path="their/api")
    assert StatusEvent.objects.filter(service=created).count() == 1


@postgres_only
def test_a_limited_push_is_counted_once(pushing, settings):
    token, django, edge = pushing
    settings.API_RATE_LIMITS = {"ingest": 2}
    settings.API_RATE_LIMIT_WINDOW_SECONDS = 3600
    cache.clear()
    answers = []
    for _ in range(3):
        environ = environ_for(event(), secret=token.secret)
        answers.append(call(edge, environ))
    assert [answer[0] for answer in answers] == [200, 200, 429]
    assert django.calls == 1  # only the third
    assert environ[COUNTED_KEY][3] == 3  # the third push, counted by the edge, not again
    assert "Retry-After" in answers[2][1]
    assert StatusEvent.objects.filter(account=token.account).count() == 2


@postgres_only
def test_the_refresh_is_dispatched_after_the_answer(pushing, monkeypatch):
    token, django, edge = pushing
    dispatched = []
    monkeypatch.setattr("sla.tasks.incidents_refresh_soon", lambda **kw: dispatched.append(kw))
    answer = edge(environ_for(event(state="CRIT"), secret=token.secret), lambda *a: None)
    assert dispatched == []  # not while the answer is being sent
    answer.close()
    assert dispatched == [{"account_id": token.account_id}]
    assert django.calls == 0


@postgres_only
def test_a_database_error_hands_the_push_to_django(pushing, monkeypatch):
    token, django, edge = pushing

    def unreachable(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(edge_module, "token_for_secret", unreachable)
    status, _, body = call(edge, environ_for(event(), secret=token.secret))
    assert django.calls == 1 and status == 200  # Django's own lookup worked here
    assert json.loads(body)["new"] == 1


def test_other_requests_and_sqlite_go_to_django(pushing, monkeypatch, settings):
    token, django, edge = pushing
    call(edge, environ_for(event(), secret=token.secret, REQUEST_METHOD="GET", CONTENT_LENGTH=""))
    call(edge, environ_for(event(), secret=token.secret, path="/api/v1/requests"))
    assert django.calls == 2
    settings.USE_X_FORWARDED_HOST = True  # Django's host rules then read another header
    call(edge, environ_for(event(), secret=token.secret, HTTP_X_FORWARDED_HOST="testserver"))
    assert django.calls == 3
    settings.USE_X_FORWARDED_HOST = False
    monkeypatch.setattr(edge_module, "is_postgres", lambda: False)
    status, _, _ = call(edge, environ_for(event(), secret=token.secret))
    assert status == 200 and django.calls == 4


class BrokenStream(io.BytesIO):
    def read(self, *args):
        raise OSError("client went away")


@postgres_only
def test_a_client_gone_mid_body_is_handed_on_without_a_traceback(pushing, caplog):
    token, django, edge = pushing
    environ = environ_for(event(), secret=token.secret)
    environ["wsgi.input"] = BrokenStream()
    call(edge, environ)
    assert django.calls == 1
    assert "ingest edge failed" not in caplog.text
