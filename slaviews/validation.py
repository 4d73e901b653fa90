"""Checks of a view's filters and periods, each error naming its field."""

import datetime as dt
import re

from slaportal.instants import InstantError, parse_aware_instant

VIEW_STATES = ("OK", "WARN", "CRIT", "UNKNOWN", "NONE")
MAX_RANGE_SPAN = dt.timedelta(days=3 * 366)  # all ranges together: bounded work per read


class ViewError(ValueError):
    """A bad view setting: ``field`` names it (``ranges[1].to``)."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


def check_path_regex(value: str) -> str:
    """A Python regular expression; the error says where it goes wrong."""
    try:
        re.compile(value)
    except re.error as error:
        position = error.pos if error.pos is not None else len(value)
        raise ViewError(
            "path_regex", f"invalid regular expression at position {position}: {error.msg}"
        ) from None
    except (OverflowError, RecursionError, ValueError) as error:
        raise ViewError("path_regex", f"invalid regular expression: {error}") from None
    return value


def check_ranges(ranges: list) -> list[dict]:
    """``[{"from", "to"}]`` of aware instants, each ``from < to``, none overlapping."""
    parsed = []
    for index, item in enumerate(ranges):
        bounds = []
        for key in ("from", "to"):
            try:
                bounds.append(parse_aware_instant(item[key]))
            except (InstantError, KeyError, TypeError) as error:
                raise ViewError(f"ranges[{index}].{key}", str(error) or "is required") from None
        if bounds[1] <= bounds[0]:
            raise ViewError(f"ranges[{index}].to", "must be after from (the range is inverted)")
        for other_index, (start, end, _) in enumerate(parsed):
            if bounds[0] < end and start < bounds[1]:
                raise ViewError(f"ranges[{index}]", f"overlaps ranges[{other_index}]")
        parsed.append((*bounds, item))
    if sum((end - start for start, end, _ in parsed), dt.timedelta()) > MAX_RANGE_SPAN:
        raise ViewError("ranges", "cover at most 3 years together")
    return [{"from": _text(start), "to": _text(end)} for start, end, _ in parsed]


def _text(instant: dt.datetime) -> str:
    return instant.isoformat().replace("+00:00", "Z")
