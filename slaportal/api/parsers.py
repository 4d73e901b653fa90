"""The API's JSON parser: text that cannot be stored is a 400 naming the field.

A lone surrogate (`"x\\udfff"`, see slaportal/text.py) anywhere in a body, value or key, is
refused before any view sees it: `{"error": "validation_error", "fields": {"labels.team":
[...]}}` instead of a 500 from the database driver. Batch endpoints that reject item by
item (events, request counts) check each item themselves.
"""

from rest_framework import exceptions
from rest_framework.parsers import JSONParser

from slaportal.text import lone_surrogate_fields


class StorableTextJSONParser(JSONParser):
    """JSONParser refusing lone surrogates with a validation error naming their paths."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        refuse_lone_surrogates(data)
        return data


def refuse_lone_surrogates(data, prefix: str = "") -> None:
    """Raise a validation error naming every path of `data` holding a lone surrogate."""
    bad = lone_surrogate_fields(data, prefix)
    if bad:
        raise exceptions.ValidationError(bad)
