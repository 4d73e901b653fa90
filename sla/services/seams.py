"""Test seams of the derived-data jobs.

Each job calls `between_read_and_write(point)` after it read what it derives from (marks,
events, stored rows) and before it writes what it derived: the window in which a
concurrent ingest can commit. Production leaves it a no-op; the race tests replace it
(monkeypatch) with a callable that commits an ingest from another connection at exactly
that point. Points: "rollup:start", "rollup:chunk", "incidents:start", "incidents:chunk",
"rollup:derived" / "incidents:derived" (a chunk derived, its transaction not committed),
"rollup:finish" / "incidents:finish" (a chunk committed, its marks not cleared yet),
"results:store", "results:bulk_store", "slo:store" (recent hours), "slo:store_range"
(an older dirty range); and, inside the results writers' store transaction after their
sequence check, "results:stored" and "results:bulk_stored"; between the results refresh's
stale marking and its compare-and-clear of `results_from`, "results:clear".
"""


def _nothing(point: str) -> None:
    return None


between_read_and_write = _nothing


def reached(point: str) -> None:
    """Call the seam (looked up on each call, so a test's replacement is seen)."""
    between_read_and_write(point)
