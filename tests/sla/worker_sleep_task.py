"""A task for the broker-outage test only, loaded into the real worker with `--include`: a
late-acknowledged unit that is still running when Redis goes away (the case that made
Celery 5.7 / kombu 5.7 workers exit)."""

import time

from celery import shared_task


@shared_task(name="tests.sleep", acks_late=True)
def sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds
