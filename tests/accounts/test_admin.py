"""Tenant-aware admin for accounts, memberships and tokens."""

import re

import pytest
from django.contrib.auth import get_user_model

from accounts.models import ApiToken
from tests.factories import ApiTokenFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.com", "pw-root-1")


def test_superuser_sees_every_account(client, tenants, superuser):
    client.force_login(superuser)
    html = client.get("/admin/accounts/account/").content.decode()
    assert "Alpha Ltd" in html and "Beta GmbH" in html


def test_operator_sees_only_own_accounts(client, tenants):
    client.force_login(tenants.owner_a)
    html = client.get("/admin/accounts/account/").content.decode()
    assert "Alpha Ltd" in html and "Beta GmbH" not in html
    response = client.get(f"/admin/accounts/account/{tenants.b.pk}/change/")
    assert response.status_code == 302  # Django admin: "does not exist", nothing shown


def test_operator_sees_only_own_tokens_and_memberships(client, tenants):
    client.force_login(tenants.outsider)
    tokens = client.get("/admin/accounts/apitoken/").content.decode()
    assert "B all scopes" in tokens and "A all scopes" not in tokens
    memberships = client.get("/admin/accounts/membership/").content.decode()
    assert "owner_a" not in memberships and "outsider" in memberships


def test_viewer_can_look_but_not_change(client, tenants):
    client.force_login(tenants.member_a)
    url = f"/admin/accounts/account/{tenants.a.pk}/change/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "Hijacked", "slug": "alpha", "timezone": "UTC"})
    assert response.status_code == 403
    tenants.a.refresh_from_db()
    assert tenants.a.name == "Alpha Ltd"
    token = ApiTokenFactory(account=tenants.a)
    assert client.get("/admin/accounts/apitoken/add/").status_code == 403
    assert client.post(
        "/admin/accounts/apitoken/",
        {"action": "revoke_tokens", "_selected_action": [token.pk]},
    ).status_code in (200, 302, 403)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_token_created_in_admin_shows_secret_once(client, tenants):
    client.force_login(tenants.owner_a)
    response = client.post(
        "/admin/accounts/apitoken/add/",
        {"account": tenants.a.pk, "name": "from admin", "scopes": ["read", "ingest"]},
        follow=True,
    )
    html = response.content.decode()
    secret = re.search(r"(slap_[a-z0-9]{8}_[A-Za-z0-9_\-]+)", html).group(1)
    token = ApiToken.objects.get(name="from admin")
    assert token.scopes == ["ingest", "read"] and token.created_by == tenants.owner_a
    assert secret not in token.hashed_secret
    detail = client.get(f"/admin/accounts/apitoken/{token.pk}/change/").content.decode()
    assert secret not in detail and token.prefix in detail


def test_operator_cannot_create_token_for_foreign_account(client, tenants):
    client.force_login(tenants.owner_a)
    response = client.post(
        "/admin/accounts/apitoken/add/",
        {"account": tenants.b.pk, "name": "sneaky", "scopes": ["read"]},
    )
    assert response.status_code == 200  # the form is shown again with an error
    assert "Select a valid choice" in response.content.decode()
    assert not ApiToken.objects.filter(name="sneaky").exists()


def test_admin_login_page_answers_anonymous_users(client, db):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302  # to the login page


@pytest.fixture
def admin_in_a_viewer_in_b(tenants):
    """A staff user who may write in A but only read in B."""
    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory(username="mixed")
    MembershipFactory(account=tenants.a, user=user, role="admin")
    MembershipFactory(account=tenants.b, user=user, role="viewer")
    return user


def test_actions_only_touch_rows_the_user_may_change(client, tenants, admin_in_a_viewer_in_b):
    client.force_login(admin_in_a_viewer_in_b)
    response = client.post(
        "/admin/accounts/apitoken/",
        {"action": "revoke_tokens", "_selected_action": [tenants.token_a.pk, tenants.token_b.pk]},
    )
    assert response.status_code == 302
    tenants.token_a.refresh_from_db()
    tenants.token_b.refresh_from_db()
    assert tenants.token_a.revoked_at is not None
    assert tenants.token_b.revoked_at is None  # B's token: the user is only a viewer there


def test_admins_cannot_make_or_unmake_owners(client, tenants):
    from accounts.models import Membership
    from tests.factories import MembershipFactory, UserFactory

    admin_user = UserFactory(username="admin_a")
    own = MembershipFactory(account=tenants.a, user=admin_user, role="admin")
    owner = Membership.objects.get(account=tenants.a, role="owner")
    client.force_login(admin_user)
    response = client.post(
        f"/admin/accounts/membership/{own.pk}/change/",
        {"account": tenants.a.pk, "user": admin_user.pk, "role": "owner"},
    )
    assert response.status_code == 200 and "Only an owner" in response.content.decode()
    own.refresh_from_db()
    assert own.role == "admin"
    assert client.get(f"/admin/accounts/membership/{owner.pk}/delete/").status_code == 403
    response = client.post(
        f"/admin/accounts/membership/{owner.pk}/change/",
        {"account": tenants.a.pk, "user": owner.user_id, "role": "viewer"},
    )
    assert response.status_code == 403
    owner.refresh_from_db()
    assert owner.role == "owner"
