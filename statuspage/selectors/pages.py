"""Finding a status page from a request (slug or custom domain) and its public URL."""

import threading
import time

from django.conf import settings

from statuspage import hosts
from statuspage.models import StatusPage, StatusPageDomain


def page_for_slug(*, slug: str) -> StatusPage | None:
    """The enabled page with this slug, or None (disabled and unknown pages look alike)."""
    if not slug or len(slug) > 80:
        return None
    return StatusPage.objects.select_related("account").filter(slug=slug, enabled=True).first()


PAGE_MEMO_SECONDS = 1.0
_page_memo: dict[str, tuple[StatusPage | None, float]] = {}
_page_memo_lock = threading.Lock()


def page_for_slug_memo(*, slug: str) -> StatusPage | None:
    """`page_for_slug`, remembered for a second in this process (every request needs it;
    saving a page forgets it here at once, other processes follow within that second)."""
    now = time.monotonic()
    remembered = _page_memo.get(slug)
    if remembered is not None and now - remembered[1] < PAGE_MEMO_SECONDS:
        return remembered[0]
    page = page_for_slug(slug=slug)
    with _page_memo_lock:
        if len(_page_memo) > 10_000:
            _page_memo.clear()
        _page_memo[slug] = (page, now)
    return page


def forget_pages(slugs=None) -> None:
    with _page_memo_lock:
        if slugs is None:
            _page_memo.clear()
        for slug in slugs or ():
            _page_memo.pop(slug, None)


def page_slug_for_domain(*, domain: str) -> str | None:
    """The slug of the enabled page serving this host name, or None."""
    row = (
        StatusPageDomain.objects.filter(domain=domain.lower(), page__enabled=True)
        .values_list("page__slug", flat=True)
        .first()
    )
    return row


def primary_domain(*, page: StatusPage) -> str | None:
    """The page's first custom domain (alphabetically), used for its canonical URL.

    A row naming one of the app's own hosts (refused since, but possibly older) is skipped:
    that host serves the app, not the page.
    """
    domains = (
        StatusPageDomain.objects.for_account(page.account)
        .filter(page=page)
        .order_by("domain")
        .values_list("domain", flat=True)
    )
    return next((domain for domain in domains if not hosts.is_app_host(domain)), None)


def page_url(*, page: StatusPage, domain: str | None = None) -> str:
    """Canonical public URL without a trailing slash (Statuspage's `page.url`)."""
    if domain:
        return f"{settings.STATUSPAGE_DOMAIN_SCHEME}://{domain}"
    return f"{settings.SLA_PUBLIC_BASE_URL}/status/{page.slug}"
