"""Case files of ``manage.py evaluate_agreement`` (AGREEMENTS.md section 7).

A case gives an agreement (x, y, z, guarantees), context values, and assessments with the
samples each resolved term's PromQL returned (or ``"error"``). :func:`run_case` prints the
state, the resolved constraints and the levels after each assessment.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from agreements.engine.agreement import (
    PAUSED,
    STARTED,
    assess_round,
    constraint_terms,
    guarantee_definition,
    resolved_constraint,
)
from agreements.engine.assessment import QueryFailure, Sample, judge_guarantee
from agreements.engine.errors import AgreementError
from agreements.engine.levels import (
    DEFAULT_X,
    DEFAULT_Y,
    DEFAULT_Z,
    LevelState,
    check_parameters,
)
from agreements.engine.scopes import validate_context_value

NON_FINITE = {"NaN": Decimal("NaN"), "+Inf": Decimal("Infinity"), "-Inf": Decimal("-Infinity")}


def _object(value, field: str) -> dict:
    if not isinstance(value, dict):
        raise AgreementError(field, "give a JSON object")
    return value


def _list(value, field: str) -> list:
    if not isinstance(value, list):
        raise AgreementError(field, "give a JSON list")
    return value


def _instant(text, field: str) -> dt.datetime:
    if not isinstance(text, str):
        raise AgreementError(field, "give an ISO 8601 instant such as 2025-05-07T10:00:00Z")
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise AgreementError(field, f"{text[:40]!r} is not an ISO 8601 instant") from None
    if value.tzinfo is None:
        raise AgreementError(field, "give the offset (Z or +01:00)")
    return value


def _number(value, field: str) -> Decimal:
    if isinstance(value, bool):
        raise AgreementError(field, "give a number")
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):  # only when the caller parsed JSON without Decimals
        return Decimal(repr(value))
    if isinstance(value, str):
        if value in NON_FINITE:
            return NON_FINITE[value]
        try:
            return Decimal(value)
        except InvalidOperation:
            pass
    raise AgreementError(field, 'give a number (or "NaN", "+Inf", "-Inf")')


def _contexts(document: dict) -> dict[str, dict]:
    """The newest value of each context name (the later entry of the list wins)."""
    newest: dict[str, dict] = {}
    for index, item in enumerate(_list(document.get("contexts", []), "contexts")):
        field = f"contexts[{index}]"
        item = _object(item, field)
        name = item.get("context")
        if not isinstance(name, str) or not name:
            raise AgreementError(f"{field}.context", "give the context name")
        try:
            newest[name] = validate_context_value(item.get("value"))
        except AgreementError as error:
            raise error.within(f"{field}.value") from None
    return newest


def _results(value, field: str) -> dict:
    results = {}
    for query, samples in _object(value, field).items():
        where = f"{field}[{query!r}]"
        if samples == "error":
            results[query] = QueryFailure("error")
            continue
        parsed = []
        for index, sample in enumerate(_list(samples, where)):
            sample = _object(sample, f"{where}[{index}]")
            labels = _object(sample.get("labels", {}), f"{where}[{index}].labels")
            value_number = _number(sample.get("value"), f"{where}[{index}].value")
            parsed.append(Sample({str(k): str(v) for k, v in labels.items()}, value_number))
        results[query] = parsed
    return results


def run_case(document) -> dict:
    """The case's result (section 7's output shape); AgreementError naming the field."""
    document = _object(document, "case")
    agreement = _object(document.get("agreement"), "agreement")
    try:
        parameters = check_parameters(
            agreement.get("x", DEFAULT_X),
            agreement.get("y", DEFAULT_Y),
            agreement.get("z", DEFAULT_Z),
        )
    except AgreementError as error:
        raise error.within("agreement") from None
    definitions = []
    for index, item in enumerate(_list(agreement.get("guarantees"), "agreement.guarantees")):
        field = f"agreement.guarantees[{index}]"
        item = _object(item, field)
        try:
            definitions.append(
                guarantee_definition(item.get("name"), item.get("query"), item.get("scope", ""))
            )
        except AgreementError as error:
            raise error.within(field) from None
    if not definitions:
        raise AgreementError("agreement.guarantees", "give at least one guarantee")
    contexts = _contexts(document)
    constraints = [resolved_constraint(definition, contexts) for definition in definitions]
    started = all(constraint is not None for constraint in constraints)
    guarantees_out = [
        {"name": definition.name, "constraint": constraint or definition.given}
        for definition, constraint in zip(definitions, constraints, strict=True)
    ]
    assessments = _list(document.get("assessments", []), "assessments")
    parsed = []
    for index, item in enumerate(assessments):
        item = _object(item, f"assessments[{index}]")
        at = _instant(item.get("at"), f"assessments[{index}].at")
        parsed.append(
            (item["at"], at, _results(item.get("results", {}), f"assessments[{index}].results"))
        )
    rounds = _run(parameters, definitions, constraints, parsed) if started else []
    return {
        "state": STARTED if started else PAUSED,
        "guarantees": guarantees_out,
        "assessments": rounds,
    }


def _run(parameters, definitions, constraints, assessments) -> list[dict]:
    terms = [constraint_terms(constraint) for constraint in constraints]
    state = LevelState()
    states = {definition.name: LevelState() for definition in definitions}
    printed = []
    for at_text, _at, results in assessments:
        round_ = assess_round(
            parameters=parameters,
            state=state,
            guarantees=[
                (definition.name, states[definition.name], judge_guarantee(term_list, results))
                for definition, term_list in zip(definitions, terms, strict=True)
            ],
        )
        state = round_.state
        for part in round_.guarantees:
            states[part.name] = part.state
        printed.append(_printed(at_text, round_))
    return printed


def _printed(at_text: str, round_) -> dict:
    return {
        "at": at_text,
        "outcome": round_.outcome,
        "level": round_.state.level,
        "total_executions": round_.state.total_executions,
        "total_violations": round_.state.total_violations,
        "x_assessment_broken_count": round_.state.consecutive_broken,
        "y_assessment_met_count": round_.state.consecutive_met,
        "guarantees": {
            part.name: {
                "outcome": part.judgement.outcome,
                "level": part.state.level,
                "violations": [
                    {"key": value.key, "value": float(value.value)}
                    for value in part.judgement.failing
                ],
            }
            for part in round_.guarantees
        },
    }
