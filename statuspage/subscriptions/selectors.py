"""Reads of status page subscribers: who gets a notification, counts, export."""

from django.db.models import Count, Q

from statuspage.models import StatusPage, StatusPageComponent
from statuspage.selectors.pages import page_url, primary_domain
from statuspage.subscriptions.models import Subscriber, SubscriberKind

DELIVERY_KIND = {
    SubscriberKind.EMAIL: "subscriber_email",
    SubscriberKind.WEBHOOK: "subscriber_webhook",
}


def subscribable_components(*, page: StatusPage) -> list[StatusPageComponent]:
    """The page's public components, in page order (what a visitor may choose)."""
    return list(
        StatusPageComponent.objects.for_account(page.account)
        .filter(page=page, public=True)
        .select_related("section")
        .order_by("section__position", "section_id", "position", "id")
    )


def page_base_url(page: StatusPage) -> str:
    """The page's public URL without a trailing slash (custom domain when it has one)."""
    return page_url(page=page, domain=primary_domain(page=page))


def notified_subscribers(
    *, page: StatusPage, component_pks: set[int] | None, kinds=None
) -> dict[str, list[int]]:
    """Ids of the confirmed subscribers to notify, by delivery kind: those following all
    components, plus (when `component_pks` names the components an event touches) those
    that chose one of them. An event touching no component reaches every subscriber.
    Nothing when the page offers no subscriptions."""
    if not page.subscriptions_enabled:
        return {}
    rows = Subscriber.objects.for_account(page.account).filter(
        page=page, confirmed_at__isnull=False
    )
    if kinds is not None:
        rows = rows.filter(kind__in=list(kinds))
    if component_pks:
        chosen = Q(component_links__component_id__in=list(component_pks))
        rows = rows.filter(Q(all_components=True) | chosen).distinct()
    targets: dict[str, list[int]] = {}
    for pk, kind in rows.order_by("pk").values_list("pk", "kind"):
        targets.setdefault(DELIVERY_KIND[kind], []).append(pk)
    return targets


def subscriber_counts(*, account, page: StatusPage) -> dict:
    """Confirmed and pending subscribers of a page, by kind, and per chosen component."""
    rows = Subscriber.objects.for_account(account).filter(page=page)
    totals = rows.aggregate(
        confirmed=Count("pk", filter=Q(confirmed_at__isnull=False)),
        pending=Count("pk", filter=Q(confirmed_at__isnull=True)),
        email=Count("pk", filter=Q(kind=SubscriberKind.EMAIL, confirmed_at__isnull=False)),
        webhook=Count("pk", filter=Q(kind=SubscriberKind.WEBHOOK, confirmed_at__isnull=False)),
        all_components=Count("pk", filter=Q(all_components=True, confirmed_at__isnull=False)),
    )
    per_component = (
        StatusPageComponent.objects.for_account(account)
        .filter(page=page)
        .annotate(
            chosen_by=Count(
                "subscriber_links",
                filter=Q(subscriber_links__subscriber__confirmed_at__isnull=False),
            )
        )
        .order_by("position", "id")
        .values("id", "public_id", "name", "chosen_by")
    )
    return {"page": page.pk, **totals, "components": list(per_component)}


def subscribers_for_export(*, account, page: StatusPage | None = None):
    """Subscribers with their chosen components' names (CSV export), page by page."""
    rows = Subscriber.objects.for_account(account).select_related("page")
    if page is not None:
        rows = rows.filter(page=page)
    return rows.prefetch_related("components").order_by("page_id", "kind", "email", "url", "pk")
