"""Rendered status-page documents in Django's cache (Redis with REDIS_URL, else memory).

Keys, per page slug and document ("variant" = how the page was reached + sub-path):

    (all keys start with STATUSPAGE_CACHE_PREFIX, "sp" by default)
    sp:v:<slug>             the page's content version (random token); bumped when anything
                            published changes (incidents, updates, maintenance, components,
                            page settings, public downtimes), so readers see it at once
    sp:e:<slug>:<variant>   the rendered entry: bytes, gzip bytes, ETag, headers, version
    sp:s:<slug>:<variant>   the entry's stamp (version + render time), a few bytes
    sp:l:<slug>:<variant>   a short render lock, so one worker re-renders while others
                            keep serving the previous entry (no stampede during an outage)
    sp:r                    documents rendered on request lately, {slug: {variant: time}},
                            which the refresh-ahead job keeps fresh (statuspage.refresh)

An entry is fresh for STATUSPAGE_CACHE_SECONDS (automatic states change without a version
bump, so this bounds their delay) and kept for a day: when a render fails, the last entry
is served instead (stale-if-error on the server side too). Each process keeps the entries
it served in memory and compares stamps with the shared cache at most once a second per
document, so a hit usually costs no cache round trip at all; a publish reaches the process
that made it at once and every other process within that second.
"""

import gzip
import hashlib
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

ENTRY_TTL = 24 * 3600
VERSION_TTL = 30 * 24 * 3600  # a lost version only means one re-render
LOCK_TTL = 15
GZIP_MIN_BYTES = 512
LOCAL_ENTRIES = 512
LOCAL_CHECK_SECONDS = 1.0
LOCAL_VARIANTS_PER_PAGE = 2000

FRESH = "fresh"
STALE = "stale"
OLD = "old"


@dataclass(frozen=True)
class Entry:
    """One rendered document with everything needed to answer a request from it."""

    version: str
    rendered_at: float
    status: int
    content_type: str
    body: bytes
    gzip_body: bytes | None
    etag: str
    private: bool
    headers: tuple[tuple[str, str], ...]

    @property
    def stamp(self) -> str:
        return f"{self.version}:{self.rendered_at!r}"


def key_prefix() -> str:
    """All status page keys start with this (tests give every test its own prefix)."""
    return settings.STATUSPAGE_CACHE_PREFIX


def fresh_seconds() -> int:
    return settings.STATUSPAGE_CACHE_SECONDS


def _version_key(slug: str) -> str:
    return f"{key_prefix()}:v:{slug}"


def _entry_key(slug: str, variant: str) -> str:
    return f"{key_prefix()}:e:{slug}:{variant}"


def _stamp_key(slug: str, variant: str) -> str:
    return f"{key_prefix()}:s:{slug}:{variant}"


def _lock_key(slug: str, variant: str) -> str:
    return f"{key_prefix()}:l:{slug}:{variant}"


def _registry_key() -> str:
    return f"{key_prefix()}:r"


class _LocalEntries:
    """A small per-process LRU of entries, validated against the shared stamp."""

    def __init__(self, size: int):
        self.size = size
        self.items: OrderedDict[str, Entry] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> Entry | None:
        with self.lock:
            entry = self.items.get(key)
            if entry is not None:
                self.items.move_to_end(key)
            return entry

    def put(self, key: str, entry: Entry) -> None:
        with self.lock:
            self.items[key] = entry
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


local_entries = _LocalEntries(LOCAL_ENTRIES)


def new_version() -> str:
    return uuid.uuid4().hex[:16]


def current_version(slug: str) -> str:
    key = _version_key(slug)
    version = cache.get(key)
    if version is None:
        cache.add(key, new_version(), timeout=VERSION_TTL)
        version = cache.get(key) or new_version()
    return version


class _Checks:
    """When this process last read a document's version and stamp from the shared cache.

    Within LOCAL_CHECK_SECONDS the remembered pair is trusted, so a hit costs no network
    round trip; a bump in this process forgets its pages at once, other processes follow
    within that second.
    """

    def __init__(self):
        self.by_slug: dict[str, dict[str, tuple[str, str | None, float]]] = {}
        self.lock = threading.Lock()

    def get(self, slug: str, variant: str) -> tuple[str, str | None] | None:
        checked = self.by_slug.get(slug, {}).get(variant)
        if checked is None or time.monotonic() - checked[2] >= LOCAL_CHECK_SECONDS:
            return None
        return checked[0], checked[1]

    def put(self, slug: str, variant: str, version: str, stamp: str | None) -> None:
        with self.lock:
            variants = self.by_slug.setdefault(slug, {})
            if len(variants) >= LOCAL_VARIANTS_PER_PAGE:  # e.g. requests for made-up ids
                variants.clear()
            variants[variant] = (version, stamp, time.monotonic())

    def forget(self, slug: str) -> None:
        with self.lock:
            self.by_slug.pop(slug, None)

    def clear(self) -> None:
        with self.lock:
            self.by_slug.clear()


local_checks = _Checks()


def forget_local() -> None:
    """Drop what this process remembers (tests; the shared cache stays as it is)."""
    local_entries.clear()
    local_checks.clear()


def bump(slugs) -> None:
    """Give pages a new content version: every cached document of them is outdated."""
    for slug in {slug for slug in slugs if slug}:
        cache.set(_version_key(slug), new_version(), timeout=VERSION_TTL)
        local_checks.forget(slug)


def _version_and_stamp(slug: str, variant: str) -> tuple[str, str | None]:
    remembered = local_checks.get(slug, variant)
    if remembered is not None:
        return remembered
    version_key, stamp_key = _version_key(slug), _stamp_key(slug, variant)
    found = cache.get_many([version_key, stamp_key])
    version = found.get(version_key) or current_version(slug)
    stamp = found.get(stamp_key)
    local_checks.put(slug, variant, version, stamp)
    return version, stamp


def lookup(slug: str, variant: str, now: float | None = None) -> tuple[Entry | None, str, str]:
    """(entry or None, current version, FRESH | STALE | OLD) for one document."""
    version, stamp = _version_and_stamp(slug, variant)
    if stamp is None:
        return None, version, OLD
    entry_key = _entry_key(slug, variant)
    entry = local_entries.get(entry_key)
    if entry is None or entry.stamp != stamp:
        entry = cache.get(entry_key)
        if entry is None:
            return None, version, OLD
        local_entries.put(entry_key, entry)
    if entry.version != version:
        return entry, version, OLD
    age = (now or time.time()) - entry.rendered_at
    return entry, version, FRESH if age < fresh_seconds() else STALE


def render_in_progress(slug: str, variant: str) -> bool:
    return cache.get(_lock_key(slug, variant)) is not None


def acquire(slug: str, variant: str) -> bool:
    return cache.add(_lock_key(slug, variant), 1, timeout=LOCK_TTL)


def release(slug: str, variant: str) -> None:
    cache.delete(_lock_key(slug, variant))


def make_entry(
    *,
    version: str,
    status: int,
    content_type: str,
    body: bytes,
    private: bool,
    headers: tuple[tuple[str, str], ...] = (),
) -> Entry:
    compressed = None
    if len(body) >= GZIP_MIN_BYTES:
        compressed = gzip.compress(body, compresslevel=6, mtime=0)
    return Entry(
        version=version,
        rendered_at=time.time(),
        status=status,
        content_type=content_type,
        body=body,
        gzip_body=compressed,
        etag=hashlib.blake2b(body, digest_size=12).hexdigest(),
        private=private,
        headers=headers,
    )


def store(slug: str, variant: str, entry: Entry) -> None:
    entry_key = _entry_key(slug, variant)
    cache.set_many({entry_key: entry, _stamp_key(slug, variant): entry.stamp}, timeout=ENTRY_TTL)
    local_entries.put(entry_key, entry)
    local_checks.put(slug, variant, entry.version, entry.stamp)


def accepts_gzip(accept_encoding: str) -> bool:
    for part in (accept_encoding or "").lower().split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip() in ("gzip", "*"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison: `"x"`, `W/"x"` and our gzip form `"x-gz"` all name the entry."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    for candidate in if_none_match.split(","):
        tag = candidate.strip().removeprefix("W/").strip('"')
        if tag in (etag, f"{etag}-gz"):
            return True
    return False


def response_parts(
    entry: Entry, *, method: str, accept_encoding: str, if_none_match: str, cache_state: str
) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, headers, body) for answering a request from an entry (HTTP layer-free)."""
    use_gzip = entry.gzip_body is not None and accepts_gzip(accept_encoding)
    etag = f'"{entry.etag}-gz"' if use_gzip else f'"{entry.etag}"'
    headers = [
        ("ETag", etag),
        ("Cache-Control", cache_control(entry.private)),
        ("Vary", "Accept-Encoding, Cookie" if entry.private else "Accept-Encoding"),
        ("X-Status-Cache", cache_state),
    ]
    headers.extend(entry.headers)
    if entry.status == 200 and etag_matches(if_none_match, entry.etag):
        return 304, headers, b""
    body = entry.gzip_body if use_gzip else entry.body
    headers.append(("Content-Type", entry.content_type))
    headers.append(("Content-Length", str(len(body))))
    if use_gzip:
        headers.append(("Content-Encoding", "gzip"))
    return entry.status, headers, b"" if method == "HEAD" else body


def cache_control(private: bool) -> str:
    if private:
        return "private, no-cache"
    return settings.STATUSPAGE_CACHE_CONTROL


def register_for_refresh(slug: str, variant: str, *, now: float, window: int, limit: int) -> None:
    """Note that a document was rendered on request (so it is wanted): the refresh-ahead
    job keeps it fresh for `window` seconds. At most `limit` documents per page, the most
    recent. Read-modify-write without a lock: a lost update only means one more
    on-request render."""
    registry = cache.get(_registry_key()) or {}
    variants = {name: at for name, at in registry.get(slug, {}).items() if now - at < window}
    variants[variant] = now
    if len(variants) > limit:
        variants = dict(sorted(variants.items(), key=lambda item: item[1])[-limit:])
    registry[slug] = variants
    cache.set(_registry_key(), registry, timeout=window)


def registered_for_refresh(*, now: float, window: int) -> dict[str, list[str]]:
    """{slug: [variant, ...]} of the documents rendered on request within `window`."""
    registry = cache.get(_registry_key()) or {}
    found = {}
    for slug, variants in registry.items():
        recent = [name for name, at in variants.items() if now - at < window]
        if recent:
            found[slug] = recent
    return found
