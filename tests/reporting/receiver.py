"""A real HTTP webhook receiver on 127.0.0.1 (http.server in a thread) for tests.

It verifies each request's HMAC-SHA256 signature and records what it got; it can be told
to fail the first N requests with a 500, or to answer every request with a redirect. With
`tls=True` it speaks HTTPS with the test certificate of `hooks.example.test`
(tests/data/webhook-tls, its own CA) and records the SNI names clients sent.
"""

import hashlib
import hmac
import json
import ssl
import threading
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
    secret: str
    fail_first: int = 0
    redirect_to: str | None = None  # answer 302 with this Location
    tls: bool = False
    sni: list = field(default_factory=list)  # server names of TLS handshakes
    requests: list = field(default_factory=list)  # every request, failed ones too
    accepted: list = field(default_factory=list)  # requests answered 2xx
    server: ThreadingHTTPServer | None = None

    def signature_for(self, body: bytes) -> str:
        return "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()

    def verify(self, item: Received) -> bool:
        """Whether `item` (received by any receiver) is signed with this one's secret."""
        return hmac.compare_digest(self.signature_for(item.body), item.headers["x-sla-signature"])

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"{'https' if self.tls else 'http'}://{host}:{port}/hook"

    @property
    def port(self) -> int:
        return self.server.server_address[1]

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
                receiver.accepted.append(item)
                self.send_response(200 if item.signature_ok else 401)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
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
