"""A real HTTP webhook receiver on 127.0.0.1 (http.server in a thread) for tests.

It verifies each request's HMAC-SHA256 signature and records what it got; it can be told
to fail the first N requests with a 500, or to answer every request with a redirect. With
`tls=True` it speaks HTTPS with the test certificate of `hooks.example.test`
(tests/data/webhook-tls, its own CA) and records the SNI names clients sent.

Receivers of unsigned formats (Slack, Teams, PagerDuty, Statuspage-shaped subscriber
webhooks) pass `secret=None`; `validate(json) -> [problems]` makes the receiver answer 400
to a body that breaks the documented format (as the real service would), and `status` /
`reply` set the success answer (PagerDuty's 202 with a JSON body). `stop()` then
`start()` brings it back on the same port: a receiver that was down for a while.
"""

import hashlib
import hmac
import json
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

TLS_DIR = Path(__file__).resolve().parents[1] / "data" / "webhook-tls"
TLS_HOST = "hooks.example.test"
TLS_CA_FILE = TLS_DIR / "cert.pem"


@dataclass
class Received:
    headers: dict
    body: bytes
    signature_ok: bool

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    secret: str | None
    fail_first: int = 0
    redirect_to: str | None = None  # answer 302 with this Location
    tls: bool = False
    sni: list = field(default_factory=list)  # server names of TLS handshakes
    requests: list = field(default_factory=list)  # every request, failed ones too
    accepted: list = field(default_factory=list)  # requests answered 2xx
    server: ThreadingHTTPServer | None = None
    validate: Callable[[dict], list[str]] | None = None
    status: int = 200
    reply: Callable[[dict], bytes] | None = None
    problems: list = field(default_factory=list)  # what validate() found, per request
    bound_port: int = 0

    def signature_for(self, body: bytes) -> str:
        if self.secret is None:
            return ""
        return "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()

    def verify(self, item: Received) -> bool:
        """Whether `item` (received by any receiver) is signed with this one's secret."""
        return hmac.compare_digest(self.signature_for(item.body), item.headers["x-sla-signature"])

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}/hook"

    @property
    def port(self) -> int:
        return self.bound_port

    @property
    def bodies(self) -> list[dict]:
        return [item.json for item in self.accepted]

    def _answer(self, item: Received) -> tuple[int, bytes]:
        if self.secret is not None and not item.signature_ok:
            return 401, b"bad signature"
        if self.validate is not None:
            try:
                found = self.validate(item.json)
            except ValueError as error:  # not JSON
                found = [f"not JSON: {error}"]
            if found:
                self.problems.append(found)
                return 400, json.dumps(found).encode()
        reply = self.reply(item.json) if self.reply is not None else b"ok"
        return self.status, reply

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                expected = receiver.signature_for(body)
                got = self.headers.get("X-SLA-Signature", "")
                headers = {key.lower(): value for key, value in self.headers.items()}
                item = Received(headers, body, hmac.compare_digest(expected, got))
                receiver.requests.append(item)
                if receiver.redirect_to is not None:
                    self.send_response(302)
                    self.send_header("Location", receiver.redirect_to)
                    self.end_headers()
                    return
                if len(receiver.requests) <= receiver.fail_first:
                    self.send_response(500)
                    self.end_headers()
                    self.wfile.write(b"down")
                    return
                status, reply = receiver._answer(item)
                if 200 <= status < 300:
                    receiver.accepted.append(item)
                self.send_response(status)
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.bound_port), Handler)
        self.bound_port = self.server.server_address[1]
        if self.tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(TLS_DIR / "cert.pem", TLS_DIR / "key.pem")
            context.sni_callback = lambda _socket, name, _context: self.sni.append(name)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
