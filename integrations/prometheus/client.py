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
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property
from urllib.parse import urlencode, urlsplit

import msgspec
from django.conf import settings

from reporting.outbound import SCHEMES, WebhookRefused, resolve_host
from reporting.proxies import ProxyError, proxied_connection, proxy_for

DEFAULT_TIMEOUT = 10.0
MAX_BODY_BYTES = 64 * 1024 * 1024
MAX_POINTS = 11_000  # Prometheus refuses range queries of more points per series
NON_FINITE = {"NaN": Decimal("NaN"), "+Inf": Decimal("Infinity"), "-Inf": Decimal("-Infinity")}
USER_AGENT = "sla-portal-prometheus-client"


class PrometheusError(Exception):
    """A query or request that gave no usable answer; ``str()`` is the user-facing text."""


class PrometheusUnreachable(PrometheusError):
    """No connection (refused, DNS, TLS) or the address guard refused the host."""


class PrometheusTimeout(PrometheusError):
    """No answer within the timeout."""


class PrometheusHTTPError(PrometheusError):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class PrometheusAPIError(PrometheusError):
    """Prometheus' error envelope: ``{"status": "error", "errorType", "error"}``."""

    def __init__(self, status: int, error_type: str, error: str):
        super().__init__(f"Prometheus {error_type}: {error}")
        self.status = status
        self.error_type = error_type
        self.error = error


class PrometheusPartialData(PrometheusError):
    """The answer came with warnings (partial data): not to be taken as complete."""

    def __init__(self, warnings: list[str]):
        super().__init__("partial data: " + "; ".join(warnings)[:1000])
        self.warnings = warnings


class PrometheusResultError(PrometheusError):
    """An answer of the wrong type or shape (scalar where a vector was asked, several
    series where one is expected, a non-finite sample ...)."""


def _instant_param(value) -> str:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime: give an aware instant")
        return f"{value.timestamp():.3f}"
    return f"{float(value):.3f}"


def parse_value(text) -> Decimal:
    """A sample value as Prometheus writes it (a string) as an exact Decimal."""
    if not isinstance(text, str):
        raise PrometheusResultError(f"sample value {text!r} is not a string")
    if text in NON_FINITE:
        return NON_FINITE[text]
    try:
        return Decimal(text)
    except InvalidOperation:
        raise PrometheusResultError(f"sample value {text[:40]!r} is not a number") from None


def format_labels(labels: dict) -> str:
    """``{job="api", instance="a:9100"}``: how Prometheus shows a series' labels."""
    name = labels.get("__name__", "")
    inner = ", ".join(
        f'{key}="{value}"' for key, value in sorted(labels.items()) if key != "__name__"
    )
    return f"{name}{{{inner}}}"


@dataclass(frozen=True)
class Sample:
    """One value at one instant (seconds since the epoch, as Prometheus gives it)."""

    at: float
    value: Decimal

    @property
    def finite(self) -> bool:
        return self.value.is_finite()

    @property
    def instant(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.at, tz=dt.UTC)

    def finite_value(self, labels: dict | None = None) -> Decimal:
        if not self.finite:
            where = f" of {format_labels(labels)}" if labels else ""
            raise PrometheusResultError(
                f"sample{where} at {self.instant:%Y-%m-%dT%H:%M:%SZ} is {self.value}"
            )
        return self.value


@dataclass(frozen=True)
class Series:
    """A series of a vector (one sample) or a matrix (the samples in time order). Values
    are parsed when first asked for: ``samples`` (exact Decimals) or ``float_points()``
    (floats, for long matrices)."""

    labels: dict
    raw: tuple = ()

    @property
    def name(self) -> str:
        return format_labels(self.labels)

    @cached_property
    def samples(self) -> tuple[Sample, ...]:
        return tuple(Sample(at=at, value=parse_value(text)) for at, text in self._pairs())

    def float_points(self) -> list[tuple[float, float]]:
        """``(epoch seconds, value)`` pairs as floats (NaN and infinities kept)."""
        try:
            return [(at, float(text)) for at, text in self._pairs()]
        except (TypeError, ValueError):
            raise PrometheusResultError("a sample value is not a number") from None

    def _pairs(self):
        for pair in self.raw:
            if not isinstance(pair, list) or len(pair) != 2 or not isinstance(pair[1], str):
                raise PrometheusResultError("malformed sample in the answer")
            try:
                at = float(pair[0])
            except (TypeError, ValueError):
                raise PrometheusResultError("malformed sample time in the answer") from None
            yield at, pair[1]


@dataclass(frozen=True)
class FloatSeries:
    """A series asked for with ``floats=True``: ``points`` are ``(epoch seconds, value)``
    float pairs in time order (one for a vector), NaN and infinities kept."""

    labels: dict
    points: list

    @property
    def name(self) -> str:
        return format_labels(self.labels)

    def float_points(self) -> list[tuple[float, float]]:
        return self.points


@dataclass(frozen=True)
class QueryResult:
    """What a query answered: ``vector`` or ``matrix`` series, and Prometheus' warnings
    (empty unless the caller allowed them)."""

    result_type: str
    series: tuple[Series | FloatSeries, ...]
    warnings: tuple[str, ...] = field(default=())

    def one(self) -> Series | None:
        """The single series (None when there is none); several is an error naming them."""
        if not self.series:
            return None
        if len(self.series) > 1:
            names = ", ".join(series.name for series in self.series[:5])
            more = f" and {len(self.series) - 5} more" if len(self.series) > 5 else ""
            raise PrometheusResultError(
                f"the query returned {len(self.series)} series where one is expected: "
                f"{names}{more} (aggregate it, e.g. sum(...), or narrow its labels)"
            )
        return self.series[0]


_NULL = msgspec.Raw(b"null")


class _Envelope(msgspec.Struct):
    """Prometheus' answer around ``data`` (left undecoded until its type is known)."""

    status: object = None
    data: msgspec.Raw = _NULL
    errorType: object = "error"
    error: object = ""
    warnings: object = None


class _Data(msgspec.Struct):
    resultType: object = None
    result: msgspec.Raw = _NULL


class _MatrixFloats(msgspec.Struct):
    metric: dict[str, str]
    values: list[tuple[float, float]]


class _VectorFloats(msgspec.Struct):
    metric: dict[str, str]
    value: tuple[float, float]


class _MatrixTexts(msgspec.Struct):
    metric: dict[str, str]
    values: list[tuple[float, str]]


class _VectorTexts(msgspec.Struct):
    metric: dict[str, str]
    value: tuple[float, str]


_ENVELOPE = msgspec.json.Decoder(_Envelope)
_DATA = msgspec.json.Decoder(_Data)
# strict=False reads "2991" (a JSON string) as the float 2991.0; it refuses "+Inf", for
# which the texts are decoded and converted by float() instead.
_FLOATS = {
    "matrix": msgspec.json.Decoder(list[_MatrixFloats], strict=False),
    "vector": msgspec.json.Decoder(list[_VectorFloats], strict=False),
}
_TEXTS = {
    "matrix": msgspec.json.Decoder(list[_MatrixTexts]),
    "vector": msgspec.json.Decoder(list[_VectorTexts]),
}


def _float_series(raw: msgspec.Raw, result_type: str) -> tuple[FloatSeries, ...]:
    """The series of ``data.result`` with float values (see :class:`FloatSeries`)."""
    try:
        items = _FLOATS[result_type].decode(raw)
    except msgspec.DecodeError:
        return _float_series_from_texts(raw, result_type)
    return tuple(FloatSeries(item.metric, _item_points(item, result_type)) for item in items)


def _float_series_from_texts(raw: msgspec.Raw, result_type: str) -> tuple[FloatSeries, ...]:
    try:
        items = _TEXTS[result_type].decode(raw)
    except msgspec.DecodeError:
        raise PrometheusResultError("malformed series in the answer") from None
    try:
        return tuple(
            FloatSeries(
                item.metric, [(at, float(text)) for at, text in _item_points(item, result_type)]
            )
            for item in items
        )
    except ValueError:
        raise PrometheusResultError("a sample value is not a number") from None


def _item_points(item, result_type: str) -> list:
    return item.values if result_type == "matrix" else [item.value]


def _series(item, result_type: str) -> Series:
    if not isinstance(item, dict) or not isinstance(item.get("metric"), dict):
        raise PrometheusResultError("malformed series in the answer")
    raw = [item.get("value")] if result_type == "vector" else item.get("values")
    if not isinstance(raw, list):
        raise PrometheusResultError("malformed series in the answer")
    labels = {str(key): str(value) for key, value in item["metric"].items()}
    return Series(labels=labels, raw=tuple(raw))


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
        return client._result(body, self.expected, self.allow_warnings, self.floats)

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
        body = self._request("GET", "/api/v1/status/buildinfo", None)
        try:
            data = msgspec.json.decode(body.data)
        except msgspec.DecodeError:
            data = None
        if not isinstance(data, dict):
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

    def _result(self, body: _Envelope, expected: str, allow_warnings: bool, floats: bool):
        try:
            data = _DATA.decode(body.data)
        except msgspec.DecodeError:
            data = None
        if data is None or bytes(memoryview(data.result)[:1]) != b"[":
            raise PrometheusResultError("malformed answer: no data.result")
        result_type = data.resultType
        if result_type != expected:
            raise PrometheusResultError(
                f"the query gave a {result_type}, not an instant {expected}"
                if expected == "vector"
                else f"the query gave a {result_type}, not a range {expected}"
            )
        warnings = tuple(str(item) for item in body.warnings or ())
        if warnings and not allow_warnings:
            raise PrometheusPartialData(list(warnings))
        if floats:
            series = _float_series(data.result, result_type)
        else:
            items = msgspec.json.decode(data.result)
            series = tuple(_series(item, result_type) for item in items)
        return QueryResult(result_type=result_type, series=series, warnings=warnings)

    def _request(self, method: str, path: str, params: dict | None) -> _Envelope:
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

    def _receive(self) -> _Envelope:
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
        return _decode(status, raw, location)

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


def _decode(status: int, raw: bytes, location: str) -> _Envelope:
    if 300 <= status < 400:
        raise PrometheusHTTPError(
            status,
            f"HTTP {status}: redirects are not followed; give the final URL ({location[:200]})",
        )
    try:
        body = _ENVELOPE.decode(raw)
    except msgspec.DecodeError:  # not JSON, or not an object
        body = None
    if body is not None and body.status == "error":
        raise PrometheusAPIError(status, str(body.errorType), str(body.error)[:2000])
    if not 200 <= status < 300:
        text = raw[:200].decode("utf-8", "replace").strip()
        raise PrometheusHTTPError(status, f"HTTP {status}" + (f": {text}" if text else ""))
    if body is None or body.status != "success":
        raise PrometheusResultError("the answer is not Prometheus API JSON")
    return body


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
