"""Outbound HTTP of webhooks: public addresses only, pinned to the address checked, no
redirects.

Tenants choose webhook URLs, so a delivery must not become a way into our own network
(SSRF: the cloud metadata service at 169.254.169.254, localhost, RFC 1918 hosts). Each
attempt therefore

1. parses the URL with the same parser that validated it (`webhook_url_problem`): http or
   https, a host name, no credentials;
2. resolves the host once and refuses it if *any* of its addresses is loopback, private,
   link-local, multicast, reserved, unspecified, shared (100.64/10) or otherwise not global
   (IPv4 and IPv6; IPv4 embedded in IPv6 as mapped, 6to4, Teredo or NAT64 is judged as
   IPv4), unless settings.SLA_WEBHOOK_ALLOW_PRIVATE_NETWORKS is true;
3. connects to an address it checked, sending the original host name in the Host header
   and as TLS SNI (the certificate is verified against the host name), so a DNS answer
   that changes between the check and the connection (DNS rebinding) changes nothing;
4. never follows a redirect: a 3xx answer is a failed attempt.

Why an address was refused is logged; the tenant sees the same message whether a host
name does not resolve or resolves to a private address, so the error cannot be used to map
internal DNS names; and one message for every failure to get an HTTP answer (refused,
timeout, reset, TLS), so it cannot be used to map the open ports of public hosts either.

With HTTP_PROXY / HTTPS_PROXY set (and NO_PROXY not covering the host; see
`reporting.proxies`), steps 1, 2 and 4 stay, step 3 becomes the proxy: forwarding for http,
a CONNECT tunnel for https (TLS end to end, the certificate verified against the host name).
The proxy resolves the name again, so there its own egress rules are what holds against DNS
rebinding. A proxy that cannot be reached has its own message (it tells nothing about the
receiver); a failed tunnel and a forwarding proxy's 502/503/504/407 answers (which would
tell refused from filtered ports) get the one "no HTTP answer" message.
"""

import http.client
import ipaddress
import logging
import socket
import ssl
from urllib.parse import urlsplit

from django.conf import settings

from reporting.proxies import (
    PROXY_FAILURE_STATUSES,
    Proxy,
    ProxyError,
    proxied_connection,
    proxy_for,
)

logger = logging.getLogger(__name__)

SCHEMES = {"http": 80, "https": 443}
NAT64_PREFIX = ipaddress.ip_network("64:ff9b::/96")
SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class WebhookRefused(Exception):
    """The URL or the addresses of its host may not be contacted (nothing was sent)."""


class WebhookUnreachable(OSError):
    """No HTTP answer: refused, timed out, reset, unreachable, TLS or not HTTP at all. One
    text for every such failure (the cause goes to the log only): otherwise a tenant could
    map which ports of a public host are open (an answer), closed (refused) or filtered
    (a timeout) through the delivery errors of a webhook pointed at them."""

    MESSAGE = (
        "no HTTP answer from the receiver (connection refused, timed out, reset, or not an "
        "HTTP server); check the URL and that it accepts POST requests"
    )

    def __init__(self):
        super().__init__(self.MESSAGE)


class WebhookProxyUnreachable(WebhookUnreachable):
    """The deployment's outbound proxy could not be reached (or HTTP(S)_PROXY is unusable):
    nothing reached the receiver. Its own text: it tells nothing about the receiver."""

    MESSAGE = (
        "no connection to the deployment's outbound proxy (HTTP_PROXY / HTTPS_PROXY); "
        "nothing reached the receiver, the delivery is tried again later"
    )


class WebhookHTTPError(Exception):
    """The receiver answered, but not with a 2xx (a redirect included)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def private_networks_allowed() -> bool:
    return bool(getattr(settings, "SLA_WEBHOOK_ALLOW_PRIVATE_NETWORKS", False))


def webhook_url_problem(url: str) -> str | None:
    """Why `url` is no acceptable webhook URL (None if it is): http(s), a host name, a valid
    port, no user name or password."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return "Give a valid URL."
    if parts.scheme not in SCHEMES:
        return "Give an http:// or https:// URL."
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return "Leave user names and passwords out of the URL (the signature authenticates us)."
    if not parts.hostname:
        return "Give a host name."
    return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, Teredo client, NAT64)."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in NAT64_PREFIX:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_refusal(address: Address) -> str | None:
    """Why a webhook may not connect to `address` (None: a public address)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None and (reason := address_refusal(embedded)):
            return reason
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
        ("shared (carrier-grade NAT)", address in SHARED_ADDRESS_SPACE),
        ("not globally routable", not address.is_global),
    )
    return next((reason for reason, hit in checks if hit), None)


def literal_address(host: str) -> Address | None:
    """The address when `host` is an IP literal as written in a URL (else None)."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def resolve_host(host: str, port: int, *, allow_private: bool) -> list[str]:
    """The addresses of `host` to connect to, in resolver order; refuses them all when one
    is not public (unless private networks are allowed)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        logger.info("webhook host %r does not resolve: %s", host, error)
        raise WebhookRefused(f"host {host!r} does not resolve to a public address") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not allow_private:
        for text in addresses:
            reason = address_refusal(ipaddress.ip_address(text))
            if reason is not None:
                logger.warning("webhook host %r refused: %s is %s", host, text, reason)
                if literal_address(host) is not None:
                    raise WebhookRefused(f"address {host} is {reason}, not public")
                raise WebhookRefused(f"host {host!r} does not resolve to a public address")
    if not addresses:
        raise WebhookRefused(f"host {host!r} does not resolve to a public address")
    return addresses


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to a fixed address; the Host header still names the URL's host."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a fixed address; SNI and certificate checks use the URL's host name."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _connected(parts, addresses: list[str], timeout: float) -> http.client.HTTPConnection:
    """A connection to the first address (of those checked) that accepts one."""
    kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    port = parts.port or SCHEMES[parts.scheme]
    last_error: OSError | None = None
    for address in addresses:
        connection = kind(parts.hostname, port, address=address, timeout=timeout)
        try:
            connection.connect()
        except OSError as error:
            connection.close()
            last_error = error
            continue
        return connection
    raise last_error or OSError("no address to connect to")


def post_json(
    *, url: str, body: bytes, headers: dict, timeout: float, allow_private: bool | None = None
) -> int:
    """POST `body` to `url` under the rules above; returns the 2xx status or raises
    WebhookRefused (nothing sent), WebhookHTTPError (non-2xx, redirects included) or
    WebhookUnreachable, an OSError (network, timeout, reset: one text for all; the proxy
    unreachable: WebhookProxyUnreachable; a TLS certificate error keeps its own, the one a
    receiver's operator must see).
    `allow_private` None: the webhook setting decides; a caller whose URL is the
    operator's own (the deployment's portal) may pass True."""
    problem = webhook_url_problem(url)
    if problem is not None:
        raise WebhookRefused(problem)
    parts = urlsplit(url)
    port = parts.port or SCHEMES[parts.scheme]
    if allow_private is None:
        allow_private = private_networks_allowed()
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection, forwarded = _opened(parts, port, timeout, allow_private)
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            status, location = response.status, (response.getheader("Location") or "")[:300]
            response.close()
        finally:
            connection.close()
    except ssl.SSLCertVerificationError:
        raise
    except ProxyError as error:
        raise WebhookProxyUnreachable() from error
    except (OSError, http.client.HTTPException) as error:
        logger.info("webhook %s:%s gave no HTTP answer: %r", parts.hostname, port, error)
        raise WebhookUnreachable() from error
    return _checked_status(status, location, forwarded=forwarded)


def _opened(parts, port: int, timeout: float, allow_private: bool):
    """A connected connection for the URL `parts` and whether it is forwarded by a proxy
    (plain HTTP through HTTP_PROXY); the target host is judged first either way."""
    proxy = proxy_for(parts.scheme, parts.hostname, port)
    if proxy is None:
        addresses = resolve_host(parts.hostname, port, allow_private=allow_private)
        return _connected(parts, addresses, timeout), False
    if not allow_private:  # allowed: nothing to judge, the proxy resolves the name
        resolve_host(parts.hostname, port, allow_private=False)
    return _connected_via(parts, port, proxy, timeout), parts.scheme == "http"


def _connected_via(parts, port: int, proxy: Proxy, timeout: float) -> http.client.HTTPConnection:
    context = ssl.create_default_context() if parts.scheme == "https" else None
    connection = proxied_connection(parts, port, proxy, timeout=timeout, context=context)
    try:
        connection.connect()
    except OSError:
        connection.close()
        raise
    return connection


def _checked_status(status: int, location: str, *, forwarded: bool) -> int:
    if forwarded and status in PROXY_FAILURE_STATUSES:
        logger.info("webhook proxy answered %s: counted as no HTTP answer", status)
        raise WebhookUnreachable()
    if 300 <= status < 400:
        raise WebhookHTTPError(
            status, f"HTTP {status}: redirects are not followed; give the final URL ({location})"
        )
    if not 200 <= status < 300:
        raise WebhookHTTPError(status, f"HTTP {status}")
    return status
