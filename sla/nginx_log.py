"""Streaming nginx access-log parser: per-minute good/total request counts and latency.

A 5xx status is bad, anything else good (4xx are the client's doing); a status outside
100-599 makes the line unusable. The `combined` format has a split-free fast path (one
precompiled bytes regex per line); any other `log_format` string (or the preset `apm`, the
format of the nginx-to-Vector recipe) is compiled to a regex. Time stamps are parsed once
per distinct minute (the minute text is the cache key) and request times once per distinct
text, never per line.

With latency on, each good line's `$request_time` (or `$upstream_response_time`, falling
back to `$request_time` when no upstream was asked) lands in the fixed histogram of
`sla.engine.latency`; a missing, negative or absurd time makes the line unusable (reported).
`parse_line` reads one line the same way, for log lines pushed one by one (Vector).
"""

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sla.engine.latency import BUCKETS, LatencyError, bucket_of, check_seconds

COMBINED = (
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
    '"$http_referer" "$http_user_agent"'
)
# The recipe's `log_format apm` (reference 003). It ends at $upstream_connect_time: what
# follows (a trailing space, or the `upstream_header_time=` that the recipe's VRL regex
# expects) is read as part of that last field and ignored.
APM = (
    '"$time_local" client=$remote_addr method=$request_method request="$request" '
    "request_length=$request_length status=$status bytes_sent=$bytes_sent "
    "body_bytes_sent=$body_bytes_sent referer=$http_referer "
    'user_agent="$http_user_agent" upstream_addr=$upstream_addr '
    "upstream_status=$upstream_status request_time=$request_time "
    "upstream_response_time=$upstream_response_time "
    "upstream_connect_time=$upstream_connect_time"
)
PRESETS = {"combined": COMBINED, "apm": APM}
LATENCY_VARIABLES = ("request_time", "upstream_response_time")

# $time_local: 10/Oct/2000:13:55:36 -0700 -> minute text "10/Oct/2000:13:55", offset "-0700".
_TIME_LOCAL = rb"\[(\d\d/[A-Za-z]{3}/\d{4}:\d\d:\d\d):\d\d ([+-]\d{4})\]"
_COMBINED_RE = re.compile(rb"\S+ \S+ \S+ " + _TIME_LOCAL + rb' "(?:[^"\\]|\\.)*" ([1-5])\d\d ')
_COMBINED_LENIENT = re.compile(rb'\S+ \S+ \S+ \[[^\]]*\] "(?:[^"\\]|\\.)*" (?P<status>\S+) ')
_VARIABLE = re.compile(r"\$(\w+)|\$\{(\w+)\}")
# Variables whose values list several upstreams ("10.0.0.1:80, 10.0.0.2:80" or "a : b").
_UPSTREAM_LIST = r"[^ ,\n]*(?:(?:, | : )[^ ,\n]*)*"
_MONTHS = {
    name: number
    for number, name in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}


class LogFormatError(ValueError):
    """A log_format this parser cannot use (it needs $status and a time variable)."""


class LineError(ValueError):
    """One log line that cannot be counted; the message says why."""


@dataclass
class ParseResult:
    """Per-minute counts (UTC minute start -> [good, total]), per-minute latency
    histograms of the good requests (with latency on) and the bad lines seen."""

    minutes: dict = field(default_factory=dict)
    histograms: dict = field(default_factory=dict)
    lines: int = 0
    parsed: int = 0
    errors: list = field(default_factory=list)  # (line number, reason)
    error_count: int = 0


# Variables whose values hold no client-chosen text. A value found by searching backwards for
# the literal before it cannot be faked by anything logged after it if only these follow.
_PLAIN_VARIABLES = {
    "request_time", "msec", "status", "bytes_sent", "body_bytes_sent", "request_length",
    "connection", "connection_requests", "pipe", "remote_addr", "remote_port", "server_addr",
    "server_port", "time_local", "time_iso8601", "gzip_ratio", "request_id", "ssl_protocol",
    "ssl_cipher", "pid",
}  # fmt: skip


def _is_plain(name: str) -> bool:
    return name in _PLAIN_VARIABLES or name.startswith("upstream_")


class LogFormat:
    """A compiled nginx `log_format`.

    `pattern`: the strict bytes regex of the whole line (status 1xx-5xx); `lenient`: the
    same with any status, only to say why a line did not match. The hot loops use `head`,
    the strict regex up to the status and the time (the rest of a long line is never
    scanned by the regex engine), and find a request time logged after them by searching
    backwards for the literal before it (`times_reader`), which the format allows when only
    plain values (numbers, addresses) follow it; otherwise they fall back to `pattern`.
    """

    def __init__(self, text: str):
        self.text = PRESETS.get(text, text)
        self.variables: set[str] = set()
        segments = self._segments()
        if "status" not in self.variables:
            raise LogFormatError("the log_format has no $status")
        if not self.variables & {"time_local", "time_iso8601", "msec"}:
            raise LogFormatError("the log_format has no $time_local, $time_iso8601 or $msec")
        strict = [literal + variable for literal, _, variable, _ in segments]
        lenient = [literal + variable for literal, _, _, variable in segments]
        tail = re.escape(self._tail)
        self.pattern = re.compile(("".join(strict) + tail).encode())
        self.lenient = re.compile(("".join(lenient) + tail).encode())
        self.locators = self._locators(segments)
        self.head = re.compile(self._head(segments, strict).encode())
        if "time_local" in self.variables:
            self.time_groups, self.convert = ("minute", "offset"), minute_from_local
        elif "time_iso8601" in self.variables:
            self.time_groups, self.convert = ("iso", "isooffset"), minute_from_iso
        else:
            self.time_groups, self.convert = ("msec", "msec"), minute_from_msec

    def _segments(self) -> list[tuple[str, str, str, str]]:
        """(escaped literal before, name, strict regex, lenient regex) per variable."""
        segments, position = [], 0
        matches = list(_VARIABLE.finditer(self.text))
        for index, match in enumerate(matches):
            literal = re.escape(self.text[position : match.start()])
            name = match.group(1) or match.group(2)
            following = self.text[match.end() : match.end() + 1]
            if index + 1 < len(matches) and matches[index + 1].start() == match.end():
                raise LogFormatError(f"${name} is directly followed by another variable")
            repeated = name in self.variables
            self.variables.add(name)
            segments.append(
                (
                    literal,
                    "" if repeated else name,
                    self._variable(name, following, repeated, strict=True),
                    self._variable(name, following, repeated, strict=False),
                )
            )
            position = match.end()
        self._tail = self.text[position:]
        self._starts = [match.start() for match in matches] + [len(self.text)]
        self._ends = [match.end() for match in matches]
        return segments

    def _head(self, segments, strict: list[str]) -> str:
        """The strict regex up to the time, the status and the request times that cannot be
        found from the end, and the literal after the last of them."""
        wanted = {"status", "time_local", "time_iso8601", "msec"}
        groups = {"request_time": "rt", "upstream_response_time": "urt"}
        wanted |= {name for name, group in groups.items() if group not in self.locators}
        last = max(index for index, segment in enumerate(segments) if segment[1] in wanted)
        following = self.text[self._ends[last] : self._starts[last + 1]]
        return "".join(strict[: last + 1]) + re.escape(following)

    def _locators(self, segments) -> dict[str, tuple[bytes, bytes | None]]:
        """Group -> (literal before, literal after or None at the end) for the request
        times that can be found from the end of the line."""
        locators = {}
        for index, (_, name, _, _) in enumerate(segments):
            if name not in LATENCY_VARIABLES:
                continue
            before = self.text[self._ends[index - 1] if index else 0 : self._starts[index]]
            after = self.text[self._ends[index] : self._starts[index + 1]]
            later = [segment[1] for segment in segments[index + 1 :]]
            unique = before.strip() and self.text.count(before) == 1
            if unique and all(_is_plain(other) for other in later if other):
                group = "rt" if name == "request_time" else "urt"
                locators[group] = (before.encode(), after.encode() or None)
        return locators

    @staticmethod
    def _variable(name: str, following: str, repeated: bool, *, strict: bool) -> str:
        anything = f"[^{re.escape(following)}\\n]*" if following else "[^\\n]*"
        if repeated:
            return anything  # a second occurrence is not captured again
        if name == "status":
            return r"(?P<status>[1-5])\d\d" if strict else f"(?P<status>{anything})"
        if name == "time_local":
            return r"(?P<minute>\d\d/[A-Za-z]{3}/\d{4}:\d\d:\d\d):\d\d (?P<offset>[+-]\d{4})"
        if name == "time_iso8601":
            return r"(?P<iso>\d{4}-\d\d-\d\dT\d\d:\d\d):\d\d(?P<isooffset>Z|[+-]\d\d:\d\d)"
        if name == "msec":
            return r"(?P<msec>\d+)(?:\.\d+)?"
        if name == "request_time":
            return f"(?P<rt>{anything})"
        if name == "upstream_response_time":
            return f"(?P<urt>{_UPSTREAM_LIST})"
        if name.startswith("upstream_"):
            return _UPSTREAM_LIST
        if name == "request":
            return f"(?P<request>{anything})"
        return anything

    def latency_groups(self, latency: str | None) -> tuple[str, ...]:
        """The groups a latency mode reads; LogFormatError when the format lacks them."""
        if latency in (None, "none"):
            return ()
        if latency not in LATENCY_VARIABLES:
            raise LogFormatError(f"latency must be one of {', '.join(LATENCY_VARIABLES)}")
        if "request_time" not in self.variables:
            raise LogFormatError("the log_format has no $request_time (needed for latency)")
        if latency == "upstream_response_time":
            if "upstream_response_time" not in self.variables:
                raise LogFormatError("the log_format has no $upstream_response_time")
            return ("urt", "rt")
        return ("rt",)

    def times_reader(self, latency: str | None):
        """A function (line, head match) -> the request time text (or (upstream, request)
        texts), None when it cannot say (the caller then reads the line with `pattern`)."""
        groups = self.latency_groups(latency)
        if not groups:
            return None
        if all(group in self.head.groupindex for group in groups):
            return lambda line, found: found.group(*groups)
        if not all(group in self.locators for group in groups):
            return lambda line, found: None
        if len(groups) == 1:
            return _locate_one(*self.locators[groups[0]])
        first, second = (_locate_one(*self.locators[group]) for group in groups)

        def read_both(line: bytes, found):
            upstream, request_time = first(line, found), second(line, found)
            return None if upstream is None or request_time is None else (upstream, request_time)

        return read_both


def _locate_one(before: bytes, after: bytes | None):
    """A reader of the value between the last `before` and the next `after` (or the end)."""
    size = len(before)

    def read(line: bytes, found):
        index = line.rfind(before, found.end())
        if index < 0:
            return None
        index += size
        if after is None:
            return line[index:].rstrip(b"\r\n")
        stop = line.find(after, index)
        return line[index:stop] if stop >= 0 else None

    return read


def compile_log_format(log_format: str) -> LogFormat:
    """A LogFormat for an nginx `log_format` string or a preset name (`combined`, `apm`).

    Each variable matches up to the literal character that follows it in the format."""
    return LogFormat(log_format)


def minute_from_local(minute: bytes, offset: bytes) -> dt.datetime:
    text = minute.decode("ascii")
    day, month, rest = text.split("/")
    year, hour, minute_text = rest.split(":")
    sign = 1 if offset[:1] == b"+" else -1
    delta = dt.timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5]))
    local = dt.datetime(int(year), _MONTHS[month], int(day), int(hour), int(minute_text))
    return (local - sign * delta).replace(tzinfo=dt.UTC)


def minute_from_iso(iso: bytes, offset: bytes) -> dt.datetime:
    text = iso.decode("ascii") + (":00+00:00" if offset == b"Z" else ":00" + offset.decode())
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def minute_from_msec(msec: bytes, _unused: bytes) -> dt.datetime:
    return dt.datetime.fromtimestamp(int(msec) // 60 * 60, dt.UTC)


def latency_seconds(text: bytes | str) -> float | None:
    """A request time in seconds from nginx's text: `0.300`; an upstream list
    (`0.100, 0.200` or `0.1 : 0.05`) is the sum of its parts (summed exactly, then read as
    the nearest float); `-` (no upstream asked) is None. LatencyError when unusable."""
    if isinstance(text, bytes):
        text = text.decode("ascii", "replace")
    parts = [part.strip() for part in re.split(r"[,:]", text)]
    if all(part == "-" for part in parts):
        return None
    try:
        total = sum((Decimal(part) for part in parts if part != "-"), Decimal(0))
    except InvalidOperation:
        raise LatencyError("request_time", f"request time {text[:40]!r} is not a number") from None
    if not total.is_finite():
        raise LatencyError("request_time", f"request time {text[:40]!r} is not a number")
    seconds = float(total)
    check_seconds(seconds)
    return seconds


def parse_lines(
    lines: Iterable[bytes],
    log_format: LogFormat | None = None,
    max_errors: int = 1000,
    *,
    latency: str | None = None,
    window: tuple[dt.datetime, dt.datetime] | None = None,
) -> ParseResult:
    """Count good/total per UTC minute (and latency histograms with `latency` set to
    `request_time` or `upstream_response_time`). Unparseable lines are recorded (line
    number and reason, the first `max_errors` of them) and skipped; parsing never stops.
    Minutes outside `window` ([earliest, latest] start) are refused and reported."""
    result = ParseResult()
    if log_format is None and latency in (None, "none"):
        counts = _count_combined(lines, result, max_errors)
        convert = minute_from_local
    else:
        log_format = log_format or LogFormat(COMBINED)
        counts = _count_custom(lines, log_format, result, max_errors, latency)
        convert = log_format.convert
    _minutes(counts, convert, window, result, max_errors)
    result.errors.sort(key=lambda error: error[0])
    return result


def _minutes(counts: dict, convert, window, result: ParseResult, max_errors: int) -> None:
    minutes: dict[dt.datetime, list[int]] = {}
    for (first, second), (good, total, histogram, line) in counts.items():
        try:
            minute = convert(first, second)
        except (ValueError, KeyError, OverflowError):
            _refuse(result, line, total, f"bad time {first!r} {second!r}", max_errors)
            continue
        if window is not None and not window[0] <= minute <= window[1]:
            where = "in the future" if minute > window[1] else "too far back"
            _refuse(result, line, total, f"time {minute:%Y-%m-%d %H:%M}Z is {where}", max_errors)
            continue
        row = minutes.setdefault(minute, [0, 0])
        row[0] += good
        row[1] += total
        if histogram is not None:
            stored = result.histograms.setdefault(minute, [0] * BUCKETS)
            for index, count in enumerate(histogram):
                stored[index] += count
    result.minutes = minutes
    result.parsed = sum(row[1] for row in minutes.values())


def _refuse(result: ParseResult, line: int, total: int, reason: str, max_errors: int) -> None:
    result.error_count += total
    if len(result.errors) < max_errors:
        more = f" (and {total - 1} more lines of that minute)" if total > 1 else ""
        result.errors.append((line, reason + more))


def _count_combined(lines, result: ParseResult, max_errors: int) -> dict:
    """The hot loop for `combined`: one match per line, one dict update per line."""
    match = _COMBINED_RE.match
    counts: dict[tuple[bytes, bytes], list] = {}
    number = 0
    for number, line in enumerate(lines, 1):
        found = match(line)
        if found is None:
            _record_error(result, number, line, _diagnose(line, _COMBINED_LENIENT), max_errors)
            continue
        minute, offset, status = found.groups()
        key = (minute, offset)
        row = counts.get(key)
        if row is None:
            row = counts[key] = [0, 0, None, number]
        if status != b"5":
            row[0] += 1
        row[1] += 1
    result.lines = number
    return counts


def _count_custom(lines, log_format: LogFormat, result, max_errors: int, latency) -> dict:
    """The loop for any other format: per line one match of the format's head, one dict
    update and (with latency) the request time's bucket from a cache of time texts."""
    match = log_format.head.match
    wanted = (*log_format.time_groups, "status")
    by_msec = log_format.time_groups[0] == "msec"
    read_times = log_format.times_reader(latency)
    latency_groups = log_format.latency_groups(latency)
    buckets: dict = {}  # request time text -> bucket (or why it is unusable)
    counts: dict = {}
    number = 0
    for number, line in enumerate(lines, 1):
        found = match(line)
        if found is None:
            _record_error(result, number, line, _diagnose(line, log_format.lenient), max_errors)
            continue
        first, second, status = found.group(*wanted)
        if by_msec:
            first, second = str(int(first) // 60 * 60).encode(), b""
        bucket = None
        if read_times is not None:
            times = read_times(line, found)
            if times is None:
                times = _times_from_pattern(line, log_format, latency_groups)
            bucket = buckets.get(times)
            if bucket is None:
                bucket = buckets[times] = _bucket_or_reason(times)
            if bucket.__class__ is str:
                _record_error(result, number, line, bucket, max_errors)
                continue
        key = (first, second)
        row = counts.get(key)
        if row is None:
            row = counts[key] = [0, 0, None if bucket is None else [0] * BUCKETS, number]
        row[1] += 1
        if status != b"5":
            row[0] += 1
            if bucket is not None:
                row[2][bucket] += 1
    result.lines = number
    return counts


def _times_from_pattern(line: bytes, log_format: LogFormat, groups: tuple[str, ...]):
    """The request time text(s) read with the whole-line regex (when the format does not
    let them be found from the end); a reason text when the line does not match."""
    found = log_format.pattern.match(line)
    if found is None:
        return b"?unparseable"
    values = found.group(*groups)
    return values


def _bucket_or_reason(times) -> int | str:
    """The histogram bucket of a request time (or upstream time, request time) text, or the
    reason it is unusable."""
    if times == b"?unparseable":
        return "unparseable: the line does not match the log format"
    try:
        seconds = request_seconds(times)
    except LatencyError as error:
        return error.message
    return bucket_of(seconds)


def request_seconds(times) -> float:
    """Seconds of one request from its time text, or (upstream time, request time) texts
    (the request time when no upstream was asked). LatencyError when unusable."""
    if isinstance(times, tuple):
        upstream, request_time = times
        seconds = latency_seconds(upstream)
        if seconds is not None:
            return seconds
        times = request_time
    seconds = latency_seconds(times)
    if seconds is None:
        raise LatencyError("request_time", "request time missing ('-')")
    return seconds


def _diagnose(line: bytes, lenient: re.Pattern) -> str:
    """Why a line did not match: a status outside 100-599, or the line itself."""
    found = lenient.match(line)
    if found is not None:
        status = found.group("status")
        if not (len(status) == 3 and status.isdigit() and b"100" <= status <= b"599"):
            return f"status {status[:20].decode('ascii', 'replace')!r} is outside 100-599"
    return f"unparseable: {line[:120].decode('utf-8', 'replace').rstrip(chr(10))!r}"


def _record_error(result: ParseResult, number: int, line: bytes, reason: str, max_errors):
    result.error_count += 1
    if len(result.errors) < max_errors:
        result.errors.append((number, reason))


# --------------------------------------------------------------------------- one line


@dataclass(frozen=True)
class ParsedLine:
    """What one log line says: its UTC minute, status, request time (None without latency)
    and request path (None when the format does not log `$request`)."""

    minute: dt.datetime
    status: int
    seconds: float | None
    path: str | None


_MINUTE_CACHE: dict = {}


def cached_minute(convert, first: bytes, second: bytes) -> dt.datetime:
    """`convert(first, second)` through a small process-wide cache (minute texts repeat)."""
    key = (convert, first, second)
    minute = _MINUTE_CACHE.get(key)
    if minute is None:
        if len(_MINUTE_CACHE) > 10_000:
            _MINUTE_CACHE.clear()
        minute = _MINUTE_CACHE[key] = convert(first, second)
    return minute


def parse_line(line: bytes, log_format: LogFormat, latency: str | None) -> ParsedLine:
    """Read one line exactly as `parse_lines` does; LineError (the reason) when unusable."""
    found = log_format.head.match(line)
    if found is None:
        raise LineError(_diagnose(line, log_format.lenient))
    first, second = found.group(*log_format.time_groups)
    if log_format.time_groups[0] == "msec":
        first, second = str(int(first) // 60 * 60).encode(), b""
    try:
        minute = cached_minute(log_format.convert, first, second)
    except (ValueError, KeyError, OverflowError):
        raise LineError(f"bad time {first!r} {second!r}") from None
    seconds = None
    read_times = log_format.times_reader(latency)
    if read_times is not None:
        times = read_times(line, found)
        if times is None:
            times = _times_from_pattern(line, log_format, log_format.latency_groups(latency))
        reason_or_bucket = _bucket_or_reason(times)
        if reason_or_bucket.__class__ is str:
            raise LineError(reason_or_bucket)
        seconds = request_seconds(times)
    status = int(line[found.start("status") : found.start("status") + 3])
    return ParsedLine(minute, status, seconds, request_path(line, found, log_format))


def request_path(line: bytes, found: re.Match, log_format: LogFormat) -> str | None:
    """The path of `$request` ("GET /shop?q=1 HTTP/1.1" -> "/shop?q=1"), if logged."""
    if "request" not in log_format.variables:
        return None
    if "request" not in found.re.groupindex:
        found = log_format.pattern.match(line)
        if found is None:
            return None
    parts = found.group("request").split(b" ")
    return parts[1].decode("utf-8", "replace") if len(parts) >= 2 else None


def read_lines(path: str, chunk_bytes: int = 1 << 20) -> Iterator[bytes]:
    """Stream the lines of a (possibly gzip-compressed) file in binary mode."""
    import gzip

    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as handle:
        yield from handle


def source_key(path: str) -> str:
    """A log stream's identity: a hash of its first line, so a file keeps its key when it
    grows or is rotated (renamed), and two different files get different keys."""
    import hashlib

    for line in read_lines(path):
        return "nginx:" + hashlib.sha256(line).hexdigest()[:16]
    return "nginx:empty"
