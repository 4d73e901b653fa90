"""A real HTTP webhook receiver on 127.0.0.1 (http.server in a thread) for tests.

It verifies each request's HMAC-SHA256 signature and records what it got; it can be told
to fail the first N requests with a 500.
"""

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


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
        return f"http://{host}:{port}/hook"

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
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
