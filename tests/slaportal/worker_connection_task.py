"""A task for the worker-connection test only, loaded into a real worker with `--include`:
it writes the PostgreSQL backend serving the worker's database connection to a file."""

from pathlib import Path

from celery import shared_task
from django.db import connection


@shared_task(name="tests.backend_pid")
def backend_pid(path: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    with Path(path).open("a") as out:
        out.write(f"{pid}\n")
    return pid
