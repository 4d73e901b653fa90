"""Signed links of subscription mails (django.core.signing: HMAC with SECRET_KEY).

A confirmation link names the subscriber (id and its random key) and the components the
visitor chose, and expires after STATUSPAGE_SUBSCRIBE_CONFIRM_HOURS. An unsubscribe link
names the subscriber and never expires (mails are kept for years); it stops working once
the subscription is gone. A tampered link fails the signature check; neither link reveals
the address.
"""

import datetime as dt

from django.conf import settings
from django.core import signing

CONFIRM_SALT = "statuspage.subscription.confirm"
UNSUBSCRIBE_SALT = "statuspage.subscription.unsubscribe"


class BadLink(Exception):
    """The link was altered, has expired or names no current subscription."""


def confirm_token(subscriber, components: list[int] | None) -> str:
    """`components`: the chosen component ids, or None for all components."""
    data = {"s": subscriber.pk, "k": subscriber.key, "c": components}
    return signing.dumps(data, salt=CONFIRM_SALT, compress=True)


def unsubscribe_token(subscriber) -> str:
    return signing.dumps({"s": subscriber.pk, "k": subscriber.key}, salt=UNSUBSCRIBE_SALT)


def confirm_max_age() -> dt.timedelta:
    return dt.timedelta(hours=settings.STATUSPAGE_SUBSCRIBE_CONFIRM_HOURS)


def _read(token: str, salt: str, max_age=None) -> dict:
    if not isinstance(token, str) or len(token) > 500:
        raise BadLink("malformed link")
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise BadLink("the link has expired") from None
    except signing.BadSignature:
        raise BadLink("the link is not valid") from None
    if not isinstance(data, dict) or not isinstance(data.get("s"), int):
        raise BadLink("the link is not valid")
    return data


def read_confirm_token(token: str) -> dict:
    """{"s": subscriber id, "k": key, "c": component ids or None}; raises BadLink."""
    data = _read(token, CONFIRM_SALT, max_age=confirm_max_age())
    components = data.get("c")
    if components is not None and not (
        isinstance(components, list) and all(isinstance(pk, int) for pk in components)
    ):
        raise BadLink("the link is not valid")
    return data


def read_unsubscribe_token(token: str) -> dict:
    """{"s": subscriber id, "k": key}; raises BadLink."""
    return _read(token, UNSUBSCRIBE_SALT)
