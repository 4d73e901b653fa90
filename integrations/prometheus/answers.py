"""What Prometheus answers, decoded: the API envelope, instant vectors and range matrices
as :class:`Series` (exact ``Decimal`` samples, parsed when asked for) or, with ``floats``,
:class:`FloatSeries` decoded by msgspec straight into floats (the float64 ``float()`` gives
for Prometheus' text, NaN and infinities kept)."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property

import msgspec

from integrations.prometheus.errors import (
    PrometheusAPIError,
    PrometheusHTTPError,
    PrometheusPartialData,
    PrometheusResultError,
)

NON_FINITE = {"NaN": Decimal("NaN"), "+Inf": Decimal("Infinity"), "-Inf": Decimal("-Infinity")}


def parse_value(text) -> Decimal:
    """A sample value as Prometheus writes it (a string) as an exact Decimal."""
    if not isinstance(text, str):
        raise PrometheusResultError(f"sample value {text!r} is not a string")
    if text in NON_FINITE:
        return NON_FINITE[text]
    try:
        return Decimal(text)
    except InvalidOperation:
        raise PrometheusResultError(f"sample value {text[:40]!r} is not a number") from None


def format_labels(labels: dict) -> str:
    """``{job="api", instance="a:9100"}``: how Prometheus shows a series' labels."""
    name = labels.get("__name__", "")
    inner = ", ".join(
        f'{key}="{value}"' for key, value in sorted(labels.items()) if key != "__name__"
    )
    return f"{name}{{{inner}}}"


@dataclass(frozen=True)
class Sample:
    """One value at one instant (seconds since the epoch, as Prometheus gives it)."""

    at: float
    value: Decimal

    @property
    def finite(self) -> bool:
        return self.value.is_finite()

    @property
    def instant(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.at, tz=dt.UTC)

    def finite_value(self, labels: dict | None = None) -> Decimal:
        if not self.finite:
            where = f" of {format_labels(labels)}" if labels else ""
            raise PrometheusResultError(
                f"sample{where} at {self.instant:%Y-%m-%dT%H:%M:%SZ} is {self.value}"
            )
        return self.value


@dataclass(frozen=True)
class Series:
    """A series of a vector (one sample) or a matrix (the samples in time order). Values
    are parsed when first asked for: ``samples`` (exact Decimals) or ``float_points()``
    (floats, for long matrices)."""

    labels: dict
    raw: tuple = ()

    @property
    def name(self) -> str:
        return format_labels(self.labels)

    @cached_property
    def samples(self) -> tuple[Sample, ...]:
        return tuple(Sample(at=at, value=parse_value(text)) for at, text in self._pairs())

    def float_points(self) -> list[tuple[float, float]]:
        """``(epoch seconds, value)`` pairs as floats (NaN and infinities kept)."""
        try:
            return [(at, float(text)) for at, text in self._pairs()]
        except (TypeError, ValueError):
            raise PrometheusResultError("a sample value is not a number") from None

    def _pairs(self):
        for pair in self.raw:
            if not isinstance(pair, list) or len(pair) != 2 or not isinstance(pair[1], str):
                raise PrometheusResultError("malformed sample in the answer")
            try:
                at = float(pair[0])
            except (TypeError, ValueError):
                raise PrometheusResultError("malformed sample time in the answer") from None
            yield at, pair[1]


@dataclass(frozen=True)
class FloatSeries:
    """A series asked for with ``floats=True``: ``points`` are ``(epoch seconds, value)``
    float pairs in time order (one for a vector), NaN and infinities kept."""

    labels: dict
    points: list

    @property
    def name(self) -> str:
        return format_labels(self.labels)

    def float_points(self) -> list[tuple[float, float]]:
        return self.points


@dataclass(frozen=True)
class QueryResult:
    """What a query answered: ``vector`` or ``matrix`` series, and Prometheus' warnings
    (empty unless the caller allowed them)."""

    result_type: str
    series: tuple[Series | FloatSeries, ...]
    warnings: tuple[str, ...] = field(default=())

    def one(self) -> Series | None:
        """The single series (None when there is none); several is an error naming them."""
        if not self.series:
            return None
        if len(self.series) > 1:
            names = ", ".join(series.name for series in self.series[:5])
            more = f" and {len(self.series) - 5} more" if len(self.series) > 5 else ""
            raise PrometheusResultError(
                f"the query returned {len(self.series)} series where one is expected: "
                f"{names}{more} (aggregate it, e.g. sum(...), or narrow its labels)"
            )
        return self.series[0]


_NULL = msgspec.Raw(b"null")


class Envelope(msgspec.Struct):
    """Prometheus' answer around ``data`` (left undecoded until its type is known)."""

    status: object = None
    data: msgspec.Raw = _NULL
    errorType: object = "error"
    error: object = ""
    warnings: object = None


class _Data(msgspec.Struct):
    resultType: object = None
    result: msgspec.Raw = _NULL


class _MatrixFloats(msgspec.Struct):
    metric: dict[str, str]
    values: list[tuple[float, float]]


class _VectorFloats(msgspec.Struct):
    metric: dict[str, str]
    value: tuple[float, float]


class _MatrixTexts(msgspec.Struct):
    metric: dict[str, str]
    values: list[tuple[float, str]]


class _VectorTexts(msgspec.Struct):
    metric: dict[str, str]
    value: tuple[float, str]


_ENVELOPE = msgspec.json.Decoder(Envelope)
_DATA = msgspec.json.Decoder(_Data)
# strict=False reads "2991" (a JSON string) as the float 2991.0; it refuses "+Inf", for
# which the texts are decoded and converted by float() instead.
_FLOATS = {
    "matrix": msgspec.json.Decoder(list[_MatrixFloats], strict=False),
    "vector": msgspec.json.Decoder(list[_VectorFloats], strict=False),
}
_TEXTS = {
    "matrix": msgspec.json.Decoder(list[_MatrixTexts]),
    "vector": msgspec.json.Decoder(list[_VectorTexts]),
}


def float_series(raw: msgspec.Raw, result_type: str) -> tuple[FloatSeries, ...]:
    """The series of ``data.result`` with float values (see :class:`FloatSeries`)."""
    try:
        items = _FLOATS[result_type].decode(raw)
    except msgspec.DecodeError:
        return _float_series_from_texts(raw, result_type)
    return tuple(FloatSeries(item.metric, _item_points(item, result_type)) for item in items)


def _float_series_from_texts(raw: msgspec.Raw, result_type: str) -> tuple[FloatSeries, ...]:
    try:
        items = _TEXTS[result_type].decode(raw)
    except msgspec.DecodeError:
        raise PrometheusResultError("malformed series in the answer") from None
    try:
        return tuple(
            FloatSeries(
                item.metric, [(at, float(text)) for at, text in _item_points(item, result_type)]
            )
            for item in items
        )
    except ValueError:
        raise PrometheusResultError("a sample value is not a number") from None


def _item_points(item, result_type: str) -> list:
    return item.values if result_type == "matrix" else [item.value]


def _series(item, result_type: str) -> Series:
    if not isinstance(item, dict) or not isinstance(item.get("metric"), dict):
        raise PrometheusResultError("malformed series in the answer")
    raw = [item.get("value")] if result_type == "vector" else item.get("values")
    if not isinstance(raw, list):
        raise PrometheusResultError("malformed series in the answer")
    labels = {str(key): str(value) for key, value in item["metric"].items()}
    return Series(labels=labels, raw=tuple(raw))


def decode(status: int, raw: bytes, location: str) -> Envelope:
    """Prometheus' envelope of an HTTP answer, or the error it means."""
    if 300 <= status < 400:
        raise PrometheusHTTPError(
            status,
            f"HTTP {status}: redirects are not followed; give the final URL ({location[:200]})",
        )
    try:
        body = _ENVELOPE.decode(raw)
    except msgspec.DecodeError:  # not JSON, or not an object
        body = None
    if body is not None and body.status == "error":
        raise PrometheusAPIError(status, str(body.errorType), str(body.error)[:2000])
    if not 200 <= status < 300:
        text = raw[:200].decode("utf-8", "replace").strip()
        raise PrometheusHTTPError(status, f"HTTP {status}" + (f": {text}" if text else ""))
    if body is None or body.status != "success":
        raise PrometheusResultError("the answer is not Prometheus API JSON")
    return body


def query_result(body: Envelope, expected: str, allow_warnings: bool, floats: bool):
    """The QueryResult in an envelope, checked to be of the ``expected`` resultType."""
    try:
        data = _DATA.decode(body.data)
    except msgspec.DecodeError:
        data = None
    if data is None or bytes(memoryview(data.result)[:1]) != b"[":
        raise PrometheusResultError("malformed answer: no data.result")
    result_type = data.resultType
    if result_type != expected:
        raise PrometheusResultError(
            f"the query gave a {result_type}, not an instant {expected}"
            if expected == "vector"
            else f"the query gave a {result_type}, not a range {expected}"
        )
    warnings = tuple(str(item) for item in body.warnings or ())
    if warnings and not allow_warnings:
        raise PrometheusPartialData(list(warnings))
    if floats:
        series = float_series(data.result, result_type)
    else:
        items = msgspec.json.decode(data.result)
        series = tuple(_series(item, result_type) for item in items)
    return QueryResult(result_type=result_type, series=series, warnings=warnings)


def data_object(body: Envelope) -> dict | None:
    """``data`` of an envelope when it is an object (build info), else None."""
    try:
        data = msgspec.json.decode(body.data)
    except msgspec.DecodeError:
        return None
    return data if isinstance(data, dict) else None
