"""A real SMTP server for tests: aiosmtpd on 127.0.0.1 (a free port), in its own thread.

It records every message it accepts (parsed with the modern email policy) and every
connection, can be stopped and started again on the same port (a mail server that is down
for a while), and `wait_for(n)` waits until n messages arrived.
"""

import email
import email.policy
import socket
import threading
import time
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)

    def part(self, content_type: str) -> str:
        body = self.message.get_body(preferencelist=(content_type.split("/")[1],))
        return body.get_content() if body is not None else ""

    @property
    def text(self) -> str:
        return self.part("text/plain")

    @property
    def html(self) -> str:
        return self.part("text/html")


@dataclass
class SMTPServer:
    """Records messages; `connections` counts SMTP sessions (one per opened connection)."""

    port: int = 0
    messages: list[ReceivedMail] = field(default_factory=list)
    connections: int = 0
    _controller: Controller | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        with self._lock:
            self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):
        mail = ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
        with self._lock:
            self.messages.append(mail)
        return "250 Message accepted for delivery"

    def start(self) -> "SMTPServer":
        for _ in range(20):
            port = self.port or _free_port()
            controller = Controller(self, hostname="127.0.0.1", port=port, ready_timeout=10)
            try:
                controller.start()
            except OSError:
                if self.port:
                    time.sleep(0.2)  # the old socket is still closing
                continue
            self.port, self._controller = port, controller
            return self
        raise RuntimeError("could not start the SMTP server")

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
            self.connections = 0

    def to(self, address: str) -> list[ReceivedMail]:
        return [mail for mail in self.messages if address in mail.rcpt_tos]

    def wait_for(self, count: int, seconds: float = 10) -> list[ReceivedMail]:
        deadline = time.monotonic() + seconds
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.messages)
