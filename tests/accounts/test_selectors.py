"""token_for_secret: the token of a presented secret with its account, as the ORM would load
them (on PostgreSQL it is one prepared raw statement), and None for anything else."""

import pytest
from django.db.models import Model

from accounts.models import ApiToken
from accounts.selectors import token_for_secret, token_for_secret_with_row
from accounts.services import token_create, token_revoke
from tests.factories import AccountFactory, UserFactory

pytestmark = pytest.mark.django_db


def _field_values(instance: Model) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.fields}


@pytest.fixture
def issued():
    account = AccountFactory(timezone="Asia/Kolkata", feature_auto_create_services=True)
    other = AccountFactory()
    token_create(account=other, name="other", scopes=["read"])
    token, secret = token_create(
        account=account, name="agent", scopes=["read", "ingest"], created_by=UserFactory()
    )
    return account, token, secret


def test_the_token_and_its_account_are_loaded_field_for_field(issued):
    account, token, secret = issued
    found = token_for_secret(secret=secret)
    expected = ApiToken.objects.select_related("account").get(pk=token.pk)
    assert _field_values(found) == _field_values(expected)
    assert found.scopes == ["ingest", "read"] and found.has_scope("ingest")
    assert found.created_at.utcoffset() is not None  # aware, as the ORM gives
    assert _field_values(found.account) == _field_values(account)
    assert found.account.features == account.features
    assert found._state.adding is False and found.account._state.adding is False


def test_several_lookups_on_one_connection_give_the_same_answer(issued):
    _, token, secret = issued
    # PostgreSQL prepares the statement on its first runs; later runs use the prepared one.
    assert {token_for_secret(secret=secret).pk for _ in range(8)} == {token.pk}


@pytest.mark.parametrize(
    "mangle",
    [
        lambda secret: secret[:-1] + ("A" if secret[-1] != "A" else "B"),  # wrong secret
        lambda secret: "slap_" + "x" * 8 + "_" + secret.split("_", 2)[2],  # unknown prefix
        lambda secret: secret.replace("_", "-"),  # not a token at all
        lambda secret: "",
    ],
    ids=["wrong-secret", "unknown-prefix", "malformed", "empty"],
)
def test_anything_but_the_exact_secret_finds_nothing(issued, mangle):
    _, _, secret = issued
    assert token_for_secret(secret=mangle(secret)) is None


def test_a_revoked_token_finds_nothing(issued):
    account, token, secret = issued
    token_revoke(account=account, token_id=token.pk)
    assert token_for_secret(secret=secret) is None


def _drop_server_side(db_connection) -> None:
    """Have the server end this process's database session, as a restart or an idle
    timeout would (PostgreSQL; SQLite has no server to do so)."""
    if db_connection.vendor != "postgresql":
        return
    import psycopg

    settings = db_connection.settings_dict
    pid = db_connection.connection.info.backend_pid
    dsn = db_connection.connection.info.dsn  # host, port, user, database of this connection
    assert settings["NAME"] in dsn
    with psycopg.connect(dsn, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_dropped_is_replaced_not_failed_on():
    # Outside a transaction, as in a request: the lookup is the connection's health check.
    from django.db import connection

    account = AccountFactory()
    token, secret = token_create(account=account, name="agent", scopes=["ingest"])
    assert token_for_secret(secret=secret).pk == token.pk
    session_before = _session(connection)
    _drop_server_side(connection)
    connection.health_check_done = False  # as at the start of the next request
    assert token_for_secret(secret=secret).pk == token.pk
    if connection.vendor == "postgresql":
        assert _session(connection) != session_before  # replaced, not reused
    # Checked: no SELECT 1 follows in this request (health checks are on with DATABASE_URL).
    assert connection.health_check_done is connection.health_check_enabled
    assert token_for_secret(secret=secret).pk == token.pk  # the new connection serves on


def _session(db_connection):
    if db_connection.vendor != "postgresql":
        return None
    return db_connection.connection.info.backend_pid


def test_the_token_with_a_row_of_its_account_in_the_same_lookup(issued):
    from integrations.vector.models import VectorSource
    from tests.factories import VectorSourceFactory

    account, token, secret = issued
    mine = VectorSourceFactory(account=account)
    theirs = VectorSourceFactory(account=AccountFactory())
    found, row = token_for_secret_with_row(secret=secret, model=VectorSource, pk=mine.pk)
    assert _field_values(found) == _field_values(token_for_secret(secret=secret))
    assert _field_values(row) == _field_values(VectorSource.objects.get(pk=mine.pk))
    assert row.account == account and row.rules_revision == mine.rules_revision
    for pk in (theirs.pk, mine.pk + 1000, None, 2**63):  # another account's is none too
        found, row = token_for_secret_with_row(secret=secret, model=VectorSource, pk=pk)
        assert found.pk == token.pk and row is None
    wrong = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    assert token_for_secret_with_row(secret=wrong, model=VectorSource, pk=mine.pk) == (None, None)
    token_revoke(account=account, token_id=token.pk)
    assert token_for_secret_with_row(secret=secret, model=VectorSource, pk=mine.pk) == (None, None)
