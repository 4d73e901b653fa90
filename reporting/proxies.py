"""Outbound HTTP through the deployment's forward proxy: ``HTTP_PROXY``, ``HTTPS_PROXY`` and
``NO_PROXY`` (lower-case names too, and they win), read at each request.

Standard semantics, as curl, requests and Go read them: an ``http://`` target uses
``http_proxy``, an ``https://`` target ``https_proxy``; ``no_proxy`` is a comma-separated list
of host names (``example.com`` and ``.example.com`` both cover the name and its
subdomains), IP addresses, CIDR ranges (``10.0.0.0/8``, for IP literals) or ``*`` (no
proxy at all), each optionally with ``:port``. The proxy itself is an ``http://`` URL
(``http://user:password@proxy:3128``; without a scheme ``http://`` is assumed): plain HTTP
targets are forwarded (absolute-form request line), HTTPS targets tunnelled with
``CONNECT`` and TLS end to end, so the target's certificate is verified against its own
name as without a proxy.

The proxy is the operator's, so its address is not judged by the webhook address guard;
the *target* still is, by the callers (``reporting.outbound``), before anything is sent.
"""

import base64
import http.client
import ipaddress
import logging
import socket
import urllib.request
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

logger = logging.getLogger(__name__)

# What a forwarding proxy answers when it cannot reach the target (connection refused, no
# route, DNS failure, timeout) or will not (credentials). Passed on as such, they would
# tell a tenant a refused port (502) from a filtered one (504): callers treat them as "no
# HTTP answer" for plain HTTP through a proxy (a tunnel's target answers inside TLS).
PROXY_FAILURE_STATUSES = frozenset({407, 502, 503, 504})


class ProxyError(OSError):
    """The proxy failed us, whatever the target: it says nothing about the target, so its
    text may be shown (the address and cause go to the log)."""


class ProxyConfigError(ProxyError):
    """HTTP(S)_PROXY holds something this client cannot use (a socks:// or https:// proxy,
    no host, a bad port): an operator's mistake, logged; the request fails."""


class ProxyUnreachable(ProxyError):
    """No TCP connection to the proxy (down, refused, timed out): nothing was sent."""

    MESSAGE = "no connection to the outbound proxy (HTTP_PROXY / HTTPS_PROXY)"

    def __init__(self):
        super().__init__(self.MESSAGE)


@dataclass(frozen=True)
class Proxy:
    """A forward proxy: where it listens and the ``Proxy-Authorization`` it wants."""

    host: str
    port: int
    authorization: str | None = None

    @property
    def headers(self) -> dict:
        return {"Proxy-Authorization": self.authorization} if self.authorization else {}


def parse_proxy(url: str) -> Proxy:
    """The proxy an ``HTTP(S)_PROXY`` value names (``http://[user:pass@]host[:port]``)."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    try:
        port = parts.port or 80
    except ValueError:
        raise ProxyConfigError(f"proxy {_safe(parts)}: bad port") from None
    if parts.scheme != "http" or not parts.hostname:
        raise ProxyConfigError(f"proxy {_safe(parts)}: give http://host:port")
    authorization = None
    if parts.username is not None:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        authorization = "Basic " + base64.b64encode(pair.encode()).decode()
    return Proxy(host=parts.hostname, port=port, authorization=authorization)


def _safe(parts) -> str:
    """A proxy URL for the log, without its password."""
    return f"{parts.scheme}://{parts.hostname or ''}"


def proxy_for(scheme: str, host: str, port: int) -> Proxy | None:
    """The proxy a request to ``scheme://host:port`` goes through (None: direct)."""
    proxies = urllib.request.getproxies_environment()
    url = proxies.get(scheme)
    if not url or bypassed(host, port, proxies.get("no", "")):
        return None
    try:
        return parse_proxy(url)
    except ProxyConfigError as error:
        logger.error("%s_proxy is unusable: %s", scheme, error)
        raise


def bypassed(host: str, port: int, no_proxy: str) -> bool:
    """Whether ``no_proxy`` exempts ``host:port`` from the proxy."""
    entries = [entry.strip().lower() for entry in no_proxy.split(",") if entry.strip()]
    return any(_covers(entry, host.lower().rstrip("."), port) for entry in entries)


def _covers(entry: str, host: str, port: int) -> bool:
    if entry == "*":
        return True
    name, entry_port = _split_port(entry)
    if entry_port is not None and entry_port != port:
        return False
    if "/" in name:
        return _in_network(host, name)
    name = name.strip("[]").lstrip(".").rstrip(".")
    if host == name:
        return True
    # subdomains of a name; an IP address only matches itself (or a CIDR range)
    return bool(name) and _is_name(host) and host.endswith("." + name)


def _is_name(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return True
    return False


def _split_port(entry: str) -> tuple[str, int | None]:
    """``name[:port]`` (``[v6]:port`` for IPv6; a bare IPv6 address has no port)."""
    head, colon, tail = entry.rpartition(":")
    if not colon or not tail.isdigit() or (":" in head and not head.endswith("]")):
        return entry, None
    return head, int(tail)


def _in_network(host: str, cidr: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")) in ipaddress.ip_network(cidr, strict=False)
    except ValueError:  # a host name, or an entry that is no network
        return False


class ForwardingConnection(http.client.HTTPConnection):
    """Plain HTTP to ``origin`` (``http://host[:port]``) through a forward proxy: the
    request line carries the absolute URL, the Host header the origin's host."""

    def __init__(self, origin: str, proxy: Proxy, *, timeout: float):
        super().__init__(proxy.host, proxy.port, timeout=timeout)
        self.origin = origin
        self.proxy = proxy

    def putrequest(self, method, url, skip_host=False, skip_accept_encoding=False):
        super().putrequest(method, self.origin + url, skip_host, skip_accept_encoding)
        for name, value in self.proxy.headers.items():
            self.putheader(name, value)


def _to_proxy(address, *args, **kwargs):
    """socket.create_connection to the proxy; failing, a ProxyUnreachable."""
    try:
        return socket.create_connection(address, *args, **kwargs)
    except OSError as error:
        logger.warning("outbound proxy %s:%s unreachable: %r", address[0], address[1], error)
        raise ProxyUnreachable() from error


def proxied_connection(
    parts, port: int, proxy: Proxy, *, timeout: float, context=None
) -> http.client.HTTPConnection:
    """An unconnected connection to the URL ``parts`` (host ``port``) through ``proxy``:
    forwarding for http, a CONNECT tunnel with TLS to the target (``context``) for https."""
    if parts.scheme == "http":
        connection = ForwardingConnection(f"http://{parts.netloc}", proxy, timeout=timeout)
    else:
        connection = http.client.HTTPSConnection(
            proxy.host, proxy.port, timeout=timeout, context=context
        )
        connection.set_tunnel(parts.hostname, port, headers=proxy.headers)
    # http.client's own hook for opening the socket (to the proxy, tunnel or not)
    connection._create_connection = _to_proxy
    return connection
