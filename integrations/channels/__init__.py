"""Slack, Microsoft Teams and PagerDuty channels for an account's notifications (issue 18).

Each channel is a delivery kind of the outbox (reporting.delivery_kinds): SLO burn alerts,
SLA level changes and the daily report (and any later operator event type) go out as
Slack Block Kit messages, Teams Adaptive Cards or PagerDuty Events API v2 events, with
the same URL guard and retries as webhooks.
"""
