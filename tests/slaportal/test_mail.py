"""Development email on the console: readable, attachments summarised, login printed last."""

import io

from django.core.mail import EmailMessage

from slaportal.mail import ConsoleEmailBackend


def test_attachments_are_summarised_not_dumped():
    stream = io.StringIO()
    message = EmailMessage(
        "Daily SLA report", "The report of yesterday.", "a@example.com", ["b@example.com"]
    )
    message.attach("report.pdf", b"%PDF-1.4 " + b"x" * 60_000, "application/pdf")
    ConsoleEmailBackend(stream=stream).send_messages([message])
    text = stream.getvalue()
    assert "Subject: Daily SLA report" in text
    assert "The report of yesterday." in text
    assert "[attachment: report.pdf, application/pdf, 60,009 bytes]" in text
    assert len(text.splitlines()) < 15
