"""A console email backend for development that stays readable.

Django's console backend prints the whole MIME message, so a daily report email fills the
terminal with some 1,100 lines of base64 PDF. This one prints the headers and the text,
and one line per attachment (name, type, size).
"""

from django.core.mail.backends.console import EmailBackend as DjangoConsoleBackend


def attachment_summary(message) -> list[str]:
    """'[attachment: sla-report-demo-2026-12-01.pdf, application/pdf, 41,234 bytes]'."""
    lines = []
    for attachment in message.attachments:
        if isinstance(attachment, tuple):
            filename, content, mimetype = attachment
        else:  # a MIMEBase part
            filename = attachment.get_filename() or "attachment"
            content = attachment.get_payload(decode=True) or b""
            mimetype = attachment.get_content_type()
        size = len(content.encode() if isinstance(content, str) else content)
        lines.append(
            f"[attachment: {filename}, {mimetype or 'application/octet-stream'}, {size:,} bytes]"
        )
    return lines


class ConsoleEmailBackend(DjangoConsoleBackend):
    """Headers, text body and a one-line summary per attachment (no encoded payloads)."""

    def write_message(self, message):
        headers = message.message()
        for name in ("Subject", "From", "To", "Cc", "Date", "Message-ID"):
            if headers.get(name):
                self.stream.write(f"{name}: {headers[name]}\n")
        self.stream.write("\n")
        self.stream.write(str(message.body).rstrip() + "\n")
        for line in attachment_summary(message):
            self.stream.write(line + "\n")
        self.stream.write("-" * 79 + "\n")
