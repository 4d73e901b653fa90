"""Raw database access shared by the apps: which backend, a psycopg cursor on Django's
connection, whether hot statements may be prepared server-side, and a fast timestamptz
loader for Django's PostgreSQL connections."""

import datetime as dt
from contextlib import contextmanager
from functools import cache

from django.db import connection


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def prepared() -> bool:
    """`prepare=` for psycopg's execute of a hot per-request statement (the ingest path):
    prepared on the connection at its first run, so later runs skip parsing and planning.
    Off with DATABASE_PREPARED_STATEMENTS=false (transaction-pooling PgBouncer before 1.21).
    Bulk statements of the periodic jobs are not prepared: a generic plan could not see
    how many rows their array parameters hold."""
    from django.conf import settings

    return settings.DATABASE_PREPARED_STATEMENTS


@contextmanager
def bulk_cursor():
    """A cursor for big statements, on Django's connection (so inside its transaction).

    PostgreSQL: a server-side-binding psycopg cursor, so array parameters (`%b`) travel in
    binary (Django's client-side binding renders them as text, 4x slower for 1,000 rows).
    SQLite: with DEBUG, Django's debug wrapper would render every parameter into the query
    log (seconds for a large rollup); go around it.
    """
    if is_postgres():
        import psycopg

        # As Django's own cursor() does: the first query of a request checks a reused
        # connection (CONN_HEALTH_CHECKS), so a connection the server dropped is replaced
        # instead of failing this request and every later one on this process.
        connection.close_if_health_check_failed()
        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cursor:
            yield cursor
        return
    with connection.cursor() as wrapper:
        yield wrapper.cursor if connection.queries_logged else wrapper


def fetch_one_checking_connection(sql: str, params, *, prepare: bool = False):
    """The first row of a read-only query that also serves as the request's connection
    health check (PostgreSQL).

    With CONN_HEALTH_CHECKS Django sends `SELECT 1` on a reused connection before the first
    query of each request: a round trip of its own on every API request. A read-only query
    can check the connection itself: if the server dropped it, the query fails, the
    connection is replaced and the query runs again (safe: it changed nothing). Inside a
    transaction, or once the request's check is done, it is an ordinary query.
    """
    import psycopg

    if not _health_check_due():
        return _fetch_one(sql, params, prepare)
    try:
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(sql, params, prepare=prepare)
            row = cursor.fetchone()
    except (psycopg.OperationalError, psycopg.InterfaceError):
        connection.close()  # dropped by the server: reconnect, as the health check would
        row = _fetch_one(sql, params, prepare)
    connection.health_check_done = True
    return row


def _health_check_due() -> bool:
    return (
        connection.connection is not None
        and connection.health_check_enabled
        and not connection.health_check_done
        and not connection.in_atomic_block
    )


def _fetch_one(sql: str, params, prepare: bool):
    with bulk_cursor() as cursor:
        cursor.execute(sql, params, prepare=prepare)
        return cursor.fetchone()


def fetch_one(sql: str, params, *, prepare: bool = False):
    """The first row of a query on Django's connection (PostgreSQL: server-side binding,
    prepared when asked), or None."""
    return _fetch_one(sql, params, prepare)


def instance_from_row(model, values):
    """A model instance from raw values of its concrete fields (in `_meta` order), through
    the fields' converters, as the ORM would load it."""
    fields = model._meta.concrete_fields
    converted = []
    for field, value in zip(fields, values, strict=True):
        for converter in field.get_db_converters(connection):
            value = converter(value, field, connection)
        converted.append(value)
    return model.from_db(connection.alias, [field.attname for field in fields], converted)


# --------------------------------------------------------------------------- timestamptz


@cache
def _utc_timestamptz_loader():
    """A text-format timestamptz loader doing its work in psycopg's C loader, with the
    `timezone` attribute Django's cursors check; None without psycopg's C extension.

    Django registers a subclass of psycopg's *Python* loader (to set the tzinfo it wants),
    about 10 us a value: a third of the jobs' CPU went there (tens of thousands of event
    instants a run). On a UTC session the C loader returns the same datetimes, tzinfo
    `datetime.timezone.utc` included. It cannot be subclassed; the instance's `load` is the
    C loader's bound method, so a value costs no Python call."""
    import psycopg
    from psycopg.adapt import Loader
    from psycopg.pq import Format

    c_loader = psycopg.adapters.get_loader(psycopg.adapters.types["timestamptz"].oid, Format.TEXT)
    if c_loader is None or not c_loader.__module__.startswith("psycopg_binary"):
        return None

    class UTCTimestamptzLoader(Loader):
        timezone = dt.UTC  # what Django's create_cursor() compares with its own

        def __init__(self, oid, context=None):
            super().__init__(oid, context)
            self.load = c_loader(oid, context).load

        def load(self, data):  # replaced per instance (the class must define it)
            raise NotImplementedError

    return UTCTimestamptzLoader


def use_fast_timestamptz_loader(sender, connection, **kwargs) -> None:
    """`connection_created`: on a PostgreSQL connection whose session runs in UTC with
    Django's UTC timezone, load timestamptz with the C loader (see above)."""
    if connection.vendor != "postgresql" or connection.timezone is not dt.UTC:
        return
    session = connection.connection
    if session.info.parameter_status("TimeZone") != "UTC":
        return
    loader = _utc_timestamptz_loader()
    if loader is not None:
        session.adapters.register_loader("timestamptz", loader)
