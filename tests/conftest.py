"""Shared fixtures: two accounts and three users, API clients per token."""

import os
from collections import Counter
from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from tests.factories import AccountFactory, ApiTokenFactory, MembershipFactory, UserFactory
from tests.proxy_server import forward_proxy  # noqa: F401 - a fixture for every test module

SLOW_MARKERS = ("slow", "browser")


@pytest.hookimpl(trylast=True)  # after pytest-django's ordering, which it keeps within
def pytest_collection_modifyitems(config, items):
    """Files with a slow or browser test first, then the others by size: `make test`
    hands files out in this order (`--dist loadfile --no-loadscope-reorder`; xdist's own
    order, by test count, would start a two-minute file of one test last and end the
    suite on one busy worker). Tests marked `postgres` (concurrent connections, row
    locks, prepared statements) are skipped on SQLite (no DATABASE_URL)."""
    _slow_files_first(items)
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL)")
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)


def _slow_files_first(items) -> None:
    slow_files = {
        item.path for item in items if any(item.get_closest_marker(name) for name in SLOW_MARKERS)
    }
    sizes = Counter(item.path for item in items)
    # Stable: the order within a file (pytest-django's) is kept.
    items.sort(key=lambda item: (item.path not in slow_files, -sizes[item.path], item.path))


def pytest_configure(config):
    from django.conf import settings

    # The demo's 90 days of history cost ~15 s per seed; two weeks show the same kinds of
    # rows (incidents, snapshots, daily rows, reports) to the tests that seed it.
    settings.SLA_DEMO_HISTORY_DAYS = 14


@dataclass
class Tenants:
    """Account A with its owner and a viewer member; account B with an outsider.

    The outsider belongs to B only and must never see anything of A.
    """

    a: object
    b: object
    owner_a: object
    member_a: object
    outsider: object
    token_a: object
    token_b: object


@pytest.fixture
def tenants(db) -> Tenants:
    account_a = AccountFactory(name="Alpha Ltd", slug="alpha")
    account_b = AccountFactory(name="Beta GmbH", slug="beta")
    owner_a = UserFactory(username="owner_a")
    member_a = UserFactory(username="member_a")
    outsider = UserFactory(username="outsider")
    MembershipFactory(account=account_a, user=owner_a, role="owner")
    MembershipFactory(account=account_a, user=member_a, role="viewer")
    MembershipFactory(account=account_b, user=outsider, role="owner")
    return Tenants(
        a=account_a,
        b=account_b,
        owner_a=owner_a,
        member_a=member_a,
        outsider=outsider,
        token_a=ApiTokenFactory(account=account_a, name="A all scopes"),
        token_b=ApiTokenFactory(account=account_b, name="B all scopes"),
    )


def client_for(token=None) -> APIClient:
    """An API client sending `Authorization: Bearer <secret>` (none if token is None)."""
    client = APIClient()
    if token is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.secret}")
    return client


@pytest.fixture
def api_a(tenants) -> APIClient:
    return client_for(tenants.token_a)


@pytest.fixture
def api_b(tenants) -> APIClient:
    return client_for(tenants.token_b)


@pytest.fixture
def anonymous_api() -> APIClient:
    return APIClient()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2 with 1M rounds costs ~0.3 s per user; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _reports_in_a_temporary_directory(settings, tmp_path_factory):
    # Daily reports (demo seeders included) must never land in the working tree's var/.
    settings.SLA_REPORT_DIR = tmp_path_factory.mktemp("reports")


@pytest.fixture(scope="session")
def smtp_server_session():
    """One real SMTP server (aiosmtpd) for the whole run, on a free port."""
    import logging

    from tests.smtp_server import SMTPServer

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's per-command log
    server = SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp_server(smtp_server_session, settings):
    """Django sends mail over SMTP to the session's server, emptied for this test (and
    running again if a test stopped it)."""
    if not smtp_server_session.running:
        smtp_server_session.start()
    smtp_server_session.clear()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_server_session.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    yield smtp_server_session
    if not smtp_server_session.running:
        smtp_server_session.start()


@pytest.fixture(autouse=True)
def _no_api_rate_limits(settings):
    # Tests send bursts with one token (schemathesis: thousands); the limits themselves are
    # tested in tests/api/test_rate_limits.py, which sets its own.
    settings.API_RATE_LIMITS = {}


PROXY_VARIABLES = ("http_proxy", "https_proxy", "no_proxy", "all_proxy")


@pytest.fixture(autouse=True)
def _no_outbound_proxy(monkeypatch):
    # Webhooks and Prometheus sources honour HTTP(S)_PROXY: a developer's proxy must not
    # carry the tests' requests to 127.0.0.1. Proxy tests set their own.
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
