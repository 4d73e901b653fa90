"""Streaming nginx access-log parser: per-minute good/total request counts.

A 5xx status is bad, anything else good (4xx are the client's doing). The `combined`
format has a split-free fast path (one precompiled bytes regex per line); a custom nginx
`log_format` string is compiled to a regex. Time stamps are parsed once per distinct
minute (the minute text is the cache key), never per line.
"""

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

COMBINED = (
    '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
    '"$http_referer" "$http_user_agent"'
)

# $time_local: 10/Oct/2000:13:55:36 -0700 -> minute text "10/Oct/2000:13:55", offset "-0700".
_TIME_LOCAL = rb"\[(\d\d/[A-Za-z]{3}/\d{4}:\d\d:\d\d):\d\d ([+-]\d{4})\]"
_COMBINED_RE = re.compile(rb"\S+ \S+ \S+ " + _TIME_LOCAL + rb' "(?:[^"\\]|\\.)*" (\d)\d\d ')
_VARIABLE = re.compile(r"\$(\w+)|\$\{(\w+)\}")
_MONTHS = {
    name: number
    for number, name in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}


class LogFormatError(ValueError):
    """A log_format this parser cannot use (it needs $status and a time variable)."""


@dataclass
class ParseResult:
    """Per-minute counts (UTC minute start -> [good, total]) and the bad lines seen."""

    minutes: dict = field(default_factory=dict)
    lines: int = 0
    parsed: int = 0
    errors: list = field(default_factory=list)  # (line number, reason)
    error_count: int = 0


def compile_log_format(log_format: str) -> re.Pattern:
    """A bytes regex for an nginx `log_format`: groups minute, offset (or iso/msec), status.

    Each variable matches up to the literal character that follows it in the format.
    """
    pattern, position, seen = [], 0, set()
    matches = list(_VARIABLE.finditer(log_format))
    for index, match in enumerate(matches):
        pattern.append(re.escape(log_format[position : match.start()]).encode())
        name = match.group(1) or match.group(2)
        following = log_format[match.end() : match.end() + 1]
        if index + 1 < len(matches) and matches[index + 1].start() == match.end():
            raise LogFormatError(f"${name} is directly followed by another variable")
        pattern.append(_variable_regex(name, following, seen))
        position = match.end()
    pattern.append(re.escape(log_format[position:]).encode())
    if "status" not in seen:
        raise LogFormatError("the log_format has no $status")
    if not seen & {"time_local", "time_iso8601", "msec"}:
        raise LogFormatError("the log_format has no $time_local, $time_iso8601 or $msec")
    return re.compile(b"".join(pattern))


def _variable_regex(name: str, following: str, seen: set) -> bytes:
    if name in seen and name in {"status", "time_local", "time_iso8601", "msec"}:
        return rb"[^ ]*"
    seen.add(name)
    if name == "status":
        return rb"(?P<status>\d)\d\d"
    if name == "time_local":
        return rb"(?P<minute>\d\d/[A-Za-z]{3}/\d{4}:\d\d:\d\d):\d\d (?P<offset>[+-]\d{4})"
    if name == "time_iso8601":
        return rb"(?P<iso>\d{4}-\d\d-\d\dT\d\d:\d\d):\d\d(?P<isooffset>Z|[+-]\d\d:\d\d)"
    if name == "msec":
        return rb"(?P<msec>\d+)(?:\.\d+)?"
    if following:
        return b"[^" + re.escape(following).encode() + b"\n]*"
    return rb"[^\n]*"


def _minute_from_local(minute: bytes, offset: bytes) -> dt.datetime:
    text = minute.decode("ascii")
    day, month, rest = text.split("/")
    year, hour, minute_text = rest.split(":")
    sign = 1 if offset[:1] == b"+" else -1
    delta = dt.timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5]))
    local = dt.datetime(int(year), _MONTHS[month], int(day), int(hour), int(minute_text))
    return (local - sign * delta).replace(tzinfo=dt.UTC)


def _minute_from_iso(iso: bytes, offset: bytes) -> dt.datetime:
    text = iso.decode("ascii") + (":00+00:00" if offset == b"Z" else ":00" + offset.decode())
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def parse_lines(
    lines: Iterable[bytes], pattern: re.Pattern | None = None, max_errors: int = 1000
) -> ParseResult:
    """Count good/total per UTC minute. Unparseable lines are recorded (line number and
    reason, the first `max_errors` of them) and skipped; parsing never stops."""
    result = ParseResult()
    if pattern is None:
        counts = _count_combined(lines, result, max_errors)
        convert = _minute_from_local
    else:
        counts, convert = _count_custom(lines, pattern, result, max_errors)
    minutes: dict[dt.datetime, list[int]] = {}
    for (first, second), (good, total) in counts.items():
        try:
            minute = convert(first, second)
        except (ValueError, KeyError, OverflowError):
            result.error_count += total
            if len(result.errors) < max_errors:
                result.errors.append((0, f"bad time {first!r} {second!r} ({total} lines)"))
            continue
        row = minutes.setdefault(minute, [0, 0])
        row[0] += good
        row[1] += total
    result.minutes = minutes
    result.parsed = sum(row[1] for row in minutes.values())
    return result


def _count_combined(lines, result: ParseResult, max_errors: int) -> dict:
    """The hot loop for `combined`: one match per line, one dict update per line."""
    match = _COMBINED_RE.match
    counts: dict[tuple[bytes, bytes], list[int]] = {}
    number = 0
    for number, line in enumerate(lines, 1):
        found = match(line)
        if found is None:
            _record_error(result, number, line, max_errors)
            continue
        minute, offset, status = found.groups()
        key = (minute, offset)
        row = counts.get(key)
        if row is None:
            row = counts[key] = [0, 0]
        if status != b"5":
            row[0] += 1
        row[1] += 1
    result.lines = number
    return counts


def _minute_from_epoch_minutes(minutes: bytes, _unused: bytes) -> dt.datetime:
    return dt.datetime.fromtimestamp(int(minutes) * 60, dt.UTC)


def _count_custom(lines, pattern: re.Pattern, result: ParseResult, max_errors: int):
    groups = pattern.groupindex
    if "minute" in groups:
        names, convert = ("minute", "offset"), _minute_from_local
    elif "iso" in groups:
        names, convert = ("iso", "isooffset"), _minute_from_iso
    else:
        names, convert = ("msec", None), _minute_from_epoch_minutes
    counts: dict = {}
    number = 0
    for number, line in enumerate(lines, 1):
        found = pattern.match(line)
        if found is None:
            _record_error(result, number, line, max_errors)
            continue
        if names[1] is None:
            key = (str(int(found.group("msec")) // 60).encode(), b"")
        else:
            key = (found.group(names[0]), found.group(names[1]))
        row = counts.get(key)
        if row is None:
            row = counts[key] = [0, 0]
        if found.group("status") != b"5":
            row[0] += 1
        row[1] += 1
    result.lines = number
    return counts, convert


def _record_error(result: ParseResult, number: int, line: bytes, max_errors: int) -> None:
    result.error_count += 1
    if len(result.errors) < max_errors:
        text = line[:120].decode("utf-8", "replace").rstrip("\n")
        result.errors.append((number, f"unparseable: {text!r}"))


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
