"""One assessment (AGREEMENTS.md section 3): query results judged term by term.

Each term's PromQL gives, at the assessment instant, samples or a failure. ``unknown``: a
failure, no sample, or a NaN sample; ``broken``: a sample fails the comparison (the
failing samples are the violation's values); ``met``: every sample passes. Terms combine
into the guarantee's outcome, guarantees into the agreement's (``levels.combine``).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from agreements.engine.constraints import Term
from agreements.engine.levels import BROKEN, MET, UNKNOWN, combine


@dataclass(frozen=True)
class Sample:
    """One series' value at the assessment instant (exact; NaN and infinities allowed)."""

    labels: dict
    value: Decimal


@dataclass(frozen=True)
class QueryFailure:
    """A query that gave no answer (unreachable, timeout, Prometheus' error ...)."""

    reason: str


@dataclass(frozen=True)
class ValueSeen:
    """A sample as the payloads show it: ``key`` is the series' ``__name__``, or the query
    text when the series has no name (an expression such as ``avg_over_time(...)``)."""

    key: str
    value: Decimal
    labels: dict = field(default_factory=dict)


@dataclass(frozen=True)
class TermJudgement:
    term: Term
    outcome: str
    values: tuple[ValueSeen, ...] = ()
    failing: tuple[ValueSeen, ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class GuaranteeJudgement:
    outcome: str
    terms: tuple[TermJudgement, ...]

    @property
    def values(self) -> tuple[ValueSeen, ...]:
        return tuple(value for term in self.terms for value in term.values)

    @property
    def failing(self) -> tuple[ValueSeen, ...]:
        return tuple(value for term in self.terms for value in term.failing)

    @property
    def reason(self) -> str:
        return "; ".join(term.reason for term in self.terms if term.reason)


def judge_term(term: Term, result) -> TermJudgement:
    """``result``: a list of :class:`Sample`, a :class:`QueryFailure`, or None (the query
    was not run or gave nothing: no sample)."""
    if isinstance(result, QueryFailure):
        return TermJudgement(term, UNKNOWN, reason=f"{term.promql}: {result.reason}")
    if not result:
        return TermJudgement(term, UNKNOWN, reason=f"{term.promql}: no sample")
    values = tuple(
        ValueSeen(sample.labels.get("__name__") or term.promql, sample.value, sample.labels)
        for sample in result
    )
    if any(value.value.is_nan() for value in values):
        return TermJudgement(term, UNKNOWN, values, reason=f"{term.promql}: NaN sample")
    failing = tuple(value for value in values if not term.holds(value.value))
    return TermJudgement(term, BROKEN if failing else MET, values, failing)


def judge_guarantee(terms: list[Term], results: Mapping) -> GuaranteeJudgement:
    """The judgement of a guarantee's resolved terms; ``results`` maps PromQL text to a
    term's result (a text not in it returned no sample)."""
    judgements = tuple(judge_term(term, results.get(term.promql)) for term in terms)
    return GuaranteeJudgement(combine(j.outcome for j in judgements), judgements)


__all__ = [
    "BROKEN",
    "MET",
    "UNKNOWN",
    "GuaranteeJudgement",
    "QueryFailure",
    "Sample",
    "TermJudgement",
    "ValueSeen",
    "judge_guarantee",
    "judge_term",
]
