"""Finding a status page from a request (slug or custom domain) and its public URL."""

from django.conf import settings

from statuspage.models import StatusPage, StatusPageDomain


def page_for_slug(*, slug: str) -> StatusPage | None:
    """The enabled page with this slug, or None (disabled and unknown pages look alike)."""
    if not slug or len(slug) > 80:
        return None
    return StatusPage.objects.select_related("account").filter(slug=slug, enabled=True).first()


def page_slug_for_domain(*, domain: str) -> str | None:
    """The slug of the enabled page serving this host name, or None."""
    row = (
        StatusPageDomain.objects.filter(domain=domain.lower(), page__enabled=True)
        .values_list("page__slug", flat=True)
        .first()
    )
    return row


def primary_domain(*, page: StatusPage) -> str | None:
    """The page's first custom domain (alphabetically), used for its canonical URL."""
    return (
        StatusPageDomain.objects.for_account(page.account)
        .filter(page=page)
        .order_by("domain")
        .values_list("domain", flat=True)
        .first()
    )


def page_url(*, page: StatusPage, domain: str | None = None) -> str:
    """Canonical public URL without a trailing slash (Statuspage's `page.url`)."""
    if domain:
        return f"{settings.STATUSPAGE_DOMAIN_SCHEME}://{domain}"
    return f"{settings.SLA_PUBLIC_BASE_URL}/status/{page.slug}"


def pages_for_account(*, account):
    return StatusPage.objects.for_account(account)
