"""Demo data of reporting for `make run`: a report recipient and yesterday's daily report.

Runs last (accounts.demo.DEMO_SEEDERS), after the services, their history and the SLAs
exist. Idempotent: an intact report is kept and its email is not sent twice. Without an
SMTP server the console email backend prints the email (PDF attached, base64).
"""

import datetime as dt

from accounts.features import sla_enabled
from reporting.models import EmailRecipient
from reporting.services.reports import daily_report_build

DEMO_RECIPIENT = "reports@example.com"


def seed(account, now: dt.datetime) -> list[str]:
    if not sla_enabled(account):
        return ["Daily reports: the SLA feature is off (SLA_ENABLED), none built"]
    EmailRecipient.objects.get_or_create(
        account=account,
        email=DEMO_RECIPIENT,
        defaults={"name": "Demo report reader", "kinds": ["sla.daily_report"]},
    )
    yesterday = account.today(now) - dt.timedelta(days=1)
    report = daily_report_build(account=account, day=yesterday, now=now)
    return [
        f"Daily report of {yesterday} ({account.timezone}): on the dashboard, "
        f"/dashboard/reports/{report.pk}/pdf; emailed to {DEMO_RECIPIENT}"
    ]
