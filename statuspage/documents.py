"""The documents a status page serves, by sub-path, and how each one is rendered.

`/status/<slug>/<sub-path>` and `https://<custom domain>/<sub-path>` both end here. Each
render builds one snapshot of the page and turns it into bytes; views and the WSGI edge
cache store the bytes (see statuspage.cache).
"""

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone, translation

from slaportal import csp
from statuspage.render import badges, feeds, html, v2
from statuspage.selectors.history import first_data_at
from statuspage.selectors.incidents import page_incidents
from statuspage.selectors.snapshot import FEED_LIMIT, page_snapshot

HISTORY_DAYS = 366

HTML = "text/html; charset=utf-8"
JSON = "application/json"
SVG = "image/svg+xml"
ATOM = "application/atom+xml; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"

# No script at all on status pages; sent by the documents themselves because the WSGI edge
# cache answers without Django's middleware (slaportal.csp holds every policy).
HTML_POLICY = csp.NO_SCRIPT_POLICY
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'"


class NotFound(Exception):
    """The sub-path names nothing public on this page."""


@dataclass(frozen=True)
class Rendered:
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()


def security_headers() -> tuple[tuple[str, str], ...]:
    """The headers Django's security middleware would add (the edge cache bypasses it)."""
    headers = []
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers.append(("X-Content-Type-Options", "nosniff"))
    if settings.SECURE_REFERRER_POLICY:
        policy = settings.SECURE_REFERRER_POLICY
        if not isinstance(policy, str):
            policy = ",".join(policy)
        headers.append(("Referrer-Policy", policy))
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        headers.append(("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY))
    headers.append(("X-Frame-Options", settings.X_FRAME_OPTIONS))
    return tuple(headers)


def _shared(private: bool) -> tuple[tuple[str, str], ...]:
    return () if private else (("Access-Control-Allow-Origin", "*"),)


def _html(body: bytes) -> Rendered:
    return Rendered(body, HTML, (("Content-Security-Policy", HTML_POLICY),))


def _json(body: bytes, private: bool) -> Rendered:
    return Rendered(body, JSON, _shared(private))


def _svg(body: bytes, private: bool) -> Rendered:
    return Rendered(body, SVG, (("Content-Security-Policy", SVG_POLICY), *_shared(private)))


def _index(page, base, now, match):
    return _html(html.index(page_snapshot(page=page, now=now, history=True, sla=True), base))


def _history(page, base, now, match):
    since = now - dt.timedelta(days=HISTORY_DAYS)
    snapshot = page_snapshot(page=page, now=now, incidents_since=since)
    starts = [
        first_data_at(account=page.account, components=snapshot.components),
        *(incident.started_at for incident in snapshot.incidents),
    ]
    first = min((instant for instant in starts if instant is not None), default=None)
    return _html(html.history(snapshot, base, since=first))


def _incident(page, base, now, match):
    snapshot = page_snapshot(page=page, now=now, incidents_since=now)
    visible = {component.pk: component.id for component in snapshot.components}
    found = page_incidents(page=page, visible=visible, public_id=match["id"])
    if not found:
        raise NotFound
    return _html(html.incident_page(snapshot, base, found[0]))


def _maintenance(page, base, now, match):
    snapshot = page_snapshot(page=page, now=now)
    found = [item for item in snapshot.maintenances if item.id == match["id"]]
    if not found:
        raise NotFound
    return _html(html.maintenance_page(snapshot, base, found[0]))


def _v2(builder, **snapshot_args):
    def render(page, base, now, match):
        snapshot = page_snapshot(page=page, now=now, **snapshot_args)
        return _json(builder(snapshot), page.is_private)

    return render


def _feed(kind):
    def render(page, base, now, match):
        snapshot = page_snapshot(page=page, now=now, incident_limit=FEED_LIMIT)
        body, content_type = feeds.render(snapshot, kind)
        return Rendered(body, content_type, _shared(page.is_private))

    return render


def _page_badge(kind):
    def render(page, base, now, match):
        snapshot = page_snapshot(page=page, now=now, history=kind == "uptime")
        return _svg(badges.page_badge(snapshot, kind), page.is_private)

    return render


def _component_badge(kind):
    def render(page, base, now, match):
        snapshot = page_snapshot(page=page, now=now, history=kind == "uptime")
        found = [c for c in snapshot.components if c.id == match["id"]]
        if not found:
            raise NotFound
        return _svg(badges.component_badge(found[0], kind), page.is_private)

    return render


def _favicon(page, base, now, match):
    return _svg(badges.favicon(page_snapshot(page=page, now=now)), page.is_private)


def _logo(page, base, now, match):
    if not page.has_logo:
        raise NotFound
    return Rendered(bytes(page.logo), page.logo_content_type)


def _all_incidents(snapshot):
    return v2.incidents(snapshot)


ID = r"(?P<id>[0-9a-z]{12})"
ROUTES: list[tuple[re.Pattern, Callable]] = [
    (re.compile(r""), _index),
    (re.compile(r"history"), _history),
    (re.compile(rf"incidents/{ID}"), _incident),
    (re.compile(rf"maintenances/{ID}"), _maintenance),
    (re.compile(r"api/v2/summary\.json"), _v2(v2.summary)),
    (re.compile(r"api/v2/status\.json"), _v2(v2.status)),
    (re.compile(r"api/v2/components\.json"), _v2(v2.components)),
    (
        re.compile(r"api/v2/incidents\.json"),
        _v2(_all_incidents, incident_limit=v2.LIST_LIMIT),
    ),
    (
        re.compile(r"api/v2/incidents/unresolved\.json"),
        _v2(lambda snapshot: v2.incidents(snapshot, unresolved=True)),
    ),
    (
        re.compile(r"api/v2/scheduled-maintenances\.json"),
        _v2(v2.scheduled_maintenances),
    ),
    (
        re.compile(r"api/v2/scheduled-maintenances/upcoming\.json"),
        _v2(lambda snapshot: v2.scheduled_maintenances(snapshot, which="upcoming")),
    ),
    (
        re.compile(r"api/v2/scheduled-maintenances/active\.json"),
        _v2(lambda snapshot: v2.scheduled_maintenances(snapshot, which="active")),
    ),
    (re.compile(r"history\.atom"), _feed("atom")),
    (re.compile(r"history\.rss"), _feed("rss")),
    (re.compile(r"badges/status\.svg"), _page_badge("status")),
    (re.compile(r"badges/uptime\.svg"), _page_badge("uptime")),
    (re.compile(rf"components/{ID}/status\.svg"), _component_badge("status")),
    (re.compile(rf"components/{ID}/uptime\.svg"), _component_badge("uptime")),
    (re.compile(r"favicon\.svg"), _favicon),
    (re.compile(r"logo"), _logo),
]


def normalise(subpath: str) -> str:
    return (subpath or "").strip("/")


def find(subpath: str):
    """(renderer, match) for a sub-path, or None."""
    for pattern, renderer in ROUTES:
        match = pattern.fullmatch(subpath)
        if match:
            return renderer, match
    return None


def render(page, subpath: str, base: str, now: dt.datetime | None = None) -> Rendered:
    """Render one document of a page; raises NotFound for unknown sub-paths or ids."""
    found = find(subpath)
    if found is None:
        raise NotFound
    renderer, match = found
    with translation.override(page.language):
        return renderer(page, base, now or timezone.now(), match)
