"""The account's default source: at most one per account (a database constraint), switched
through ``source_save`` (API and admin), another account's sources never touched."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from integrations.prometheus.models import PrometheusSource
from integrations.prometheus.services.sources import source_save
from tests.factories import PrometheusSourceFactory

pytestmark = pytest.mark.django_db


def defaults(account) -> list[str]:
    return list(
        PrometheusSource.objects.for_account(account)
        .filter(is_default=True)
        .values_list("name", flat=True)
    )


def test_switching_the_default_through_the_api_keeps_one_per_account(tenants, api_a, api_b):
    first = PrometheusSourceFactory(account=tenants.a, name="first", is_default=True)
    second = PrometheusSourceFactory(account=tenants.a, name="second")
    theirs = PrometheusSourceFactory(account=tenants.b, name="theirs", is_default=True)

    created = api_a.post(
        "/api/v1/prometheus-sources",
        data={"name": "third", "url": "https://prom.example.com", "is_default": True},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["is_default"] is True
    assert defaults(tenants.a) == ["third"] and defaults(tenants.b) == ["theirs"]

    switched = api_a.patch(
        f"/api/v1/prometheus-sources/{second.pk}", data={"is_default": True}, format="json"
    )
    assert switched.status_code == 200 and switched.json()["is_default"] is True
    listed = {row["name"]: row["is_default"] for row in api_a.get(
        "/api/v1/prometheus-sources").json()["results"]}  # fmt: skip
    assert listed == {"first": False, "second": True, "third": False}

    # Another account's source: not found, and neither account's default moves.
    url = f"/api/v1/prometheus-sources/{theirs.pk}"
    assert api_a.patch(url, data={"is_default": True}, format="json").status_code == 404
    url = f"/api/v1/prometheus-sources/{first.pk}"
    assert api_b.patch(url, data={"is_default": True}, format="json").status_code == 404
    assert defaults(tenants.a) == ["second"] and defaults(tenants.b) == ["theirs"]

    cleared = api_a.patch(
        f"/api/v1/prometheus-sources/{second.pk}", data={"is_default": False}, format="json"
    )
    assert cleared.status_code == 200 and defaults(tenants.a) == []


@pytest.mark.parametrize("value", ["maybe", 2, None, [True], {"on": True}])
def test_a_non_boolean_default_is_400_naming_the_field(tenants, api_a, value):
    source = PrometheusSourceFactory(account=tenants.a, name="kept", is_default=True)
    created = api_a.post(
        "/api/v1/prometheus-sources",
        data={"name": "new", "url": "https://prom.example.com", "is_default": value},
        format="json",
    )
    assert created.status_code == 400, created.content
    assert "is_default" in created.json()["fields"], created.json()
    changed = api_a.patch(
        f"/api/v1/prometheus-sources/{source.pk}", data={"is_default": value}, format="json"
    )
    assert changed.status_code == 400 and "is_default" in changed.json()["fields"]
    assert defaults(tenants.a) == ["kept"]
    assert not PrometheusSource.objects.filter(name="new").exists()


def test_the_service_keeps_the_one_default_constraint(tenants):
    first = source_save(
        account=tenants.a,
        source=PrometheusSource(
            account=tenants.a, name="first", url="https://a.example.com", is_default=True
        ),
    )
    second = PrometheusSource(
        account=tenants.a, name="second", url="https://b.example.com", is_default=True
    )
    source_save(account=tenants.a, source=second)
    theirs = PrometheusSourceFactory(account=tenants.b, is_default=True)  # B has its own
    assert defaults(tenants.a) == ["second"] and defaults(tenants.b) == [theirs.name]

    # Without the service, the model refuses a second default and so does the database.
    first.refresh_from_db()
    first.is_default = True
    with pytest.raises(ValidationError, match="already has a default source"):
        first.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        PrometheusSource.objects.filter(pk=first.pk).update(is_default=True)

    # A source that fails validation switches nothing (same transaction).
    first.url = "ftp://nowhere.example.com"
    with pytest.raises(ValidationError) as raised:
        source_save(account=tenants.a, source=first)
    assert "url" in raised.value.message_dict
    assert defaults(tenants.a) == ["second"]


def test_the_admin_switches_the_default_through_the_service(client, tenants):
    old = PrometheusSourceFactory(account=tenants.a, name="old", is_default=True)
    new = PrometheusSourceFactory(account=tenants.a, name="new")
    tenants.owner_a.is_staff = True
    tenants.owner_a.save()
    client.force_login(tenants.owner_a)
    url = f"/admin/prometheus/prometheussource/{new.pk}/change/"
    assert 'name="default_source"' in client.get(url).content.decode()
    form = {
        "account": tenants.a.pk, "name": "new", "url": "https://prom.example.com",
        "bearer_token": "", "basic_auth_username": "", "basic_auth_password": "",
        "headers": "{}", "timeout_seconds": 5, "verify_tls": "on", "default_source": "on",
    }  # fmt: skip
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert defaults(tenants.a) == ["new"]
    old.refresh_from_db()
    assert old.is_default is False
