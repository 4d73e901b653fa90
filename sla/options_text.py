"""The SLA evaluation options in plain words: one line of help per option (admin form) and
one sentence per option and value (SLA pages). New options (issue 19: service period,
notification period, flapping ...) add an `OptionText` to `OPTION_TEXTS` and nothing else.

Semantics: SLA-SEMANTICS.md section 2 and 3; defaults are the engine's (`sla.engine.Options`).
"""

from collections.abc import Callable
from dataclasses import dataclass, fields

from sla.durations import duration_text


@dataclass(frozen=True)
class OptionText:
    """How one option reads: its label, one line of help, and a sentence for a value."""

    label: str
    help: str
    words: Callable[[object], str]


def _downtimes(value) -> str:
    return {
        "honor": "Downtime counts as OK: scheduled maintenance is not held against the SLA.",
        "exclude": "Downtime is left out: it counts neither for nor against the SLA.",
        "ignore": "Downtime is ignored: the service's real state counts during it.",
    }.get(value, f"Downtime: {value}.")


def _yes_no(yes: str, no: str) -> Callable[[object], str]:
    return lambda value: yes if value else no


def _short_interval(value) -> str:
    if not value:
        return "Short interruptions are counted as they are (no melting)."
    return (
        f"Interruptions of {duration_text(value)} or less between two equal states take that state."
    )


OPTION_TEXTS: dict[str, OptionText] = {
    "downtimes": OptionText(
        "Downtime handling",
        "Scheduled downtime: count it as OK (honor), leave it out (exclude) or ignore it "
        "and count the real state (ignore).",
        _downtimes,
    ),
    "downtime_ok_is_uptime": OptionText(
        "OK during downtime is uptime",
        "A service that is OK during a downtime counts as up, as if there were no downtime.",
        _yes_no(
            "A service OK during a downtime counts as up, not as downtime.",
            "Time in a downtime counts as downtime even when the service was OK.",
        ),
    ),
    "warn_as": OptionText(
        "Treat WARN as",
        "Which state a WARN counts as (WARN keeps it apart; CRIT makes it an outage).",
        lambda value: f"WARN counts as {value}.",
    ),
    "unknown_as": OptionText(
        "Treat UNKNOWN as",
        "Which state an UNKNOWN counts as (applied once, never after the WARN mapping).",
        lambda value: f"UNKNOWN counts as {value}.",
    ),
    "short_interval_seconds": OptionText(
        "Short interval melting",
        "Interruptions up to this long between two equal states take that state, e.g. a "
        "2 min OK inside an outage joins the outage (0 = off).",
        _short_interval,
    ),
    "merge_phases": OptionText(
        "Merge phases",
        "Join touching spans of the same state into one, so an outage reported twice counts once.",
        _yes_no(
            "Touching spans of the same state are merged (one outage, not several).",
            "Spans are not merged: every event and period edge starts a new span.",
        ),
    ),
    "include_unmonitored": OptionText(
        "Include unmonitored time",
        "Count the time before a service's first event as UNKNOWN instead of leaving it out.",
        _yes_no(
            "Time before the first event counts as UNKNOWN.",
            "Time before the first event is left out.",
        ),
    ),
    "outage_split": OptionText(
        "Outage split",
        "An outage across a period boundary: counted in each period (per period) or once, "
        "whole, in the period it started.",
        lambda value: (
            "An outage across a period boundary counts once, whole, in the period it started."
            if value == "start_period"
            else "An outage across a period boundary counts in each period it touches."
        ),
    ),
    "service_period": OptionText(
        "Service period",
        "Only the service's own service time counts (honor) or all the time (ignore).",
        lambda value: (
            "All the time counts, also outside the service's own service time."
            if value == "ignore"
            else "Only the service's own service time counts."
        ),
    ),
    "notification_period": OptionText(
        "Notification period",
        "Only the service's notification period counts (honor) or all the time (ignore).",
        lambda value: (
            "Only the service's notification period counts."
            if value == "honor"
            else "The service's notification period does not matter."
        ),
    ),
    "flapping": OptionText(
        "Flapping",
        "Time a service flaps counts against 'at least' requirements and is no outage "
        "(consider), or its states count as they are (ignore).",
        lambda value: (
            "Flapping time counts against 'at least' requirements and is no outage."
            if value == "consider"
            else "Flapping is not looked at: the states count as they are."
        ),
    ),
    "flap_detection": OptionText(
        "Flap detection",
        "Flapping when at least N state changes lie within a window.",
        lambda value: (
            f"A service flaps when {value['changes']} or more state changes lie within "
            f"{duration_text(value['window_seconds'])}."
            if isinstance(value, dict)
            else "Flapping is taken from the events' flags only (no detection)."
        ),
    ),
}


def option_defaults() -> dict:
    """The engine's default of every option."""
    from sla.engine import Options

    defaults = Options()
    return {field.name: getattr(defaults, field.name) for field in fields(defaults)}


def option_help(name: str) -> str:
    text = OPTION_TEXTS.get(name)
    return text.help if text else ""


def options_in_words(options: dict | None) -> list[str]:
    """One sentence per option with a text, in the order above, "(default)" where the SLA
    leaves it at the engine's default."""
    stored = options or {}
    defaults = option_defaults()
    sentences = []
    for name, text in OPTION_TEXTS.items():
        value = stored.get(name, defaults.get(name))
        suffix = "" if name in stored else " (default)"
        sentences.append(text.words(value).rstrip(".") + suffix + ".")
    return sentences
