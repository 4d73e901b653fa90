"""Login throttling (django-axes): per username and per client address, on every login
form, with a clear page, the right password refused while locked, and a documented unlock
(management command, admin delete action)."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.test import Client

from tests.factories import UserFactory

PASSWORD = "the-right-password"
ADMIN_LOGIN = "/admin/login/"
SITE_LOGIN = "/accounts/login/"


@pytest.fixture
def staff(db):
    user = UserFactory(username="ops", is_staff=True, is_superuser=True)
    user.set_password(PASSWORD)
    user.save()
    return user


def _post(client, url, username, password, address="198.51.100.7"):
    return client.post(
        url, {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=address
    )


def _locked(response) -> bool:
    return response.status_code == 429 and b"Login locked" in response.content


def test_twelve_wrong_passwords_lock_the_admin_login_until_unlocked(staff, settings):
    client = Client()
    answers = [_post(client, ADMIN_LOGIN, "ops", f"wrong-{n}") for n in range(12)]
    limit = settings.AXES_FAILURE_LIMIT
    assert [a.status_code for a in answers[: limit - 1]] == [200] * (limit - 1)
    assert all(_locked(a) for a in answers[limit - 1 :])
    page = answers[-1].content.decode()
    assert "Too many failed logins" in page and "administrator" in page
    assert answers[-1]["Retry-After"] == str(settings.AXES_COOLOFF_TIME.seconds)
    assert answers[-1]["Content-Security-Policy"]  # an HTML page like any other

    # The right password is refused too while the lock holds.
    assert _locked(_post(client, ADMIN_LOGIN, "ops", PASSWORD))
    assert SESSION_KEY not in client.session

    call_command("axes_reset_username", "ops")
    response = _post(client, ADMIN_LOGIN, "ops", PASSWORD)
    assert response.status_code == 302 and client.session[SESSION_KEY] == str(staff.pk)


def test_one_client_guessing_many_usernames_is_locked_out(staff):
    client = Client()
    for n in range(6):
        _post(client, SITE_LOGIN, f"nobody-{n}", "guess", address="203.0.113.9")
    # The real user from that address is refused; from another address it logs in.
    assert _locked(_post(client, SITE_LOGIN, "ops", PASSWORD, address="203.0.113.9"))
    other = Client()
    assert _post(other, SITE_LOGIN, "ops", PASSWORD, address="192.0.2.1").status_code == 302

    call_command("axes_reset_ip", "203.0.113.9")
    assert _post(Client(), SITE_LOGIN, "ops", PASSWORD, address="203.0.113.9").status_code == 302


def test_one_username_guessed_from_many_clients_is_locked(staff):
    for n in range(6):
        _post(Client(), SITE_LOGIN, "ops", "guess", address=f"192.0.2.{n + 10}")
    assert _locked(_post(Client(), ADMIN_LOGIN, "ops", PASSWORD, address="192.0.2.99"))


def test_a_superuser_unlocks_from_the_admin(staff, db):
    for n in range(6):
        _post(Client(), ADMIN_LOGIN, "ops", f"wrong-{n}", address="198.51.100.20")
    assert AccessAttempt.objects.filter(username="ops").exists()
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    admin = Client()
    admin.force_login(root)
    ids = list(AccessAttempt.objects.filter(username="ops").values_list("pk", flat=True))
    response = admin.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="ops").exists()
    assert _post(Client(), ADMIN_LOGIN, "ops", PASSWORD, address="198.51.100.20").status_code == 302


def test_a_successful_login_forgets_earlier_failures(staff):
    client = Client()
    for n in range(4):
        _post(client, SITE_LOGIN, "ops", f"wrong-{n}")
    assert _post(client, SITE_LOGIN, "ops", PASSWORD).status_code == 302
    client.logout()
    for n in range(4):
        assert _post(client, SITE_LOGIN, "ops", f"wrong-again-{n}").status_code == 200
