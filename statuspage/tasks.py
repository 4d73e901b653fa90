"""Periodic work of the public status pages."""

from celery import shared_task

from statuspage.refresh import status_pages_refresh_ahead


@shared_task(name="statuspage.refresh_ahead", soft_time_limit=25, time_limit=30)
def refresh_ahead() -> int:
    """Re-render popular status page documents before they turn stale (statuspage.refresh).
    Two overlapping runs are harmless: each document has its own render lock."""
    return status_pages_refresh_ahead()
