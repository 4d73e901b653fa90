"""What Vector's `http` sink sends, read into per-minute request counts (no Django).

A body (after Content-Encoding) is a JSON array (`encoding.codec = "json"`, Content-Type
`application/json`), newline-delimited JSON (`framing.method = "newline_delimited"` or the
old `codec = "ndjson"`, `application/x-ndjson`) or raw text lines (`codec = "text"`,
`text/plain`). A record is

- a parsed record of the recipe's remap: `timestamp` (RFC 3339 as Vector writes it, the
  nginx `$time_local` text, or Unix seconds/ms/us/ns), `status`, `request_time`,
  `upstream_response_time` (numbers, or nginx's texts), `request_path` ...;
- a raw record (`message` holding the nginx line, Vector's `host`/`file` beside it), read
  with the source's log_format (the recipe's `apm` by default), exactly as
  import_nginx_log reads a file (`sla.nginx_log.parse_line`);
- with the text codec, the raw line itself.

Each record is counted in the UTC minute of its own log timestamp (never the time Vector
read it), for the service the source's rules give it; a record that cannot be used is
listed with its index (and line, for NDJSON and text) and the field at fault, and the
others still count.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zlib
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field

import msgspec
import orjson

from sla.engine.latency import (
    BOUNDS_SECONDS,
    BUCKETS,
    MAX_REQUEST_SECONDS,
    LatencyError,
    bucket_of,
    check_seconds,
)
from sla.nginx_log import (
    LineError,
    LogFormat,
    cached_minute,
    latency_seconds,
    minute_from_local,
    parse_line,
)

MAX_LISTED_ERRORS = 100
_SECONDS = r"(?:[0-5]\d|60)"  # 60: a leap second
_RFC3339 = re.compile(
    rf"(\d{{4}}-\d\d-\d\d[Tt ]\d\d:\d\d):{_SECONDS}(?:\.\d{{1,9}})?([Zz]|[+-]\d\d:\d\d)\Z"
)
_TIME_LOCAL = re.compile(rf"(\d\d/[A-Za-z]{{3}}/\d{{4}}:\d\d:\d\d):{_SECONDS} ([+-]\d{{4}})\Z")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class BodyError(ValueError):
    """A body that cannot be read at all (bad compression, a broken JSON array)."""


class BodyTooLarge(BodyError):
    """A body larger than the limit once decompressed."""


class UnsupportedEncoding(BodyError):
    """A Content-Encoding this endpoint does not read."""


class RecordError(ValueError):
    """One record that cannot be counted; `field` names what is wrong."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name
        self.message = message


# --------------------------------------------------------------------------- bodies


def decode_body(raw: bytes, content_encoding: str, limit: int) -> bytes:
    """The body after its Content-Encoding (gzip, deflate/zlib or none), at most `limit`
    bytes once decompressed (BodyTooLarge beyond: a small gzip body can hold gigabytes)."""
    encoding = (content_encoding or "identity").strip().lower()
    if encoding in ("", "identity"):
        return raw
    if encoding in ("gzip", "x-gzip"):
        wbits = 16 + zlib.MAX_WBITS
    elif encoding == "deflate":
        wbits = zlib.MAX_WBITS if raw[:1] == b"\x78" else -zlib.MAX_WBITS
    else:
        raise UnsupportedEncoding(
            f"Content-Encoding {encoding[:40]!r} is not supported; use gzip, deflate or none."
        )
    return _inflate(raw, wbits, limit)


def _inflate(raw: bytes, wbits: int, limit: int) -> bytes:
    parts, size, data = [], 0, raw
    while data:
        inflater = zlib.decompressobj(wbits)
        try:
            part = inflater.decompress(data, limit + 1 - size)
        except zlib.error as error:
            raise BodyError(f"The compressed body cannot be read: {error}") from None
        size += len(part)
        if size > limit or inflater.unconsumed_tail:
            raise BodyTooLarge(f"The body is larger than {limit} bytes once decompressed.")
        if not inflater.eof:
            raise BodyError("The compressed body is truncated.")
        parts.append(part)
        data = inflater.unused_data  # gzip allows several members one after the other
    return b"".join(parts)


@dataclass
class Batch:
    """The records of a body, in order: `records[i]` (None where it could not be read, with
    the reason in `unreadable[i]`) and, for NDJSON and text, `lines[i]`, its line number."""

    records: list
    lines: list[int] | None = None
    unreadable: dict[int, str] = field(default_factory=dict)

    def line(self, index: int) -> int | None:
        return None if self.lines is None else self.lines[index]


def split_records(body: bytes, media_type: str) -> Batch:
    """The records of a body: a JSON array, NDJSON (one object per line, blank lines
    skipped) or, for text/plain, one raw nginx line per line."""
    if media_type == "text/plain":
        return _text_batch(body)
    stripped = body.lstrip()
    if stripped[:1] == b"[":
        try:
            records = orjson.loads(stripped)
        except orjson.JSONDecodeError:
            records = _strict_json(stripped)
        if not isinstance(records, list):  # pragma: no cover - "[" starts a list
            raise BodyError("Send a JSON array of records.")
        return Batch(records)
    return _ndjson_batch(body)


def _no_constants(name: str):
    raise ValueError(f"{name} is not valid JSON")


def _strict_json(text: bytes):
    """The standard library's reading (what orjson refuses but JSON allows: integers beyond
    64 bits, lone surrogates); its error when it is no JSON either."""
    try:
        return json.loads(text, parse_constant=_no_constants)
    except (ValueError, RecursionError) as error:
        raise BodyError(f"JSON parse error: {error}"[:300]) from None


def _lines(body: bytes) -> tuple[list[int], list[bytes]]:
    numbers, lines = [], []
    for number, line in enumerate(body.split(b"\n"), 1):
        if line.strip():  # Vector ends NDJSON without a newline; tolerate one anyway
            numbers.append(number)
            lines.append(line)
    return numbers, lines


def _ndjson_batch(body: bytes) -> Batch:
    """NDJSON records, line by line (orjson, else the standard library, which names what is
    wrong), so a bad line is listed with its number and the others still count."""
    numbers, lines = _lines(body)
    batch = Batch([], numbers)
    for index, line in enumerate(lines):
        record, unreadable = _read_line(line)
        batch.records.append(record)
        if unreadable is not None:
            batch.unreadable[index] = unreadable
    return batch


def _read_line(line: bytes):
    """One NDJSON line: (record, None), or (None, why it is no JSON)."""
    try:
        return orjson.loads(line), None
    except orjson.JSONDecodeError:
        pass  # what orjson refuses but JSON allows (integers beyond 64 bits, lone surrogates)
    try:
        return json.loads(line, parse_constant=_no_constants), None
    except (ValueError, RecursionError) as error:
        return None, f"not JSON: {error}"[:200]


def _text_batch(body: bytes) -> Batch:
    numbers, lines = _lines(body)
    return Batch([{"message": line.rstrip(b"\r")} for line in lines], numbers)


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Rule:
    """Map records to a service: `host` equals, `path_prefix` starts the request path, or
    the record's `field` equals `value` (compared as text)."""

    kind: str
    value: str
    service_id: int
    field: str = ""


@dataclass(frozen=True)
class SourceConfig:
    """How a source reads its records: rules (first match wins), the fallback service, the
    log format of raw lines and which time to count for latency (None: no latency)."""

    rules: tuple[Rule, ...]
    default_service_id: int | None
    log_format: LogFormat
    latency: str | None
    window: tuple[dt.datetime, dt.datetime]  # accepted minutes [earliest, latest]


@dataclass
class Counts:
    """A batch read: per (service id, UTC minute) [good, total, histogram or None], how
    many records came and counted, and the first errors."""

    buckets: dict = field(default_factory=dict)
    received: int = 0
    counted: int = 0
    rejected: int = 0
    errors: list = field(default_factory=list)

    def reject(self, index: int, line: int | None, field_name: str, message: str) -> None:
        self.rejected += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            error = {"index": index, "field": field_name, "error": message}
            if line is not None:
                error["line"] = line
            self.errors.append(error)


def count_records(batch: Batch, config: SourceConfig, *, inline: bool = True) -> Counts:
    """Count every readable record into its service's minute; list the others.

    The common record (a parsed one with an RFC 3339 time of a minute seen before, an int
    status, a float request time, mapped by path rules or the default) is counted inline;
    everything else goes through `_Reader`, which validates every field and names what is
    wrong. Both count the same way (the tests feed the same records to both, `inline=False`
    turning the inline reading off)."""
    counts = Counts(received=len(batch.records))
    read = _Reader(config)
    fast = read.fast_path() if inline else None
    buckets = counts.buckets
    with_latency = config.latency is not None
    for index, record in enumerate(batch.records):
        found = fast(record) if fast is not None else None
        if found is None:
            if index in batch.unreadable:
                counts.reject(index, batch.line(index), "", batch.unreadable[index])
                continue
            try:
                found = read(record)
            except RecordError as error:
                counts.reject(index, batch.line(index), error.field, error.message)
                continue
        service_id, minute, status, bucket = found
        key = (service_id, minute)
        row = buckets.get(key)
        if row is None:
            row = buckets[key] = [0, 0, [0] * BUCKETS if with_latency else None]
        row[1] += 1
        if status < 500:
            row[0] += 1
            if with_latency:
                row[2][bucket] += 1
    counts.counted = counts.received - counts.rejected
    return counts


# --------------------------------------------------------------------------- typed reading


class _Common(msgspec.Struct):
    """The four fields the common record is counted by, decoded straight from the JSON text
    (msgspec skips every other field without building it). A field of another JSON type
    fails the line's decoding; a missing one is None; both send the line to the full
    reading."""

    timestamp: str | None = None
    status: int | None = None
    request_time: float | None = None
    request_path: str | None = None


_COMMON_LINE = msgspec.json.Decoder(_Common)
_COMMON_ARRAY = msgspec.json.Decoder(list[_Common])
_NOT_TYPED = (msgspec.DecodeError, RecursionError)  # ValidationError is a DecodeError


def count_body(body: bytes, media_type: str, config: SourceConfig) -> Counts:
    """`count_records(split_records(body, media_type), config)`, faster for the common set-up
    (path rules or none, latency by `request_time` or none).

    Only the fields counting needs are decoded (msgspec, typed); a line they do not fit (a
    raw record, a text status, a missing field, no JSON at all) is read in full as
    `split_records` reads it and counted by the full reader, so every record is counted,
    or listed with its line, index and error, exactly as there (property-tested). msgspec
    refuses whatever the standard library's JSON refuses (checked for the edge cases: bad
    numbers, escapes, control characters, nesting), except invalid UTF-8 in a field it
    skips: a body that is not UTF-8 is read in full."""
    reader = _Reader(config)
    fast = reader.typed_path()
    if fast is None or media_type == "text/plain" or not _is_utf8(body):
        return count_records(split_records(body, media_type), config)
    stripped = body.lstrip()
    if stripped[:1] != b"[":
        return _count_ndjson_typed(body, reader, fast)
    try:
        records = _COMMON_ARRAY.decode(stripped)
    except _NOT_TYPED:
        records = None
    counts = None if records is None else _count_typed_array(records, config, fast)
    return counts or count_records(split_records(body, media_type), config)


def _is_utf8(body: bytes) -> bool:
    if body.isascii():
        return True
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _count_ndjson_typed(body: bytes, full: _Reader, fast) -> Counts:
    lines = body.split(b"\n")
    if len(lines) > 1 and not lines[-1]:
        lines.pop()  # a final newline (Vector writes none; tolerated)
    try:  # the common batch: every line one typed record, in C loops (map)
        found = list(map(fast, map(_COMMON_LINE.decode, lines)))
    except _NOT_TYPED:
        return _count_ndjson_by_line(lines, full, fast)
    counts = Counts(received=len(found))
    _tally(counts.buckets, found, full.config.latency is not None)
    if None in found:  # no line is blank here: index i is line i + 1
        _count_by_full_reader(counts, full, lines, found)
    counts.counted = counts.received - counts.rejected
    return counts


def _tally(buckets: dict, found: list, with_latency: bool) -> None:
    """Add read records, (service id, minute, status, latency bucket) each, to `buckets`
    (one addition per distinct reading: Counter counts in C); None entries are skipped."""
    tally = Counter(found)
    tally.pop(None, None)
    for (service_id, minute, status, bucket), number in tally.items():
        row = buckets.get((service_id, minute))
        if row is None:
            row = buckets[(service_id, minute)] = [0, 0, [0] * BUCKETS if with_latency else None]
        row[1] += number
        if status < 500:
            row[0] += number
            if with_latency:
                row[2][bucket] += number


def _count_by_full_reader(counts: Counts, full: _Reader, lines: list, found: list) -> None:
    readings = []
    for index, reading in enumerate(found):
        if reading is not None:
            continue
        record, unreadable = _read_line(lines[index])
        if unreadable is not None:
            counts.reject(index, index + 1, "", unreadable)
            continue
        try:
            readings.append(full(record))
        except RecordError as error:
            counts.reject(index, index + 1, error.field, error.message)
    _tally(counts.buckets, readings, full.config.latency is not None)


def _count_ndjson_by_line(lines: list, full: _Reader, fast) -> Counts:
    """Line by line: blank lines skipped, each line typed if it can be, else read in full."""
    counts = Counts()
    decode, readings = _COMMON_LINE.decode, []
    index = 0
    for number, line in enumerate(lines, 1):
        try:
            reading = fast(decode(line))
        except _NOT_TYPED:
            reading = None
        if reading is None:
            if not line.strip():  # blank lines are skipped, as split_records does
                continue
            record, unreadable = _read_line(line)
            if unreadable is not None:
                counts.reject(index, number, "", unreadable)
                index += 1
                continue
            try:
                reading = full(record)
            except RecordError as error:
                counts.reject(index, number, error.field, error.message)
                index += 1
                continue
        index += 1
        readings.append(reading)
    _tally(counts.buckets, readings, full.config.latency is not None)
    counts.received = index
    counts.counted = index - counts.rejected
    return counts


def _count_typed_array(records: list, config: SourceConfig, fast) -> Counts | None:
    """The counts of a JSON array whose every record is common; None otherwise (the caller
    reads it in full then: an array has no lines to re-read one record from)."""
    found = list(map(fast, records))
    if None in found:
        return None
    counts = Counts(received=len(found), counted=len(found))
    _tally(counts.buckets, found, config.latency is not None)
    return counts


class _Reader:
    """Reads one record into (service id, minute, status, latency bucket or None)."""

    def __init__(self, config: SourceConfig):
        self.config = config
        self.minutes: dict = {}
        self.times: dict = {}
        self.needs_path = any(rule.kind == "path_prefix" for rule in config.rules)

    def fast_path(self):
        """A reader of the common record that returns None for anything else (the caller
        then uses this full reader); None when the source's set-up has no common case."""
        config = self.config
        if config.latency == "upstream_response_time":
            return None
        rules = config.rules
        only_prefixes = all(rule.kind == "path_prefix" for rule in rules)
        prefixes = tuple((rule.value, rule.service_id) for rule in rules) if only_prefixes else ()
        needs_path, service_of = self.needs_path, self.service
        default = config.default_service_id
        minutes, match = self.minutes, _RFC3339.match
        earliest, latest = config.window
        with_latency = config.latency is not None

        def read(record):
            if record.__class__ is not dict:
                return None
            stamp, status = record.get("timestamp"), record.get("status")
            if stamp.__class__ is not str or status.__class__ is not int:
                return None
            if not 100 <= status <= 599:
                return None
            bucket = None
            if with_latency:
                seconds = record.get("request_time")
                if seconds.__class__ is not float or not 0 <= seconds <= MAX_REQUEST_SECONDS:
                    return None
                bucket = bisect_left(BOUNDS_SECONDS, seconds)
            found = match(stamp)
            minute = None if found is None else minutes.get(found.groups())
            if minute is None or not earliest <= minute <= latest:
                return None
            path = None
            if needs_path:
                path = record.get("request_path")
                if path.__class__ is not str:
                    return None
            if not rules:
                service = default
            elif prefixes:  # path rules only, the common set-up: no call per rule
                service = default
                for prefix, service_id in prefixes:
                    if path.startswith(prefix):
                        service = service_id
                        break
            else:
                try:
                    service = service_of(record, path)
                except RecordError:
                    return None
            if service is None:
                return None
            return service, minute, status, bucket

        return read

    def typed_path(self):
        """The fast reader of `_Common` records (None for anything the full reader must
        see); None when the source's set-up is not the common one (path rules or a default
        service, latency by request_time or none). Times and paths repeat within a batch:
        their minute and service are worked out once each."""
        config = self.config
        if config.latency == "upstream_response_time":
            return None
        if any(rule.kind != "path_prefix" for rule in config.rules):
            return None
        if not config.rules and config.default_service_id is None:
            return None
        prefixes = tuple((rule.value, rule.service_id) for rule in config.rules)
        needs_path, default = self.needs_path, config.default_service_id
        minutes, match = self.minutes, _RFC3339.match
        earliest, latest = config.window
        with_latency = config.latency is not None
        stamps: dict = {}  # timestamp text -> its minute, when that is inside the window
        services: dict = {}  # request path -> its service, when one is found

        def minute_of(stamp):
            found = None if stamp is None else match(stamp)
            if found is None:
                return None
            key = found.groups()
            minute = minutes.get(key)
            if minute is None:
                try:
                    minute = minutes[key] = _minute_rfc3339(*key)
                except RecordError:
                    return None
            if not earliest <= minute <= latest:
                return None
            stamps[stamp] = minute
            return minute

        def service_of(path):
            if path is None:
                return None
            service = default
            for prefix, service_id in prefixes:
                if path.startswith(prefix):
                    service = service_id
                    break
            if service is not None:
                services[path] = service
            return service

        def read(record):
            status = record.status
            if status is None or not 100 <= status <= 599:
                return None
            minute = stamps.get(record.timestamp)
            if minute is None:
                minute = minute_of(record.timestamp)
                if minute is None:
                    return None
            service = default
            if needs_path:
                service = services.get(record.request_path)
                if service is None:
                    service = service_of(record.request_path)
                    if service is None:
                        return None
            if with_latency:
                seconds = record.request_time
                if seconds is None or not 0 <= seconds <= MAX_REQUEST_SECONDS:
                    return None
                return service, minute, status, bisect_left(BOUNDS_SECONDS, seconds)
            return service, minute, status, None

        return read

    def __call__(self, record):
        if record.__class__ is not dict:
            raise RecordError("", "A record must be a JSON object.")
        if "status" in record:
            minute = self.minute(record.get("timestamp"))
            status = _status(record["status"])
            bucket = self.bucket(record) if self.config.latency else None
            path = self.parsed_path(record) if self.needs_path else None
        else:
            minute, status, bucket, path = self.raw(record)
        earliest, latest = self.config.window
        if not earliest <= minute <= latest:
            where = "in the future" if minute > latest else "too far back"
            raise RecordError("timestamp", f"{minute:%Y-%m-%dT%H:%M}Z is {where}")
        return self.service(record, path), minute, status, bucket

    # ----------------------------------------------------------------- parsed records

    def minute(self, value) -> dt.datetime:
        """The UTC minute of a record's `timestamp` (cached per minute text)."""
        if value.__class__ is str:
            found = _RFC3339.match(value)
            if found is not None:
                key = found.groups()
                minute = self.minutes.get(key)
                if minute is None:
                    minute = self.minutes[key] = _minute_rfc3339(*key)
                return minute
            found = _TIME_LOCAL.match(value)
            if found is not None:
                first, second = (group.encode() for group in found.groups())
                try:
                    return cached_minute(minute_from_local, first, second)
                except (ValueError, KeyError, OverflowError):
                    pass
            raise RecordError("timestamp", f"{value[:40]!r} is not an RFC 3339 or nginx time")
        if value.__class__ in (int, float):
            return _minute_epoch(value)
        raise RecordError("timestamp", "Give the log line's time (RFC 3339), e.g. Vector's.")

    def bucket(self, record) -> int:
        """The histogram bucket of the record's request time (the upstream time when asked
        for and present, else the request time)."""
        value = record.get("request_time")
        if self.config.latency == "upstream_response_time":
            upstream = record.get("upstream_response_time")
            if upstream not in (None, "-", ""):
                value = upstream
        if value.__class__ is float or value.__class__ is int:
            try:
                check_seconds(value)
            except LatencyError as error:
                raise RecordError("request_time", error.message) from None
            return bucket_of(value)
        if value.__class__ is str:
            cached = self.times.get(value)
            if cached is None:
                cached = self.times[value] = _bucket_of_text(value)
            if cached.__class__ is str:
                raise RecordError("request_time", cached)
            return cached
        raise RecordError("request_time", "Give the request time in seconds (e.g. 0.123).")

    @staticmethod
    def parsed_path(record) -> str | None:
        path = record.get("request_path")
        if path.__class__ is str:
            return path
        request = record.get("request")
        if request.__class__ is str:
            parts = request.split(" ")
            return parts[1] if len(parts) >= 2 else None
        return None

    # ----------------------------------------------------------------- raw lines

    def raw(self, record):
        message = record.get("message")
        if message.__class__ is str:
            message = message.encode("utf-8", "surrogatepass")
        if message.__class__ is not bytes:
            raise RecordError(
                "status", "A record needs `status` (parsed) or `message` (the raw line)."
            )
        try:
            line = parse_line(message, self.config.log_format, self.config.latency)
        except LineError as error:
            raise RecordError("message", str(error)) from None
        bucket = None if line.seconds is None else bucket_of(line.seconds)
        return line.minute, line.status, bucket, line.path

    # ----------------------------------------------------------------- services

    def service(self, record, path: str | None) -> int:
        for rule in self.config.rules:
            if rule.kind == "host":
                matched = record.get("host") == rule.value
            elif rule.kind == "path_prefix":
                matched = path is not None and path.startswith(rule.value)
            else:
                value = record.get(rule.field)
                matched = value is not None and str(value) == rule.value
            if matched:
                return rule.service_id
        if self.config.default_service_id is None:
            raise RecordError("", "No rule of this source maps the record to a service.")
        return self.config.default_service_id


def _status(value) -> int:
    if value.__class__ is str and value.isascii() and value.isdigit() and len(value) <= 3:
        value = int(value)
    if value.__class__ is not int or not 100 <= value <= 599:
        raise RecordError("status", f"status {str(value)[:20]!r} is outside 100-599")
    return value


def _bucket_of_text(text: str) -> int | str:
    try:
        seconds = latency_seconds(text)
    except LatencyError as error:
        return error.message
    if seconds is None:
        return "request time missing ('-')"
    return bucket_of(seconds)


def _minute_rfc3339(prefix: str, offset: str) -> dt.datetime:
    suffix = "+00:00" if offset in ("Z", "z") else offset
    try:
        local = dt.datetime.fromisoformat(prefix.replace(" ", "T") + ":00" + suffix)
        return local.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        raise RecordError("timestamp", f"{prefix}{offset} is not a valid time") from None


def _minute_epoch(value: float) -> dt.datetime:
    """Unix time in seconds, ms, us or ns (told apart by size, as Vector's
    `timestamp_format` options write them), floored to the minute."""
    if not value >= 0:
        raise RecordError("timestamp", "A Unix time must be positive.")
    for scale in (1, 1_000, 1_000_000, 1_000_000_000):
        seconds = value / scale if scale > 1 else value
        if seconds < 1e11:
            try:
                return _EPOCH + dt.timedelta(minutes=int(seconds // 60))
            except OverflowError:
                break
    raise RecordError("timestamp", f"{value!r} is not a Unix time")
