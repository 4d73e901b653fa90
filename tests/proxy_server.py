"""A real forward HTTP proxy on 127.0.0.1 for tests (a thread per connection).

Plain HTTP requests in absolute form (``POST http://host:port/path``) are forwarded to the
target (``Connection: close``, the ``Proxy-*`` headers taken off) and its answer relayed;
``CONNECT host:port`` opens a tunnel (``200 Connection established``) and relays bytes both
ways, so TLS runs end to end. Like squid, it answers ``502`` when the target refuses the
connection and ``504`` when the target does not answer in time. With ``credentials`` set
(``"user:password"``) a request without the matching ``Proxy-Authorization`` gets ``407``.

``seen`` records every request line (``"POST http://..."``, ``"CONNECT host:port"``) with
its ``Proxy-Authorization``; ``hosts`` maps test host names to addresses (its own resolver,
so the names need no /etc/hosts entry). ``stop()`` then ``start()`` brings it back on the
same port: a proxy that was down for a while.
"""

import base64
import contextlib
import socket
import socketserver
import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest

TARGET_TIMEOUT = 2.0
TEST_HOSTS = {"hooks.example.test": "127.0.0.1", "other.example.test": "127.0.0.1"}


@dataclass
class Seen:
    request_line: str
    proxy_authorization: str | None


def _read_head(stream) -> tuple[str, dict[str, str], list[bytes]]:
    """Request line, headers (lower-case names) and the raw header lines."""
    request_line = stream.readline().decode("latin-1").strip()
    headers, raw = {}, []
    while (line := stream.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
        raw.append(line)
    return request_line, headers, raw


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            sink.sendall(chunk)
    except OSError:
        pass
    finally:
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True  # back on the same port after stop()
    daemon_threads = True


@dataclass
class ForwardProxy:
    credentials: str | None = None
    hosts: dict = field(default_factory=dict)
    seen: list = field(default_factory=list)
    bound_port: int = 0
    server: socketserver.ThreadingTCPServer | None = None

    @property
    def port(self) -> int:
        return self.bound_port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _open(self, host: str, port: int) -> socket.socket:
        return socket.create_connection((self.hosts.get(host, host), port), TARGET_TIMEOUT)

    def _authorized(self, headers: dict) -> bool:
        if self.credentials is None:
            return True
        expected = "Basic " + base64.b64encode(self.credentials.encode()).decode()
        return headers.get("proxy-authorization") == expected

    def handle(self, client: socket.socket) -> None:
        stream = client.makefile("rb")
        request_line, headers, raw = _read_head(stream)
        if not request_line:
            return
        self.seen.append(Seen(request_line, headers.get("proxy-authorization")))
        method, target, _version = request_line.split(" ", 2)
        if not self._authorized(headers):
            client.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\n")
            client.sendall(b'Proxy-Authenticate: Basic realm="t"\r\nContent-Length: 0\r\n\r\n')
        elif method == "CONNECT":
            self._tunnel(client, target)
        else:
            self._forward(client, stream, method, target, headers, raw)

    def _connect_target(self, client: socket.socket, host: str, port: int) -> socket.socket | None:
        """The connection to the target, or None after answering 502/504 as squid does."""
        try:
            return self._open(host, port)
        except TimeoutError:
            client.sendall(b"HTTP/1.1 504 Gateway Timeout\r\nContent-Length: 0\r\n\r\n")
        except OSError:
            client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
        return None

    def _tunnel(self, client: socket.socket, target: str) -> None:
        host, _, port = target.rpartition(":")
        upstream = self._connect_target(client, host.strip("[]"), int(port))
        if upstream is None:
            return
        upstream.settimeout(None)
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        back = threading.Thread(target=_pump, args=(upstream, client), daemon=True)
        back.start()
        _pump(client, upstream)
        back.join(timeout=10)
        upstream.close()

    def _forward(self, client, stream, method, target, headers, raw) -> None:
        parts = urlsplit(target)
        upstream = self._connect_target(client, parts.hostname, parts.port or 80)
        if upstream is None:
            return
        body = stream.read(int(headers.get("content-length", 0)))
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        kept = [line for line in raw if not line.lower().startswith((b"proxy-", b"connection"))]
        head = f"{method} {path} HTTP/1.1\r\n".encode() + b"".join(kept)
        upstream.sendall(head + b"Connection: close\r\n\r\n" + body)
        relayed = 0
        try:
            while chunk := upstream.recv(65536):
                client.sendall(chunk)
                relayed += len(chunk)
        except TimeoutError:  # the target accepted but did not answer: squid's 504
            if not relayed:
                client.sendall(b"HTTP/1.1 504 Gateway Timeout\r\nContent-Length: 0\r\n\r\n")
        upstream.close()

    def start(self) -> "ForwardProxy":
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                proxy.handle(self.request)

        self.server = _Server(("127.0.0.1", self.bound_port), Handler)
        self.bound_port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def forward_proxy():
    """A forward proxy on a free port, for this test; names of *.example.test lead to
    127.0.0.1 through it."""
    proxy = ForwardProxy(hosts=TEST_HOSTS).start()
    yield proxy
    proxy.stop()
