"""From the REST answers' dicts to GraphQL objects.

The three named SLA queries answer exactly the figures of their REST counterparts because
they are built from the very same dicts (`overview_json`, `period_results_rows` ...): this
module only moves each key into the field of the same (snake_case) name, recursing into
nested object types and lists of them. The rows of `slaPeriodResults` (some 24,000 objects
for a page of 1,000) skip the copy: the schema's default resolver
(`execution.field_value`) reads a dict's keys just as `from_json` does.
"""

import dataclasses
import types
import typing
from functools import cache


def _strawberry_type(annotation):
    """The object type an annotation holds (through Optional and list), or None."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        inner = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return _strawberry_type(inner[0]) if len(inner) == 1 else None
    if origin is list:
        return _strawberry_type(typing.get_args(annotation)[0])
    if dataclasses.is_dataclass(annotation) and hasattr(annotation, "__strawberry_definition__"):
        return annotation
    return None


@cache
def _fields(cls) -> tuple:
    hints = typing.get_type_hints(cls)
    return tuple(
        (item.name, _strawberry_type(hints[item.name]))
        for item in dataclasses.fields(cls)
        if item.init
    )


def from_json(cls, data):
    """An instance of the strawberry type `cls` from a dict of the REST shape (None and
    lists pass through; keys the type does not have are left out)."""
    if data is None:
        return None
    if isinstance(data, list):
        return [from_json(cls, item) for item in data]
    values = {}
    for name, nested in _fields(cls):
        value = data.get(name)
        values[name] = from_json(nested, value) if nested is not None else value
    return cls(**values)
