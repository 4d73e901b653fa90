"""Reading Vector bodies and records (no database): framings, encodings, timestamps, times."""

import datetime as dt
import gzip
import json
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.vector.records import (
    BodyError,
    BodyTooLarge,
    Rule,
    SourceConfig,
    UnsupportedEncoding,
    count_body,
    count_records,
    decode_body,
    split_records,
)
from sla.engine.latency import bucket_of
from sla.nginx_log import compile_log_format
from tests.sla.apm_log import Request

MINUTE = dt.datetime(2026, 11, 21, 8, 0, tzinfo=dt.UTC)
WINDOW = (MINUTE - dt.timedelta(days=1), MINUTE + dt.timedelta(days=1))


def _config(latency="request_time", rules=(), default=1, log_format="apm"):
    return SourceConfig(
        rules=tuple(rules),
        default_service_id=default,
        log_format=compile_log_format(log_format),
        latency=latency,
        window=WINDOW,
    )


def _count(records, **config):
    body = b"\n".join(json.dumps(record).encode() for record in records)
    return count_records(split_records(body, "application/x-ndjson"), _config(**config))


def test_gzip_members_deflate_and_raw_deflate_are_read():
    body = b'[{"a": 1}]'
    assert decode_body(gzip.compress(body) + gzip.compress(b" "), "gzip", 100) == body + b" "
    assert decode_body(zlib.compress(body), "deflate", 100) == body
    raw = zlib.compressobj(wbits=-15)
    assert decode_body(raw.compress(body) + raw.flush(), "deflate", 100) == body
    assert decode_body(body, "", 100) == body
    with pytest.raises(BodyTooLarge):
        decode_body(gzip.compress(b"x" * 101), "gzip", 100)
    with pytest.raises(BodyError, match="truncated"):
        decode_body(gzip.compress(body)[:-8], "gzip", 100)
    with pytest.raises(UnsupportedEncoding):
        decode_body(body, "zstd", 100)


def test_framings():
    records = [{"n": 1}, {"n": 2}]
    array = split_records(b"[" + b",".join(json.dumps(r).encode() for r in records) + b"]", "")
    assert array.records == records and array.line(0) is None
    ndjson = split_records(b'{"n": 1}\n\n{"n": 2}\n', "application/x-ndjson")
    assert ndjson.records == [{"n": 1}, {"n": 2}] and ndjson.lines == [1, 3]
    # Two values on one line break the one-array fast path: read line by line.
    mixed = split_records(b'{"n": 1}, {"n": 3}\n{"n": 2}', "application/x-ndjson")
    assert 0 in mixed.unreadable and mixed.records[1] == {"n": 2}
    text = split_records(b"line one\r\nline two", "text/plain")
    assert text.records == [{"message": b"line one"}, {"message": b"line two"}]
    nan = split_records(b'{"request_time": NaN}', "application/x-ndjson")
    assert "NaN" in nan.unreadable[0]


@pytest.mark.parametrize(
    "timestamp",
    [
        "2026-11-21T08:00:59Z",
        "2026-11-21T08:00:00.123456789Z",
        "2026-11-21T09:00:30+01:00",
        "2026-11-21 08:00:30z",
        "21/Nov/2026:09:00:30 +0100",
        1_795_248_030,
        1_795_248_030.5,
        1_795_248_030_123,
        1_795_248_030_123_456,
        1_795_248_030_123_456_789,
    ],
)
def test_timestamps_as_vector_or_nginx_write_them(timestamp):
    counts = _count([{"timestamp": timestamp, "status": 200, "request_time": 0.1}])
    assert counts.rejected == 0, counts.errors
    assert list(counts.buckets) == [(1, MINUTE)]


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"timestamp": "2026-11-21T08:00:61Z"}, "timestamp"),
        ({"timestamp": "2026-13-21T08:00:00Z"}, "timestamp"),
        ({"timestamp": "21/Foo/2026:09:00:30 +0100"}, "timestamp"),
        ({"timestamp": -5}, "timestamp"),
        ({"timestamp": True}, "timestamp"),
        ({"timestamp": None}, "timestamp"),
        ({"status": 99}, "status"),
        ({"status": 600}, "status"),
        ({"status": True}, "status"),
        ({"status": "2xx"}, "status"),
        ({"request_time": None}, "request_time"),
        ({"request_time": "-"}, "request_time"),
        ({"request_time": "slow"}, "request_time"),
        ({"request_time": -1}, "request_time"),
        ({"request_time": 1e9}, "request_time"),
        ({"request_time": [0.1]}, "request_time"),
    ],
)
def test_bad_fields_are_named(record, field):
    base = {"timestamp": "2026-11-21T08:00:00Z", "status": 200, "request_time": 0.1}
    counts = _count([{**base, **record}])
    assert counts.counted == 0 and counts.errors[0]["field"] == field, counts.errors


def test_status_and_times_as_text_and_upstream_fallback():
    base = {"timestamp": "2026-11-21T08:00:00Z"}
    counts = _count(
        [
            {**base, "status": "200", "request_time": "0.300"},
            {**base, "status": 200, "request_time": 0.9, "upstream_response_time": "-"},
            {**base, "status": 200, "request_time": 0.9, "upstream_response_time": "0.1, 0.2"},
            {**base, "status": 200, "request_time": 0.9, "upstream_response_time": 0.25},
            {**base, "status": 503, "request_time": 0.001, "upstream_response_time": None},
        ],
        latency="upstream_response_time",
    )
    good, total, histogram = counts.buckets[(1, MINUTE)]
    assert (good, total) == (4, 5)
    assert histogram[bucket_of(0.3)] == 2  # "0.300" and "0.1, 0.2" (summed)
    assert histogram[bucket_of(0.25)] == 1 and histogram[bucket_of(0.9)] == 1


def test_without_latency_no_histogram_is_kept():
    counts = _count([{"timestamp": "2026-11-21T08:00:00Z", "status": 200}], latency=None)
    assert counts.buckets == {(1, MINUTE): [1, 1, None]}


def test_raw_lines_are_read_like_import_nginx_log_reads_them():
    line = Request(MINUTE, 502, "0.050", "0.049").line()
    counts = _count([{"message": line, "host": "web1"}, {"message": line.replace("502", "200")}])
    assert counts.buckets[(1, MINUTE)][:2] == [1, 2]
    combined = '1.2.3.4 - - [21/Nov/2026:09:00:10 +0100] "GET /x HTTP/1.1" 200 5 "-" "curl"'
    counts = _count([{"message": combined}], latency=None, log_format="combined")
    assert counts.buckets == {(1, MINUTE): [1, 1, None]}


def test_rules_first_match_wins_and_unmapped_records_are_listed():
    base = {"timestamp": "2026-11-21T08:00:00Z", "status": 200, "request_time": 0.1}
    rules = [
        Rule("field", "shop", 7, field="app"),
        Rule("path_prefix", "/api", 8),
        Rule("host", "web2", 9),
    ]
    counts = _count(
        [
            {**base, "app": "shop", "request_path": "/api/x"},
            {**base, "request_path": "/api/x", "host": "web2"},
            {**base, "request": "GET /api/y HTTP/1.1"},
            {**base, "host": "web2"},
            {**base, "host": "web3", "app": 5},
        ],
        rules=rules,
        default=None,
    )
    assert sorted(service for service, _ in counts.buckets) == [7, 8, 9]
    assert counts.buckets[(8, MINUTE)][1] == 2
    assert counts.errors == [
        {
            "index": 4,
            "line": 5,
            "field": "",
            "error": "No rule of this source maps the record to a service.",
        }
    ]


def test_errors_listed_are_capped_but_all_counted():
    counts = _count([{"status": 200}] * 150)
    assert counts.rejected == 150 and len(counts.errors) == 100


RECORDS = st.fixed_dictionaries(
    {
        "timestamp": st.sampled_from(
            ["2026-11-21T08:00:59Z", "2026-11-21T08:01:00Z", "2026-11-21T08:00:10.5+00:00",
             "2026-12-30T08:00:00Z", "2026-11-21T08:00:61Z", 1_795_248_030, "x"]
        ),
        "status": st.sampled_from([200, 404, 503, 99, 600, "200", True]),
        "request_time": st.sampled_from([0.0, 0.3, 0.30000001, 61.0, -1.0, 9e9, 1, "0.3", None]),
        "request_path": st.sampled_from(["/api/x", "/static/y", "/", None, 5]),
        "host": st.sampled_from(["web1", "web2"]),
        "app": st.sampled_from([7, "7", "8"]),
    }
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(RECORDS, max_size=30))
def test_the_inline_fast_path_counts_exactly_as_the_full_reader(records):
    prefixes = (Rule("path_prefix", "/api", 2), Rule("path_prefix", "/static", 3))
    mixed = (Rule("host", "web2", 4), *prefixes, Rule("field", "7", 5, field="app"))
    for rules, default in (((), 1), (prefixes, 1), (mixed, 1), (mixed, None)):
        config = _config(rules=rules, default=default)
        batch = split_records(_ndjson(records), "application/x-ndjson")
        fast = count_records(batch, config)
        slow = count_records(batch, config, inline=False)
        assert fast.buckets == slow.buckets
        assert fast.errors == slow.errors and fast.counted == slow.counted


def _ndjson(records) -> bytes:
    return b"\n".join(json.dumps(record).encode() for record in records) or b"{}"


ODD_LINES = st.sampled_from(
    [
        b"",
        b"  \r",
        b"not json",
        b'{"status": 200',
        b"[1, 2]",
        b"7",
        b'{"n": 1}, {"n": 3}',
        b'{"status": 200, "timestamp": "2026-11-21T08:00:59Z", "request_time": NaN}',
        b'{"status": 200, "timestamp": "2026-11-21T08:00:59Z", "request_time": 0.3, "x": "\xff"}',
        b'{"status": 200, "timestamp": "2026-11-21T08:00:59Z", "request_time": 0.3, '
        b'"request_path": "/api/\\ud800", "n": 123456789012345678901234567890}',
        b'{"status": 200, "status": 503, "timestamp": "2026-11-21T08:00:59Z", '
        b'"request_time": 1, "request_path": "/static/x"}',
        b'{"status": 200, "timestamp": "2026-11-21T08:00:59Z", "request_time": 1e400}',
        b'{"message": "10.0.0.1 - - [21/Nov/2026:08:00:30 +0000] \\"GET / HTTP/1.1\\" 200 5"}',
    ]
)
LINES = st.lists(st.one_of(RECORDS.map(lambda record: json.dumps(record).encode()), ODD_LINES))


@settings(max_examples=300, deadline=None)
@given(LINES, st.sampled_from(["request_time", None, "upstream_response_time"]))
def test_the_typed_reading_counts_exactly_as_the_full_reading(lines, latency):
    prefixes = (Rule("path_prefix", "/api", 2), Rule("path_prefix", "/static", 3))
    body = b"\n".join(lines) or b"{}"
    array = b"[" + b",".join(line for line in lines if line.strip().startswith(b"{")) + b"]"
    for rules, default in (((), 1), (prefixes, 1), (prefixes, None)):
        config = _config(rules=rules, default=default, latency=latency)
        for data, media_type in ((body, "application/x-ndjson"), (array, "application/json")):
            try:
                full = count_records(split_records(data, media_type), config, inline=False)
            except BodyError:
                with pytest.raises(BodyError):
                    count_body(data, media_type, config)
                continue
            typed = count_body(data, media_type, config)
            assert typed == full
