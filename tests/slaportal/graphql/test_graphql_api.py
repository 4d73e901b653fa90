"""/graphql: tokens and scopes, the SLA feature gate, two accounts, limits, schema file."""

import pytest
import time_machine
from django.core.management import call_command

from slaportal.graphql.schema import SCHEMA_FILE, schema_text
from tests.conftest import client_for
from tests.factories import (
    ApiTokenFactory,
    DailyReportFactory,
    IncidentFactory,
    ServiceFactory,
    ServiceGroupFactory,
    SLOFactory,
)
from tests.reporting.scenario import NOW, build_scenario
from tests.slaportal.graphql.conftest import error_codes, gql

pytestmark = pytest.mark.django_db

GATED_FIELDS = {
    "slaDashboardStats": "slaDashboardStats { slaEnabled }",
    "slaPeriodResults": "slaPeriodResults { totalCount }",
    "slaTrendData": "slaTrendData { totalGroups }",
    "services": "services { edges { node { id } } }",
    "service": "service(id: 1) { id }",
    "slaGroups": "slaGroups { edges { node { id } } }",
    "slos": "slos { edges { node { id } } }",
    "slo": "slo(id: 1) { id }",
    "dailyReports": "dailyReports { edges { node { id } } }",
}


def test_schema_file_is_the_schema_of_the_code():
    stale = "schema.graphql is stale: run `python manage.py graphql_schema --write`"
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text(), stale


def test_schema_command_prints_the_schema(capsys):
    call_command("graphql_schema")
    assert capsys.readouterr().out == schema_text()


# --------------------------------------------------------------------------- tokens


def test_no_token_is_401_with_a_graphql_error(client):
    response = client.post("/graphql", {"query": "{ incidents { edges { cursor } } }"})
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert error_codes(response.json()) == ["UNAUTHENTICATED"]


def test_bad_token_is_401(client):
    response = client.post(
        "/graphql",
        {"query": "{ __typename }"},
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer nope",
    )
    assert response.status_code == 401 and error_codes(response.json()) == ["UNAUTHENTICATED"]


def test_token_without_read_scope_is_403(tenants):
    ingest_only = ApiTokenFactory(account=tenants.a, scopes=["ingest"])
    body = gql(ingest_only, "{ __typename }", status=403)
    assert error_codes(body) == ["FORBIDDEN"] and "read" in body["errors"][0]["message"]


def test_get_queries_work_with_a_token(tenants):
    ServiceFactory(account=tenants.a, path="web/api")
    response = client_for(tenants.token_a).get(
        "/graphql", {"query": "{ services { edges { node { path } } } }"}
    )
    assert response.status_code == 200
    assert response.json()["data"]["services"]["edges"] == [{"node": {"path": "web/api"}}]


def test_mutations_do_not_exist(tenants):
    body = gql(tenants.token_a, "mutation { x }", status=200)
    assert body["errors"]


def test_graphiql_is_not_served_unless_allowed(client, settings):
    settings.DEBUG, settings.GRAPHQL_GRAPHIQL = False, False
    response = client.get("/graphql", HTTP_ACCEPT="text/html")
    assert response.status_code == 404


# --------------------------------------------------------------------------- feature gate


@pytest.mark.parametrize("switch", ["account flag", "SLA_ENABLED"])
@pytest.mark.parametrize("field", sorted(GATED_FIELDS))
def test_gated_fields_answer_plugin_disabled(field, switch, tenants, settings):
    if switch == "SLA_ENABLED":
        settings.SLA_ENABLED = False
    else:
        tenants.a.feature_sla = False
        tenants.a.save()
    query = "{ " + GATED_FIELDS[field] + " incidents { edges { cursor } } }"
    body = gql(tenants.token_a, query)
    [error] = body["errors"]
    assert error["message"] == "plugin_disabled"
    assert error["extensions"]["code"] == "PLUGIN_DISABLED" and error["path"] == [field]
    assert body["data"][field] is None
    assert body["data"]["incidents"] == {"edges": []}  # ungated fields still answer


def test_gated_fields_answer_with_the_feature_on(tenants):
    lists = [text for text in GATED_FIELDS.values() if "(id" not in text]
    body = gql(tenants.token_a, "{ " + " ".join(lists) + " }")
    assert "errors" not in body, body


# --------------------------------------------------------------------------- two accounts


@pytest.fixture
def both(tenants):
    """A row of each kind in account B; A asks for them."""
    group = ServiceGroupFactory(account=tenants.b, name="b-group")
    service = ServiceFactory(account=tenants.b, path="b/api", group=group)
    return {
        "group": group,
        "service": service,
        "incident": IncidentFactory(account=tenants.b, service=service),
        "slo": SLOFactory(account=tenants.b, service=service),
        "report": DailyReportFactory(account=tenants.b),
    }


@pytest.mark.parametrize("field", ["service", "incident", "slo"])
def test_another_accounts_id_is_not_found(field, tenants, both):
    body = gql(tenants.token_a, f"{{ {field}(id: {both[field].pk}) {{ id }} }}")
    assert body["data"][field] is None
    assert error_codes(body) == ["NOT_FOUND"] and body["errors"][0]["message"] == "not_found"


def test_another_accounts_group_in_trend_is_not_found(tenants, both):
    body = gql(tenants.token_a, f"{{ slaTrendData(group: {both['group'].pk}) {{ totalGroups }} }}")
    assert error_codes(body) == ["NOT_FOUND"]


def test_lists_hold_only_the_tokens_account(tenants, both):
    ServiceFactory(account=tenants.a, path="a/api")
    query = """{
      services { edges { node { path group { name } } } }
      slaGroups { edges { node { name } } }
      incidents { edges { node { id } } }
      slos { edges { node { id } } }
      dailyReports { edges { node { id } } }
      slaPeriodResults { totalCount }
    }"""
    data = gql(tenants.token_a, query)["data"]
    assert data["services"]["edges"] == [{"node": {"path": "a/api", "group": None}}]
    for name in ("slaGroups", "incidents", "slos", "dailyReports"):
        assert data[name]["edges"] == [], name
    assert data["slaPeriodResults"]["totalCount"] == 0
    data_b = gql(tenants.token_b, query)["data"]
    assert data_b["services"]["edges"] == [
        {"node": {"path": "b/api", "group": {"name": "b-group"}}}
    ]


def test_filter_on_another_accounts_group_is_bad_input(tenants, both):
    body = gql(
        tenants.token_a, f"{{ services(group: {both['group'].pk}) {{ edges {{ cursor }} }} }}"
    )
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["argument"] == "group"


def test_incident_filter_on_another_accounts_service_finds_nothing(tenants, both):
    query = f"{{ incidents(service: {both['service'].pk}) {{ edges {{ cursor }} }} }}"
    assert gql(tenants.token_a, query)["data"]["incidents"]["edges"] == []


# --------------------------------------------------------------------------- pagination


def test_cursor_pagination_walks_every_row_once(tenants):
    for index in range(5):
        ServiceFactory(account=tenants.a, path=f"svc/{index}")
    query = """query($after: String) { services(first: 2, after: $after) {
        edges { node { path } } pageInfo { hasNextPage endCursor } } }"""
    paths, after = [], None
    for _ in range(5):
        page = gql(tenants.token_a, query, {"after": after})["data"]["services"]
        paths += [edge["node"]["path"] for edge in page["edges"]]
        after = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
    assert paths == [f"svc/{index}" for index in range(5)]


@pytest.mark.parametrize(
    ("arguments", "argument"),
    [
        ('after: "bm9wZQ=="', "after"),
        ('after: "!!"', "after"),
        ("first: 0", "first"),
        ("first: 1001", "first"),
    ],
)
def test_bad_page_arguments_name_the_argument(arguments, argument, tenants):
    body = gql(tenants.token_a, "{ services(" + arguments + ") { edges { cursor } } }")
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["argument"] == argument


@pytest.mark.parametrize(
    ("query", "argument"),
    [
        ("{ slaPeriodResults(last: 25) { last } }", "last"),
        ("{ slaPeriodResults(sla: 0) { last } }", "sla"),
        ("{ slaTrendData(days: 401) { totalGroups } }", "days"),
        ('{ incidents(state: "purple") { edges { cursor } } }', "state"),
        (
            '{ incidents(from: "2026-01-02T00:00:00Z", to: "2026-01-01T00:00:00Z") '
            "{ edges { cursor } } }",
            "to",
        ),
        ("{ service(id: -4) { id } }", "id"),
    ],
)
def test_bad_arguments_name_the_argument(query, argument, tenants):
    body = gql(tenants.token_a, query)
    assert error_codes(body) == ["BAD_USER_INPUT"], body
    assert body["errors"][0]["extensions"]["argument"] == argument


def test_naive_datetime_argument_is_refused(tenants):
    body = gql(tenants.token_a, '{ incidents(from: "2026-01-01T00:00:00") { edges { cursor } } }')
    assert error_codes(body) == ["BAD_USER_INPUT"]


# --------------------------------------------------------------------------- limits


def test_query_too_deep_is_refused_before_running(tenants, settings, django_assert_max_num_queries):
    settings.GRAPHQL_MAX_DEPTH = 4
    query = "{ services { edges { node { group { name } } } } }"
    with django_assert_max_num_queries(2):  # the token lookup and its last-used stamp only
        body = gql(tenants.token_a, query)
    assert error_codes(body) == ["QUERY_TOO_DEEP"] and body["data"] is None
    assert "over the limit of 4" in body["errors"][0]["message"]


def test_query_too_costly_is_refused(tenants, settings):
    settings.GRAPHQL_MAX_NODES = 500
    query = "{ slaPeriodResults(first: 100, last: 6) { edges { node { periods { state } } } } }"
    body = gql(tenants.token_a, query)
    assert error_codes(body) == ["QUERY_TOO_COSTLY"]
    assert "up to 1801 objects" in body["errors"][0]["message"]


def test_cost_reads_page_sizes_from_variables(tenants, settings):
    settings.GRAPHQL_MAX_NODES = 400  # 1 + 3 x first
    query = "query($n: Int) { services(first: $n) { edges { node { group { id } } } } }"
    assert error_codes(gql(tenants.token_a, query, {"n": 200})) == ["QUERY_TOO_COSTLY"]
    assert "errors" not in gql(tenants.token_a, query, {"n": 100})


def test_fragments_count_towards_the_limits(tenants, settings):
    settings.GRAPHQL_MAX_DEPTH = 4
    query = """{ services { ...page } }
      fragment page on ServiceConnection { edges { node { group { name } } } }"""
    assert error_codes(gql(tenants.token_a, query)) == ["QUERY_TOO_DEEP"]


def test_introspection_is_within_limits(tenants):
    from graphql import get_introspection_query

    body = gql(tenants.token_a, get_introspection_query())
    assert "errors" not in body and body["data"]["__schema"]["queryType"]["name"] == "Query"


def test_a_resolver_crash_is_masked(tenants, monkeypatch):
    from slaportal.graphql import resolvers

    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(resolvers, "sla_groups", explode)
    body = gql(tenants.token_a, "{ slaGroups { edges { cursor } } }")
    assert body["errors"][0]["message"] == "internal_error"


def test_scenario_reads_are_consistent(tenants, graphql_reports):
    build_scenario(tenants.a)
    with time_machine.travel(NOW, tick=False):
        body = gql(
            tenants.token_a,
            """{ slos { edges { node { name status { budget { unit consumedFraction }
                 burnRates { lookbackSeconds burnRate } } } } }
                 incidents(open: true) { edges { node { service { path group { name } } } } } }""",
        )
    assert "errors" not in body, body
    [slo] = body["data"]["slos"]["edges"]
    assert slo["node"]["status"]["budget"]["consumedFraction"] > 1
    assert {rate["lookbackSeconds"] for rate in slo["node"]["status"]["burnRates"]} >= {3600}
    [incident] = body["data"]["incidents"]["edges"]
    assert incident["node"]["service"]["path"] == "shop/search"
