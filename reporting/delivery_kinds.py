"""Delivery kinds of the outbox: how one delivery is sent, and who gets an account's events.

The outbox (reporting.services.notifications) stores one message per event and one
`Delivery` per target; each delivery names its `kind`. Every kind is registered once, from
its app's `AppConfig.ready()`, as a `DeliveryKind`:

- `send(delivery, context)`: one attempt. Returns the HTTP status (None for mail) or raises;
  a raised error is kept as the delivery's `last_error` and the attempt is retried with
  backoff. `context` (a `SendContext`) is shared by the deliveries of one batch: one SMTP
  connection for all its mails, and a memo for what is the same for every delivery of a
  message (a rendered body).
- `audience(account)` (optional): the account-wide targets of operator events (webhook
  endpoints, email recipients, Slack/Teams/PagerDuty channels), each with
  `wants(event_type)`. Kinds without an audience receive only messages addressed to them
  (`notification_emit_to`: status page subscribers).
- `target_field`: the Delivery foreign key holding the target ("webhook", "recipient" for
  the two built-in kinds); None for every other kind, whose target is the generic
  `Delivery.target` (content type + id, so any app's model can be a target without a new
  column in this app, and deleting the target deletes its deliveries through a
  `GenericRelation`).

Adding a kind is one `register(DeliveryKind(...))` call; nothing in reporting changes.
"""

import contextlib
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.core.mail import get_connection


@dataclass(frozen=True)
class DeliveryKind:
    """One way out of the outbox (see the module docstring)."""

    name: str
    send: Callable
    audience: Callable | None = None
    target_field: str | None = None
    label: str = ""

    def __post_init__(self):
        if not self.name or len(self.name) > 32:
            raise ImproperlyConfigured(f"delivery kind name {self.name!r}: 1-32 characters")


_KINDS: dict[str, DeliveryKind] = {}


def register(kind: DeliveryKind) -> DeliveryKind:
    """Make `kind` known (idempotent for the same definition; a clash is a start-up error)."""
    existing = _KINDS.get(kind.name)
    if existing is not None and existing != kind:
        raise ImproperlyConfigured(f"delivery kind {kind.name!r} is registered twice")
    _KINDS[kind.name] = kind
    return kind


def kind_named(name: str) -> DeliveryKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise LookupError(f"unknown delivery kind {name!r}; known: {sorted(_KINDS)}") from None


def registered() -> list[DeliveryKind]:
    return [_KINDS[name] for name in sorted(_KINDS)]


def audience_kinds() -> list[DeliveryKind]:
    """Kinds that receive an account's operator events (in a stable order)."""
    return [kind for kind in registered() if kind.audience is not None]


class SendContext:
    """What the deliveries of one batch share: an SMTP connection opened on first use and
    reused for every mail (reopened after a failure), and a memo for per-message work."""

    def __init__(self):
        self._mail_connection = None
        self.memo: dict = {}

    def mail_connection(self):
        if self._mail_connection is None:
            connection = get_connection(fail_silently=False)
            connection.open()
            self._mail_connection = connection
        return self._mail_connection

    def send_mail(self, message) -> None:
        """Send one EmailMessage on the shared connection; a failure drops the connection,
        so the next mail of the batch starts a fresh one."""
        try:
            message.connection = self.mail_connection()
            sent = message.send(fail_silently=False)
        except Exception:
            self.mail_failed()
            raise
        if not sent:
            self.mail_failed()
            raise OSError("the mail server accepted nothing")

    def mail_failed(self) -> None:
        connection, self._mail_connection = self._mail_connection, None
        if connection is not None:
            with contextlib.suppress(Exception):  # already broken; the caller reports it
                connection.close()

    def close(self) -> None:
        if self._mail_connection is not None:
            self._mail_connection.close()
            self._mail_connection = None
