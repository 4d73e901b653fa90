"""A local HTTP server answering every request with one canned response (error bodies,
5xx, redirects, silence): faults the real Prometheus does not make on demand."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class CannedServer:
    """A local HTTP server answering every request with one canned response."""

    def __init__(self, status=200, body=b"", headers=None, silent=False):
        canned = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                canned.seen.append(dict(self.headers))
                if silent:
                    canned.release.wait(10)
                    return
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST

            def log_message(self, *args):
                pass

        self.seen: list[dict] = []
        self.release = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/prefix"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
