"""/health (the process answers) and /ready (its dependencies answer)."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse


def health(request):
    return JsonResponse({"status": "ok"})


def _database_error() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # any driver error means "not ready"
        return str(error).splitlines()[0] if str(error) else type(error).__name__
    return None


def _redis_error() -> str | None:
    if not settings.REDIS_URL:
        return None
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
        )
        client.ping()
    except Exception as error:  # connection refused, timeout, auth ...
        return str(error) or type(error).__name__
    return None


def ready(request):
    errors = {"database": _database_error(), "redis": _redis_error()}
    checks = {"database": "ok", "redis": "ok" if settings.REDIS_URL else "not configured"}
    checks.update({name: f"error: {error}" for name, error in errors.items() if error})
    failing = sorted(name for name, error in errors.items() if error)
    body = {"status": "unavailable" if failing else "ok", "checks": checks}
    if failing:
        body["failing"] = failing
    return JsonResponse(body, status=503 if failing else 200)
