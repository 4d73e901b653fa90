"""Agreements as the engine sees them: guarantee definitions, scope resolution and one
assessment round over the agreement and its guarantees."""

from collections.abc import Mapping
from dataclasses import dataclass

from agreements.engine.assessment import GuaranteeJudgement
from agreements.engine.constraints import (
    Term,
    parse_constraint,
    query_template,
    resolve_labels,
)
from agreements.engine.errors import AgreementError
from agreements.engine.levels import BROKEN, LevelState, Parameters, advance, combine
from agreements.engine.scopes import Scope, parse_scope

PAUSED, STARTED, STOPPED, EXPIRED = "paused", "started", "stopped", "expired"
STATES = (PAUSED, STARTED, STOPPED, EXPIRED)
MAX_NAME_LENGTH = 200


@dataclass(frozen=True)
class GuaranteeDefinition:
    """A guarantee as given: ``given`` (the query as written), ``query`` (its template with
    ``#LABELS#``), ``scope`` (text, maybe empty) and its parsed form."""

    name: str
    given: str
    query: str
    scope: str
    parsed_scope: Scope | None


def guarantee_definition(name, query, scope) -> GuaranteeDefinition:
    """Checks a guarantee: AgreementError naming ``name``, ``query`` or ``scope``."""
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME_LENGTH:
        raise AgreementError("name", f"give a name of 1-{MAX_NAME_LENGTH} characters")
    if not isinstance(query, str):
        raise AgreementError("query", "give a constraint such as [metric] < 100")
    try:
        template = query_template(query)
    except AgreementError as error:
        raise error.within("query") from None
    if scope is not None and not isinstance(scope, str):
        raise AgreementError("scope", "give CONTEXT/KEY=PATTERN or an empty string")
    try:
        parsed = parse_scope(scope or "")
    except AgreementError as error:
        raise error.within("scope") from None
    return GuaranteeDefinition(name.strip(), query.strip(), template, scope or "", parsed)


def resolved_constraint(
    definition: GuaranteeDefinition, contexts: Mapping[str, dict]
) -> str | None:
    """The constraint with the scope's labels in place of ``#LABELS#``; None while the
    scope does not resolve. ``contexts`` maps a context name to its newest value."""
    labels: dict[str, str] = {}
    if definition.parsed_scope is not None:
        scope = definition.parsed_scope
        labels = scope.labels(contexts.get(scope.context))
        if labels is None:
            return None
    return resolve_labels(definition.query, labels)


def constraint_terms(constraint: str) -> list[Term]:
    """The terms of a resolved constraint (as stored on a started guarantee)."""
    return parse_constraint(constraint)


@dataclass(frozen=True)
class GuaranteeRound:
    """A guarantee's part of a round: its judgement and its state after it."""

    name: str
    judgement: GuaranteeJudgement
    state: LevelState


@dataclass(frozen=True)
class Round:
    """One assessment of an agreement: its combined outcome, its state after it, whether
    the level changed, and each guarantee's part."""

    outcome: str
    state: LevelState
    previous_level: str
    guarantees: tuple[GuaranteeRound, ...]

    @property
    def level_changed(self) -> bool:
        return self.state.level != self.previous_level

    @property
    def broken(self) -> bool:
        return self.outcome == BROKEN


def assess_round(
    *,
    parameters: Parameters,
    state: LevelState,
    guarantees: list[tuple[str, LevelState, GuaranteeJudgement]],
) -> Round:
    """Advance every guarantee's machine with its judgement, then the agreement's with the
    combined outcome."""
    parts = tuple(
        GuaranteeRound(name, judgement, advance(previous, judgement.outcome, parameters))
        for name, previous, judgement in guarantees
    )
    outcome = combine(part.judgement.outcome for part in parts)
    return Round(outcome, advance(state, outcome, parameters), state.level, parts)
