"""Subscribers of a public status page and what they are sent.

- Email subscribers subscribe on the page (`/subscribe`, a server-rendered form) and
  confirm by a signed, expiring link (double opt-in); nothing but the confirmation mail is
  sent before. Every mail carries a signed one-click unsubscribe link and the
  List-Unsubscribe / List-Unsubscribe-Post headers (RFC 8058).
- Webhook subscribers are added by the page's owner (admin, API) and get Statuspage-shaped
  JSON (`meta`, `page`, `incident` or `component_update`).
- Public incidents (created, each timeline entry, resolved), component status changes
  (webhooks) and maintenances (scheduled, started, completed, notes, a reminder before the
  window) become one outbox message each, with one delivery per subscriber whose chosen
  components it touches (reporting.delivery_kinds: `subscriber_email`,
  `subscriber_webhook`).
"""
