"""The level machine (AGREEMENTS.md section 4), the same for a guarantee and an agreement.

Outcomes are ``met``, ``broken`` and ``unknown``; levels ``Unknown``, ``Met``, ``Broken``,
``Critical``. The state keeps the met/broken outcomes of the last ``z`` assessments that
were not unknown as a string of ``M`` and ``B`` (oldest first).
"""

from dataclasses import dataclass, replace

from agreements.engine.errors import AgreementError

MET, BROKEN, UNKNOWN = "met", "broken", "unknown"
OUTCOMES = (MET, BROKEN, UNKNOWN)
LEVEL_UNKNOWN, LEVEL_MET, LEVEL_BROKEN, LEVEL_CRITICAL = "Unknown", "Met", "Broken", "Critical"
LEVELS = (LEVEL_UNKNOWN, LEVEL_MET, LEVEL_BROKEN, LEVEL_CRITICAL)
VIOLATED_LEVELS = frozenset({LEVEL_BROKEN, LEVEL_CRITICAL})
DEFAULT_X, DEFAULT_Y, DEFAULT_Z = 2, 2, 5
MAX_Z = 1000


@dataclass(frozen=True)
class Parameters:
    """x: broken outcomes within the last z that make Critical; y: consecutive met
    outcomes that bring a Broken or Critical level back to Met; z: the window."""

    x: int = DEFAULT_X
    y: int = DEFAULT_Y
    z: int = DEFAULT_Z


def check_parameters(x, y, z) -> Parameters:
    """Integers x >= 1, y >= 1, x <= z <= MAX_Z; AgreementError naming the parameter."""
    for name, value in (("x", x), ("y", y), ("z", z)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise AgreementError(name, "give a positive integer")
    if z < x:
        raise AgreementError("z", f"must be at least x ({x})")
    if z > MAX_Z:
        raise AgreementError("z", f"at most {MAX_Z}")
    return Parameters(x, y, z)


@dataclass(frozen=True)
class LevelState:
    """What the machine keeps between assessments."""

    level: str = LEVEL_UNKNOWN
    consecutive_met: int = 0
    consecutive_broken: int = 0
    recent: str = ""
    total_executions: int = 0
    total_violations: int = 0

    @property
    def violated(self) -> bool:
        return self.level in VIOLATED_LEVELS


def advance(state: LevelState, outcome: str, parameters: Parameters) -> LevelState:
    """The state after one assessment with ``outcome`` (the table of section 4)."""
    executed = replace(state, total_executions=state.total_executions + 1)
    if outcome == UNKNOWN:
        return executed
    if outcome == MET:
        met = state.consecutive_met + 1
        back_to_met = state.level in (LEVEL_UNKNOWN, LEVEL_MET) or met >= parameters.y
        return replace(
            executed,
            consecutive_met=met,
            consecutive_broken=0,
            recent=(state.recent + "M")[-parameters.z :],
            level=LEVEL_MET if back_to_met else state.level,
        )
    if outcome != BROKEN:
        raise ValueError(f"unknown outcome {outcome!r}")
    recent = (state.recent + "B")[-parameters.z :]
    critical = recent.count("B") >= parameters.x
    return replace(
        executed,
        consecutive_met=0,
        consecutive_broken=state.consecutive_broken + 1,
        recent=recent,
        total_violations=state.total_violations + 1,
        level=LEVEL_CRITICAL if critical else LEVEL_BROKEN,
    )


def combine(outcomes) -> str:
    """Broken if any is broken, else unknown if any is unknown (or there is none), else met."""
    outcomes = list(outcomes)
    if BROKEN in outcomes:
        return BROKEN
    if UNKNOWN in outcomes or not outcomes:
        return UNKNOWN
    return MET
