"""The licence gate end to end (SLA_LICENSE_REQUIRED): valid, expired in grace, expired,
wrong key, no "sla" plugin and `alg: none`, each through the REST API, GraphQL and the
dashboard; status events are stored whatever the licence says."""

import datetime as dt

import pytest
import time_machine

from sla.models import StatusEvent
from tests.conftest import client_for
from tests.licensing.conftest import NOW, licence, unsigned_licence
from tests.slaportal.graphql.conftest import error_codes, gql

pytestmark = pytest.mark.django_db

# name: (make the licence, accepted by PUT, SLA on, text of the warning or the reason)
CASES = {
    "valid": (lambda keys: licence(keys), True, True, ""),
    "expired in grace": (
        lambda keys: licence(keys, days_left=-3),
        True,
        True,
        "The SLA licence expired on 2026-11-18; SLA features stop after 2026-12-02",
    ),
    "expired": (
        lambda keys: licence(keys, days_left=-20),
        True,
        False,
        "the licence expired on 2026-11-01 (grace period over)",
    ),
    "wrong key": (
        lambda keys: licence(keys, stranger=True),
        False,
        False,
        "signature does not verify with SLA_LICENSE_PUBLIC_KEY",
    ),
    "missing sla": (
        lambda keys: licence(keys, plugins=["ticketing"]),
        True,
        False,
        "the licence does not list the 'sla' plugin",
    ),
    "alg none": (lambda keys: unsigned_licence(), False, False, "unsigned licence (alg 'none')"),
}


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _install(case: str, keys, tenants, settings) -> str:
    """The account's licence through the API; a refused one as the deployment's."""
    make, accepted, _, _ = CASES[case]
    token = make(keys)
    response = client_for(tenants.token_a).put(
        "/api/v1/account/license", {"license": token}, format="json"
    )
    if accepted:
        assert response.status_code == 200, response.content
        assert response.json()["source"] == "account"
    else:
        assert response.status_code == 400
        body = response.json()
        assert body["error"] == "validation_error"
        assert CASES[case][3] in body["fields"]["license"][0]
        settings.SLA_LICENSE = token  # the deployment's licence: refused without a crash
    return token


@pytest.mark.parametrize("case", sorted(CASES))
def test_licence_through_api_graphql_and_dashboard(case, keys, tenants, licensed, client):
    _install(case, keys, tenants, licensed)
    _, _, sla_on, text = CASES[case]
    api = client_for(tenants.token_a)

    account = api.get("/api/v1/account").json()
    assert account["sla_enabled"] is sla_on
    shown = account["license"]["warning"] if sla_on else account["license"]["reason"]
    assert text in shown and (bool(shown) == bool(text))

    slas = api.get("/api/v1/slas")
    if sla_on:
        assert slas.status_code == 200
    else:
        assert slas.status_code == 403 and slas.json()["error"] == "plugin_disabled"

    body = gql(
        tenants.token_a, "{ slaDashboardStats { slaEnabled } incidents { edges { cursor } } }"
    )
    if sla_on:
        assert body["data"]["slaDashboardStats"] == {"slaEnabled": True}
    else:
        assert error_codes(body) == ["PLUGIN_DISABLED"] and body["data"]["incidents"] is not None

    client.force_login(tenants.owner_a)
    page = client.get("/dashboard/").content.decode()
    assert ("SLA features are off for this account" in page) is not sla_on
    if text:
        assert 'id="license-notice"' in page and text.replace("'", "&#x27;") in page
    else:
        assert 'id="license-notice"' not in page

    event = {"service": "web/api", "at": NOW.isoformat(), "state": "OK"}
    stored = api.post("/api/v1/events", event, format="json")
    assert stored.status_code == 200, stored.content
    assert StatusEvent.objects.for_account(tenants.a).filter(service__path="web/api").exists()


def test_without_licence_required_the_flag_alone_decides(keys, tenants, settings):
    settings.SLA_LICENSE_REQUIRED = False
    settings.SLA_LICENSE_PUBLIC_KEY = keys.public_pem
    settings.SLA_LICENSE = licence(keys, days_left=-400)
    body = client_for(tenants.token_a).get("/api/v1/account").json()
    assert body["sla_enabled"] is True and body["license"]["state"] == "expired"
    assert body["license"]["warning"] == ""


def test_required_without_any_licence_is_off_with_the_reason(tenants, licensed):
    body = client_for(tenants.token_a).get("/api/v1/account").json()
    assert body["sla_enabled"] is False and body["license"]["state"] == "missing"
    assert "no licence" in body["license"]["reason"]


def test_required_without_public_key_is_off_with_the_reason(keys, tenants, licensed):
    licensed.SLA_LICENSE_PUBLIC_KEY = ""
    licensed.SLA_LICENSE = licence(keys)
    body = client_for(tenants.token_a).get("/api/v1/account").json()
    assert body["sla_enabled"] is False
    assert "SLA_LICENSE_PUBLIC_KEY is not set" in body["license"]["reason"]


def test_deployment_licence_from_files(keys, tenants, licensed, tmp_path):
    (tmp_path / "vendor.pub").write_text(keys.public_pem)
    (tmp_path / "licence.jwt").write_text(licence(keys) + "\n")
    licensed.SLA_LICENSE_PUBLIC_KEY = str(tmp_path / "vendor.pub")
    licensed.SLA_LICENSE = str(tmp_path / "licence.jwt")
    body = client_for(tenants.token_a).get("/api/v1/account/license").json()
    assert body["state"] == "valid" and body["source"] == "deployment" and body["sla"]
    licensed.SLA_LICENSE = str(tmp_path / "missing.jwt")
    body = client_for(tenants.token_a).get("/api/v1/account/license").json()
    assert body["state"] == "invalid" and "SLA_LICENSE: cannot read" in body["reason"]


def test_account_licence_overrides_the_deployments_and_can_be_removed(keys, tenants, licensed):
    licensed.SLA_LICENSE = licence(keys, plugins=["ticketing"])
    api = client_for(tenants.token_a)
    assert api.get("/api/v1/account").json()["sla_enabled"] is False
    assert api.put("/api/v1/account/license", {"license": licence(keys)}, format="json").json()[
        "sla"
    ]
    assert api.get("/api/v1/account").json()["sla_enabled"] is True
    removed = api.put("/api/v1/account/license", {"license": None}, format="json").json()
    assert removed["source"] == "deployment" and removed["sla"] is False


def test_other_accounts_licence_is_its_own(keys, tenants, licensed):
    client_for(tenants.token_a).put(
        "/api/v1/account/license", {"license": licence(keys)}, format="json"
    )
    assert client_for(tenants.token_a).get("/api/v1/account").json()["sla_enabled"] is True
    assert client_for(tenants.token_b).get("/api/v1/account").json()["sla_enabled"] is False
    body = client_for(tenants.token_b).get("/api/v1/account/license").json()
    assert body["source"] is None and body["licensee"] is None


def test_setting_a_licence_needs_an_admin_write_token(keys, tenants, licensed):
    from tests.factories import ApiTokenFactory

    reader = ApiTokenFactory(account=tenants.a, scopes=["read"])
    response = client_for(reader).put(
        "/api/v1/account/license", {"license": licence(keys)}, format="json"
    )
    assert response.status_code == 403
    assert client_for(reader).get("/api/v1/account/license").status_code == 200


def test_grace_period_length_is_a_setting(keys, tenants, licensed):
    licensed.SLA_LICENSE_GRACE_DAYS = 2
    licensed.SLA_LICENSE = licence(keys, days_left=-3)
    body = client_for(tenants.token_a).get("/api/v1/account").json()
    assert body["sla_enabled"] is False and body["license"]["state"] == "expired"
    assert body["license"]["grace_ends_at"].startswith("2026-11-20")


def test_the_gate_is_judged_once_per_account_object_and_minute(keys, tenants, licensed):
    from accounts.features import sla_enabled
    from accounts.models import Account

    licensed.SLA_LICENSE = licence(keys, days_left=-30)
    assert sla_enabled(tenants.a) is False
    licensed.SLA_LICENSE = licence(keys)
    assert sla_enabled(tenants.a) is False  # the same object, the same minute
    assert sla_enabled(Account.objects.get(pk=tenants.a.pk)) is True
    with time_machine.travel(NOW + dt.timedelta(minutes=2), tick=False):
        assert sla_enabled(tenants.a) is True


def test_itops_name_switches_the_feature_off(monkeypatch):
    from tests.slaportal.test_settings import _settings

    assert _settings(ITOPS_PLUGINS_SLA_ENABLED="false")["SLA_ENABLED"] is False
    assert _settings(ITOPS_PLUGINS_SLA_ENABLED="true")["SLA_ENABLED"] is True


def test_start_up_survives_a_bad_licence(tmp_path):
    from tests.slaportal.test_settings import _printed

    printed = _printed(
        "settings.SLA_LICENSE_REQUIRED",
        SLA_LICENSE_REQUIRED="true",
        SLA_LICENSE="garbage",
        SLA_LICENSE_PUBLIC_KEY="not a key",
    )
    assert printed == "True"


def test_system_check_warns_about_a_bad_licence(keys, licensed):
    from licensing.checks import license_settings_check

    licensed.SLA_LICENSE = licence(keys, stranger=True)
    [warning] = license_settings_check()
    assert warning.id == "licensing.W001" and "signature does not verify" in warning.msg
    licensed.SLA_LICENSE = licence(keys)
    assert license_settings_check() == []


def test_grace_warning_date_uses_the_dates(keys, tenants, licensed):
    licensed.SLA_LICENSE = licence(keys, days_left=-1)
    body = client_for(tenants.token_a).get("/api/v1/account").json()
    expires = dt.datetime.fromisoformat(body["license"]["expires_at"].replace("Z", "+00:00"))
    assert expires == NOW - dt.timedelta(days=1)
    assert "2026-11-20" in body["license"]["warning"]
