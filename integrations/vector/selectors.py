"""Reads of the Vector integration."""

from integrations.vector.models import VectorSource
from slaportal.db import fetch_one, instance_from_row, is_postgres, prepared

# Every batch reads its source: on PostgreSQL one prepared statement (no ORM compilation,
# no planning), the row the ORM would give.
_SOURCE_SQL = (
    "SELECT "  # noqa: S608
    + ", ".join(f'"{field.column}"' for field in VectorSource._meta.concrete_fields)
    + f' FROM "{VectorSource._meta.db_table}" WHERE "id" = %s AND "account_id" = %s'
)


def vector_source_for_batch(*, account, source_id: int | None) -> VectorSource | None:
    """The account's source `source_id`, or None (another account's is None too)."""
    if source_id is None or not -(2**63) <= source_id < 2**63:
        return None
    if not is_postgres():
        return VectorSource.objects.for_account(account).filter(pk=source_id).first()
    row = fetch_one(_SOURCE_SQL, [source_id, account.pk], prepare=prepared())
    if row is None:
        return None
    source = instance_from_row(VectorSource, row)
    source.account = account
    return source
