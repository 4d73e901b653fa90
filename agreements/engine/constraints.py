"""Constraints of guarantees (AGREEMENTS.md section 1): parsing, query templates, labels.

A constraint is one or more terms joined by ``&&``; a term is ``[<PromQL>] <op> <number>``
(the outermost bracket pair holds the PromQL, which may have its own ``[5m]``). A service
descriptor may leave the brackets out (``avg_over_time(x[5m]) < 150``): the PromQL is then
everything before the last top-level comparison operator, which must be followed by a
number only.

The query *template* is the bracketed form with ``#LABELS#`` right after the first metric
name of each term; :func:`resolve_labels` puts a scope's labels there.

Positions in error messages are 1-based character columns of the text as given.
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from agreements.engine.errors import AgreementError

LABELS_PLACEHOLDER = "#LABELS#"
OPERATORS = ("<=", ">=", "==", "!=", "<", ">")
MAX_CONSTRAINT_LENGTH = 4000
NUMBER_RE = re.compile(r"[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[Ii]nf(?:inity)?)\Z")
IDENTIFIER_RE = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
NUMBERISH_RE = re.compile(r"[0-9.][0-9A-Za-z_.]*")
# Words that are never a metric name where they stand (binary operators, modifiers,
# literals); functions and aggregations are told apart by the "(" that follows them.
KEYWORDS = frozenset(
    {
        "and", "or", "unless", "atan2", "bool", "offset", "by", "without", "on", "ignoring",
        "group_left", "group_right", "inf", "nan", "start", "end", "smoothed", "anchored",
    }
)  # fmt: skip
# Followed by a parenthesised list of label names, not an expression.
LABEL_LIST_KEYWORDS = frozenset({"by", "without", "on", "ignoring", "group_left", "group_right"})
# Aggregations may take their modifier first: ``sum by (job) (...)``.
AGGREGATIONS = frozenset(
    {
        "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
        "bottomk", "topk", "quantile", "limitk", "limit_ratio",
    }
)  # fmt: skip
CLOSERS = {"[": "]", "(": ")", "{": "}"}


@dataclass(frozen=True)
class Term:
    """One comparison: ``promql`` (text as written, maybe with ``#LABELS#``), ``operator``
    and ``threshold`` (exact), with the threshold's text as written."""

    promql: str
    operator: str
    threshold: Decimal
    threshold_text: str

    def text(self) -> str:
        return f"[{self.promql}] {self.operator} {self.threshold_text}"

    def holds(self, value: Decimal) -> bool:
        """Whether a (finite or infinite, never NaN) value passes the comparison."""
        return _COMPARE[self.operator](value, self.threshold)


_COMPARE = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def constraint_text(terms: list[Term]) -> str:
    """The bracketed form of terms: ``[a] < 1 && [b] >= 2``."""
    return " && ".join(term.text() for term in terms)


# --------------------------------------------------------------------------- scanning


def _skip_string(text: str, start: int) -> int:
    """Index just past the string literal opening at ``start`` (PromQL "", '' and ``)."""
    quote = text[start]
    index = start + 1
    while index < len(text):
        char = text[index]
        if char == "\\" and quote != "`":
            index += 2
            continue
        if char == quote:
            return index + 1
        index += 1
    raise AgreementError("", f"unterminated string starting at position {start + 1}")


def _matching(text: str, start: int) -> int:
    """Index of the bracket closing the one at ``start`` (nesting and strings skipped)."""
    stack = [CLOSERS[text[start]]]
    index = start + 1
    while index < len(text):
        char = text[index]
        if char in "\"'`":
            index = _skip_string(text, index)
            continue
        if char in CLOSERS:
            stack.append(CLOSERS[char])
        elif char in ")]}":
            if char != stack[-1]:
                raise AgreementError(
                    "", f"{char!r} at position {index + 1} does not close {stack[-1]!r}"
                )
            stack.pop()
            if not stack:
                return index
        index += 1
    raise AgreementError("", f"{text[start]!r} at position {start + 1} is never closed")


def _top_level_splits(text: str, separator: str) -> list[tuple[int, int]]:
    """``(start, end)`` spans of ``text`` between top-level occurrences of ``separator``."""
    spans, depth, index, start = [], 0, 0, 0
    while index < len(text):
        char = text[index]
        if char in "\"'`":
            index = _skip_string(text, index)
            continue
        if char in CLOSERS:
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif depth == 0 and text.startswith(separator, index):
            spans.append((start, index))
            index += len(separator)
            start = index
            continue
        index += 1
    spans.append((start, len(text)))
    return spans


# --------------------------------------------------------------------------- parsing


def parse_constraint(text: str) -> list[Term]:
    """The terms of a constraint in either form; :class:`AgreementError` (field empty)
    naming the position of the first problem."""
    if not isinstance(text, str) or not text.strip():
        raise AgreementError("", "give a constraint such as [metric] < 100")
    if len(text) > MAX_CONSTRAINT_LENGTH:
        raise AgreementError("", f"at most {MAX_CONSTRAINT_LENGTH} characters")
    terms = []
    for start, end in _top_level_splits(text, "&&"):
        terms.append(_parse_term(text, start, end))
    return terms


def _parse_term(text: str, start: int, end: int) -> Term:
    piece = text[start:end]
    offset = start + len(piece) - len(piece.lstrip())
    if not piece.strip():
        raise AgreementError("", f"empty term at position {offset + 1} (around '&&')")
    if text[offset] == "[":
        close = _matching(text[:end], offset)
        promql = text[offset + 1 : close]
        rest_start = close + 1
    else:
        operator_at = _last_top_level_operator(text, offset, end)
        promql = text[offset:operator_at]
        rest_start = operator_at
    if not promql.strip():
        raise AgreementError("", f"empty PromQL at position {offset + 1}")
    operator, threshold_text, threshold = _comparison(text, rest_start, end)
    return Term(promql.strip(), operator, threshold, threshold_text)


def _last_top_level_operator(text: str, start: int, end: int) -> int:
    depth, index, found = 0, start, None
    while index < end:
        char = text[index]
        if char in "\"'`":
            index = _skip_string(text, index)
            continue
        if char in CLOSERS:
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif depth == 0 and char in "<>=!":
            found = index
            while index + 1 < end and text[index + 1] in "<>=!":
                index += 1
        index += 1
    if found is None:
        raise AgreementError(
            "",
            f"no comparison operator (<, <=, >, >=, ==, !=) after position {start + 1}; "
            "write [<PromQL>] <op> <number>",
        )
    return found


def _comparison(text: str, start: int, end: int) -> tuple[str, str, Decimal]:
    """Operator and number from ``start``: ``< 100``."""
    index = start
    while index < end and text[index].isspace():
        index += 1
    operator_end = index
    while operator_end < end and text[operator_end] in "<>=!~":
        operator_end += 1
    operator = text[index:operator_end]
    if not operator:
        found = text[index:end].strip()[:20] or "the end"
        raise AgreementError(
            "",
            f"expected an operator (<, <=, >, >=, ==, !=) at position {index + 1}, found {found!r}",
        )
    if operator not in OPERATORS:
        raise AgreementError(
            "",
            f"unknown operator {operator!r} at position {index + 1}; use <, <=, >, >=, == or !=",
        )
    number = text[operator_end:end].strip()
    number_at = operator_end + len(text[operator_end:end]) - len(text[operator_end:end].lstrip())
    if not NUMBER_RE.match(number):
        raise AgreementError(
            "",
            f"expected a number at position {number_at + 1}, found {number[:40]!r}"
            if number
            else f"expected a number at position {number_at + 1}",
        )
    try:
        value = Decimal(number)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        raise AgreementError("", f"{number!r} is not a number") from None
    return operator, number, value


# --------------------------------------------------------------------------- templates


def query_template(text: str) -> str:
    """The stored template of a guarantee's query: the bracketed form with ``#LABELS#``
    right after the first metric name of each term (kept where the text already has it)."""
    terms = parse_constraint(text)
    return constraint_text([_with_placeholder(term) for term in terms])


def _with_placeholder(term: Term) -> Term:
    if LABELS_PLACEHOLDER in term.promql:
        return term
    at = first_metric_end(term.promql)
    if at is None:
        return term
    promql = term.promql[:at] + LABELS_PLACEHOLDER + term.promql[at:]
    return Term(promql, term.operator, term.threshold, term.threshold_text)


def first_metric_end(promql: str) -> int | None:
    """Index just past the first metric name (the first identifier that is not a function
    name, keyword or label name); for a bare selector ``{...}`` its opening brace; None
    when the expression has neither (``vector(1)``)."""
    index, first_brace = 0, None
    while index < len(promql):
        char = promql[index]
        if char in "\"'`":
            index = _skip_string(promql, index)
        elif char == "{":
            first_brace = index if first_brace is None else first_brace
            index = _matching(promql, index) + 1
        elif char == "[":
            index = _matching(promql, index) + 1
        elif NUMBERISH_RE.match(promql, index) and not IDENTIFIER_RE.match(promql, index):
            index = NUMBERISH_RE.match(promql, index).end()
        elif match := IDENTIFIER_RE.match(promql, index):
            word, index = match.group(), match.end()
            following = _next_non_space(promql, index)
            if word.lower() in AGGREGATIONS and _next_word(promql, index) in ("by", "without"):
                continue
            if word.lower() in LABEL_LIST_KEYWORDS and following == "(":
                index = _matching(promql, promql.index("(", index)) + 1
            elif following != "(" and word.lower() not in KEYWORDS:
                return index
        else:
            index += 1
    return first_brace


def _next_word(text: str, index: int) -> str:
    while index < len(text) and text[index].isspace():
        index += 1
    match = IDENTIFIER_RE.match(text, index)
    return match.group().lower() if match else ""


def _next_non_space(text: str, index: int) -> str:
    while index < len(text) and text[index].isspace():
        index += 1
    return text[index] if index < len(text) else ""


def resolve_labels(template: str, labels: dict[str, str]) -> str:
    """The template with each ``#LABELS#`` replaced: removed without labels; labels added
    after the matchers of a following ``{...}``; else ``{labels}``."""
    rendered = ",".join(f'{name}="{_escape(value)}"' for name, value in sorted(labels.items()))
    pieces, index = [], 0
    while True:
        at = template.find(LABELS_PLACEHOLDER, index)
        if at < 0:
            pieces.append(template[index:])
            return "".join(pieces)
        pieces.append(template[index:at])
        index = at + len(LABELS_PLACEHOLDER)
        if not rendered:
            continue
        if index < len(template) and template[index] == "{":
            close = _matching(template, index)
            inner = template[index + 1 : close].rstrip()
            separator = "" if not inner.strip() or inner.endswith(",") else ","
            pieces.append("{" + inner + separator + rendered + "}")
            index = close + 1
        else:
            pieces.append("{" + rendered + "}")


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
