"""The agreement engine (AGREEMENTS.md): constraint parsing, scope resolution, judging an
assessment and the x/y/z level machine. Pure Python: no Django import anywhere under it."""

from agreements.engine.agreement import (
    EXPIRED,
    PAUSED,
    STARTED,
    STATES,
    STOPPED,
    GuaranteeDefinition,
    Round,
    assess_round,
    constraint_terms,
    guarantee_definition,
    resolved_constraint,
)
from agreements.engine.assessment import (
    GuaranteeJudgement,
    QueryFailure,
    Sample,
    ValueSeen,
    judge_guarantee,
    judge_term,
)
from agreements.engine.constraints import (
    LABELS_PLACEHOLDER,
    Term,
    constraint_text,
    parse_constraint,
    query_template,
    resolve_labels,
)
from agreements.engine.errors import AgreementError
from agreements.engine.levels import (
    BROKEN,
    LEVELS,
    MET,
    UNKNOWN,
    LevelState,
    Parameters,
    advance,
    check_parameters,
    combine,
)
from agreements.engine.scopes import Scope, parse_scope, validate_context_value

__all__ = [
    "BROKEN",
    "EXPIRED",
    "LABELS_PLACEHOLDER",
    "LEVELS",
    "MET",
    "PAUSED",
    "STARTED",
    "STATES",
    "STOPPED",
    "UNKNOWN",
    "AgreementError",
    "GuaranteeDefinition",
    "GuaranteeJudgement",
    "LevelState",
    "Parameters",
    "QueryFailure",
    "Round",
    "Sample",
    "Scope",
    "Term",
    "ValueSeen",
    "advance",
    "assess_round",
    "check_parameters",
    "combine",
    "constraint_terms",
    "constraint_text",
    "guarantee_definition",
    "judge_guarantee",
    "judge_term",
    "parse_constraint",
    "parse_scope",
    "query_template",
    "resolve_labels",
    "resolved_constraint",
    "validate_context_value",
]
