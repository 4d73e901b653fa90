"""Writes of status page subscriptions: subscribe (double opt-in), confirm, unsubscribe,
owner-managed subscribers (API, admin), test messages, pruning unconfirmed ones.

Confirmation and test mails go through the outbox like every notification (retried while
the mail server is down). The subscribe form never tells whether an address is
subscribed: every valid request gets the same answer and, within the per-address limit, a
confirmation mail (to a subscribed address it confirms a change of components).
"""

import datetime as dt
import logging
import secrets

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from reporting.models import Delivery, validate_webhook_url
from reporting.services.notifications import notification_emit_to, notification_send_test
from statuspage.models import StatusPage, StatusPageComponent
from statuspage.subscriptions import throttle, tokens
from statuspage.subscriptions.models import Subscriber, SubscriberComponent, SubscriberKind
from statuspage.subscriptions.selectors import DELIVERY_KIND

logger = logging.getLogger(__name__)

CONFIRM_EVENT = "statuspage.subscription.confirm"
TEST_EVENT = "statuspage.test"
CONTROL_CHARACTERS = frozenset(chr(code) for code in range(32)) | {"\x7f"}


def normalised_email(value) -> str:
    """The address, trimmed and lower-cased; a ValidationError naming `email` when it is
    not one address (line breaks and other control characters included: no header
    injection)."""
    if not isinstance(value, str):
        raise ValidationError({"email": "Enter a valid email address."})
    address = value.strip()
    if not address or len(address) > 254 or CONTROL_CHARACTERS & set(address):
        raise ValidationError({"email": "Enter a valid email address."})
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationError({"email": "Enter a valid email address."}) from None
    return address.lower()


def chosen_components(page: StatusPage, components) -> list[int] | None:
    """Validated component ids (public components of `page`); None means all."""
    if components is None:
        return None
    components = list(components)
    if not components:
        raise ValidationError({"components": "Choose at least one component, or all."})
    ids = sorted({component.pk for component in components})
    known = set(
        StatusPageComponent.objects.for_account(page.account)
        .filter(page=page, public=True, pk__in=ids)
        .values_list("pk", flat=True)
    )
    if known != set(ids):
        raise ValidationError({"components": "A component is not a public component of the page."})
    return ids


def _set_components(subscriber: Subscriber, component_ids: list[int] | None) -> None:
    SubscriberComponent.objects.filter(subscriber=subscriber).delete()
    subscriber.all_components = component_ids is None
    subscriber.save(update_fields=["all_components"])
    if component_ids:
        SubscriberComponent.objects.bulk_create(
            SubscriberComponent(
                account_id=subscriber.account_id, subscriber=subscriber, component_id=pk
            )
            for pk in component_ids
        )


def _confirmation_send(subscriber: Subscriber, component_ids: list[int] | None, now) -> None:
    """Queue the confirmation mail; its link (built when it is sent) carries the choice."""
    notification_emit_to(
        account=subscriber.page.account,
        event_type=CONFIRM_EVENT,
        payload={"components": component_ids, "change": subscriber.is_confirmed},
        dedup_key=f"{CONFIRM_EVENT}:{subscriber.pk}:{secrets.token_hex(8)}",
        targets=[(DELIVERY_KIND[SubscriberKind.EMAIL], Subscriber, [subscriber.pk])],
        now=now,
    )


def _email_subscriber(page: StatusPage, address: str) -> Subscriber:
    """The page's subscriber of this address, created unconfirmed when new."""
    lookup = {"page": page, "kind": SubscriberKind.EMAIL, "email": address}
    existing = Subscriber.objects.for_account(page.account).filter(**lookup).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Subscriber.objects.create(account=page.account, **lookup)
    except IntegrityError:  # subscribed concurrently: one subscriber all the same
        return Subscriber.objects.for_account(page.account).get(**lookup)


def subscription_request(
    *, page: StatusPage, email, components=None, now: dt.datetime | None = None
) -> None:
    """A visitor's subscription (the page's form): validate, then, within the per-address
    limit, store the address unconfirmed (once) and queue a confirmation mail. Bad input
    raises ValidationError naming the field, before anything is stored or sent."""
    now = now or timezone.now()
    if not page.subscriptions_enabled:
        raise ValidationError({"page": "This page offers no subscriptions."})
    address = normalised_email(email)
    component_ids = chosen_components(page, components)
    if throttle.address_over_limit(page.pk, address):
        logger.info("subscription of page %s: address limit reached; nothing sent", page.pk)
        return
    with transaction.atomic():
        subscriber = _email_subscriber(page, address)
        if not subscriber.is_confirmed:  # shown to the owner; the mailed link decides
            _set_components(subscriber, component_ids)
        _confirmation_send(subscriber, component_ids, now)


def _subscriber_of_link(page: StatusPage, data: dict) -> Subscriber:
    subscriber = (
        Subscriber.objects.for_account(page.account)
        .filter(page=page, pk=data["s"], key=data.get("k"))
        .first()
    )
    if subscriber is None:
        raise tokens.BadLink("no such subscription")
    return subscriber


def subscriber_of_confirm_link(*, page: StatusPage, token: str) -> Subscriber:
    """The subscriber a confirmation link names; raises BadLink (tampered, expired, gone)."""
    return _subscriber_of_link(page, tokens.read_confirm_token(token))


def subscriber_of_unsubscribe_link(*, page: StatusPage, token: str) -> Subscriber | None:
    """The subscriber an unsubscribe link names, None when it is gone already; raises
    BadLink for a link we never signed."""
    data = tokens.read_unsubscribe_token(token)
    try:
        return _subscriber_of_link(page, data)
    except tokens.BadLink:
        return None


@transaction.atomic
def subscription_confirm(*, page: StatusPage, token: str, now=None) -> Subscriber:
    """Confirm by the mailed link: the subscription starts (or its components change)."""
    data = tokens.read_confirm_token(token)
    subscriber = _subscriber_of_link(page, data)
    wanted = data.get("c")
    if wanted is not None:  # components removed since then are dropped; none left: all
        wanted = (
            list(
                StatusPageComponent.objects.for_account(page.account)
                .filter(page=page, public=True, pk__in=wanted)
                .values_list("pk", flat=True)
            )
            or None
        )
    _set_components(subscriber, wanted)
    if subscriber.confirmed_at is None:
        subscriber.confirmed_at = now or timezone.now()
        subscriber.save(update_fields=["confirmed_at"])
    return subscriber


def subscription_cancel(*, page: StatusPage, token: str) -> bool:
    """Unsubscribe by the signed link (or the mail client's one-click POST): the subscriber
    and its pending deliveries are deleted. False when it was gone already."""
    subscriber = subscriber_of_unsubscribe_link(page=page, token=token)
    if subscriber is None:
        return False
    subscriber.delete()
    return True


# --- owner-managed subscribers (API, admin) --------------------------------------------


def _own_page(account, page: StatusPage) -> StatusPage:
    if page is None or page.account_id != account.pk:
        raise ValidationError({"page": "Not found."})
    return page


def subscriber_address_check(*, page: StatusPage, kind: str, email=None, url=None) -> str:
    """The normalised address of a new owner-added subscriber; ValidationError naming the
    field when it is malformed, refused by the URL guard or subscribed already."""
    rows = Subscriber.objects.for_account(page.account).filter(page=page)
    if kind == SubscriberKind.EMAIL:
        if url:
            raise ValidationError({"url": "An email subscriber has no URL."})
        address = normalised_email(email)
        if rows.filter(kind=kind, email=address).exists():
            raise ValidationError({"email": "This address already subscribes to the page."})
        return address
    if kind != SubscriberKind.WEBHOOK:
        raise ValidationError({"kind": "Use email or webhook."})
    if email:
        raise ValidationError({"email": "A webhook subscriber has no email address."})
    if not isinstance(url, str) or not url:
        raise ValidationError({"url": "Give the webhook URL."})
    try:
        validate_webhook_url(url)
    except ValidationError as error:
        raise ValidationError({"url": error.messages}) from None
    if rows.filter(kind=kind, url=url).exists():
        raise ValidationError({"url": "This URL already subscribes to the page."})
    return url


@transaction.atomic
def subscriber_create(
    *,
    account,
    page: StatusPage,
    kind: str,
    email: str = "",
    url: str = "",
    components=None,
    now: dt.datetime | None = None,
) -> Subscriber:
    """Add a subscriber: a webhook is confirmed at once; an email address gets the
    confirmation mail (double opt-in holds for addresses added by the owner too)."""
    now = now or timezone.now()
    _own_page(account, page)
    component_ids = chosen_components(page, components)
    address = subscriber_address_check(page=page, kind=kind, email=email, url=url)
    if kind == SubscriberKind.EMAIL:
        subscriber = Subscriber(account=account, page=page, kind=kind, email=address)
    else:
        subscriber = Subscriber(
            account=account, page=page, kind=kind, url=address, confirmed_at=now
        )
    subscriber.full_clean()
    subscriber.save()
    _set_components(subscriber, component_ids)
    if kind == SubscriberKind.EMAIL:
        _confirmation_send(subscriber, component_ids, now)
    return subscriber


def subscriber_set_components(*, account, subscriber: Subscriber, components) -> Subscriber:
    """Change what an (owner-managed) subscriber follows; None: all components."""
    if subscriber.account_id != account.pk:
        raise ValidationError({"subscriber": "Not found."})
    with transaction.atomic():
        _set_components(subscriber, chosen_components(subscriber.page, components))
    return subscriber


def subscriber_remove(*, account, subscriber: Subscriber) -> None:
    """Delete a subscriber with its undelivered notifications."""
    if subscriber.account_id != account.pk:
        raise ValidationError({"subscriber": "Not found."})
    subscriber.delete()


def subscriber_send_test(*, account, subscriber: Subscriber, now=None) -> Delivery:
    """A test message to one confirmed subscriber, sent at once (not retried)."""
    if subscriber.account_id != account.pk:
        raise ValidationError({"subscriber": "Not found."})
    if not subscriber.is_confirmed:
        raise ValidationError(
            {"subscriber": "Not confirmed yet: nothing but the confirmation is sent before."}
        )
    from statuspage.selectors.snapshot import page_snapshot
    from statuspage.subscriptions.notify import page_json

    now = now or timezone.now()
    snapshot = page_snapshot(page=subscriber.page, now=now)
    return notification_send_test(
        account=account,
        kind=DELIVERY_KIND[subscriber.kind],
        target=subscriber,
        event_type=TEST_EVENT,
        payload={"page": page_json(snapshot), "test": {"sent_at": now}},
        now=now,
    )


def subscribers_prune_unconfirmed(*, now: dt.datetime | None = None) -> int:
    """Remove subscriptions never confirmed while their link was valid (plus a day)."""
    now = now or timezone.now()
    cutoff = now - tokens.confirm_max_age() - dt.timedelta(days=1)
    stale = Subscriber.objects.filter(confirmed_at__isnull=True, created_at__lt=cutoff)
    count = 0
    for subscriber in stale.iterator():
        subscriber.delete()  # one by one: their deliveries go with them
        count += 1
    return count
