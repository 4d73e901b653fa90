"""Storage of fetched PromQL slots: the raw day rows (``PromQLDay``), the gaps
(``PromQLGap``), the SLIs' fetch state and the SLOs' dirty marks.

Set-based for a batch of SLIs: the day rows a batch touches are read in one statement, new
ones inserted in one, changed ones rewritten in one (PostgreSQL: array parameters in binary,
the slot lists as JSON text encoded by msgspec; elsewhere the ORM). A slot with a value
rewrites the stored one (never adds to it); a slot without one leaves the stored value alone
and is recorded as a gap. Rows whose slots did not change are not written.
"""

import datetime as dt
from collections import defaultdict
from typing import NamedTuple

import msgspec
from django.db.models import Q

from integrations.prometheus.models import PromQLDay, PromQLGap, PromQLSLI
from integrations.prometheus.services.sli_slots import (
    ERROR,
    SLOT_SECONDS,
    SlotRun,
    day_pieces,
)
from sla.models import SLO
from sla.sql import Column, bulk_cursor, is_postgres, update_from_rows

SLOTS_PER_DAY = 288
MAX_GAP_RETRY = dt.timedelta(hours=1)
ROWS_PER_STATEMENT = 2000  # day rows (about 4 kB of JSON each) per INSERT or UPDATE
_DAY_TABLE = PromQLDay._meta.db_table


def instant(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


def epoch(value: dt.datetime) -> int:
    return int(value.timestamp())


# --------------------------------------------------------------------------- day rows


def days_store(*, account, runs_by_slo: list[tuple[int, list[SlotRun]]]) -> dict:
    """Write the slots that have values into the day rows; the earliest changed slot per
    SLO (``{slo_id: datetime}``). On PostgreSQL a stored row that gets at most
    PATCH_SLOTS slots (the minutely fetch: the running slot, the one settling) is patched
    in place, slot by slot, only where the value differs; other rows are read, merged and
    written whole."""
    pieces: dict[tuple[int, int], list] = defaultdict(list)
    for slo_id, runs in runs_by_slo:
        for run in runs:
            for day, index, goods, totals in day_pieces(run, SLOTS_PER_DAY):
                if totals.count(None) < len(totals):  # a day of gaps only makes no row
                    pieces[(slo_id, day)].append((index, goods, totals))
    earliest: dict[int, int] = {}
    if pieces and is_postgres():
        pieces = _patch_days(account, pieces, earliest)
    if pieces:
        _rewrite_days(account, pieces, earliest)
    return {slo_id: instant(seconds) for slo_id, seconds in earliest.items()}


def _changed(earliest: dict[int, int], slo_id: int, changed_at: int) -> None:
    if slo_id not in earliest or changed_at < earliest[slo_id]:
        earliest[slo_id] = changed_at


def _rewrite_days(account, pieces: dict, earliest: dict[int, int]) -> None:
    """Read the rows, merge the pieces in, insert the new rows and rewrite the changed."""
    stored = _stored_days(account, list(pieces))
    created, updated = [], []
    for key in sorted(pieces):
        row, parts = stored.get(key), pieces[key]
        if row is None and len(parts) == 1 and len(parts[0][2]) == SLOTS_PER_DAY:
            # A whole new day (the backfill): the piece is the row.
            _, goods, totals = parts[0]
            first = next(index for index, total in enumerate(totals) if total is not None)
        else:
            goods, totals = (_full(row[1]), _full(row[2])) if row else _empty_day()
            first = None
            for index, new_goods, new_totals in parts:
                changed = _merge(goods, totals, index, new_goods, new_totals)
                if changed is not None and (first is None or changed < first):
                    first = changed
        if first is None:
            continue
        slo_id, day = key
        _changed(earliest, slo_id, day + first * SLOT_SECONDS)
        if row is None:
            created.append((slo_id, day, goods, totals))
        else:
            updated.append((row[0], goods, totals))
    _insert_days(account, created)
    _update_days(updated)


PATCH_SLOTS = 2  # a row getting more slots is cheaper to rewrite whole


def _patch_days(account, pieces: dict, earliest: dict[int, int]) -> dict:
    """Patch the stored full rows that get few slots (``jsonb_set``, where the stored value
    differs); the pieces left for the whole-row path (other rows, missing rows)."""
    few = [key for key, parts in pieces.items() if sum(len(p[2]) for p in parts) <= PATCH_SLOTS]
    if not few:
        return pieces
    with bulk_cursor() as cursor:
        cursor.execute(
            "SELECT d.slo_id, d.day, d.id FROM unnest(%b::bigint[], %b::timestamptz[])"  # noqa: S608
            f" AS k(slo_id, day) JOIN {_DAY_TABLE} AS d ON d.slo_id = k.slo_id AND d.day = k.day"
            " WHERE d.account_id = %s AND jsonb_array_length(d.good) = %s"
            " AND jsonb_array_length(d.total) = %s",
            [[slo_id for slo_id, _ in few], [instant(day) for _, day in few], account.pk,
             SLOTS_PER_DAY, SLOTS_PER_DAY],
        )  # fmt: skip
        found = {(slo_id, epoch(day)): pk for slo_id, day, pk in cursor.fetchall()}
        rounds: list[list[tuple]] = []  # the n-th slot of each row in round n
        for key, pk in found.items():
            slots = [
                (pk, index + offset, good, total)
                for index, goods, totals in pieces.pop(key)
                for offset, (good, total) in enumerate(zip(goods, totals, strict=True))
                if total is not None
            ]
            for number, slot in enumerate(slots):
                if number == len(rounds):
                    rounds.append([])
                rounds[number].append(slot)
        for slots in rounds:
            cursor.execute(
                f"UPDATE {_DAY_TABLE} AS d SET"  # noqa: S608
                " good = jsonb_set(d.good, ARRAY[k.slot::text], to_jsonb(k.good)),"
                " total = jsonb_set(d.total, ARRAY[k.slot::text], to_jsonb(k.total))"
                " FROM unnest(%b::bigint[], %b::integer[], %b::numeric[], %b::numeric[])"
                " AS k(id, slot, good, total) WHERE d.id = k.id"
                " AND (d.total -> k.slot, d.good -> k.slot)"
                " IS DISTINCT FROM (to_jsonb(k.total), to_jsonb(k.good))"
                " RETURNING d.slo_id, d.day, k.slot",
                [[slot[index] for slot in slots] for index in range(4)],
            )
            for slo_id, day, slot in cursor.fetchall():
                _changed(earliest, slo_id, epoch(day) + slot * SLOT_SECONDS)
    return pieces


def _empty_day() -> tuple[list, list]:
    return [None] * SLOTS_PER_DAY, [None] * SLOTS_PER_DAY


def _full(values) -> list:
    return (list(values) + [None] * SLOTS_PER_DAY)[:SLOTS_PER_DAY]


def _merge(goods: list, totals: list, index: int, new_goods: list, new_totals: list):
    """Write one day's piece of a run into the row's lists (slots without a value, None,
    keep what is stored); the first index that changed, or None."""
    end = index + len(new_totals)
    if None not in new_totals:
        if totals[index:end] == new_totals and goods[index:end] == new_goods:
            return None
        first = next(
            offset
            for offset, (good, total) in enumerate(zip(new_goods, new_totals, strict=True))
            if goods[index + offset] != good or totals[index + offset] != total
        )
        goods[index:end], totals[index:end] = new_goods, new_totals
        return index + first
    first = None
    for offset, total in enumerate(new_totals):
        position = index + offset
        if total is None or (totals[position] == total and goods[position] == new_goods[offset]):
            continue
        goods[position], totals[position] = new_goods[offset], total
        if first is None:
            first = position
    return first


def _stored_days(account, keys: list[tuple[int, int]]) -> dict:
    """``{(slo_id, day): (pk, goods, totals)}`` of the stored rows among ``keys``."""
    if is_postgres():
        with bulk_cursor() as cursor:
            cursor.execute(
                "SELECT d.slo_id, d.day, d.id, d.good::text, d.total::text"  # noqa: S608
                " FROM unnest(%b::bigint[], %b::timestamptz[]) AS k(slo_id, day)"
                f" JOIN {_DAY_TABLE} AS d ON d.slo_id = k.slo_id AND d.day = k.day"
                " WHERE d.account_id = %s",
                [[slo_id for slo_id, _ in keys], [instant(day) for _, day in keys], account.pk],
            )
            decode = msgspec.json.decode  # exact for integers of any size
            return {
                (slo_id, epoch(day)): (pk, decode(goods), decode(totals))
                for slo_id, day, pk, goods, totals in cursor.fetchall()
            }
    wanted = set(keys)
    rows = PromQLDay.objects.for_account(account).filter(
        slo_id__in={slo_id for slo_id, _ in keys},
        day__gte=instant(min(day for _, day in keys)),
        day__lte=instant(max(day for _, day in keys)),
    )
    stored = {}
    for slo_id, day, pk, goods, totals in rows.values_list("slo_id", "day", "pk", "good", "total"):
        if (slo_id, epoch(day)) in wanted:
            stored[(slo_id, epoch(day))] = (pk, goods, totals)
    return stored


def _json(values: list) -> str:
    return msgspec.json.encode(values).decode()


def _insert_days(account, rows: list[tuple]) -> None:
    if not rows:
        return
    if not is_postgres():
        PromQLDay.objects.bulk_create(
            [
                PromQLDay(account=account, slo_id=slo_id, day=instant(day), good=g, total=t)
                for slo_id, day, g, t in rows
            ],
            batch_size=500,
        )
        return
    with bulk_cursor() as cursor:
        for offset in range(0, len(rows), ROWS_PER_STATEMENT):
            chunk = rows[offset : offset + ROWS_PER_STATEMENT]
            cursor.execute(
                f"INSERT INTO {_DAY_TABLE} (account_id, slo_id, day, good, total)"  # noqa: S608
                " SELECT %s, k.slo_id, k.day, k.good::jsonb, k.total::jsonb FROM"
                " unnest(%b::bigint[], %b::timestamptz[], %b::text[], %b::text[])"
                " AS k(slo_id, day, good, total)",
                [
                    account.pk,
                    [row[0] for row in chunk],
                    [instant(row[1]) for row in chunk],
                    [_json(row[2]) for row in chunk],
                    [_json(row[3]) for row in chunk],
                ],
            )


def _update_days(rows: list[tuple]) -> None:
    if not rows:
        return
    if not is_postgres():
        PromQLDay.objects.bulk_update(
            [PromQLDay(pk=pk, good=goods, total=totals) for pk, goods, totals in rows],
            ["good", "total"],
            batch_size=500,
        )
        return
    with bulk_cursor() as cursor:
        for offset in range(0, len(rows), ROWS_PER_STATEMENT):
            chunk = rows[offset : offset + ROWS_PER_STATEMENT]
            cursor.execute(
                f"UPDATE {_DAY_TABLE} AS d SET good = k.good::jsonb, total = k.total::jsonb"  # noqa: S608
                " FROM unnest(%b::bigint[], %b::text[], %b::text[]) AS k(id, good, total)"
                " WHERE d.id = k.id",
                [
                    [row[0] for row in chunk],
                    [_json(row[1]) for row in chunk],
                    [_json(row[2]) for row in chunk],
                ],
            )


# --------------------------------------------------------------------------- gaps


class StoredGap(NamedTuple):
    """A stored gap as the fetch reads it (a tuple: thousands are read every minute)."""

    pk: int
    slo_id: int
    start: dt.datetime
    end: dt.datetime
    reason: str
    kind: str
    first_seen_at: dt.datetime
    attempts: int
    next_attempt_at: dt.datetime


def gaps_by_slo(account, slo_ids) -> dict[int, list[StoredGap]]:
    """The stored gaps of the SLOs, per SLO."""
    gaps = defaultdict(list)
    rows = PromQLGap.objects.for_account(account).filter(slo_id__in=list(slo_ids))
    for row in rows.values_list(*StoredGap._fields):
        gap = StoredGap(*row)
        gaps[gap.slo_id].append(gap)
    return gaps


def _retry_delay(attempts: int) -> dt.timedelta:
    return min(dt.timedelta(minutes=2 ** min(attempts - 1, 10)), MAX_GAP_RETRY)


def gaps_update(*, account, fetched: list[tuple], gaps_by_slo: dict[int, list]) -> None:
    """Rewrite the gaps the fetched runs touch (one delete, one update, one insert for all
    SLIs: a gap that keeps its slots and reason only counts another attempt);
    ``fetched``: ``(slo_id, runs in time order, now)``."""
    deleted, created, updated = [], [], []
    for slo_id, runs, now in fetched:
        if not runs:
            continue
        first, last = runs[0].start, runs[-1].end
        overlapping = [
            gap
            for gap in gaps_by_slo.get(slo_id, [])
            if epoch(gap.start) < last and epoch(gap.end) > first
        ]
        if not overlapping and not any(run.missing for run in runs):
            continue
        same = {(gap.start, gap.end, gap.reason, gap.kind): gap for gap in overlapping}
        for row in _gap_rows(slo_id, _gap_slots(overlapping, runs, now), now):
            gap = same.pop(row[1:5], None)
            if gap is None:
                created.append(row)
            else:  # first_seen_at, last_attempt_at, attempts, next_attempt_at
                updated.append((gap.pk, *row[5:]))
        deleted.extend(gap.pk for gap in same.values())
    if deleted:
        PromQLGap.objects.for_account(account).filter(pk__in=deleted).delete()
    update_from_rows(
        table=PromQLGap._meta.db_table,
        columns=_GAP_UPDATE_COLUMNS,
        rows=updated,
        sets={column.name: f"v.{column.name}" for column in _GAP_UPDATE_COLUMNS[1:]},
    )
    _insert_gaps(account, created)


def _gap_slots(gaps, runs: list[SlotRun], now: dt.datetime) -> dict[int, dict]:
    """The slots of the overlapping gaps, updated by the runs: slots with values leave,
    slots without join (or count another attempt)."""
    slots: dict[int, dict] = {}
    for gap in gaps:
        info = {
            "reason": gap.reason,
            "kind": gap.kind,
            "first_seen_at": gap.first_seen_at,
            "attempts": gap.attempts,
            "next_attempt_at": gap.next_attempt_at,
        }
        slots.update(dict.fromkeys(range(epoch(gap.start), epoch(gap.end), SLOT_SECONDS), info))
    for run in runs:
        answered = [
            slot
            for slot in slots
            if run.start <= slot < run.end and (slot - run.start) // SLOT_SECONDS not in run.missing
        ]
        for slot in answered:
            del slots[slot]
        for index, missing in run.missing.items():
            slot = run.start + index * SLOT_SECONDS
            before = slots.get(slot)
            attempts = before["attempts"] + 1 if before else 1
            slots[slot] = {
                "reason": missing.reason,
                "kind": missing.kind,
                "first_seen_at": before["first_seen_at"] if before else now,
                "attempts": attempts,
                # A failing source's gaps are fetched again as soon as it answers (any run).
                "next_attempt_at": now if missing.kind == ERROR else now + _retry_delay(attempts),
            }
    return slots


def _gap_rows(slo_id: int, slots: dict[int, dict], now: dt.datetime) -> list[tuple]:
    """Consecutive slots of the same reason and kind as one gap row each (a tuple of the
    columns of ``_GAP_COLUMNS``)."""
    rows: list[dict] = []
    for slot in sorted(slots):
        info = slots[slot]
        last = rows[-1] if rows else None
        if (
            last is not None
            and last["end"] == slot
            and (last["reason"], last["kind"])
            == (
                info["reason"],
                info["kind"],
            )
        ):
            last["end"] = slot + SLOT_SECONDS
            last["attempts"] = max(last["attempts"], info["attempts"])
            last["first_seen_at"] = min(last["first_seen_at"], info["first_seen_at"])
            last["next_attempt_at"] = min(last["next_attempt_at"], info["next_attempt_at"])
            continue
        rows.append({**info, "start": slot, "end": slot + SLOT_SECONDS})
    return [
        (slo_id, instant(row["start"]), instant(row["end"]), row["reason"][:1000], row["kind"],
         row["first_seen_at"], now, row["attempts"], row["next_attempt_at"])
        for row in rows
    ]  # fmt: skip


_GAP_COLUMNS = [
    ("slo_id", "bigint"),
    ("start", "timestamptz"),
    ("end", "timestamptz"),
    ("reason", "text"),
    ("kind", "text"),
    ("first_seen_at", "timestamptz"),
    ("last_attempt_at", "timestamptz"),
    ("attempts", "integer"),
    ("next_attempt_at", "timestamptz"),
]


_GAP_UPDATE_COLUMNS = [
    Column("id", "bigint"),
    Column("first_seen_at", "timestamptz"),
    Column("last_attempt_at", "timestamptz"),
    Column("attempts", "integer"),
    Column("next_attempt_at", "timestamptz"),
]


def _insert_gaps(account, rows: list[tuple]) -> None:
    if not rows:
        return
    if not is_postgres():
        names = [name for name, _ in _GAP_COLUMNS]
        PromQLGap.objects.bulk_create(
            [PromQLGap(account=account, **dict(zip(names, row, strict=True))) for row in rows],
            batch_size=500,
        )
        return
    names = ", ".join(f'"{name}"' for name, _ in _GAP_COLUMNS)
    arrays = ", ".join(f"%b::{pg_type}[]" for _, pg_type in _GAP_COLUMNS)
    with bulk_cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {PromQLGap._meta.db_table} (account_id, {names})"  # noqa: S608
            f" SELECT %s, * FROM unnest({arrays})",
            [account.pk, *([row[index] for row in rows] for index in range(len(_GAP_COLUMNS)))],
        )


# --------------------------------------------------------------------------- marks and state


def slos_mark_dirty(earliest: dict[int, dt.datetime]) -> None:
    """Move each SLO's ``buckets_dirty_from`` back to its earliest changed slot (one UPDATE
    per distinct instant: in the minutely run that is the running slot for all)."""
    by_instant: dict[dt.datetime, list[int]] = defaultdict(list)
    for slo_id, changed_at in earliest.items():
        by_instant[changed_at].append(slo_id)
    for changed_at, slo_ids in by_instant.items():
        SLO.objects.filter(pk__in=slo_ids).filter(
            Q(buckets_dirty_from__isnull=True) | Q(buckets_dirty_from__gt=changed_at)
        ).update(buckets_dirty_from=changed_at)


_STATE_COLUMNS = [
    Column("id", "bigint"),
    Column("final_to", "timestamptz"),
    Column("covered_from", "timestamptz"),
    Column("last_fetch_at", "timestamptz"),
    Column("last_error", "text"),
]


def states_store(slis: list[PromQLSLI]) -> None:
    """The fetch state of the SLIs (one statement)."""
    update_from_rows(
        table=PromQLSLI._meta.db_table,
        columns=_STATE_COLUMNS,
        rows=[
            (sli.pk, sli.final_to, sli.covered_from, sli.last_fetch_at, sli.last_error)
            for sli in slis
        ],
        sets={name: f"v.{name}" for name in ("final_to", "covered_from", "last_fetch_at",
                                             "last_error")},
    )  # fmt: skip
