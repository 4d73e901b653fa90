"""The embedded SQLite default under its own load: a job writing while a request reads and
then writes never fails with "database is locked" (WAL, busy timeout, IMMEDIATE)."""

import threading
import time

from django.db import connections, transaction
from django.db.backends.sqlite3.base import DatabaseWrapper

from slaportal.env import SQLITE_OPTIONS

ALIAS = "sqlite-load"


def _connection(path) -> DatabaseWrapper:
    settings_dict = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": dict(SQLITE_OPTIONS),
        "ATOMIC_REQUESTS": False,
        "AUTOCOMMIT": True,
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
        "TIME_ZONE": None,
        "USER": "",
        "PASSWORD": "",
        "HOST": "",
        "PORT": "",
        "TEST": {},
    }
    connection = DatabaseWrapper(settings_dict, alias=ALIAS)
    connections[ALIAS] = connection  # per thread: transaction.atomic(using=ALIAS) finds it
    return connection


def test_a_reader_that_writes_waits_for_a_writer_instead_of_failing(tmp_path, django_db_blocker):
    with django_db_blocker.unblock():
        _run(tmp_path)


def _run(tmp_path):
    path = tmp_path / "db.sqlite3"
    setup = _connection(path)
    with setup.cursor() as cursor:
        cursor.execute("CREATE TABLE marks (id INTEGER PRIMARY KEY, value INTEGER)")
        cursor.execute("INSERT INTO marks (value) VALUES (0)")
        assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    setup.close()
    writer_holds_lock = threading.Event()
    errors = []

    def job():  # the in-process rollup: a long write transaction
        connection = _connection(path)
        try:
            with transaction.atomic(using=ALIAS), connection.cursor() as cursor:
                cursor.execute("UPDATE marks SET value = value + 1")
                writer_holds_lock.set()
                time.sleep(0.5)
        except Exception as error:  # collected for the assertion
            errors.append(error)
        finally:
            connection.close()

    def request():  # reads, then writes (the incident refresh after a response)
        connection = _connection(path)
        try:
            writer_holds_lock.wait(5)
            with transaction.atomic(using=ALIAS), connection.cursor() as cursor:
                value = cursor.execute("SELECT value FROM marks").fetchone()[0]
                cursor.execute("UPDATE marks SET value = %s", [value + 10])
        except Exception as error:  # collected for the assertion
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=job), threading.Thread(target=request)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    check = _connection(path)
    with check.cursor() as cursor:
        assert cursor.execute("SELECT value FROM marks").fetchone()[0] == 11
    check.close()
