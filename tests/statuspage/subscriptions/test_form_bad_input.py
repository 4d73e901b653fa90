"""The subscribe form and the mailed links refuse bad input with a clear message, storing
and sending nothing; private pages offer the form only behind the password; a page
setting turns subscriptions off."""

import datetime as dt

import pytest
import time_machine
from django.core import signing

from reporting.models import Delivery, OutboxMessage
from statuspage.services import status_page_update
from statuspage.subscriptions import tokens
from statuspage.subscriptions.models import Subscriber
from tests.statuspage.subscriptions.conftest import confirm_link, deliver_all, path_of

pytestmark = pytest.mark.django_db

BAD_ADDRESSES = [
    "",
    "not-an-address",
    "a@b",
    "ann@example.com\r\nBcc: everyone@example.com",
    "ann@example.com\nSubject: hi",
    "ann@example.com, bob@example.com",
    "Ann <ann@example.com>",
    "a" * 250 + "@example.com",
    "ann@exa\x00mple.com",
]


def _nothing_stored():
    assert Subscriber.objects.count() == 0
    assert OutboxMessage.objects.count() == 0 and Delivery.objects.count() == 0


@pytest.mark.parametrize("address", BAD_ADDRESSES)
def test_malformed_or_injected_addresses_are_refused(client, acme, address):
    response = client.post(f"{acme.path}/subscribe", {"email": address, "scope": "all"})
    assert response.status_code == 400
    assert b"Enter a valid email address." in response.content
    _nothing_stored()


def test_unknown_or_foreign_components_and_no_choice_are_refused(client, acme):
    cases = [
        ({"scope": "some", "component": ["zzzzzzzzzzzz"]}, b"does not exist on this page"),
        ({"scope": "some"}, b"Tick at least one component"),
        ({"scope": "sometimes"}, b"Tick at least one component"),
    ]
    for data, message in cases:
        response = client.post(f"{acme.path}/subscribe", {"email": "ann@example.com", **data})
        assert response.status_code == 400 and message in response.content, data
    _nothing_stored()


def test_a_flood_from_one_client_is_stopped_with_a_clear_message(client, acme, settings):
    settings.STATUSPAGE_SUBSCRIBE_CLIENT_LIMIT = 3
    for index in range(3):
        ok = client.post(f"{acme.path}/subscribe", {"email": f"u{index}@example.com"})
        assert ok.status_code == 200
    stored = Subscriber.objects.count()
    for index in range(3, 6):
        refused = client.post(f"{acme.path}/subscribe", {"email": f"u{index}@example.com"})
        assert refused.status_code == 429
        assert b"Too many subscription requests" in refused.content
    assert Subscriber.objects.count() == stored == 3
    assert OutboxMessage.objects.count() == 3


def test_one_address_gets_few_confirmation_mails_and_the_answer_stays_the_same(
    client, acme, settings
):
    settings.STATUSPAGE_SUBSCRIBE_ADDRESS_LIMIT = 2
    answers = {
        client.post(f"{acme.path}/subscribe", {"email": "victim@example.com"}).content
        for _ in range(5)
    }
    assert len(answers) == 1
    assert Subscriber.objects.count() == 1
    assert OutboxMessage.objects.filter(event_type="statuspage.subscription.confirm").count() == 2


def test_tampered_expired_and_foreign_links_change_nothing(client, acme, smtp_server):
    client.post(f"{acme.path}/subscribe", {"email": "ann@example.com"})
    deliver_all()
    [mail] = smtp_server.wait_for(1)
    link = path_of(confirm_link(mail))
    token = link.rsplit("/", 1)[1]
    tampered = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    for bad in (tampered, f"{acme.path}/subscription/confirm/garbage", f"{link}x"):
        for method in (client.get, client.post):
            response = method(bad)
            assert response.status_code == 400 and b"not valid or has expired" in response.content
    forged = signing.dumps(
        {"s": Subscriber.objects.get().pk, "k": "guess", "c": None}, salt=tokens.CONFIRM_SALT
    )
    assert client.post(f"{acme.path}/subscription/confirm/{forged}").status_code == 400
    unsubscribe_with_confirm_token = f"{acme.path}/subscription/unsubscribe/{token}"
    assert client.post(unsubscribe_with_confirm_token).status_code == 400
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=49)
    with time_machine.travel(later):
        assert client.post(link).status_code == 400
    assert not Subscriber.objects.get().is_confirmed
    assert client.post(link).status_code == 200, "the genuine link, in time, works"
    assert Subscriber.objects.get().is_confirmed


def test_private_pages_offer_subscription_only_behind_the_password(client, acme):
    status_page_update(account=acme.account, page=acme.page, password="s3cret-pass")
    form = client.get(f"{acme.path}/subscribe")
    assert form.status_code == 401 and b"This status page is private" in form.content
    posted = client.post(f"{acme.path}/subscribe", {"email": "ann@example.com"})
    assert posted.status_code == 401
    _nothing_stored()
    client.post(f"{acme.path}/password", {"password": "s3cret-pass"})
    assert client.get(f"{acme.path}/subscribe").status_code == 200
    assert client.post(f"{acme.path}/subscribe", {"email": "ann@example.com"}).status_code == 200
    assert Subscriber.objects.count() == 1


def test_on_by_default_and_a_page_setting_turns_it_off(client, acme):
    page = client.get(f"{acme.path}/")
    assert f'href="{acme.path}/subscribe"'.encode() in page.content
    status_page_update(account=acme.account, page=acme.page, subscriptions_enabled=False)
    page = client.get(f"{acme.path}/")
    assert b"/subscribe" not in page.content
    assert client.get(f"{acme.path}/subscribe").status_code == 404
    assert client.post(f"{acme.path}/subscribe", {"email": "ann@example.com"}).status_code == 404
    _nothing_stored()


def test_the_form_keeps_what_was_typed_and_escapes_it(client, acme):
    response = client.post(
        f"{acme.path}/subscribe", {"email": '"><script>alert(1)</script>', "scope": "all"}
    )
    assert response.status_code == 400
    assert b"<script>alert(1)</script>" not in response.content
    assert b"&lt;script&gt;" in response.content
