"""Service states, input aliases and their order of badness."""

from collections.abc import Mapping

OK = "OK"
WARN = "WARN"
CRIT = "CRIT"
UNKNOWN = "UNKNOWN"

# Not a service state: the time before a service's first event.
UNMONITORED = "UNMONITORED"
# A span class (not a raw state): inside a downtime with ``downtimes: honor``.
DOWNTIME = "DOWNTIME"
# A span class: flapping, with ``flapping: consider``; no requirement's state.
FLAPPING = "FLAPPING"

# Result states of a requirement or a period.
NODATA = "NODATA"
BROKEN = "BROKEN"

STATES = (OK, WARN, CRIT, UNKNOWN)

# Badness for "worst" and for ties between simultaneous events.
STATE_BADNESS = {OK: 0, WARN: 1, UNKNOWN: 2, CRIT: 3}

# Order of result states: a NODATA requirement never hides a worse one.
RESULT_BADNESS = {NODATA: 0, OK: 1, WARN: 2, CRIT: 3, BROKEN: 4}

# Input spellings (lower case) of each state: ours, Statuspage's and Nagios/Checkmk's,
# whose plugins name states WARNING and CRITICAL and exit with 0-3.
STATE_ALIASES = {
    "ok": OK,
    "warn": WARN,
    "crit": CRIT,
    "unknown": UNKNOWN,
    "up": OK,
    "operational": OK,
    "degraded": WARN,
    "outage": CRIT,
    "down": CRIT,
    "warning": WARN,
    "critical": CRIT,
    "0": OK,
    "1": WARN,
    "2": CRIT,
    "3": UNKNOWN,
}
_ALIASES = STATE_ALIASES

ACCEPTED_STATES = (
    "OK, WARN, CRIT, UNKNOWN (aliases: UP, OPERATIONAL, DEGRADED, OUTAGE, DOWN; "
    "Nagios/Checkmk: WARNING, CRITICAL, 0-3)"
)


class StateError(ValueError):
    """A state name that is neither a state nor a known alias."""


def normalize_state(value: str | int) -> str:
    """Return the canonical state for ``value`` (case-insensitive, aliases allowed; the
    Nagios/Checkmk exit codes 0-3 as numbers or text)."""
    if isinstance(value, str):
        if value in STATE_BADNESS:  # fast path for canonical names
            return value
        state = _ALIASES.get(value.lower())
        if state is not None:
            return state
    elif isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 3:
        return _ALIASES[str(value)]
    raise StateError(f"unknown state {value!r}; accepted: {ACCEPTED_STATES}, any case")


def worst_state(a: str, b: str) -> str:
    """The worse of two service states (``OK`` < ``WARN`` < ``UNKNOWN`` < ``CRIT``)."""
    return a if STATE_BADNESS[a] >= STATE_BADNESS[b] else b


def worst_result_state(a: str, b: str) -> str:
    """The worse of two result states (``NODATA`` < ``OK`` < ``WARN`` < ``CRIT`` < ``BROKEN``)."""
    return a if RESULT_BADNESS[a] >= RESULT_BADNESS[b] else b


def counts_as(klass: str, state: str, honor_downtimes: bool) -> bool:
    """Does time of class ``klass`` count as time in ``state``? With ``downtimes: honor``
    the ``DOWNTIME`` class counts as ``OK`` (SLA-SEMANTICS.md 3.6); the one place of that
    rule for the engine, budgets, reports and explanations."""
    return klass == state or (honor_downtimes and state == OK and klass == DOWNTIME)


def time_in_state(per_class: Mapping[str, float], state: str, honor_downtimes: bool):
    """Sum of the time per class that counts as ``state`` (seconds or microseconds)."""
    return sum(
        amount for klass, amount in per_class.items() if counts_as(klass, state, honor_downtimes)
    )
