"""The spec's cases through `manage.py evaluate_agreement` (tests/data/agreements, copied
from the acceptance cases), and bad case files exiting non-zero naming the field."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from agreements.engine import AgreementError
from agreements.engine.cases import run_case

CASES = sorted((Path(__file__).resolve().parents[2] / "data" / "agreements").glob("*.json"))
ROOT = Path(__file__).resolve().parents[3]


def load(path: Path) -> dict:
    from decimal import Decimal

    return json.loads(path.read_text(), parse_float=Decimal)


@pytest.mark.parametrize("path", CASES, ids=[path.stem for path in CASES])
def test_case_files(path):
    document = load(path)
    result = json.loads(json.dumps(run_case(document)))
    assert result == json.loads(path.read_text())["expected"]


def test_the_command_prints_the_case(tmp_path):
    completed = subprocess.run(
        [sys.executable, "manage.py", "evaluate_agreement", str(CASES[0])],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(completed.stdout) == json.loads(CASES[0].read_text())["expected"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda case: case["agreement"].update(x=0), "agreement.x"),
        (lambda case: case["agreement"].update(z=1), "agreement.z"),
        (lambda case: case["agreement"]["guarantees"][0].update(query="[m] =< 1"),
         "agreement.guarantees[0].query"),
        (lambda case: case["agreement"]["guarantees"][0].update(scope="oops"),
         "agreement.guarantees[0].scope"),
        (lambda case: case.update(contexts=[{"agent": "a", "context": "c", "value": {"k": 1}}]),
         "contexts[0].value.k"),
        (lambda case: case["assessments"][0].update(at="yesterday"), "assessments[0].at"),
        (lambda case: case["assessments"][0]["results"]["m"][0].update(value="high"),
         "assessments[0].results['m'][0].value"),
    ],
)  # fmt: skip
def test_bad_cases_name_the_field(change, field):
    document = load(CASES[0])
    change(document)
    with pytest.raises(AgreementError) as caught:
        run_case(document)
    assert str(caught.value).startswith(field + ":")


def test_the_command_exits_non_zero_naming_the_field(tmp_path):
    document = json.loads(CASES[0].read_text())
    document["agreement"]["y"] = -1
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    completed = subprocess.run(
        [sys.executable, "manage.py", "evaluate_agreement", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert completed.returncode != 0
    assert "agreement.y: give a positive integer" in completed.stderr


def test_a_scoped_case_waits_for_its_context_then_starts():
    document = {
        "agreement": {
            "guarantees": [
                {"name": "g", "query": "m < 5", "scope": "company_premises/building=."}
            ]
        },
        "assessments": [
            {"at": "2025-05-07T10:00:00Z",
             "results": {'m{company_premises_building="Red"}': [{"value": 7}]}}
        ],
    }  # fmt: skip
    paused = run_case(document)
    assert paused["state"] == "paused" and paused["assessments"] == []
    assert paused["guarantees"] == [{"name": "g", "constraint": "m < 5"}]
    document["contexts"] = [
        {"agent": "a1", "context": "company_premises", "value": {"building": "Blue"}},
        {"agent": "a2", "context": "company_premises", "value": {"building": "Red"}},
    ]
    started = run_case(document)
    assert started["state"] == "started"
    assert started["guarantees"][0]["constraint"] == '[m{company_premises_building="Red"}] < 5'
    (assessment,) = started["assessments"]
    assert (assessment["outcome"], assessment["level"]) == ("broken", "Broken")
    assert assessment["guarantees"]["g"]["violations"] == [
        {"key": 'm{company_premises_building="Red"}', "value": 7.0}
    ]
