"""Shared set-up for benchmarks that need Django and PostgreSQL.

`django_on_postgres("sla_bench")` points DATABASE_URL at a dedicated database (created if
missing), sets Django up and migrates. Benchmarks never touch the development database.
"""

import os
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"


def _ensure_database(server_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def django_on_postgres(name: str):
    """Set Django up on PostgreSQL database `name` (server from BENCH_PG_SERVER)."""
    sys.path.insert(0, str(ROOT))
    server_url = os.environ.get("BENCH_PG_SERVER", DEFAULT_SERVER).rstrip("/")
    _ensure_database(server_url, name)
    os.environ["DATABASE_URL"] = f"{server_url}/{name}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "slaportal.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def machine() -> str:
    """One line naming the machine, for RESULTS.md."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        total_kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {total_kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores, {cpu}{memory}, Python {platform.python_version()}"
