"""Issue 20, item 5: tokens (secret panel shown once with a copy button, revoke button,
scopes as checkboxes and words, the account proposed), holidays in the time period list,
the SLO burn-down on the dashboard, plain labels."""

import pytest
from rest_framework.test import APIClient

from accounts.models import ApiToken
from tests.factories import SLOFactory, TimePeriodFactory

pytestmark = pytest.mark.django_db


def test_token_secret_panel_once_then_revoke(operator_client, operator):
    page = operator_client.get("/admin/accounts/apitoken/add/").content.decode()
    assert f'<option value="{operator.account.pk}" selected>' in page  # the account proposed
    assert 'type="checkbox" name="scopes" value="read"' in page
    assert "read: Read" in page
    response = operator_client.post(
        "/admin/accounts/apitoken/add/",
        {"account": operator.account.pk, "name": "CI", "scopes": ["read"]},
    )
    token = ApiToken.objects.get()
    assert response["Location"] == f"/admin/accounts/apitoken/{token.pk}/change/"
    page = operator_client.get(response["Location"]).content.decode()
    secret = page.split('<code id="token-secret">')[1].split("</code>")[0]
    assert f"_{token.prefix}_" in secret
    assert 'data-copy="token-secret"' in page
    assert "This is the only time the secret is shown." in page
    again = operator_client.get(response["Location"]).content.decode()
    assert secret not in again and "token-secret-panel" not in again
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/services").status_code == 200
    assert "Revoke this token" in again
    operator_client.post(f"/admin/accounts/apitoken/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api.get("/api/v1/services").status_code == 401
    page = operator_client.get(f"/admin/accounts/apitoken/{token.pk}/change/").content.decode()
    assert "Revoked: this token no longer works." in page and "Revoke this token" not in page


def test_plain_labels(operator_client, operator):
    index = operator_client.get("/admin/").content.decode()
    assert ">API tokens<" in index
    SLOFactory(account=operator.account, service=operator.service)
    assert "SLI kind" in operator_client.get("/admin/sla/slo/").content.decode()


def test_holidays_in_the_time_period_list(operator_client, operator):
    TimePeriodFactory(
        account=operator.account,
        name="Business hours",
        definition={
            "monday": ["08:00-18:00"],
            "exceptions": {"2026-12-25": [], "2026-12-24": ["08:00-12:00"]},
        },
    )
    listing = operator_client.get("/admin/sla/timeperiod/").content.decode()
    assert "2026-12-24 08:00-12:00; 2026-12-25 (holiday)" in listing


def test_slo_burn_down_on_the_dashboard(operator_client, operator):
    slo = SLOFactory(account=operator.account, service=operator.service)
    page = operator_client.get(f"/dashboard/slos/{slo.pk}/").content.decode()
    assert 'id="slo-burn-down"' in page
    assert 'aria-label="Error budget burn-down"' in page or "No data yet" in page
    assert "Europe/Berlin" in page  # the budget window in the operator's zone, labelled
