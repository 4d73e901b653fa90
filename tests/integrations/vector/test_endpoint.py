"""The Vector endpoint end to end: what the README's vector.toml sink sends, counted once,
the same as import_nginx_log; bad records, sizes, encodings, tokens and accounts."""

import datetime as dt
import gzip
import io
import json
import zlib

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from integrations.vector.models import VectorBatch, VectorRule, VectorSource
from sla.models import RequestCount, Service
from tests.factories import ApiTokenFactory, ServiceFactory, VectorSourceFactory
from tests.integrations.vector.sink import (
    batches,
    raw_record,
    readme_vector_toml,
    remap,
    sink_request,
)
from tests.sla.apm_log import Request, requests_of_a_morning, write_log

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 11, 21, 8, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)
CONFIG = readme_vector_toml()


def _url(source) -> str:
    return f"/api/v1/vector-sources/{source.pk}/records"


def _post(source, request, client=None):
    return (client or Client()).post(
        _url(source), data=request.body, content_type=request.content_type, **request.headers
    )


def _rows(service) -> dict:
    return {
        row.start: (row.good, row.total, row.latency)
        for row in RequestCount.objects.filter(service=service).order_by("start")
    }


def _source(tenants, path) -> VectorSource:
    service = ServiceFactory(account=tenants.a, path=path)
    return VectorSourceFactory(account=tenants.a, default_service=service, name=path)


def test_the_readme_config_is_a_bearer_gzip_json_http_sink():
    sink = CONFIG["sinks"]["sla_portal"]
    assert sink["type"] == "http" and sink["inputs"] == ["nginx_parsed"]
    assert sink["encoding"]["codec"] == "json" and sink["compression"] == "gzip"
    assert sink["auth"]["strategy"] == "bearer" and sink["method"] == "post"
    assert sink["uri"].endswith("/api/v1/vector-sources/1/records")
    assert CONFIG["sources"]["nginx_access"]["type"] == "file"
    assert CONFIG["transforms"]["nginx_parsed"]["inputs"] == ["nginx_access"]


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    "framing", ["json", "newline_delimited", "raw json", "raw newline_delimited", "text"]
)
def test_imported_and_posted_through_vector_give_the_same_counts(framing, tmp_path, tenants):
    requests = requests_of_a_morning(START, minutes=10)
    path = write_log(tmp_path / "access.log", requests)
    call_command(
        "import_nginx_log",
        path,
        account="alpha",
        service="shop/web",
        log_format="apm",
        stdout=io.StringIO(),
    )
    source = _source(tenants, "shop/vector")
    lines = [request.line(index) for index, request in enumerate(requests)]
    if framing.startswith("raw") or framing == "text":
        records = [raw_record(line, "web1", path, NOW) for line in lines]
    else:
        records = [remap(line, CONFIG, "web1") for line in lines]
    assert all(records)
    framing = framing.removeprefix("raw ")
    for batch in batches(records, 37):  # batches cut minutes in parts: they must add up
        response = _post(source, sink_request(batch, tenants.token_a.secret, framing=framing))
        assert response.status_code == 200, response.content
        assert response.json()["counted"] == len(batch) and response.json()["errors"] == []
    imported = _rows(Service.objects.get(account=tenants.a, path="shop/web"))
    posted = _rows(source.default_service)
    assert posted == imported and len(posted) == 10
    assert all(
        latency and sum(latency["histogram"]) == good for good, _, latency in posted.values()
    )


@time_machine.travel(NOW, tick=False)
def test_a_retried_batch_counts_once(tenants):
    source = _source(tenants, "shop/web")
    lines = [request.line(index) for index, request in enumerate(requests_of_a_morning(START, 2))]
    request = sink_request([remap(line, CONFIG, "web1") for line in lines], tenants.token_a.secret)
    first = _post(source, request)
    again = _post(source, request)
    assert first.status_code == again.status_code == 200
    assert first.json()["duplicate"] is False and again.json()["duplicate"] is True
    assert again.json()["counted"] == first.json()["counted"] == 40
    assert sum(total for _, total, _ in _rows(source.default_service).values()) == 40
    assert VectorBatch.objects.filter(source=source).count() == 1


@time_machine.travel(NOW, tick=False)
def test_malformed_records_in_the_middle_are_listed_and_the_rest_counts(tenants):
    source = _source(tenants, "shop/web")
    good = remap(Request(START, 200, "0.100").line(), CONFIG, "web1")
    body = b"\n".join(
        [
            json.dumps(good).encode(),
            b'{"status": 200, "timestamp": "2026-11-21T08:00:01Z", "request_time": 0.1',
            json.dumps({**good, "status": 999}).encode(),
            json.dumps({**good, "status": "abc"}).encode(),
            json.dumps({**good, "request_time": -0.5}).encode(),
            json.dumps({**good, "request_time": 172800.0}).encode(),
            json.dumps({**good, "timestamp": "2026-11-21T13:00:00Z"}).encode(),
            json.dumps({**good, "timestamp": "2024-01-01T00:00:00Z"}).encode(),
            json.dumps({**good, "timestamp": "yesterday"}).encode(),
            json.dumps({"message": "garbage"}).encode(),
            json.dumps({"hello": "world"}).encode(),
            b"[1, 2]",
            b"",
            json.dumps(good).encode(),
        ]
    )
    response = Client().post(
        _url(source),
        data=body,
        content_type="application/x-ndjson",
        HTTP_AUTHORIZATION=f"Bearer {tenants.token_a.secret}",
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["received"], data["counted"], data["rejected"]) == (13, 2, 11)
    errors = {error["line"]: (error["field"], error["error"]) for error in data["errors"]}
    assert errors[2][1].startswith("not JSON")
    assert errors[3] == ("status", "status '999' is outside 100-599")
    assert errors[4][0] == "status"
    assert errors[5][0] == errors[6][0] == "request_time"
    assert "in the future" in errors[7][1] and "too far back" in errors[8][1]
    assert errors[9][0] == "timestamp"
    assert errors[10][0] == "message" and errors[11][0] == "status"
    assert errors[12][1] == "A record must be a JSON object."
    assert 13 not in errors and data["errors"][-1]["index"] == 11  # blank lines are skipped
    assert _rows(source.default_service) == {START: (2, 2, {"histogram": _histogram_with(0.1, 2)})}


def _histogram_with(seconds, count):
    from sla.engine.latency import bucket_of, empty_histogram

    histogram = empty_histogram()
    histogram[bucket_of(seconds)] = count
    return histogram


@time_machine.travel(NOW, tick=False)
def test_a_batch_with_nothing_to_count_is_400_and_stores_nothing(tenants):
    source = _source(tenants, "shop/web")
    response = Client().post(
        _url(source),
        data=b'[{"status": 700, "timestamp": "2026-11-21T08:00:00Z", "request_time": 0.1}]',
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {tenants.token_a.secret}",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "validation_error" and body["counted"] == 0
    assert body["fields"] == {"records[0].status": ["status 700 is outside 100-599"]} or (
        "records[0].status" in body["fields"]
    )
    assert not RequestCount.objects.exists() and not VectorBatch.objects.exists()
    broken = Client().post(
        _url(source),
        data=b'[{"status": 200},',
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {tenants.token_a.secret}",
    )
    assert broken.status_code == 400 and broken.json()["error"] == "parse_error"
    empty = Client().post(
        _url(source),
        data=b"  ",
        content_type="application/x-ndjson",
        HTTP_AUTHORIZATION=f"Bearer {tenants.token_a.secret}",
    )
    assert empty.status_code == 400


@time_machine.travel(NOW, tick=False)
def test_oversized_bodies_are_413_compressed_or_not(tenants, settings):
    settings.SLA_VECTOR_MAX_BODY_BYTES = 4096
    source = _source(tenants, "shop/web")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {tenants.token_a.secret}"}
    record = remap(Request(START, 200, "0.1").line(), CONFIG, "web1")
    big = b"[" + b",".join([json.dumps(record).encode()] * 20) + b"]"
    assert len(big) > 4096
    plain = Client().post(_url(source), data=big, content_type="application/json", **auth)
    assert plain.status_code == 413 and plain.json()["error"] == "payload_too_large"
    bomb = gzip.compress(b"[" + b" " * 1_000_000 + b"]", compresslevel=9)
    assert len(bomb) < 4096
    inflated = Client().post(
        _url(source),
        data=bomb,
        content_type="application/json",
        HTTP_CONTENT_ENCODING="gzip",
        **auth,
    )
    assert inflated.status_code == 413
    assert not RequestCount.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_encodings_and_content_types(tenants):
    source = _source(tenants, "shop/web")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {tenants.token_a.secret}"}
    record = remap(Request(START, 200, "0.1").line(), CONFIG, "web1")
    body = b"[" + json.dumps(record).encode() + b"]"
    for encoding, data in (
        ("deflate", zlib.compress(body)),
        ("DEFLATE", zlib.compress(body + b" ")),
        ("identity", body + b"  "),
    ):
        response = Client().post(
            _url(source),
            data=data,
            content_type="application/json",
            HTTP_CONTENT_ENCODING=encoding,
            **auth,
        )
        assert response.status_code == 200, (encoding, response.content)
    unknown = Client().post(
        _url(source), data=body, content_type="application/json", HTTP_CONTENT_ENCODING="br", **auth
    )
    assert unknown.status_code == 415 and "gzip" in unknown.json()["message"]
    xml = Client().post(_url(source), data=body, content_type="application/xml", **auth)
    assert xml.status_code == 415
    corrupt = Client().post(
        _url(source),
        data=b"not gzip",
        content_type="application/json",
        HTTP_CONTENT_ENCODING="gzip",
        **auth,
    )
    assert corrupt.status_code == 400 and corrupt.json()["error"] == "parse_error"


@time_machine.travel(NOW, tick=False)
def test_tokens_scopes_and_accounts(tenants):
    source = _source(tenants, "shop/web")
    request = sink_request(
        [remap(Request(START, 200, "0.1").line(), CONFIG, "web1")], tenants.token_a.secret
    )
    anonymous = Client().post(_url(source), data=request.body, content_type="application/json")
    assert anonymous.status_code == 401
    reader = ApiTokenFactory(account=tenants.a, scopes=["read"])
    as_reader = sink_request([{}], reader.secret)
    assert _post(source, as_reader).status_code == 403
    foreign = sink_request([{}], tenants.token_b.secret)
    response = _post(source, foreign)
    assert response.status_code == 404 and response.json()["error"] == "not_found"
    mine = sink_request([{}], tenants.token_a.secret)
    for path in ("nope", str(2**63), str(source.pk + 1000)):
        missing = Client().post(
            f"/api/v1/vector-sources/{path}/records",
            data=mine.body,
            content_type=mine.content_type,
            **mine.headers,
        )
        assert missing.status_code == 404 and missing.json()["error"] == "not_found", path
    assert not RequestCount.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_rules_map_records_to_services(api_a, tenants):
    web = ServiceFactory(account=tenants.a, path="shop/web")
    api = ServiceFactory(account=tenants.a, path="shop/api")
    other = ServiceFactory(account=tenants.a, path="other/web")
    files = ServiceFactory(account=tenants.a, path="shop/files")
    created = api_a.post(
        "/api/v1/vector-sources",
        {
            "name": "edge",
            "rules": [
                {"kind": "path_prefix", "value": "/api/", "service": api.pk},
                {"kind": "host", "value": "web2", "service": other.pk},
                {"kind": "field", "field": "file", "value": "/logs/files.log", "service": files.pk},
            ],
            "default_service": web.pk,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["records_url"].endswith(f"/vector-sources/{created.json()['id']}/records")
    source = VectorSource.objects.get(pk=created.json()["id"])
    records = [
        remap(Request(START, 200, "0.1", path="/api/orders").line(), CONFIG, "web1"),
        remap(Request(START, 200, "0.1", path="/static/a.css").line(), CONFIG, "web2"),
        remap(Request(START, 200, "0.1", path="/").line(), CONFIG, "web1"),
        raw_record(Request(START, 200, "0.1", path="/x").line(), "web3", "/logs/files.log", NOW),
        raw_record(Request(START, 200, "0.1", path="/api/raw").line(), "web3", "/a.log", NOW),
    ]
    response = _post(source, sink_request(records, tenants.token_a.secret))
    assert response.json()["counted"] == 5
    totals = {
        service.path: sum(total for _, total, _ in _rows(service).values())
        for service in (web, api, other, files)
    }
    assert totals == {"shop/web": 1, "shop/api": 2, "other/web": 1, "shop/files": 1}
    source.default_service = None
    source.save()
    unmapped = _post(source, sink_request([records[2]], tenants.token_a.secret))
    assert unmapped.status_code == 400
    assert "No rule" in unmapped.json()["errors"][0]["error"]


@time_machine.travel(NOW, tick=False)
def test_a_rule_deleted_with_its_service_stops_mapping_at_once(tenants):
    web = ServiceFactory(account=tenants.a, path="shop/web")
    api = ServiceFactory(account=tenants.a, path="shop/api")
    source = VectorSourceFactory(account=tenants.a, default_service=web)
    VectorRule.objects.create(
        account=tenants.a, source=source, kind="path_prefix", value="/api/", service=api
    )
    record = remap(Request(START, 200, "0.1", path="/api/orders").line(), CONFIG, "web1")
    assert _post(source, sink_request([record], tenants.token_a.secret)).status_code == 200
    assert sum(total for _, total, _ in _rows(api).values()) == 1
    Service.objects.filter(pk=api.pk).delete()  # its rule goes with it (CASCADE)
    again = dict(record, request_time=0.2)  # another body: not a retry
    response = _post(source, sink_request([again], tenants.token_a.secret))
    assert response.status_code == 200, response.content
    assert sum(total for _, total, _ in _rows(web).values()) == 1


@time_machine.travel(NOW, tick=False)
def test_source_api_validates_and_stays_in_its_account(api_a, tenants):
    foreign = ServiceFactory(account=tenants.b)
    mine = ServiceFactory(account=tenants.a)
    cases = [
        ({"name": "a", "default_service": foreign.pk}, "default_service"),
        ({"name": "a", "log_format": "$remote_addr"}, "log_format"),
        ({"name": "a", "latency": "fast"}, "latency"),
        ({"name": "a", "rules": [{"kind": "field", "value": "x", "service": mine.pk}]}, "field"),
        ({"name": "a", "rules": [{"kind": "host", "value": "x", "service": foreign.pk}]}, "rules"),
    ]
    for body, field in cases:
        response = api_a.post("/api/v1/vector-sources", body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert any(field in key for key in response.json()["fields"]), response.json()
    api_a.post("/api/v1/vector-sources", {"name": "dup"}, format="json")
    again = api_a.post("/api/v1/vector-sources", {"name": "dup"}, format="json")
    assert again.status_code == 400 and "name" in again.json()["fields"]


@time_machine.travel(NOW, tick=False)
def test_counted_batches_mark_the_request_slos_of_their_services_and_groups(tenants):
    from sla.models import SLO
    from tests.factories import ServiceGroupFactory, SLOFactory

    group = ServiceGroupFactory(account=tenants.a)
    service = ServiceFactory(account=tenants.a, path="shop/web", group=group)
    source = VectorSourceFactory(account=tenants.a, default_service=service)
    latency = SLOFactory(
        account=tenants.a, service=service, sli_kind="latency", latency_threshold_ms=300
    )
    of_group = SLOFactory(account=tenants.a, service=None, group=group, sli_kind="requests")
    by_time = SLOFactory(account=tenants.a, service=service, sli_kind="time")
    elsewhere = SLOFactory(account=tenants.a, sli_kind="requests")
    SLO.objects.update(buckets_dirty_from=None)
    record = remap(Request(START + dt.timedelta(minutes=7), 200, "0.1").line(), CONFIG, "web1")
    assert _post(source, sink_request([record], tenants.token_a.secret)).status_code == 200
    dirty = dict(SLO.objects.values_list("pk", "buckets_dirty_from"))
    assert dirty[latency.pk] == dirty[of_group.pk] == START  # the hour of the first minute
    assert dirty[by_time.pk] is None and dirty[elsewhere.pk] is None
