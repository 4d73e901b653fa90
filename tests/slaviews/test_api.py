"""GET/POST /api/v1/sla-views and /api/v1/sla-views/{id}/results."""

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sla.models import PeriodResult, Service, StatusEvent
from slaviews.models import SLAView
from tests.slaviews.scenario import HISTORY_START, NOW, build_view_scenario

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def scenario(tenants):
    return build_view_scenario(tenants.a)


def _create(api, **body):
    body.setdefault("name", "gsb")
    return api.post("/api/v1/sla-views", data=body, format="json")


def _gsb(api, scenario, **body):
    columns = [scenario.gold.pk, scenario.silver.pk, scenario.bronze.pk]
    response = _create(api, columns=columns, last_periods=3, **body)
    assert response.status_code == 201, response.content
    return response.json()


def _results(api, view_id, query=""):
    response = api.get(f"/api/v1/sla-views/{view_id}/results{query}")
    assert response.status_code == 200, response.content
    return response.json()


def _cell_states(row, column):
    cell = next(cell for cell in row["cells"] if cell["column"] == column)
    return [period["state"] for period in cell["periods"]]


def test_gold_silver_bronze_side_by_side(api_a, scenario):
    view = _gsb(api_a, scenario)
    assert view["columns"] == [scenario.gold.pk, scenario.silver.pk, scenario.bronze.pk]
    body = _results(api_a, view["id"])
    assert [column["key"] for column in body["columns"]] == [
        "service",
        f"sla:{scenario.gold.pk}",
        f"sla:{scenario.silver.pk}",
        f"sla:{scenario.bronze.pk}",
    ]
    rows = {row["service"]["path"]: row for row in body["results"]}
    assert body["count"] == 4 and list(rows) == ["pay/api", "pay/worker", "shop/db", "shop/web"]
    gold, silver, bronze = (
        f"sla:{sla.pk}" for sla in (scenario.gold, scenario.silver, scenario.bronze)
    )
    assert _cell_states(rows["shop/db"], gold) == ["BROKEN", "OK", "OK"]
    assert _cell_states(rows["shop/db"], silver) == ["BROKEN", "OK", "OK"]
    assert _cell_states(rows["shop/db"], bronze) == ["OK", "OK", "OK"]
    assert _cell_states(rows["pay/api"], gold) == ["OK", "BROKEN", "OK"]
    assert _cell_states(rows["pay/worker"], gold) == ["NODATA"] * 3
    # the service-specific SLA: silver for pay/* by rule, none for shop/*
    assert rows["pay/api"]["cells"][0]["sla"] == scenario.silver.pk
    assert rows["shop/web"]["cells"][0] == {
        "column": "service",
        "sla": None,
        "periods": [],
        "summary": {"met": 0, "broken": 0, "nodata": 0, "share_met": None},
    }
    # per column and period: worst state and counts over all rows
    gold_column = body["columns"][1]
    first = gold_column["aggregates"][0]
    assert (first["start"], first["end"]) == ("2024-03-08T00:00:00Z", "2024-03-09T00:00:00Z")
    assert first["worst"] == "BROKEN"
    assert first["counts"] == {"OK": 2, "WARN": 0, "CRIT": 0, "BROKEN": 1, "NODATA": 1}
    # summaries: gold met 7 of 9 evaluated periods; shop/db met 9 of 11 cells
    assert gold_column["summary"] == {"met": 7, "broken": 2, "nodata": 3, "share_met": 7 / 9}
    assert rows["shop/db"]["summary"] == {"met": 7, "broken": 2, "nodata": 0, "share_met": 7 / 9}


def test_results_come_from_stored_rows_computed_once(api_a, scenario):
    view = _gsb(api_a, scenario)
    _results(api_a, view["id"])
    stored = PeriodResult.objects.filter(account=scenario.gold.account).count()
    # three columns for 4 services; the service-specific silver of pay/* shares the rows
    assert stored == 4 * 3 * 3
    computed = set(PeriodResult.objects.values_list("pk", "computed_at"))
    _results(api_a, view["id"])
    assert set(PeriodResult.objects.values_list("pk", "computed_at")) == computed


def test_only_outages_filters_and_grouping(api_a, scenario):
    view = _gsb(api_a, scenario, only_outages=True, grouping="path_prefix")
    body = _results(api_a, view["id"])
    assert [(row["group"], row["service"]["path"]) for row in body["results"]] == [
        ("pay", "pay/api"),
        ("shop", "shop/db"),
    ]
    view = _gsb(api_a, scenario, name="by group", grouping="group", group=scenario.group.pk)
    body = _results(api_a, view["id"])
    assert [(row["group"], row["service"]["path"]) for row in body["results"]] == [
        ("shop", "shop/db"),
        ("shop", "shop/web"),
    ]


@pytest.mark.parametrize(
    ("filters", "paths"),
    [
        ({"path_glob": "shop/*"}, ["shop/db", "shop/web"]),
        ({"path_regex": "^pay/(api|x)$"}, ["pay/api"]),
        ({"labels": {"tier": "pay"}}, ["pay/api", "pay/worker"]),
        ({"states": ["NONE"]}, ["pay/api", "pay/worker", "shop/db", "shop/web"]),
    ],
)
def test_filters(api_a, scenario, filters, paths):
    view = _gsb(api_a, scenario, **filters)
    body = _results(api_a, view["id"])
    assert [row["service"]["path"] for row in body["results"]] == paths


def test_current_state_filter(api_a, scenario):
    Service.objects.filter(path="shop/db").update(current_state="CRIT")
    view = _gsb(api_a, scenario, states=["CRIT", "WARN"])
    assert [row["service"]["path"] for row in _results(api_a, view["id"])["results"]] == ["shop/db"]


def test_pagination_keeps_the_aggregates_of_all_rows(api_a, scenario):
    view = _gsb(api_a, scenario)
    body = _results(api_a, view["id"], "?page=2&page_size=3")
    assert (body["count"], body["page"], body["pages"]) == (4, 2, 2)
    assert [row["service"]["path"] for row in body["results"]] == ["shop/web"]
    assert body["columns"][1]["aggregates"][0]["counts"]["BROKEN"] == 1
    response = api_a.get(f"/api/v1/sla-views/{view['id']}/results?page=0")
    assert response.status_code == 400 and "page" in response.json()["fields"]


def test_ranges_select_the_overlapping_periods(api_a, scenario):
    ranges = [
        {"from": "2024-03-08T06:00:00Z", "to": "2024-03-08T07:00:00Z"},
        {"from": "2024-03-09T00:00:00+01:00", "to": "2024-03-09T12:00:00Z"},
    ]
    response = _create(api_a, columns=[scenario.gold.pk], ranges=ranges, service_sla=False)
    assert response.status_code == 201, response.content
    body = _results(api_a, response.json()["id"])
    row = next(row for row in body["results"] if row["service"]["path"] == "pay/api")
    periods = row["cells"][0]["periods"]
    assert [(period["start"], period["state"]) for period in periods] == [
        ("2024-03-08T00:00:00Z", "OK"),
        ("2024-03-09T00:00:00Z", "BROKEN"),
    ]


@pytest.mark.parametrize(
    ("body", "field", "fragment"),
    [
        ({"path_regex": "pay/(api"}, "path_regex", "position 4: missing )"),
        ({"path_regex": "x**"}, "path_regex", "position 2"),
        (
            {"ranges": [{"from": "2024-03-02T00:00:00Z", "to": "2024-03-01T00:00:00Z"}]},
            "ranges",
            "ranges[0].to",
        ),
        (
            {
                "ranges": [
                    {"from": "2024-03-01T00:00:00Z", "to": "2024-03-03T00:00:00Z"},
                    {"from": "2024-03-02T00:00:00Z", "to": "2024-03-04T00:00:00Z"},
                ]
            },
            "ranges",
            "overlaps ranges[0]",
        ),
        (
            {"ranges": [{"from": "2024-03-01T00:00:00", "to": "2024-03-03T00:00:00Z"}]},
            "ranges",
            "ranges[0].from",
        ),
        ({"columns": [999999]}, "columns", "unknown SLA 999999"),
        ({"last_periods": 0}, "last_periods", ""),
        ({"states": ["BROKEN"]}, "states", ""),
        ({"grouping": "host"}, "grouping", ""),
        (
            {
                "last_periods": 3,
                "ranges": [{"from": "2024-03-01T00:00:00Z", "to": "2024-03-03T00:00:00Z"}],
            },
            "ranges",
            "not both",
        ),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_saved(
    api_a, scenario, body, field, fragment
):
    response = _create(api_a, **body)
    assert response.status_code == 400, response.content
    errors = response.json()["fields"]
    named = [key for key in errors if key == field or key.startswith(f"{field}[")]
    assert named and fragment in " ".join(errors[named[0]])
    assert not SLAView.objects.exists()


def test_two_accounts(api_a, api_b, tenants, scenario):
    view = _gsb(api_a, scenario)
    assert api_b.get(f"/api/v1/sla-views/{view['id']}").status_code == 404
    assert api_b.get(f"/api/v1/sla-views/{view['id']}/results").status_code == 404
    assert api_b.get("/api/v1/sla-views").json()["results"] == []
    response = _create(api_b, columns=[scenario.gold.pk])
    assert response.status_code == 400 and "columns" in response.json()["fields"]
    response = _create(api_b, group=scenario.group.pk)
    assert response.status_code == 400 and "group" in response.json()["fields"]
    own = _create(api_b, name="b").json()
    body = _results(api_b, own["id"])
    assert body["count"] == 0 and body["results"] == []


def test_query_count_does_not_grow_with_the_services(api_a, scenario, tenants):
    view = _gsb(api_a, scenario)

    def queries():
        _results(api_a, view["id"])  # fills in what is missing
        with CaptureQueriesContext(connection) as captured:
            _results(api_a, view["id"])
        return len(captured.captured_queries)

    few = queries()
    services = Service.objects.bulk_create(
        Service(account=tenants.a, path=f"bulk/{index:04d}", labels={}) for index in range(1000)
    )
    StatusEvent.objects.bulk_create(
        StatusEvent(
            account=tenants.a,
            service=service,
            at=HISTORY_START,
            state="OK",
            dedup_key=f"b{service.pk}",
        )
        for service in services
    )
    assert queries() == few
    assert PeriodResult.objects.filter(service__path="bulk/0999").count() == 9
