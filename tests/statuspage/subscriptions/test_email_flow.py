"""Email subscription end to end through a real SMTP server: subscribe on the page, confirm
by the mailed link, get the incident's updates of the chosen component only (text and
HTML, page name and logo, RFC 8058 headers), unsubscribe with one click."""

import base64

import pytest

from reporting.models import Delivery
from statuspage.services import (
    public_incident_create,
    public_incident_update_post,
    status_page_set_logo,
)
from statuspage.subscriptions.models import Subscriber
from tests.statuspage.subscriptions.conftest import (
    acme_page,
    announce,
    confirm_link,
    deliver_all,
    path_of,
    unsubscribe_link,
)

pytestmark = pytest.mark.django_db
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def _subscribe(client, acme, email, components=None):
    data = {"email": email, "scope": "all"}
    if components is not None:
        data = {"email": email, "scope": "some", "component": [c.public_id for c in components]}
    return client.post(f"{acme.path}/subscribe", data)


def _confirm(client, smtp, address) -> Subscriber:
    [mail] = smtp.to(address)
    link = path_of(confirm_link(mail))
    page = client.get(link)
    assert page.status_code == 200 and b"Confirm subscription" in page.content
    assert not Subscriber.objects.get(email=address).is_confirmed, "GET changes nothing"
    done = client.post(link)
    assert done.status_code == 200 and b"You are subscribed" in done.content
    return Subscriber.objects.get(email=address)


def test_subscribe_confirm_notify_unsubscribe(client, acme, smtp_server):
    status_page_set_logo(account=acme.account, page=acme.page, data=PNG)
    form = client.get(f"{acme.path}/subscribe")
    assert form.status_code == 200
    assert b'name="email"' in form.content and acme.web.public_id.encode() in form.content
    assert "script-src" not in form["Content-Security-Policy"]
    assert form["Cache-Control"] == "private, no-store"

    answer = _subscribe(client, acme, "Ann@Example.com", components=[acme.web])
    assert answer.status_code == 200 and b"Check your inbox" in answer.content
    _subscribe(client, acme, "bob@example.com")
    assert deliver_all() == 2
    smtp_server.wait_for(2)
    [confirmation] = smtp_server.to("ann@example.com")
    assert confirmation.message["Subject"] == "Confirm your subscription to Acme Status"
    [sender] = confirmation.message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("Acme Status", "sla-portal@localhost")
    assert "Web" in confirmation.text and "expires in 48 hours" in confirmation.text

    public_incident_create(
        account=acme.account, page=acme.page, name="Early bird", body="Before confirming."
    )
    assert Subscriber.objects.filter(confirmed_at__isnull=False).count() == 0
    ann = _confirm(client, smtp_server, "ann@example.com")
    bob = _confirm(client, smtp_server, "bob@example.com")
    assert not ann.all_components and list(ann.components.all()) == [acme.web]
    assert bob.all_components
    assert Delivery.objects.filter(kind="subscriber_email").count() == 2, "early bird: none"

    smtp_server.clear()
    incident = public_incident_create(
        account=acme.account,
        page=acme.page,
        name="API errors",
        body="Requests fail.",
        components={acme.api: "major_outage"},
    )
    announce(incident.updates.get())
    web_incident = public_incident_create(
        account=acme.account,
        page=acme.page,
        name="Slow pages",
        body="Pages load slowly.",
        components={acme.web: "degraded_performance"},
    )
    announce(web_incident.updates.get())
    resolved = public_incident_update_post(
        account=acme.account, incident=web_incident, status="resolved", body="Fixed."
    )
    announce(resolved)
    assert deliver_all() == 5
    mails = smtp_server.wait_for(5)
    assert sorted(m.message["Subject"] for m in smtp_server.to("ann@example.com")) == [
        "[Acme Status] New incident: Slow pages",
        "[Acme Status] Slow pages: Resolved",
    ]
    assert len(smtp_server.to("bob@example.com")) == 3
    mail = smtp_server.to("ann@example.com")[0]
    message = mail.message
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Auto-Submitted"] == "auto-generated"
    assert "Pages load slowly." in mail.text and "Web (Degraded Performance)" in mail.text
    assert "Pages load slowly." in mail.html and 'src="cid:logo@sla-portal"' in mail.html
    logos = [part for part in message.walk() if part.get_content_type() == "image/png"]
    assert logos and logos[0].get_payload(decode=True) == PNG
    assert all(len(m.rcpt_tos) == 1 for m in mails), "one mail per subscriber"

    # One click (RFC 8058): the mail client POSTs without cookies or CSRF token.
    unsubscribe = path_of(unsubscribe_link(mail))
    assert client.get(unsubscribe).status_code == 200
    assert Subscriber.objects.filter(pk=ann.pk).exists(), "GET changes nothing"
    gone = client.post(unsubscribe, {"List-Unsubscribe": "One-Click"})
    assert gone.status_code == 200 and b"unsubscribed" in gone.content
    assert not Subscriber.objects.filter(pk=ann.pk).exists()
    assert client.post(unsubscribe).status_code == 200, "twice is fine"

    smtp_server.clear()
    again = public_incident_update_post(
        account=acme.account, incident=web_incident, status="postmortem", body="Report."
    )
    announce(again)
    deliver_all()
    smtp_server.wait_for(1)
    assert [m.rcpt_tos for m in smtp_server.messages] == [["bob@example.com"]]


def test_the_same_address_twice_is_one_subscriber_and_the_answer_never_differs(
    client, acme, smtp_server
):
    first = _subscribe(client, acme, "carol@example.com")
    deliver_all()
    _confirm(client, smtp_server, "carol@example.com")
    smtp_server.clear()
    second = _subscribe(client, acme, "CAROL@example.com ", components=[acme.api])
    unknown = _subscribe(client, acme, "dave@example.com")
    assert first.content == second.content == unknown.content
    assert Subscriber.objects.filter(email="carol@example.com").count() == 1
    deliver_all()
    smtp_server.wait_for(2)
    [change] = smtp_server.to("carol@example.com")
    assert "change which status updates" in change.text
    carol = Subscriber.objects.get(email="carol@example.com")
    assert carol.all_components, "nothing changes before the change is confirmed"
    client.post(path_of(confirm_link(change)))
    carol.refresh_from_db()
    assert not carol.all_components and list(carol.components.all()) == [acme.api]


def test_mail_in_the_pages_language(client, db, smtp_server):
    acme = acme_page(slug="acme-de", language="de")
    _subscribe(client, acme, "eva@example.com")
    deliver_all()
    [mail] = smtp_server.wait_for(1)
    assert mail.message["Subject"] == "Bestätigen Sie Ihr Abonnement von Acme Status"
    assert "Abonnement bestätigen" in mail.html
    _confirm_de = client.post(path_of(confirm_link(mail)))
    assert b"Sie haben die Updates von Acme Status abonniert" in _confirm_de.content
    smtp_server.clear()
    incident = public_incident_create(
        account=acme.account, page=acme.page, name="Ausfall", body="Wir prüfen das."
    )
    announce(incident.updates.get())
    deliver_all()
    [mail] = smtp_server.wait_for(1)
    assert mail.message["Subject"] == "[Acme Status] Neue Störung: Ausfall"
    assert "Untersuchung" in mail.text and "Abbestellen" in mail.text


def test_mail_server_down_loses_nothing_and_sends_nothing_twice(client, acme, smtp_server):
    for index in range(3):
        _subscribe(client, acme, f"reader{index}@example.com")
    deliver_all()
    smtp_server.wait_for(3)
    for index in range(3):
        _confirm(client, smtp_server, f"reader{index}@example.com")
    smtp_server.clear()
    smtp_server.stop()
    incident = public_incident_create(
        account=acme.account, page=acme.page, name="Outage", body="Down."
    )
    announce(incident.updates.get())
    assert deliver_all() == 3
    pending = Delivery.objects.filter(message__event_type="statuspage.incident.created")
    assert {d.status for d in pending} == {"pending"} and all(d.last_error for d in pending)
    smtp_server.start()
    import datetime as dt

    from django.utils import timezone

    later = timezone.now() + dt.timedelta(minutes=5)
    assert deliver_all(now=later) == 3
    assert deliver_all(now=later + dt.timedelta(hours=2)) == 0
    mails = smtp_server.wait_for(3)
    assert sorted(m.rcpt_tos[0] for m in mails) == [f"reader{i}@example.com" for i in range(3)]
    assert smtp_server.connections == 1, "one SMTP connection for the batch"
