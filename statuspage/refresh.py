"""Rendering status page documents, on request and ahead of time.

A document is re-rendered when its cached entry is no longer fresh. Done in a web
process, that render (tens of milliseconds of Python for a large page) holds the
interpreter of the process serving everyone else's hits, so while a page is popular the
`statuspage.refresh_ahead` job re-renders its documents in the worker before they turn
stale: web processes then only ever fetch the new entry.

Which documents: those rendered on request in the last REFRESH_WINDOW seconds (a small
registry, one shared cache key holding {page: {document: time}}). Refreshes by the job do
not renew a registration, so a document nobody asks for any more stops being refreshed
within that window, and a popular one is rendered on request about once per window
instead of once per STATUSPAGE_CACHE_SECONDS.
"""

import logging
import time

from statuspage import cache, documents
from statuspage.selectors.pages import page_for_slug

logger = logging.getLogger(__name__)

REFRESH_WINDOW = 600  # seconds a document stays registered after an on-request render
REFRESH_MAX_DOCUMENTS = 50  # per page: the most recently rendered ones


def render_entry(page, subpath: str, base: str, version: str) -> cache.Entry:
    """Render one document of `page` into a cache entry (raises documents.NotFound)."""
    rendered = documents.render(page, subpath, base)
    return cache.make_entry(
        version=version,
        status=200,
        content_type=rendered.content_type,
        body=rendered.body,
        private=page.is_private,
        headers=rendered.headers + documents.security_headers(),
    )


def base_for(slug: str, kind: str) -> str:
    """The base path of the links in a document reached by path ("p") or domain ("d")."""
    return f"/status/{slug}" if kind == "p" else ""


def _refresh_due(entry, version: str, now: float) -> bool:
    # Half the fresh time: the job (every REFRESH_EVERY_SECONDS) gets there before hits
    # find the entry stale.
    if entry is None or entry.version != version:
        return True
    return now - entry.rendered_at >= cache.fresh_seconds() / 2


def refresh_document(page, variant: str, now: float) -> bool:
    """Re-render one registered document if it is due; True when a new entry was stored."""
    entry, version, _ = cache.lookup(page.slug, variant, now=now)
    if not _refresh_due(entry, version, now) or not cache.acquire(page.slug, variant):
        return False
    kind, _, subpath = variant.partition("|")
    try:
        new_entry = render_entry(page, subpath, base_for(page.slug, kind), version)
    except documents.NotFound:
        return False
    except Exception:  # the entry in the cache stays; requests will retry the render
        logger.exception("status page %s: refresh of %r failed", page.slug, subpath)
        return False
    finally:
        cache.release(page.slug, variant)
    cache.store(page.slug, variant, new_entry)
    return True


def status_pages_refresh_ahead(*, now: float | None = None) -> int:
    """Re-render the due documents of every page with recent on-request renders; returns
    how many were rendered. Private pages are never rendered ahead (their entries are
    only served to visitors with the password cookie, through Django)."""
    now = time.time() if now is None else now
    rendered = 0
    for slug, variants in cache.registered_for_refresh(now=now, window=REFRESH_WINDOW).items():
        page = page_for_slug(slug=slug)
        if page is None or page.is_private:
            continue
        for variant in variants:
            rendered += refresh_document(page, variant, now)
    return rendered
