"""/health (the process answers) and /ready (its dependencies answer).

Both are public (load balancers call them), so /ready names the failing part but keeps the
driver's message (host names, users) for the log.
"""

import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse

logger = logging.getLogger(__name__)


def health(request):
    return JsonResponse({"status": "ok"})


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any driver error means "not ready"
        logger.exception("readiness: the database is not reachable")
        return False
    return True


def _redis_ok() -> bool:
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
        )
        client.ping()
    except Exception:  # connection refused, timeout, auth ...
        logger.exception("readiness: Redis is not reachable")
        return False
    return True


def ready(request):
    checks = {"database": "ok" if _database_ok() else "error"}
    if settings.REDIS_URL:
        checks["redis"] = "ok" if _redis_ok() else "error"
    else:
        checks["redis"] = "not configured"
    failing = sorted(name for name, state in checks.items() if state == "error")
    body = {"status": "unavailable" if failing else "ok", "checks": checks}
    if failing:
        body["failing"] = failing
    return JsonResponse(body, status=503 if failing else 200)
