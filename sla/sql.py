"""Set-based statements of the ingest and rollup pipeline.

PostgreSQL gets one statement per operation with array parameters (`unnest`), so a batch of
thousands of rows is one round trip; SQLite (the laptop default) gets the same statement
shapes row by row. Upserts name the partial unique indexes of the snapshot and mark tables
(`ON CONFLICT (...) WHERE ...`), which Django's bulk_create cannot target.
"""

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

# Where the ingest and rollup statements get their cursor; re-exported for their modules.
from slaportal.db import bulk_cursor, is_postgres, prepared  # noqa: F401

SQLITE_CHUNK = 400  # rows per multi-row VALUES statement (SQLite variable limit)

# Badness of a stored state in SQL (for "worst wins at a tie"); '' (no state yet) is lowest.
BADNESS_SQL = (
    "CASE {column} WHEN 'CRIT' THEN 3 WHEN 'UNKNOWN' THEN 2 WHEN 'WARN' THEN 1 "
    "WHEN 'OK' THEN 0 ELSE -1 END"
)


def least_sql(left: str, right: str) -> str:
    """The earlier of two nullable instants (NULL only when both are NULL)."""
    if is_postgres():
        return f"LEAST({left}, {right})"
    return f"MIN(COALESCE({left}, {right}), COALESCE({right}, {left}))"


def _utc_text(value):
    # Django's own SQLite form of an aware datetime: naive UTC, ISO with a space.
    return None if value is None else str(value.astimezone(dt.UTC).replace(tzinfo=None))


def _date_text(value):
    return None if value is None else value.isoformat()


def _same(value):
    return value


_SQLITE_ADAPTERS = {"timestamptz": _utc_text, "date": _date_text}


def adapters(pg_types: Sequence[str]) -> list[Callable]:
    """Per-column parameter converters: identity on PostgreSQL; on SQLite datetimes and dates
    become the text Django stores (so comparisons with stored values hold)."""
    if is_postgres():
        return [_same] * len(pg_types)
    return [_SQLITE_ADAPTERS.get(pg_type, _same) for pg_type in pg_types]


def adapt(value):
    """One parameter for raw SQL (see `adapters`)."""
    if is_postgres() or value is None:
        return value
    if isinstance(value, dt.datetime):
        return _utc_text(value)
    if isinstance(value, dt.date):
        return _date_text(value)
    return value


@dataclass(frozen=True)
class Column:
    """A column of a bulk statement and its PostgreSQL array element type."""

    name: str
    pg_type: str


def _chunks(rows: Sequence, size: int) -> Iterable[Sequence]:
    for offset in range(0, len(rows), size):
        yield rows[offset : offset + size]


def _pg_source(columns: Sequence[Column]) -> str:
    arrays = ", ".join(f"%b::{column.pg_type}[]" for column in columns)
    names = ", ".join(column.name for column in columns)
    return f"unnest({arrays}) AS v({names})"


_PG_COERCE = {"bigint": int, "double precision": float}


def pg_array(values: Iterable, pg_type: str) -> list:
    """A list for a binary `%b::<type>[]` parameter (one Python type per list)."""
    coerce = _PG_COERCE.get(pg_type)
    if coerce is None:
        return list(values)
    return [None if value is None else coerce(value) for value in values]


def _pg_arrays(columns: Sequence[Column], rows: Sequence[Sequence]) -> list[list]:
    return [
        pg_array((row[index] for row in rows), column.pg_type)
        for index, column in enumerate(columns)
    ]


def insert_returning(
    *,
    table: str,
    columns: Sequence[Column],
    constants: dict[str, object],
    rows: Sequence[Sequence],
    conflict: str,
    returning: str,
) -> list[tuple]:
    """INSERT rows (in the given order) ON CONFLICT <conflict> DO NOTHING; the inserted rows'
    `returning` columns."""
    if not rows:
        return []
    constant_names = list(constants)
    all_names = ", ".join([*constant_names, *(column.name for column in columns)])
    with bulk_cursor() as cursor:
        if is_postgres():
            constant_sql = ", ".join("%s" for _ in constant_names)
            row_names = ", ".join(f"v.{column.name}" for column in columns)
            cursor.execute(
                f"INSERT INTO {table} ({all_names}) "  # noqa: S608
                f"SELECT {constant_sql}, {row_names} FROM {_pg_source(columns)} "
                f"ON CONFLICT {conflict} DO NOTHING RETURNING {returning}",
                [*constants.values(), *_pg_arrays(columns, rows)],
            )
            return cursor.fetchall()
        result = []
        width = len(constant_names) + len(columns)
        fixed = [adapt(value) for value in constants.values()]
        convert = adapters([column.pg_type for column in columns])
        for chunk in _chunks(rows, SQLITE_CHUNK):
            values = ", ".join("(" + ", ".join(["%s"] * width) + ")" for _ in chunk)
            params = [
                item
                for row in chunk
                for item in (*fixed, *(f(value) for f, value in zip(convert, row, strict=True)))
            ]
            cursor.execute(
                f"INSERT INTO {table} ({all_names}) VALUES {values} "  # noqa: S608
                f"ON CONFLICT {conflict} DO NOTHING RETURNING {returning}",
                params,
            )
            result.extend(cursor.fetchall())
        return result


def upsert(
    *,
    table: str,
    columns: Sequence[Column],
    rows: Sequence[Sequence],
    conflict: str,
    updates: dict[str, str],
) -> None:
    """INSERT rows ON CONFLICT <conflict> DO UPDATE SET name = <expression>, ... .

    Expressions may use `excluded.<column>` and `<table>.<column>` (the stored row).
    Rows should be sorted by the conflict key so concurrent writers lock in one order.
    """
    if not rows:
        return
    names = ", ".join(column.name for column in columns)
    assignments = ", ".join(f"{name} = {expression}" for name, expression in updates.items())
    tail = f"ON CONFLICT {conflict} DO UPDATE SET {assignments}"
    with bulk_cursor() as cursor:
        if is_postgres():
            row_names = ", ".join(f"v.{column.name}" for column in columns)
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT {row_names} FROM {_pg_source(columns)} "  # noqa: S608
                f"{tail}",
                _pg_arrays(columns, rows),
            )
            return
        placeholders = ", ".join(["%s"] * len(columns))
        convert = adapters([column.pg_type for column in columns])
        for chunk in _chunks(rows, SQLITE_CHUNK):
            values = ", ".join(f"({placeholders})" for _ in chunk)
            params = [f(value) for row in chunk for f, value in zip(convert, row, strict=True)]
            cursor.execute(f"INSERT INTO {table} ({names}) VALUES {values} {tail}", params)  # noqa: S608


def update_from_rows(
    *,
    table: str,
    columns: Sequence[Column],
    rows: Sequence[Sequence],
    sets: dict[str, str],
    skip_locked: bool = False,
) -> None:
    """UPDATE <table> SET ... for each row, matched on the first column (`id`).

    Expressions use `v.<column>` for the row's values and `{table}.<column>` for the stored
    ones (SQLite evaluates the same expressions row by row). `skip_locked` (PostgreSQL):
    rows another transaction holds are left as they are instead of waited for, so the
    statement never waits and never holds the rows it got while it waits for others.
    """
    if not rows:
        return
    key = columns[0].name
    with bulk_cursor() as cursor:
        if is_postgres():
            assignments = ", ".join(f"{name} = {expression}" for name, expression in sets.items())
            source = _pg_source(columns)
            if skip_locked:
                source = (
                    f"(SELECT v.* FROM {source} JOIN {table} AS held ON held.{key} = v.{key} "  # noqa: S608
                    f"ORDER BY v.{key} FOR UPDATE OF held SKIP LOCKED) AS v"
                )
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM {source} "  # noqa: S608
                f"WHERE {table}.{key} = v.{key}",
                _pg_arrays(columns, rows),
            )
            return
        values_sql = ", ".join(f"%s AS {column.name}" for column in columns)
        assignments = ", ".join(
            f"{name} = (SELECT {expression} FROM (SELECT {values_sql}) AS v)"  # noqa: S608
            for name, expression in sets.items()
        )
        statement = f"UPDATE {table} SET {assignments} WHERE {key} = %s"  # noqa: S608
        params = []
        convert = adapters([column.pg_type for column in columns])
        for row in rows:
            adapted = [f(value) for f, value in zip(convert, row, strict=True)]
            params.append([*(adapted * len(sets)), adapted[0]])
        cursor.executemany(statement, params)
