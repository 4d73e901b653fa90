"""Django's PostgreSQL connections load timestamptz with psycopg's C loader
(slaportal.db.use_fast_timestamptz_loader): the same datetimes as Django's own loader,
tzinfo UTC included, for every instant a column can hold that Python can."""

import datetime as dt

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import BaseTzLoader, register_tzloader
from psycopg.pq import Format

from slaportal.db import _utc_timestamptz_loader, use_fast_timestamptz_loader

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
TIMESTAMPTZ = 1184
INSTANTS = [
    "0001-01-01 00:00:00+00",
    "1970-01-01 00:00:00+00",
    "2024-02-29 23:59:59.999999+00",
    "2026-03-29 01:30:00.5+01",  # given in another zone: read back in UTC
    "2026-12-03 16:30:00.000001+00",
    "9999-12-31 23:59:59.999999+00",
]


def _read(statement: str) -> list[dt.datetime]:
    with connection.cursor() as cursor:
        cursor.execute(statement, [INSTANTS])
        return [row[0] for row in cursor.fetchall()]


def _loader():
    return connection.connection.adapters.get_loader(TIMESTAMPTZ, Format.TEXT)


def test_the_connection_uses_the_c_loader_and_reads_what_djangos_loader_reads():
    statement = "SELECT t::timestamptz FROM unnest(%s::text[]) AS t"
    connection.ensure_connection()
    assert _loader() is _utc_timestamptz_loader()
    fast = _read(statement)
    register_tzloader(dt.UTC, connection.connection)  # Django's own, for comparison
    try:
        assert issubclass(_loader(), BaseTzLoader)
        assert _read(statement) == fast
    finally:
        use_fast_timestamptz_loader(None, connection)
    assert _loader() is _utc_timestamptz_loader()
    assert all(instant.tzinfo is dt.UTC for instant in fast)
    assert fast[3] == dt.datetime(2026, 3, 29, 0, 30, 0, 500000, tzinfo=dt.UTC)


def test_a_session_not_in_utc_keeps_djangos_loader():
    connection.ensure_connection()
    register_tzloader(dt.UTC, connection.connection)
    with connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'Europe/Berlin'")
    try:
        use_fast_timestamptz_loader(None, connection)
        assert issubclass(_loader(), BaseTzLoader)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'UTC'")
        use_fast_timestamptz_loader(None, connection)
    assert _loader() is _utc_timestamptz_loader()
