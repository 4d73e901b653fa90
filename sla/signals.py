"""Signals that connect the pipeline stages without import cycles.

`status_history_changed`: sent after ingestion commits new events (or downtimes change).
    kwargs: account, changes: dict[int, datetime] mapping service id -> earliest instant whose
    history changed. Receivers mark derived rows (period results, snapshots, SLO buckets)
    for recomputation from that instant on, except for ingestion (sender
    `sla.services.ingest.INGEST_SENDER`), whose write has marked them already.

`sla_state_changed`: sent when a stored period result (current or completed) changes state.
    kwargs: account, sla, service (or None), group (or None), period_start, old_state,
    new_state. Receivers raise alerts / notifications on level changes.

`incidents_ended`: sent when a rebuild of derived incidents closes stored ones (an open
    incident whose subject returned to OK keeps its row and id and gets its end).
    kwargs: account, incident_ids: list[int]. Sent inside the rebuild's transaction.
    Receivers follow the end (e.g. public incidents published from one resolve).

`slo_statuses_evaluated`: sent after the minutely alert evaluation of an account.
    kwargs: account, statuses: dict[int, SLOStatus] (budgets and burn rates of every SLO),
    now. Receivers reuse the figures instead of computing them again (e.g. /metrics).
"""

from django.dispatch import Signal

status_history_changed = Signal()
sla_state_changed = Signal()
slo_statuses_evaluated = Signal()
incidents_ended = Signal()
