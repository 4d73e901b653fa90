"""python manage.py import_nginx_log FILE --account SLUG --service PATH [--log-format ...]
[--latency request_time|upstream_response_time|none]

Streams an nginx access log (plain or .gz), counts per minute (5xx bad, anything else
good) and stores the minutes as request counts of the service under a per-source key.
With a format that logs `$request_time` (the preset `apm` does) the good requests' times go
into each minute's latency histogram too, for latency and time-slice SLOs.
Re-running on the same file (or on the same log after it grew or was rotated) replaces
that source's minutes instead of adding to them; a different file is another source.
"""

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import Account
from sla.models import Service
from sla.nginx_log import COMBINED, LogFormatError, compile_log_format, parse_lines, read_lines
from sla.nginx_log import source_key as default_source_key
from sla.services.request_counts import (
    BucketCounts,
    accepted_window,
    request_counts_replace_source,
)
from sla.validators import validate_service_path


class Command(BaseCommand):
    help = "Import an nginx access log as per-minute request counts of a service."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--account", required=True, help="account slug")
        parser.add_argument("--service", required=True, help="service path, e.g. shop/web")
        parser.add_argument(
            "--log-format",
            default=None,
            help="nginx log_format string, or a preset: combined (default), apm",
        )
        parser.add_argument(
            "--latency",
            choices=["request_time", "upstream_response_time", "none"],
            default=None,
            help="which time to count for latency SLIs (default: request_time when the "
            "format logs it, else none); upstream_response_time falls back to request_time "
            "when no upstream was asked",
        )
        parser.add_argument(
            "--source",
            default=None,
            help="source key (default: derived from the file's first line)",
        )
        parser.add_argument("--max-errors", type=int, default=20, help="bad lines to print")

    def handle(
        self, *args, file, account, service, log_format, latency, source, max_errors, **options
    ):
        account_row = Account.objects.filter(slug=account).first()
        if account_row is None:
            raise CommandError(f"--account: no account with slug {account!r}")
        try:
            validate_service_path(service)
        except Exception as error:
            raise CommandError(f"--service: {error}") from None
        try:
            compiled = None
            if log_format not in (None, COMBINED, "combined"):
                compiled = compile_log_format(log_format)
        except LogFormatError as error:
            raise CommandError(f"--log-format: {error}") from None
        latency = self._latency(compiled, latency)
        try:
            key = source or default_source_key(file)
            started = time.perf_counter()
            result = parse_lines(
                read_lines(file),
                compiled,
                max_errors=max_errors,
                latency=latency,
                window=accepted_window(timezone.now()),
            )
        except OSError as error:
            raise CommandError(f"{file}: {error}") from None
        parsed_in = time.perf_counter() - started
        service_row = self._service(account_row, service)
        buckets = {
            minute: BucketCounts(good, total, self._latency_data(result, minute))
            for minute, (good, total) in result.minutes.items()
        }
        stored, removed = request_counts_replace_source(
            account=account_row,
            service=service_row,
            source=key,
            buckets=buckets,
            width=dt.timedelta(minutes=1),
        )
        for number, reason in result.errors[:max_errors]:
            self.stderr.write(f"line {number}: {reason}")
        rate = result.lines / parsed_in if parsed_in else 0
        self.stdout.write(
            f"{file}: {result.lines} lines, {result.parsed} counted, "
            f"{result.error_count} unparseable; {stored} minutes stored under {key} "
            f"({removed} replaced); latency: {latency or 'none'}; {rate:,.0f} lines/s"
        )

    @staticmethod
    def _latency(compiled, latency: str | None) -> str | None:
        """The latency mode: as asked (checked against the format), else request_time when
        the format logs it."""
        if latency is None:
            has_time = compiled is not None and "request_time" in compiled.variables
            return "request_time" if has_time else None
        if latency == "none":
            return None
        try:
            (compiled or compile_log_format(COMBINED)).latency_groups(latency)
        except LogFormatError as error:
            raise CommandError(f"--latency: {error}") from None
        return latency

    @staticmethod
    def _latency_data(result, minute) -> dict | None:
        histogram = result.histograms.get(minute)
        return None if histogram is None else {"histogram": histogram}

    def _service(self, account, path: str) -> Service:
        service = Service.objects.for_account(account).filter(path=path).first()
        if service is not None:
            return service
        if not account.feature_auto_create_services:
            raise CommandError(f"--service: unknown service {path!r} (auto-creation is off)")
        return Service.objects.create(account=account, path=path)
