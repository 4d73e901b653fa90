"""`python manage.py evaluate_sla` on every shared acceptance case, run as a real process."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CASES = sorted((ROOT / "tests" / "data" / "engine").glob("*.json"))


def _run(*args, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "evaluate_sla", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )


def test_there_are_acceptance_cases():
    assert len(CASES) >= 6


@pytest.mark.parametrize("case", CASES, ids=lambda path: path.stem)
def test_acceptance_case_gives_expected_output(case):
    result = _run(str(case))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == json.loads(case.read_text())["expected"]


def test_reads_standard_input():
    case = CASES[0]
    result = _run("-", stdin=case.read_text())
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == json.loads(case.read_text())["expected"]


def _case(**changes) -> str:
    document = json.loads(CASES[0].read_text())
    for dotted, value in changes.items():
        target = document
        *parents, last = dotted.split("__")
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        target[last] = value
    return json.dumps(document)


@pytest.mark.parametrize(
    ("stdin", "field"),
    [
        ("{not json", "case"),
        (_case(sla__period="hourly"), "sla.period"),
        (_case(sla__requirements=[]), "sla.requirements"),
        (_case(sla__requirements__0__target=101), "sla.requirements[0].target"),
        (_case(sla__timezone="Mars/Olympus"), "sla.timezone"),
        (_case(events__1__at="2024-03-04T10:00:00"), "events[1].at"),
        (_case(events__1__state="PURPLE"), "events[1].state"),
        (_case(range={"from": "2024-03-05T00:00:00Z", "to": "2024-03-04T00:00:00Z"}), "range"),
    ],
)
def test_bad_input_exits_non_zero_with_one_line_naming_the_field(stdin, field):
    result = _run("-", stdin=stdin)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert field in lines[0]
    assert result.stdout == ""


def test_missing_file_is_a_clear_error():
    result = _run("/nonexistent/case.json")
    assert result.returncode != 0 and "case:" in result.stderr
