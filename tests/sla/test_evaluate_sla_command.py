"""`python manage.py evaluate_sla` on every shared acceptance case.

The command line is run exactly as a user runs it (`manage.py`'s own entry point, arguments,
standard input, exit code, stdout and stderr); most cases in this process, since an
interpreter per case costs seconds of Django start-up, and one case of each kind as a real
process."""

import io
import json
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import ManagementUtility

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
CASES = sorted((ROOT / "tests" / "data" / "engine").glob("*.json"))


def _run_process(*args, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "evaluate_sla", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )


def _run(*args, stdin: str | None = None) -> subprocess.CompletedProcess:
    """What `python manage.py evaluate_sla ARGS` gives, run through manage.py's own entry
    point in this process."""
    argv = ["manage.py", "evaluate_sla", *args]
    stdout, stderr, code = io.StringIO(), io.StringIO(), 0
    with (
        redirect_stdout(stdout),
        redirect_stderr(stderr),
        mock.patch.object(sys, "stdin", io.StringIO(stdin or "")),
    ):
        try:
            ManagementUtility(argv).execute()
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
    return subprocess.CompletedProcess(argv, code, stdout.getvalue(), stderr.getvalue())


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


def test_as_a_real_process_a_case_prints_its_results_and_bad_input_exits_non_zero():
    case = CASES[0]
    result = _run_process(str(case))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == json.loads(case.read_text())["expected"]

    bad = _run_process("-", stdin=_case(events__1__state="PURPLE"))
    assert bad.returncode != 0 and bad.stdout == ""
    lines = bad.stderr.strip().splitlines()
    assert len(lines) == 1 and "events[1].state" in lines[0], bad.stderr
