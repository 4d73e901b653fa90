"""The periodic jobs of SLA Portal, declared in code.

`python manage.py setup_periodic_tasks` writes them to django-celery-beat (production beat),
and `make run` without Redis runs the same list in-process. Schedules are UTC.
"""

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class PeriodicJob:
    """One beat entry: a Celery task name run every `every_seconds` or on a crontab."""

    name: str
    task: str
    every_seconds: int | None = None
    crontab: str | None = None  # "minute hour day_of_month month_of_year day_of_week"
    description: str = ""


def daily_crontab(time_of_day: str) -> str:
    """The crontab of a daily job at "HH:MM" UTC."""
    hours, minutes = time_of_day.split(":")
    return f"{int(minutes)} {int(hours)} * * *"


PERIODIC_JOBS: list[PeriodicJob] = [
    PeriodicJob(
        name="sla: refresh period results",
        task="sla.refresh_period_results",
        every_seconds=300,
        description="Current-period and stale SLA results of every rule-assigned service",
    ),
    PeriodicJob(
        name="slo-minutely",
        task="sla.slo_minutely",
        every_seconds=60,
        description="Roll SLO buckets up to now (dirty ranges too), evaluate burn-rate alerts",
    ),
    PeriodicJob(
        name="prometheus-slis",
        task="prometheus.fetch_slis",
        every_seconds=60,
        description="Fetch new 5-minute slots of PromQL SLIs (and their gaps) from Prometheus",
    ),
    PeriodicJob(
        name="prometheus-status-rules",
        task="prometheus.evaluate_rules",
        every_seconds=60,
        description="Evaluate PromQL status rules; state changes become status events",
    ),
    PeriodicJob(
        name="agreements-assess",
        task="agreements.dispatch",
        every_seconds=10,
        description="Assess due agreements (one unit per account); expire the expired ones",
    ),
    PeriodicJob(
        name="notifications-outbox",
        task="reporting.process_outbox",
        every_seconds=60,
        description="Deliver due webhook/email notifications (retries with backoff)",
    ),
    PeriodicJob(
        name="sla-rollups",
        task="sla.rollups_dispatch",
        # A minute after each 5-minute bucket closes (late pushes of that minute included).
        crontab="1-59/5 * * * *",
        description="Incidents, 5-minute uptime snapshots and daily rollups, per account",
    ),
    PeriodicJob(
        name="statuspage-refresh-ahead",
        task="statuspage.refresh_ahead",
        every_seconds=10,
        description="Re-render popular status page documents before they turn stale, so "
        "web processes never render while serving hits",
    ),
    PeriodicJob(
        name="statuspage-subscriber-notices",
        task="statuspage.subscriber_notices",
        every_seconds=60,
        description="Maintenance notices and reminders to status page subscribers, lost "
        "incident notifications caught up, unconfirmed subscriptions dropped",
    ),
    PeriodicJob(
        name="federation-push-incidents",
        task="federation.push_incidents",
        every_seconds=60,
        description="Incidents opened and closed, queued for the portal of each account that "
        "pushes to one (integrations.federation)",
    ),
    PeriodicJob(
        name="retention",
        task="sla.retention_dispatch",
        crontab="23 3 * * *",
        description="Remove rows past their retention (old 5-minute snapshots, SLO hour "
        "buckets, delivered outbox messages, request counts when configured) in small "
        "batches, per account",
    ),
    PeriodicJob(
        name="daily-reports",
        task="reporting.daily_reports",
        crontab=daily_crontab(settings.SLA_REPORT_TIME),
        description="JSON + PDF report of the previous day (account's time zone) per account "
        "with the SLA feature, missed days caught up; webhook sla.daily_report and emails",
    ),
]
