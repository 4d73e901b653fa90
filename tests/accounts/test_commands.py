"""create_account, create_token and seed_demo."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Account, ApiToken, Membership
from tests.conftest import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_create_account_defaults_to_sla_on():
    _run("create_account", "--name", "Acme", "--slug", "acme", "--timezone", "Europe/Paris")
    account = Account.objects.get(slug="acme")
    assert account.feature_sla and account.timezone == "Europe/Paris"


def test_create_account_without_sla():
    _run("create_account", "--name", "Acme", "--slug", "acme", "--without-sla")
    assert Account.objects.get(slug="acme").feature_sla is False


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--name", "A", "--slug", "a", "--timezone", "Mars/Base"], "--timezone"),
        (["--name", "A", "--slug", "not a slug"], "--slug"),
    ],
)
def test_create_account_errors_name_the_option(args, field):
    with pytest.raises(CommandError, match=field):
        _run("create_account", *args)


def test_create_account_twice_is_a_clear_error():
    _run("create_account", "--name", "Acme", "--slug", "acme")
    with pytest.raises(CommandError, match="already exists"):
        _run("create_account", "--name", "Acme", "--slug", "acme")


def test_create_token_prints_the_secret_alone_on_the_last_line(tenants):
    output = _run("create_token", "--account", "alpha", "--scopes", "ingest,read")
    secret = output.strip().splitlines()[-1]
    token = ApiToken.objects.get(prefix=secret.split("_")[1])
    assert token.scopes == ["ingest", "read"]
    token.secret = secret
    assert client_for(token).get("/api/v1/account").json()["slug"] == "alpha"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--account", "nope", "--scopes", "read"], "--account"),
        (["--account", "alpha", "--scopes", "read,admin"], "--scopes"),
        (["--account", "alpha", "--scopes", ","], "--scopes"),
    ],
)
def test_create_token_errors(tenants, args, message):
    with pytest.raises(CommandError, match=message):
        _run("create_token", *args)


def test_seed_demo_is_idempotent_and_prints_login_and_token():
    first = _run("seed_demo")
    second = _run("seed_demo")
    assert "Operator login: operator / " in first
    assert Account.objects.filter(slug="demo").count() == 1
    assert Membership.objects.filter(account__slug="demo", role="owner").count() == 1
    active = ApiToken.objects.filter(account__slug="demo", revoked_at__isnull=True)
    assert active.count() == 1
    secret = second.strip().splitlines()[-1].split(": ")[-1]
    token = active.get()
    token.secret = secret
    assert client_for(token).get("/api/v1/account").json()["slug"] == "demo"
