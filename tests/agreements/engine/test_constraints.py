"""Constraints (section 1), templates and #LABELS# resolution (section 2), scopes, one
assessment's judgement (section 3)."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agreements.engine import (
    BROKEN,
    MET,
    UNKNOWN,
    AgreementError,
    QueryFailure,
    Sample,
    guarantee_definition,
    judge_guarantee,
    parse_constraint,
    parse_scope,
    query_template,
    resolve_labels,
    resolved_constraint,
    validate_context_value,
)

RED = {"company_premises_building": "Red"}


@pytest.mark.parametrize(
    ("given_text", "template"),
    [
        ("[go_memstats_frees_total] < 50000", "[go_memstats_frees_total#LABELS#] < 50000"),
        (
            "avg_over_time(App01_processing_time[5m]) < 150",
            "[avg_over_time(App01_processing_time#LABELS#[5m])] < 150",
        ),
        ('[m{job="a"}] > 1', '[m#LABELS#{job="a"}] > 1'),
        (
            '[avg_over_time(t{a="b"}[5m])] >= 0.5 && [up] == 1',
            '[avg_over_time(t#LABELS#{a="b"}[5m])] >= 0.5 && [up#LABELS#] == 1',
        ),
        ("sum by (job) (rate(x_total[5m])) > 3", "[sum by (job) (rate(x_total#LABELS#[5m]))] > 3"),
        ("[sum(rate(x[1m])) without (pod)] != 0", "[sum(rate(x#LABELS#[1m])) without (pod)] != 0"),
        ("[m#LABELS#] < 100", "[m#LABELS#] < 100"),
        ("[vector(1)] == 1", "[vector(1)] == 1"),
        ('[{__name__="m"}] <= -1.5e3', '[#LABELS#{__name__="m"}] <= -1.5e3'),
        ("[job:rate5m] >= Inf", "[job:rate5m#LABELS#] >= Inf"),
        ('[m{path="a]b"}] < 1', '[m#LABELS#{path="a]b"}] < 1'),
    ],
)
def test_templates(given_text, template):
    assert query_template(given_text) == template


def test_the_spec_scope_example_resolves_to_the_spec_constraint():
    definition = guarantee_definition(
        "Getter", "avg_over_time(App01_processing_time[5m]) < 150", "company_premises/building=."
    )
    assert definition.query == "[avg_over_time(App01_processing_time#LABELS#[5m])] < 150"
    assert resolved_constraint(definition, {}) is None
    assert resolved_constraint(definition, {"company_premises": {"room": "1"}}) is None
    context = {"company_premises": {"building": "Red", "floor": "22", "room": "001"}}
    assert resolved_constraint(definition, context) == (
        '[avg_over_time(App01_processing_time{company_premises_building="Red"}[5m])] < 150'
    )


@pytest.mark.parametrize(
    ("template", "labels", "resolved"),
    [
        ("[m#LABELS#] < 1", {}, "[m] < 1"),
        ("[m#LABELS#] < 1", RED, '[m{company_premises_building="Red"}] < 1'),
        ('[m#LABELS#{job="a"}] < 1', RED, '[m{job="a",company_premises_building="Red"}] < 1'),
        ("[m#LABELS#{}] < 1", RED, '[m{company_premises_building="Red"}] < 1'),
        ("[m#LABELS#] < 1", {"c_b": "x", "c_a": 'q"\\'}, '[m{c_a="q\\"\\\\",c_b="x"}] < 1'),
    ],
)
def test_resolution(template, labels, resolved):
    assert resolve_labels(template, labels) == resolved


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[x] => 5", "unknown operator '=>' at position 5"),
        ("[x] = 5", "unknown operator '='"),
        ("[x] <> 5", "unknown operator '<>'"),
        ("[x < 5", "'[' at position 1 is never closed"),
        ("x 5", "no comparison operator"),
        ("[x] < abc", "expected a number at position 7"),
        ("[x] <", "expected a number"),
        ("[] < 3", "empty PromQL"),
        ("[x] < 5 && ", "empty term"),
        ("[x] 5", "expected an operator"),
        ("", "give a constraint"),
        ('[m{a="b}] < 1', "unterminated string"),
    ],
)
def test_parse_errors_show_the_position(text, words):
    with pytest.raises(AgreementError) as caught:
        parse_constraint(text)
    assert words in str(caught.value)


def test_terms_keep_exact_thresholds():
    terms = parse_constraint("[a] < 0.1 && [b] >= -2E3")
    assert [(t.promql, t.operator, t.threshold) for t in terms] == [
        ("a", "<", Decimal("0.1")),
        ("b", ">=", Decimal("-2E3")),
    ]


@settings(max_examples=200, deadline=None)
@given(
    metric=st.from_regex(r"[a-z_][a-z0-9_:]{0,12}", fullmatch=True).filter(
        lambda word: word not in {"and", "or", "unless", "bool", "offset", "by", "on", "inf", "nan"}
    ),
    operator=st.sampled_from(["<", "<=", ">", ">=", "==", "!="]),
    threshold=st.decimals(allow_nan=False, allow_infinity=False, places=3),
    wrapped=st.booleans(),
    building=st.text(
        st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=10
    ),
)
def test_template_round_trip(metric, operator, threshold, wrapped, building):
    promql = f"avg_over_time({metric}[5m])" if wrapped else metric
    template = query_template(f"[{promql}] {operator} {threshold}")
    assert template.count("#LABELS#") == 1
    assert resolve_labels(template, {}) == f"[{promql}] {operator} {threshold}"
    resolved = resolve_labels(template, {"c_k": building})
    (term,) = parse_constraint(resolved)
    assert (term.operator, term.threshold) == (operator, threshold)
    assert term.promql.startswith(("avg_over_time(" if wrapped else "") + metric + '{c_k="')


def test_scopes():
    scope = parse_scope("company_premises/building=^R,floor=2")
    assert scope.context == "company_premises"
    assert scope.labels({"building": "Red", "floor": "22"}) == {
        "company_premises_building": "Red",
        "company_premises_floor": "22",
    }
    assert scope.labels({"building": "Blue", "floor": "22"}) is None
    assert scope.labels({"building": "Red"}) is None
    assert scope.labels({"building": "", "floor": "2"}) is None
    assert parse_scope("") is None
    assert parse_scope("c/k=a,b").patterns[0][1].pattern == "a,b"


@pytest.mark.parametrize("text", ["building=.", "a/", "a/b", "a/b=(", "1a/b=c", "a/b=.,b=x"])
def test_bad_scopes(text):
    with pytest.raises(AgreementError):
        parse_scope(text)


@pytest.mark.parametrize("value", [[], "x", {"a": 1}, {"a": None}, {"": "x"}, {"a": {"b": "c"}}])
def test_context_values_are_objects_of_strings(value):
    with pytest.raises(AgreementError):
        validate_context_value(value)


def test_guarantee_definition_names_the_field():
    with pytest.raises(AgreementError) as caught:
        guarantee_definition("g", "[x] =< 3", "")
    assert caught.value.field == "query"
    with pytest.raises(AgreementError) as caught:
        guarantee_definition("g", "[x] < 3", "nope")
    assert caught.value.field == "scope"
    with pytest.raises(AgreementError) as caught:
        guarantee_definition("", "[x] < 3", "")
    assert caught.value.field == "name"


def sample(value, name="m", **labels):
    return Sample({"__name__": name, **labels} if name else labels, Decimal(value))


def test_judgement():
    terms = parse_constraint("[m] < 100 && [avg_over_time(n[5m])] >= 1")
    met = judge_guarantee(terms, {"m": [sample(5)], "avg_over_time(n[5m])": [sample(1, None)]})
    assert met.outcome == MET
    assert [(v.key, v.value) for v in met.values] == [
        ("m", 5),
        ("avg_over_time(n[5m])", 1),
    ]
    broken = judge_guarantee(
        terms,
        {"m": [sample(5, a="1"), sample(150, a="2")], "avg_over_time(n[5m])": QueryFailure("x")},
    )
    assert broken.outcome == BROKEN  # broken wins over an unknown term
    assert [(v.key, v.value) for v in broken.failing] == [("m", 150)]
    assert judge_guarantee(terms, {"m": [sample(5)]}).outcome == UNKNOWN  # no sample
    failed = judge_guarantee(terms, {"m": QueryFailure("down"), "avg_over_time(n[5m])": []})
    assert failed.outcome == UNKNOWN and "down" in failed.reason
    nan = judge_guarantee(terms[:1], {"m": [sample(5), sample("NaN")]})
    assert nan.outcome == UNKNOWN
    infinite = judge_guarantee(terms[:1], {"m": [sample("Infinity")]})
    assert infinite.outcome == BROKEN
