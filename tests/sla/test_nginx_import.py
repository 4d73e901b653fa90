"""import_nginx_log: formats, bad lines, idempotent re-runs, several files per service."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from sla.models import RequestCount, Service
from sla.nginx_log import compile_log_format, parse_lines

pytestmark = pytest.mark.django_db

LINE = (
    '203.0.113.{n} - - [21/Nov/2026:10:{minute:02d}:{second:02d} +0100] "GET /x?a=\\"b\\" '
    'HTTP/1.1" {status} 512 "-" "curl/8"\n'
)


def _log(tmp_path, name, rows):
    path = tmp_path / name
    path.write_text(
        "".join(
            LINE.format(n=index, minute=minute, second=second, status=status)
            for index, (minute, second, status) in enumerate(rows)
        )
    )
    return str(path)


def _counts(service):
    rows = RequestCount.objects.filter(service=service).order_by("start")
    totals = {}
    for row in rows:
        good, total = totals.get(row.start, (0, 0))
        totals[row.start] = (good + row.good, total + row.total)
    return totals


def _minute(minute):
    return dt.datetime(2026, 11, 21, 9, minute, tzinfo=dt.UTC)


def test_combined_lines_are_counted_per_utc_minute():
    lines = [
        LINE.format(n=1, minute=0, second=5, status=200).encode(),
        LINE.format(n=2, minute=0, second=59, status=503).encode(),
        LINE.format(n=3, minute=1, second=0, status=404).encode(),
        b"garbage\n",
    ]
    result = parse_lines(lines)
    assert result.minutes == {_minute(0): [1, 2], _minute(1): [1, 1]}
    assert result.lines == 4 and result.error_count == 1
    assert result.errors[0][0] == 4


def test_custom_log_format_compiles():
    log_format = '$remote_addr [$time_iso8601] "$request" $status $request_time "$http_user_agent"'
    pattern = compile_log_format(log_format)
    lines = [
        b'10.0.0.1 [2026-11-21T10:00:07+01:00] "GET / HTTP/1.1" 502 0.012 "curl"\n',
        b'10.0.0.1 [2026-11-21T09:00:30Z] "GET / HTTP/1.1" 200 0.002 "curl"\n',
    ]
    result = parse_lines(lines, pattern)
    assert result.minutes == {_minute(0): [1, 2]}
    with pytest.raises(ValueError, match="status"):
        compile_log_format("$remote_addr [$time_local]")


def test_import_reports_bad_lines_and_reruns_replace(tmp_path, tenants):
    path = _log(tmp_path, "access.log", [(0, 1, 200), (0, 2, 500), (1, 0, 200)])
    with open(path, "a") as handle:
        handle.write("not a log line\n")
    err = io.StringIO()
    for _ in range(2):
        call_command(
            "import_nginx_log",
            path,
            account="alpha",
            service="shop/web",
            stdout=io.StringIO(),
            stderr=err,
        )
    service = Service.objects.get(account=tenants.a, path="shop/web")
    assert _counts(service) == {_minute(0): (1, 2), _minute(1): (1, 1)}
    assert "line 4: unparseable" in err.getvalue()


def test_grown_and_rotated_logs_count_each_line_once(tmp_path, tenants):
    # access.log holds 10:00:10 and 10:00:20; it is imported, grows, is re-imported,
    # then rotated; the next file starts mid-minute 10:00:40.
    first = _log(tmp_path, "access.log", [(0, 10, 200), (0, 20, 200)])
    call_command(
        "import_nginx_log", first, account="alpha", service="shop/web", stdout=io.StringIO()
    )
    with open(first, "a") as handle:
        handle.write(LINE.format(n=9, minute=0, second=30, status=500))
    call_command(
        "import_nginx_log", first, account="alpha", service="shop/web", stdout=io.StringIO()
    )
    rotated = tmp_path / "access.log.1"
    (tmp_path / "access.log").rename(rotated)
    second = _log(tmp_path, "access.log", [(0, 40, 200), (1, 5, 500)])
    for path in (str(rotated), second, second):
        call_command(
            "import_nginx_log", path, account="alpha", service="shop/web", stdout=io.StringIO()
        )
    service = Service.objects.get(account=tenants.a, path="shop/web")
    assert _counts(service) == {_minute(0): (3, 4), _minute(1): (0, 1)}
    assert RequestCount.objects.filter(service=service).values("source").distinct().count() == 2


def test_unknown_account_or_format_is_an_error(tmp_path, tenants):
    path = _log(tmp_path, "a.log", [(0, 1, 200)])
    with pytest.raises(CommandError, match="--account"):
        call_command("import_nginx_log", path, account="nope", service="x")
    with pytest.raises(CommandError, match="--log-format"):
        call_command("import_nginx_log", path, account="alpha", service="x", log_format="$status")


def test_auto_create_off_rejects_unknown_service(tmp_path, tenants):
    tenants.a.feature_auto_create_services = False
    tenants.a.save()
    path = _log(tmp_path, "a.log", [(0, 1, 200)])
    with pytest.raises(CommandError, match="unknown service"):
        call_command("import_nginx_log", path, account="alpha", service="shop/web")
