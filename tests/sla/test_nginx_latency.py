"""import_nginx_log with latency: the recipe's `apm` format, histograms per minute, upstream
times, bad lines by number, the accepted time window."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from sla.engine.latency import BUCKETS, bucket_of, within_threshold
from sla.models import RequestCount
from sla.nginx_log import (
    APM,
    LineError,
    compile_log_format,
    latency_seconds,
    parse_line,
    parse_lines,
)
from tests.sla.apm_log import Request, hand_counts, requests_of_a_morning, write_log

START = dt.datetime(2026, 11, 21, 8, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)
WINDOW = (NOW - dt.timedelta(days=400), NOW + dt.timedelta(minutes=5))


def _lines(requests):
    return [(request.line(index) + "\n").encode() for index, request in enumerate(requests)]


def test_apm_lines_give_counts_and_histograms_per_minute():
    requests = requests_of_a_morning(START)
    result = parse_lines(_lines(requests), compile_log_format("apm"), latency="request_time")
    assert result.error_count == 0 and result.lines == len(requests)
    assert {minute: tuple(row) for minute, row in result.minutes.items()} == hand_counts(requests)
    for minute, histogram in result.histograms.items():
        of_minute = [r for r in requests if r.minute == minute]
        assert sum(histogram) == sum(1 for r in of_minute if r.status < 500)
        for threshold in (100, 250, 300, 500):
            expected = sum(1 for r in of_minute if r.status < 500 and r.milliseconds <= threshold)
            assert within_threshold({"histogram": histogram}, threshold) == expected


def test_upstream_times_sum_retries_and_fall_back_to_the_request_time():
    requests = [
        Request(START, 200, "0.450", "0.100, 0.200"),  # retried upstream: 300 ms
        Request(START, 200, "0.020", "-"),  # served without an upstream: request time
        Request(START, 200, "0.900", "0.250 : 0.050"),  # internal redirect: 300 ms
    ]
    result = parse_lines(
        _lines(requests), compile_log_format("apm"), latency="upstream_response_time"
    )
    histogram = result.histograms[START]
    assert histogram[bucket_of(0.3)] == 2 and histogram[bucket_of(0.02)] == 1
    assert latency_seconds("0.100, 0.200") == 0.3  # summed exactly, not 0.30000000000000004
    assert latency_seconds(b"-, -") is None


def test_the_recipes_format_as_printed_and_as_its_regex_expects_both_parse():
    line = Request(START, 200, "0.120", "0.118").line()
    printed = line.split(" upstream_header_time=")[0] + " "  # the log_format as printed ends so
    log_format = compile_log_format("apm")
    for text in (line, printed, printed.rstrip()):
        parsed = parse_line(text.encode(), log_format, "request_time")
        assert parsed.status == 200 and parsed.seconds == 0.12 and parsed.path == "/api/orders"
    assert log_format.text == APM


def test_bad_lines_are_reported_by_number_and_the_rest_counts():
    good = Request(START, 200, "0.100").line()
    lines = [
        good,
        good.replace("status=200", "status=999"),
        good.replace("status=200", "status=abc"),
        good.replace("request_time=0.100", "request_time=-0.100"),
        good.replace("request_time=0.100", "request_time=90000.000"),
        good.replace("request_time=0.100", "request_time=-"),
        good.replace("request_time=0.100", "request_time=fast"),
        "garbage",
        good,
    ]
    result = parse_lines(
        [(line + "\n").encode() for line in lines],
        compile_log_format("apm"),
        latency="request_time",
    )
    assert result.minutes == {START: [2, 2]}
    reasons = dict(result.errors)
    assert result.error_count == 7 and sorted(reasons) == [2, 3, 4, 5, 6, 7, 8]
    assert "'999' is outside 100-599" in reasons[2]
    assert "'abc' is outside 100-599" in reasons[3]
    assert "negative" in reasons[4]
    assert "absurd" in reasons[5]
    assert "missing" in reasons[6]
    assert "not a number" in reasons[7]
    assert reasons[8].startswith("unparseable")


def test_minutes_outside_the_window_are_refused_with_their_first_line():
    requests = [
        Request(START, 200, "0.1"),
        Request(NOW + dt.timedelta(hours=1), 200, "0.1"),
        Request(NOW + dt.timedelta(hours=1, seconds=5), 200, "0.1"),
        Request(NOW - dt.timedelta(days=401), 200, "0.1"),
    ]
    result = parse_lines(
        _lines(requests), compile_log_format("apm"), latency="request_time", window=WINDOW
    )
    assert list(result.minutes) == [START]
    reasons = dict(result.errors)
    assert "in the future (and 1 more lines of that minute)" in reasons[2]
    assert "too far back" in reasons[4]
    assert result.error_count == 3


VALUE = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789/.:-_%?=&", min_size=1, max_size=30)


@settings(max_examples=150, deadline=None)
@given(
    path=VALUE,
    agent=st.text(alphabet="abc XYZ/().;,=-", min_size=0, max_size=60),
    status=st.integers(min_value=100, max_value=599),
    milliseconds=st.integers(min_value=0, max_value=100_000),
    referer=VALUE,
)
def test_the_fast_reader_finds_what_the_whole_line_regex_finds(
    path, agent, status, milliseconds, referer
):
    line = (
        Request(START, status, f"{milliseconds / 1000:.3f}", path="/" + path)
        .line()
        .replace('user_agent="Mozilla/5.0 (X11; Linux x86_64)"', f'user_agent="{agent}"')
        .replace("referer=https://shop.example.com/", f"referer={referer}")
        .encode()
    )
    log_format = compile_log_format("apm")
    full = log_format.pattern.match(line)
    assert full is not None
    fast = parse_line(line, log_format, "request_time")
    assert fast.seconds == float(full.group("rt").decode())
    assert fast.status == status and fast.path == "/" + path


def test_a_forged_request_time_in_free_text_cannot_fool_the_reader():
    line = (
        Request(START, 200, "0.900")
        .line()
        .replace(
            'user_agent="Mozilla/5.0 (X11; Linux x86_64)"', 'user_agent="x request_time=0.001 y"'
        )
    )
    assert parse_line(line.encode(), compile_log_format("apm"), "request_time").seconds == 0.9


def test_a_time_followed_by_free_text_is_read_by_the_head_regex():
    log_format = compile_log_format(
        '$remote_addr [$time_local] "$request" $status $request_time "$http_user_agent"'
    )
    assert "rt" not in log_format.locators and "rt" in log_format.head.groupindex
    line = b'1.2.3.4 [21/Nov/2026:09:00:05 +0100] "GET /a HTTP/1.1" 200 0.250 "ua 0.999"'
    assert parse_line(line, log_format, "request_time").seconds == 0.25
    with pytest.raises(LineError, match="outside 100-599"):
        parse_line(line.replace(b" 200 ", b" 700 "), log_format, "request_time")


@pytest.fixture
def apm_file(tmp_path):
    requests = requests_of_a_morning(START, minutes=5)
    return requests, write_log(tmp_path / "access.log", requests)


@time_machine.travel(NOW, tick=False)
def test_import_stores_latency_histograms_with_the_apm_preset(apm_file, tenants):
    requests, path = apm_file
    out = io.StringIO()
    call_command(
        "import_nginx_log", path, account="alpha", service="shop/web", log_format="apm", stdout=out
    )
    assert "latency: request_time" in out.getvalue()
    rows = {row.start: row for row in RequestCount.objects.filter(account=tenants.a)}
    assert {start: (row.good, row.total) for start, row in rows.items()} == hand_counts(requests)
    for row in rows.values():
        assert (
            len(row.latency["histogram"]) == BUCKETS and sum(row.latency["histogram"]) == row.good
        )


@time_machine.travel(NOW, tick=False)
def test_import_latency_options(apm_file, tenants):
    _, path = apm_file
    call_command(
        "import_nginx_log",
        path,
        account="alpha",
        service="shop/web",
        log_format="apm",
        latency="none",
        stdout=io.StringIO(),
    )
    assert not RequestCount.objects.filter(account=tenants.a, latency__isnull=False).exists()
    with pytest.raises(CommandError, match="--latency: the log_format has no \\$request_time"):
        call_command("import_nginx_log", path, account="alpha", service="x", latency="request_time")
