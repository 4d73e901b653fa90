"""Status page subscribers: one incident update to 10,000 subscribers, queued and mailed.

Targets: the update's 10,000 outbox deliveries are queued (set-based) in under 2 s, and all
of them are then delivered through a local SMTP server (aiosmtpd in its own process) with
nothing lost and nothing sent twice. Printed beside it: deliveries per second, and the
messages per second of a plain smtplib loop (one connection, prebuilt messages) to the same
server, the pace of the server itself.

Run: ``python bench/bench_subscribers.py [--subscribers 10000]`` (also part of ``make
bench``). PostgreSQL at BENCH_PG_SERVER, its own database sla_bench_subscribers (created if
missing, migrated, emptied and refilled); no Redis (the sends run in this process, in
batches of 100 as the Celery tasks do). Exit code 1 if a target is missed.
"""

import argparse
import datetime as dt
import json
import os
import smtplib
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Targets, django_on_postgres, free_port, fresh_data, machine

DATABASE = "sla_bench_subscribers"
TARGET_QUEUE_SECONDS = 2.0
CHUNK = 100  # deliveries per Celery task (reporting.services.notifications.TASK_CHUNK)


def start_sink() -> tuple[subprocess.Popen, int]:
    port = free_port()
    sink = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("smtp_sink.py")), str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    if sink.stdout.readline().strip() != "READY":
        raise SystemExit("the SMTP sink did not start")
    return sink, port


def stop_sink(sink: subprocess.Popen) -> dict:
    out, _ = sink.communicate(timeout=60)
    return json.loads(out.strip().splitlines()[-1])


def build(subscribers: int):
    """An account, a page with two components, `subscribers` confirmed email subscribers
    (half of them of one component), and an incident on that component (not timed)."""
    from accounts.models import Account
    from sla.models import Service
    from statuspage.models import StatusPage, StatusPageComponent, Subscriber, SubscriberComponent

    fresh_data()
    account = Account.objects.create(name="Bench subscribers", slug="bench-subscribers")
    page = StatusPage.objects.create(account=account, title="Bench Status", slug="bench-subs")
    components = [
        StatusPageComponent.objects.create(
            account=account,
            page=page,
            name=name,
            service=Service.objects.create(account=account, path=f"bench/{name.lower()}"),
        )
        for name in ("API", "Web")
    ]
    now = dt.datetime.now(dt.UTC)
    rows = Subscriber.objects.bulk_create(
        (
            Subscriber(
                account=account,
                page=page,
                kind="email",
                email=f"reader{index:06d}@example.com",
                confirmed_at=now,
                all_components=index % 2 == 0,
            )
            for index in range(subscribers)
        ),
        batch_size=5000,
    )
    SubscriberComponent.objects.bulk_create(
        (
            SubscriberComponent(account=account, subscriber=row, component=components[0])
            for row in rows
            if not row.all_components
        ),
        batch_size=5000,
    )
    return account, page, components


def plain_smtplib(port: int, count: int) -> float:
    """Messages per second of a bare smtplib loop over one connection."""
    message = EmailMessage()
    message["From"] = "bench@localhost"
    message["Subject"] = "plain smtplib"
    message.set_content("x" * 800)
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for index in range(count):
            smtp.send_message(message, to_addrs=[f"plain{index}@example.com"])
    return count / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    args = parser.parse_args()
    sink, port = start_sink()
    os.environ.update(EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(port), EMAIL_TIMEOUT="30")
    django_on_postgres(DATABASE)
    print(f"machine: {machine()}")

    from reporting.models import Delivery
    from reporting.services import notifications
    from statuspage.services import public_incident_create
    from statuspage.subscriptions import signals
    from statuspage.subscriptions.notify import incident_update_notify

    # Timed by hand below: no task runs on commit (the benchmark sends the batches itself).
    notifications._enqueue = lambda ids: None
    signals._dispatch = lambda task, argument: None
    account, page, (api, _) = build(args.subscribers)
    incident = public_incident_create(
        account=account, page=page, name="API errors", body="Requests fail.", components=[api]
    )
    update = incident.updates.get()

    started = time.perf_counter()
    queued = incident_update_notify(update_id=update.pk)
    queue_seconds = time.perf_counter() - started
    ids = list(
        Delivery.objects.filter(kind="subscriber_email").order_by("pk").values_list("pk", flat=True)
    )
    print(f"queued {queued} deliveries (one per subscriber) in {queue_seconds:.3f} s")

    started = time.perf_counter()
    delivered = 0
    for start in range(0, len(ids), CHUNK):
        delivered += notifications.deliveries_attempt(delivery_ids=ids[start : start + CHUNK])[
            "delivered"
        ]
    send_seconds = time.perf_counter() - started
    rate = delivered / send_seconds if send_seconds else 0.0
    plain_rate = plain_smtplib(port, min(len(ids), 5000) or 1)
    received = stop_sink(sink)
    mailed = received["messages"] - (min(len(ids), 5000) or 1)
    print(
        f"delivered {delivered} in {send_seconds:.2f} s: {rate:,.0f} deliveries/s "
        f"(plain smtplib loop to the same server: {plain_rate:,.0f} messages/s, "
        f"{rate / plain_rate:.0%} of it); the server got {mailed} subscriber mails"
    )

    targets = Targets("subscribers")
    targets.check(
        f"queue one update to {args.subscribers:,} subscribers",
        f"{queue_seconds:.3f} s",
        f"< {TARGET_QUEUE_SECONDS:.0f} s",
        queue_seconds < TARGET_QUEUE_SECONDS and queued == args.subscribers,
    )
    pending = Delivery.objects.exclude(status="delivered").count()
    targets.check(
        "mails delivered through local SMTP, none lost or doubled",
        f"{mailed} of {queued} mailed, {pending} undelivered",
        f"{queued} exactly once",
        mailed == queued == delivered and pending == 0,
    )
    return targets.exit_code()


if __name__ == "__main__":
    sys.exit(main())
