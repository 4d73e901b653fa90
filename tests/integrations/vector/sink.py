"""Vector's `http` sink with the README's vector.toml, rebuilt from its documentation.

Vector is not installable from the registries this project reaches, so this module makes the
requests that config's pipeline makes: it reads the README's `vector.toml` block, applies
its remap (the recipe's regex and the conversions it lists) to nginx lines, and encodes the
records as the sink does: keys in order (Vector's log events are B-tree maps), compact JSON,
timestamps in RFC 3339 UTC, batches as a JSON array (`codec = "json"`: `[` records joined by
`,` `]`) or newline-delimited without a trailing newline (`framing.method =
"newline_delimited"`), gzip-compressed (`compression = "gzip"`), with the headers the sink
sets (Content-Type, Content-Encoding, Authorization: Bearer, User-Agent).
"""

import contextlib
import datetime as dt
import gzip
import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

README = Path(__file__).resolve().parents[3] / "README.md"
USER_AGENT = "Vector/0.43.1 (x86_64-unknown-linux-gnu)"


def readme_vector_toml() -> dict:
    """The README's complete vector.toml, parsed."""
    text = README.read_text()
    blocks = re.findall(r"```toml\n(.*?)```", text, re.S)
    config = next(block for block in blocks if "[sinks.sla_portal]" in block)
    return tomllib.loads(config)


def remap_source(config: dict) -> str:
    return config["transforms"]["nginx_parsed"]["source"]


def recipe_regex(config: dict) -> re.Pattern:
    """The regex of the remap's parse_regex! call (VRL raw string r'...')."""
    source = remap_source(config)
    found = re.search(r"parse_regex!\(\.message, r'(.*)'\)\n", source)
    return re.compile(found.group(1))


# The remap's statements this module carries out (checked against the README text).
CONVERSIONS = {
    "host = .host": None,
    ".host = host": None,
    '.timestamp = parse_timestamp!(.timestamp, format: "%d/%b/%Y:%H:%M:%S %z")': "timestamp",
    ".status = to_int!(.status)": "int!",
    ".request_length = to_int(.request_length) ?? null": "int",
    ".bytes_sent = to_int(.bytes_sent) ?? null": "int",
    ".body_bytes_sent = to_int(.body_bytes_sent) ?? null": "int",
    ".request_time = to_float!(.request_time)": "float!",
    ".upstream_response_time = to_float(.upstream_response_time) ?? .upstream_response_time": (
        "float or text"
    ),
}


def _field(statement: str) -> str:
    return statement.split(" = ")[0].lstrip(".")


def _to_float(text: str):
    # VRL's to_float takes decimal numbers only ("-" and "0.1, 0.2" fail).
    if not re.fullmatch(r"-?\d+(\.\d+)?", text):
        raise ValueError(text)
    return float(text)


def remap(line: str, config: dict, host: str) -> dict | None:
    """The README remap applied to one line; None where VRL's `!` would abort (Vector then
    drops the event)."""
    source = remap_source(config)
    for statement in CONVERSIONS:
        assert statement in source, f"README remap changed: {statement!r} is gone"
    found = recipe_regex(config).match(line)
    if found is None:
        return None
    record = found.groupdict()
    record["host"] = host
    try:
        for statement, kind in CONVERSIONS.items():
            name = _field(statement)
            if kind == "timestamp":
                local = dt.datetime.strptime(record[name], "%d/%b/%Y:%H:%M:%S %z")
                record[name] = local.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            elif kind == "int!":
                record[name] = int(record[name])
            elif kind == "int":
                record[name] = int(record[name]) if record[name].isdigit() else None
            elif kind == "float!":
                record[name] = _to_float(record[name])
            elif kind == "float or text":
                with contextlib.suppress(ValueError):
                    record[name] = _to_float(record[name])
    except ValueError:
        return None
    return dict(sorted(record.items()))


def raw_record(line: str, host: str, path: str, read_at: dt.datetime) -> dict:
    """What the file source emits without a remap (its `timestamp` is when it read the line)."""
    return {
        "file": path,
        "host": host,
        "message": line,
        "source_type": "file",
        "timestamp": read_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }


def encode(record: dict) -> bytes:
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True)
class SinkRequest:
    """One request of the sink: body bytes and headers as Django's test client takes them."""

    body: bytes
    content_type: str
    headers: dict


def sink_request(records, token: str, *, framing: str = "json", compression: str = "gzip"):
    """The request the sink sends for one batch (`framing`: json, newline_delimited, text)."""
    if framing == "json":
        payload = b"[" + b",".join(encode(record) for record in records) + b"]"
        content_type = "application/json"
    elif framing == "newline_delimited":
        payload = b"\n".join(encode(record) for record in records)
        content_type = "application/x-ndjson"
    else:
        payload = b"\n".join(record["message"].encode() for record in records)
        content_type = "text/plain"
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_USER_AGENT": USER_AGENT}
    if compression == "gzip":
        payload = gzip.compress(payload, mtime=0)
        headers["HTTP_CONTENT_ENCODING"] = "gzip"
    return SinkRequest(payload, content_type, headers)


def batches(records: list, size: int) -> list[list]:
    return [records[index : index + size] for index in range(0, len(records), size)]
