"""A small Prometheus HTTP API client: instant and range queries, build info.

Reusable on its own (PromQL SLIs, status rules, agreements' guarantees): give it a base URL
and credentials, or build it from a ``PrometheusSource`` with :func:`client_for_source`.

- Source URLs are tenant input: every connection goes through the webhook address guard of
  ``reporting.outbound`` (http/https, no credentials in the URL, loopback/private/link-local
  addresses refused unless ``SLA_DATASOURCE_ALLOW_PRIVATE_NETWORKS``), to the address that
  was checked (no DNS rebinding), never following a redirect. With ``HTTP(S)_PROXY`` set
  (and ``NO_PROXY`` not covering the host) the host is still judged, then the request goes
  through the proxy (``reporting.proxies``: forwarded for http, a CONNECT tunnel for https).
- Queries are POSTed form-encoded (no URL length limit) with Prometheus' own ``timeout``
  parameter, on one kept-alive connection per client.
- Every failure is a :class:`PrometheusError` with a message fit to show a user:
  unreachable (:class:`PrometheusUnreachable`), timeout (:class:`PrometheusTimeout`), an
  HTTP status without Prometheus' envelope (:class:`PrometheusHTTPError`), Prometheus'
  error envelope (:class:`PrometheusAPIError`: ``errorType`` and ``error``), partial data
  (:class:`PrometheusPartialData`: the answer carried ``warnings``), an unexpected
  ``resultType`` or shape (:class:`PrometheusResultError`).
- Sample values keep the exact decimal text Prometheus sent (:class:`Sample.value` is a
  ``Decimal``); ``NaN``, ``+Inf`` and ``-Inf`` are kept too and flagged by
  :attr:`Sample.finite`; :meth:`Sample.finite_value` raises on them. Callers that count
  in floats anyway (PromQL SLIs: long matrices) ask with ``floats=True`` and get
  :class:`FloatSeries`, decoded straight into floats (msgspec; the same float64 that
  ``float()`` gives for Prometheus' text).
"""

import datetime as dt
import http.client
import socket
import ssl
from decimal import Decimal
from urllib.parse import urlencode, urlsplit

from django.conf import settings

from integrations.prometheus.answers import (  # noqa: F401 - re-exported for callers
    NON_FINITE,
    Envelope,
    FloatSeries,
    QueryResult,
    Sample,
    Series,
    data_object,
    decode,
    format_labels,
    parse_value,
    query_result,
)
from integrations.prometheus.errors import (  # noqa: F401 - re-exported for callers
    PrometheusAPIError,
    PrometheusError,
    PrometheusHTTPError,
    PrometheusPartialData,
    PrometheusResultError,
    PrometheusTimeout,
    PrometheusUnreachable,
)
from reporting.outbound import SCHEMES, WebhookRefused, resolve_host
from reporting.proxies import ProxyError, proxied_connection, proxy_for

DEFAULT_TIMEOUT = 10.0
MAX_BODY_BYTES = 64 * 1024 * 1024
MAX_POINTS = 11_000  # Prometheus refuses range queries of more points per series
USER_AGENT = "sla-portal-prometheus-client"


def _instant_param(value) -> str:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime: give an aware instant")
        return f"{value.timestamp():.3f}"
    return f"{float(value):.3f}"


class PendingQuery:
    """A query sent on a client's connection whose answer is not read yet: ``result()``
    reads it (until then the client sends nothing else). Lets a caller keep queries of
    several clients in flight from one thread, waiting on their ``socket``s."""

    def __init__(self, client: "PrometheusClient", expected: str, allow_warnings: bool, floats):
        self.client = client
        self.expected = expected
        self.allow_warnings = allow_warnings
        self.floats = floats

    @property
    def socket(self):
        """The socket the answer arrives on (None if the connection is gone)."""
        connection = self.client._connection
        return connection.sock if connection is not None else None

    def buffered(self) -> bool:
        """Part of the answer already read (TLS) and not visible to select()."""
        sock = self.socket
        return isinstance(sock, ssl.SSLSocket) and sock.pending() > 0

    def result(self) -> QueryResult:
        client = self.client
        body = client._receive()
        return query_result(body, self.expected, self.allow_warnings, self.floats)

    def abandon(self) -> None:
        """Give up waiting (a timeout kept by the caller): the connection is closed."""
        self.client.close()
        self.client._sent = None


class PrometheusClient:
    """One Prometheus (or compatible) HTTP API; keeps its connection between calls. Use as
    a context manager or call :meth:`close`."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        bearer_token: str = "",
        basic_auth: tuple[str, str] | None = None,
        headers: dict | None = None,
        verify_tls: bool = True,
        allow_private: bool | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.timeout = float(timeout)
        self.verify_tls = verify_tls
        self.allow_private = (
            bool(getattr(settings, "SLA_DATASOURCE_ALLOW_PRIVATE_NETWORKS", False))
            if allow_private is None
            else allow_private
        )
        self.headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        self.headers.update(headers or {})
        if bearer_token:
            self.headers["Authorization"] = f"Bearer {bearer_token}"
        elif basic_auth:
            import base64

            pair = f"{basic_auth[0]}:{basic_auth[1]}".encode()
            self.headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        self._connection: http.client.HTTPConnection | None = None
        self._sent: tuple | None = None  # the request whose answer is not read yet
        self._attempt = 1
        try:
            self._base_path = urlsplit(self.base_url).path
        except ValueError:  # refused with its reason when connecting
            self._base_path = ""
        self.requests = 0

    # ----------------------------------------------------------------------- API

    def instant(
        self, query: str, at=None, *, allow_warnings: bool = False, floats: bool = False
    ) -> QueryResult:
        """``/api/v1/query`` at ``at`` (an aware datetime or epoch seconds; default now):
        an instant vector (any other resultType is an error). ``floats``: the series are
        :class:`FloatSeries`."""
        return self.begin_instant(query, at, allow_warnings=allow_warnings, floats=floats).result()

    def range(
        self,
        query: str,
        start,
        end,
        step_seconds: int,
        *,
        allow_warnings: bool = False,
        floats: bool = False,
    ) -> QueryResult:
        """``/api/v1/query_range`` from ``start`` to ``end`` every ``step_seconds`` (at most
        11,000 points: split longer ranges with :func:`range_chunks`): a matrix.
        ``floats``: the series are :class:`FloatSeries`."""
        pending = self.begin_range(
            query, start, end, step_seconds, allow_warnings=allow_warnings, floats=floats
        )
        return pending.result()

    def begin_instant(
        self, query: str, at=None, *, allow_warnings: bool = False, floats: bool = False
    ) -> "PendingQuery":
        """:meth:`instant`, sent: the answer is read by the returned query's ``result()``."""
        params = {"query": query, "timeout": f"{self.timeout:g}s"}
        if at is not None:
            params["time"] = _instant_param(at)
        return self._begin("/api/v1/query", params, "vector", allow_warnings, floats)

    def begin_range(
        self,
        query: str,
        start,
        end,
        step_seconds: int,
        *,
        allow_warnings: bool = False,
        floats: bool = False,
    ) -> "PendingQuery":
        """:meth:`range`, sent: the answer is read by the returned query's ``result()``."""
        points = int((_seconds(end) - _seconds(start)) // step_seconds) + 1
        if points > MAX_POINTS:
            raise ValueError(f"{points} points per series; Prometheus allows {MAX_POINTS}")
        params = {
            "query": query,
            "start": _instant_param(start),
            "end": _instant_param(end),
            "step": str(int(step_seconds)),
            "timeout": f"{self.timeout:g}s",
        }
        return self._begin("/api/v1/query_range", params, "matrix", allow_warnings, floats)

    def one_value(self, query: str, at=None) -> tuple[dict, Decimal] | None:
        """The value of a query expected to give at most one series: ``(labels, value)``,
        None without a series; several series or a non-finite value raise."""
        series = self.instant(query, at).one()
        if series is None:
            return None
        return series.labels, series.samples[0].finite_value(series.labels)

    def server_time(self) -> dt.datetime:
        """Prometheus' own clock (``vector(time())`` evaluated at its now), to tell clock
        skew between it and this host."""
        series = self.instant("vector(time())").one()
        if series is None:
            raise PrometheusResultError("vector(time()) gave no series")
        return dt.datetime.fromtimestamp(float(series.samples[0].finite_value()), tz=dt.UTC)

    def buildinfo(self) -> dict:
        """``/api/v1/status/buildinfo`` (``version``, ``revision`` ...)."""
        data = data_object(self._request("GET", "/api/v1/status/buildinfo", None))
        if data is None:
            raise PrometheusResultError("malformed buildinfo answer")
        return data

    def version(self) -> str:
        return str(self.buildinfo().get("version", "unknown"))

    def check(self) -> dict:
        """The connection test: ``vector(1)`` must answer 1; then the version (servers that
        do not implement buildinfo, as some compatible ones, say so instead)."""
        result = self.instant("vector(1)")
        series = result.one()
        if series is None or series.samples[0].value != 1:
            raise PrometheusResultError("vector(1) did not answer 1: not a Prometheus query API")
        try:
            version = self.version()
        except PrometheusHTTPError as error:
            version = f"unknown (no buildinfo: HTTP {error.status})"
        except PrometheusAPIError as error:
            version = f"unknown (no buildinfo: {error.error})"
        return {"ok": True, "version": version}

    # ----------------------------------------------------------------------- HTTP

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _query(
        self, path, params, expected: str, allow_warnings: bool, *, floats: bool = False
    ) -> QueryResult:
        return self._begin(path, params, expected, allow_warnings, floats).result()

    def _begin(self, path, params, expected: str, allow_warnings: bool, floats: bool):
        self._send("POST", path, params)
        return PendingQuery(self, expected, allow_warnings, floats)

    def _request(self, method: str, path: str, params: dict | None) -> Envelope:
        self._send(method, path, params)
        return self._receive()

    def _send(self, method: str, path: str, params: dict | None) -> None:
        """Send a request (its answer is read by :meth:`_receive`)."""
        body = urlencode(params).encode() if params is not None else None
        headers = dict(self.headers)
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self._sent = (method, self._base_path + path, body, headers)
        self._attempt = 1
        self._transmit()

    def _transmit(self) -> None:
        method, target, body, headers = self._sent
        connection = self._connect()
        try:
            connection.request(method, target, body=body, headers=headers)
        except (BrokenPipeError, ConnectionResetError):
            self._try_again()
        except Exception as error:
            self._fail(error)

    def _receive(self) -> Envelope:
        """Read the answer of the request sent last."""
        try:
            response = self._connection.getresponse()
            status = response.status
            raw = response.read(MAX_BODY_BYTES + 1)
            location = response.getheader("Location") or ""
            if response.will_close:
                self.close()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            self._try_again()
            return self._receive()
        except Exception as error:
            self._fail(error)
        self._sent = None
        self.requests += 1
        if len(raw) > MAX_BODY_BYTES:
            self.close()
            raise PrometheusResultError(f"answer larger than {MAX_BODY_BYTES} bytes")
        return decode(status, raw, location)

    def _try_again(self) -> None:
        """A kept-alive connection the server had closed: one new try on a new one."""
        self.close()
        if self._attempt == 2:
            self._sent = None
            raise PrometheusUnreachable("the connection was closed by the server") from None
        self._attempt = 2
        self._transmit()

    def _fail(self, error: Exception):
        """Close, and raise ``error`` as the PrometheusError it means."""
        self.close()
        self._sent = None
        if isinstance(error, PrometheusError):
            raise error
        if isinstance(error, TimeoutError):
            raise PrometheusTimeout(f"no answer within {self.timeout:g} s") from None
        if isinstance(error, ssl.SSLError):
            raise PrometheusUnreachable(f"TLS error: {error.reason or error}") from None
        if isinstance(error, (OSError, http.client.HTTPException)):
            raise PrometheusUnreachable(f"cannot connect: {error}") from None
        raise error

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is not None:
            return self._connection
        parts = _checked_url(self.base_url)
        port = parts.port or SCHEMES[parts.scheme]
        try:
            proxy = proxy_for(parts.scheme, parts.hostname, port)
        except ProxyError as error:
            raise PrometheusUnreachable(str(error)) from None
        if proxy is not None:
            return self._connect_via(parts, port, proxy)
        addresses = self._checked_addresses(parts, port)
        last_error: OSError | None = None
        for address in addresses:
            connection = _pinned_connection(parts, port, address, self.timeout, self.verify_tls)
            try:
                self._open(connection)
            except OSError as error:
                last_error = error
                continue
            self._connection = connection
            return connection
        raise PrometheusUnreachable(f"cannot connect: {last_error or 'no address'}")

    def _checked_addresses(self, parts, port: int) -> list[str]:
        try:
            return resolve_host(parts.hostname, port, allow_private=self.allow_private)
        except WebhookRefused as error:
            raise PrometheusUnreachable(
                f"{error} (set SLA_DATASOURCE_ALLOW_PRIVATE_NETWORKS for private sources)"
            ) from None

    def _connect_via(self, parts, port: int, proxy) -> http.client.HTTPConnection:
        """Through HTTP(S)_PROXY: the source's host is judged first (unless private sources
        are allowed), then the proxy forwards (http) or tunnels (https) to it."""
        if not self.allow_private:
            self._checked_addresses(parts, port)
        context = _tls_context(self.verify_tls) if parts.scheme == "https" else None
        connection = proxied_connection(parts, port, proxy, timeout=self.timeout, context=context)
        try:
            self._open(connection)
        except ProxyError as error:
            raise PrometheusUnreachable(str(error)) from None
        except OSError as error:
            raise PrometheusUnreachable(f"cannot connect through the proxy: {error}") from None
        self._connection = connection
        return connection

    def _open(self, connection: http.client.HTTPConnection) -> None:
        """connect(); a timeout or TLS error is final, other OSErrors are raised as such."""
        try:
            connection.connect()
        except TimeoutError:
            connection.close()
            raise PrometheusTimeout(f"no connection within {self.timeout:g} s") from None
        except ssl.SSLError as error:
            connection.close()
            raise PrometheusUnreachable(f"TLS error: {error.reason or error}") from None
        except OSError:
            connection.close()
            raise


def _seconds(value) -> float:
    return value.timestamp() if isinstance(value, dt.datetime) else float(value)


def source_url_problem(url: str) -> str | None:
    """Why ``url`` is no acceptable Prometheus base URL (None if it is)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return "Give a valid URL, e.g. https://prometheus.example.com:9090."
    if parts.scheme not in SCHEMES:
        return "Give an http:// or https:// URL."
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return "Leave user names and passwords out of the URL (use the basic auth fields)."
    if not parts.hostname:
        return "Give a host name."
    if parts.query or parts.fragment:
        return "Give the base URL without a query or fragment."
    return None


def _checked_url(url: str):
    problem = source_url_problem(url)
    if problem is not None:
        raise PrometheusUnreachable(problem)
    return urlsplit(url)


class _OneWrite:
    """Writes a request's head and its bytes body in one ``send``: one packet and one
    wake-up of the server instead of two (http.client writes them apart), about a tenth
    of a small query's round trip. Relies on http.client's ``_buffer`` of header lines
    (CPython 3.x); any other body goes the standard way."""

    def _send_output(self, message_body=None, encode_chunked=False):
        if not isinstance(message_body, bytes) or encode_chunked:
            return super()._send_output(message_body, encode_chunked)
        self._buffer.extend((b"", b""))
        head = b"\r\n".join(self._buffer)
        del self._buffer[:]
        self.send(head + message_body)
        return None


class _PinnedHTTP(_OneWrite, http.client.HTTPConnection):
    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPS(_OneWrite, http.client.HTTPSConnection):
    def __init__(self, host, port, *, address, timeout, context):
        super().__init__(host, port, timeout=timeout, context=context)
        self.address = address

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _tls_context(verify_tls: bool) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if not verify_tls:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _pinned_connection(parts, port, address, timeout, verify_tls):
    if parts.scheme == "http":
        return _PinnedHTTP(parts.hostname, port, address=address, timeout=timeout)
    context = _tls_context(verify_tls)
    return _PinnedHTTPS(parts.hostname, port, address=address, timeout=timeout, context=context)


def range_chunks(
    first_end: dt.datetime, last_end: dt.datetime, step: dt.timedelta, points: int = MAX_POINTS
):
    """Split evaluation instants ``first_end, first_end + step, ..., last_end`` into
    ``(start, end)`` ranges of at most ``points`` instants each."""
    span = step * (points - 1)
    start = first_end
    while start <= last_end:
        end = min(start + span, last_end)
        yield start, end
        start = end + step


def client_for_source(source, *, timeout: float | None = None) -> PrometheusClient:
    """A client for a ``PrometheusSource`` (its URL, credentials, headers, timeout, TLS)."""
    basic = (
        (source.basic_auth_username, source.basic_auth_password)
        if source.basic_auth_username
        else None
    )
    return PrometheusClient(
        source.url,
        timeout=timeout if timeout is not None else float(source.timeout_seconds),
        bearer_token=source.bearer_token,
        basic_auth=basic,
        headers=source.headers or {},
        verify_tls=source.verify_tls,
    )
