"""PromQL text the integration sends: counting queries of SLIs, status rule conditions.

A good, bad or total query is either a series selector (``http_requests_total{code!~"5.."}``),
counted as ``sum(increase(<selector>[<window>]))``, or a whole expression containing the
placeholder ``{{window}}`` that already yields one count per window (Sloth's style, e.g.
``sum(increase(http_requests_total{code=~"5.."}[{{window}}])) or vector(0)``).
"""

import operator
from decimal import Decimal

WINDOW_PLACEHOLDER = "{{window}}"
PART_LABEL = "sla_portal_part"
OPERATORS = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}


def window_text(seconds: int) -> str:
    """A PromQL duration: ``5m`` for 300 s, else seconds (``137s``)."""
    if seconds % 60 == 0:
        return f"{seconds // 60}m"
    return f"{seconds}s"


def counting_query(query: str, window: str) -> str:
    """The count of events of ``query`` in each ``window`` ending at the evaluation time."""
    text = query.strip()
    if WINDOW_PLACEHOLDER in text:
        return text.replace(WINDOW_PLACEHOLDER, window)
    return f"sum(increase({text}[{window}]))"


def labelled(expression: str, part: str) -> str:
    return f'label_replace(({expression}), "{PART_LABEL}", "{part}", "", "")'


def sli_parts(sli) -> dict[str, str]:
    """``{"good" or "bad": query, "total": query}`` of a PromQL SLI."""
    numerator = ("good", sli.good_query) if sli.good_query.strip() else ("bad", sli.bad_query)
    return {numerator[0]: numerator[1], "total": sli.total_query}


def sli_combined_query(sli, window: str) -> str:
    """Both counts of an SLI in one query, told apart by the ``sla_portal_part`` label."""
    parts = sli_parts(sli)
    return " or ".join(
        labelled(counting_query(query, window), part) for part, query in parts.items()
    )


def condition_met(value: Decimal, operator_text: str, threshold: Decimal) -> bool:
    return OPERATORS[operator_text](value, threshold)


def status_from_value(rule, value: Decimal) -> str:
    """CRIT if the CRIT condition holds, else WARN if the WARN condition holds, else OK."""
    if condition_met(value, rule.crit_operator, Decimal(rule.crit_threshold)):
        return "CRIT"
    warn = rule.warn_operator and rule.warn_threshold is not None
    if warn and condition_met(value, rule.warn_operator, Decimal(rule.warn_threshold)):
        return "WARN"
    return "OK"
