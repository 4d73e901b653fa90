"""nginx lines in the recipe's `log_format apm` (reference 003), made from plain tuples so
tests can count by hand what a parser must find."""

import datetime as dt
from dataclasses import dataclass

# The recipe's format with the upstream_header_time its VRL regex expects at the end.
APM_LINE = (
    '"{stamp}" client=203.0.113.{client} method={method} request="{method} {path} HTTP/1.1" '
    "request_length=512 status={status} bytes_sent=1234 body_bytes_sent=1000 "
    'referer=https://shop.example.com/ user_agent="Mozilla/5.0 (X11; Linux x86_64)" '
    "upstream_addr={upstream_addr} upstream_status={upstream_status} "
    "request_time={request_time} upstream_response_time={upstream_time} "
    "upstream_connect_time=0.001 upstream_header_time={upstream_time}"
)
# Local time of the log lines: UTC+1 (nginx writes the server's offset).
ZONE = dt.timezone(dt.timedelta(hours=1))


@dataclass(frozen=True)
class Request:
    """One logged request."""

    at: dt.datetime  # UTC
    status: int
    request_time: str  # as nginx writes it
    upstream_time: str = "-"
    path: str = "/api/orders"
    method: str = "GET"

    @property
    def minute(self) -> dt.datetime:
        return self.at.replace(second=0, microsecond=0)

    @property
    def milliseconds(self) -> int:
        return round(float(self.request_time) * 1000)

    def line(self, index: int = 0) -> str:
        proxied = self.upstream_time != "-"
        return APM_LINE.format(
            stamp=self.at.astimezone(ZONE).strftime("%d/%b/%Y:%H:%M:%S %z"),
            client=index % 250,
            method=self.method,
            path=self.path,
            status=self.status,
            upstream_addr="10.1.0.5:8080" if proxied else "-",
            upstream_status=self.status if proxied else "-",
            request_time=self.request_time,
            upstream_time=self.upstream_time,
        )


def requests_of_a_morning(start: dt.datetime, minutes: int = 12) -> list[Request]:
    """A deterministic mix per minute: fast and slow successes, 4xx and 5xx, requests at
    exactly 300 ms, cached ones with no upstream, retried upstreams ("0.1, 0.2")."""
    requests = []
    for minute in range(minutes):
        base = start + dt.timedelta(minutes=minute)
        for second in range(0, 60, 3):
            index = minute * 20 + second // 3
            at = base + dt.timedelta(seconds=second)
            status = 200
            if index % 17 == 0:
                status = 502
            elif index % 11 == 0:
                status = 404
            elif index % 23 == 0:
                status = 301
            milliseconds = (index * 37 + minute * 101) % 900 + 5
            if index % 13 == 0:
                milliseconds = 300
            request_time = f"{milliseconds / 1000:.3f}"
            upstream = f"{max(milliseconds - 2, 0) / 1000:.3f}"
            if index % 9 == 0:
                upstream = "-"
            elif index % 19 == 0:
                upstream = f"0.100, {max(milliseconds - 100, 0) / 1000:.3f}"
            path = "/static/app.css" if index % 5 == 0 else "/api/orders"
            requests.append(Request(at, status, request_time, upstream, path))
    return requests


def write_log(path, requests: list[Request]) -> str:
    path.write_text("".join(request.line(index) + "\n" for index, request in enumerate(requests)))
    return str(path)


def hand_counts(requests: list[Request]) -> dict:
    """Per UTC minute: (good, total) with 5xx bad."""
    counts: dict = {}
    for request in requests:
        good, total = counts.get(request.minute, (0, 0))
        counts[request.minute] = (good + (request.status < 500), total + 1)
    return counts


def hand_latency(requests: list[Request], threshold_ms: int) -> tuple[int, int]:
    """(successful requests at or under the threshold, all requests)."""
    fast = sum(1 for r in requests if r.status < 500 and r.milliseconds <= threshold_ms)
    return fast, len(requests)
