"""SLI kinds that other apps provide (e.g. ``prometheus`` from integrations.prometheus).

The built-in kinds (``time``, ``requests``) are computed in sla/services/slo_buckets.py. A
kind registered here (from its app's ``ready()``) supplies what the SLO code needs from it,
so the core never imports an integration:

- ``slots``: the SLI per 5-minute slot for the bucket rollup, in the same shape as request
  SLIs (``{slo_id: {hour_start: [good_0..good_11, total_0..total_11]}}``), in stored units;
- ``stored_per_unit`` / ``unit``: stored units per shown unit (PromQL counts are fractional,
  so they are stored in thousandths) and the unit's name in budgets;
- optionally a nested API field (``api_field`` + ``api_serializer``) saved with the SLO in
  one transaction (``save``), extra status figures (``statuses``, e.g. gaps) and an admin
  inline.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

TIME_UNIT = 1_000_000  # time SLIs count microseconds


@dataclass(frozen=True)
class SLIKindPlugin:
    """What the SLO code asks an SLI kind defined outside ``sla``."""

    kind: str
    unit: str
    stored_per_unit: int
    # (account=, slos=, starts={slo_id: start}, now=) -> {slo_id: Slots}
    slots: Callable[..., dict]
    api_field: str | None = None
    # () -> serializer class of the nested field (imported late)
    api_serializer: Callable[[], type] | None = None
    # (account=, slo=, data=, created=) inside the SLO's transaction
    save: Callable[..., None] | None = None
    # (slo) -> the nested field's representation (None when absent)
    represent: Callable[..., dict | None] | None = None
    # (account=, slos=, now=) -> {slo_id: {extra status keys}}
    statuses: Callable[..., dict] | None = None
    # () -> admin inline class (imported late)
    admin_inline: Callable[[], type] | None = None


_PLUGINS: dict[str, SLIKindPlugin] = {}


def register(plugin: SLIKindPlugin) -> None:
    _PLUGINS[plugin.kind] = plugin


def plugin_for(kind: str) -> SLIKindPlugin | None:
    return _PLUGINS.get(kind)


def plugins() -> list[SLIKindPlugin]:
    return list(_PLUGINS.values())


def stored_per_unit(kind: str) -> int:
    """Stored bucket units per shown unit: microseconds per second for time SLIs, the
    plugin's scale for registered kinds, 1 for requests."""
    if kind in ("time", "timeslice"):  # microseconds (a time slice is a good/bad minute)
        return TIME_UNIT
    plugin = _PLUGINS.get(kind)
    return plugin.stored_per_unit if plugin else 1


def unit_name(kind: str) -> str:
    """The unit of budgets (time SLIs: minutes in budgets, seconds in burn rates)."""
    plugin = _PLUGINS.get(kind)
    return plugin.unit if plugin else "requests"


def extra_statuses(*, account, slos, now: dt.datetime) -> dict[int, dict]:
    """Status figures of registered kinds (e.g. gaps), merged per SLO."""
    merged: dict[int, dict] = {}
    for plugin in _PLUGINS.values():
        own = [slo for slo in slos if slo.sli_kind == plugin.kind]
        if own and plugin.statuses is not None:
            for slo_id, extra in plugin.statuses(account=account, slos=own, now=now).items():
                merged.setdefault(slo_id, {}).update(extra)
    return merged
