"""PlainTreeExecutor answers exactly what graphql-core's own execution answers (data and
errors, with their messages, paths and locations), for plain trees and for everything the
fast path gives up on: nulls in non-null fields, wrong types, out-of-range numbers,
exceptions as values, resolvers, arguments, fragments, aliases, directives. No database."""

import datetime as dt
import decimal
import enum
import math
from types import SimpleNamespace
from typing import NewType

import pytest
import strawberry
from strawberry.schema.config import StrawberryConfig

from slaportal.graphql.execution import PlainTreeExecutor, field_value
from slaportal.graphql.schema import schema as portal_schema


@strawberry.enum
class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


Odd = NewType("Odd", int)  # a scalar whose coercer answers None for even numbers
ODD = strawberry.scalar(
    name="Odd", serialize=lambda value: value if value % 2 else None, parse_value=int
)


class NamedError(Exception):
    """An exception that has the attributes of a Child."""

    name = "named"
    tags = None


@strawberry.type
class Item:
    name: str
    size: float | None = None
    count: int | None = None


@strawberry.type
class Child:
    name: str
    tags: list[str] | None = None

    @strawberry.field
    def shout(self) -> str:
        return field_value(self, "name").upper()

    @strawberry.field
    def repeat(self, times: int = 2) -> str:
        return field_value(self, "name") * times


@strawberry.type
class Row:
    text: str
    maybe_text: str | None
    number: int
    ratio: float | None
    flag: bool
    when: dt.datetime | None
    color: Color | None
    odd: Odd | None
    items: list[Item | None] | None
    strict_items: list[Item] | None
    child: Child | None


@strawberry.type
class Query:
    rows: list[Row | None] | None
    row: Row


def make_schema(executor=None) -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        config=StrawberryConfig(default_resolver=field_value, scalar_map={Odd: ODD}),
        execution_context_class=executor,
    )


class CountingExecutor(PlainTreeExecutor):
    """Counts the values graphql-core itself completes (none in the fast path)."""

    standard = 0

    def complete_value(self, *args, **kwargs):
        CountingExecutor.standard += 1
        return super().complete_value(*args, **kwargs)


FAST, STANDARD = make_schema(CountingExecutor), make_schema()
WHEN = dt.datetime(2026, 12, 3, 8, 0, 1, 250, tzinfo=dt.UTC)


def row(**changes) -> dict:
    """A good row (as a dict, read by field_value); `changes` make it bad."""
    values = {
        "text": "a",
        "maybe_text": None,
        "number": 7,
        "ratio": 99.5,
        "flag": True,
        "when": WHEN,
        "color": Color.BLUE,
        "odd": 3,
        "items": [{"name": "x", "size": 1.5, "count": 2}, None, Item(name="y")],
        "strict_items": [{"name": "z"}],
        "child": SimpleNamespace(name="kid", tags=["t1", "t2"]),
    }
    values.update(changes)
    return values


ALL = """query($skip: Boolean = false) {
  rows {
    __typename text maybeText number ratio flag when color odd
    alias: text
    items { name size count __typename }
    strictItems { name }
    child { name tags ...ChildBits }
    skipped: number @skip(if: $skip)
  }
}
fragment ChildBits on Child { tags name }"""


def answers(query: str, root, variables: dict | None = None) -> tuple:
    """(data, errors) of each executor; `root` may be a function making a fresh one."""
    results = []
    for schema in (FAST, STANDARD):
        root_value = root() if callable(root) else root
        result = schema.execute_sync(query, root_value=root_value, variable_values=variables)
        errors = [
            (error.message, error.path, [(loc.line, loc.column) for loc in error.locations])
            for error in result.errors or ()
        ]
        results.append((result.data, errors))
    return tuple(results)


def test_a_plain_tree_is_completed_in_the_fast_path_with_the_same_answer():
    CountingExecutor.standard = 0
    root = SimpleNamespace(rows=[row(), row(text="b", color=Color.RED, items=None)], row=row())
    result = FAST.execute_sync(ALL, root_value=root)
    assert CountingExecutor.standard == 0  # all of it in the fast path
    fast, standard = answers(ALL, root)
    assert fast == standard
    assert fast[1] == []
    assert fast[0] == result.data
    assert fast[0]["rows"][0]["when"] == "2026-12-03T08:00:01.000250+00:00"
    assert fast[0]["rows"][0]["__typename"] == "Row"
    assert fast[0]["rows"][0]["color"] == "BLUE"


@pytest.mark.parametrize(
    "changes",
    [
        {"text": None},  # null in a non-null field
        {"number": None},
        {"number": 2**31},  # not a 32-bit Int
        {"number": "7"},  # coerced from a string
        {"number": "seven"},
        {"number": True},
        {"number": 7.0},
        {"number": 7.5},
        {"ratio": math.nan},
        {"ratio": math.inf},
        {"ratio": 3},
        {"ratio": decimal.Decimal("99.25")},
        {"ratio": "1.5"},
        {"flag": 0},
        {"flag": "yes"},
        {"text": 12},
        {"text": ValueError("broken text")},  # an exception as the value
        {"text": NamedError("a custom exception, which has a str()")},
        {"child": ValueError("broken child")},
        {"child": NamedError("an exception with the attributes")},
        {"odd": 4},  # the scalar's coercer answers None
        {"color": "red"},
        {"color": "green"},
        {"when": "not a datetime"},
        {"items": ({"name": "tuple"},)},  # an iterable that is not a list
        {"items": "abc"},
        {"items": [{"name": None}]},
        {"strict_items": [None]},  # null in a list of non-null items
        {"strict_items": [{"name": "ok"}, {"size": 1.0}]},
        {"child": SimpleNamespace(tags=[])},  # attribute missing
        {"child": {"name": "from a dict"}},
        {"items": [SimpleNamespace(name="n", size=float("-inf"))]},
    ],
)
def test_whatever_the_fast_path_gives_up_on_is_answered_as_graphql_core_answers(changes):
    root = SimpleNamespace(rows=[row(), row(**changes), None], row=row(**changes))
    fast, standard = answers(ALL, root)
    assert fast == standard
    fast, standard = answers("{ row { text number ratio flag color child { name } } }", root)
    assert fast == standard


def test_a_list_given_as_an_iterator_is_read_once_whatever_it_holds():
    def root():
        items = iter([{"name": "a"}, {"name": None}, {"name": "c"}])
        return SimpleNamespace(rows=[row(items=items)], row=row())

    fast, standard = answers("{ rows { items { name } } }", root)
    assert fast == standard
    assert fast[1][0][1] == ["rows", 0, "items", 1, "name"]


def test_resolvers_arguments_and_directives_are_executed_as_before():
    root = SimpleNamespace(rows=[row(), row(child=None)], row=row())
    queries = [
        "{ rows { child { name shout repeat(times: 3) } } }",
        "{ row { child { shout } text } }",
        "query($skip: Boolean!) { rows { text @include(if: $skip) number } }",
        "{ rows { ... on Row { text } ...Bits } } fragment Bits on Row { number text }",
        "{ a: row { text } b: row { number } }",
    ]
    for query in queries:
        fast, standard = answers(query, root, {"skip": True})
        assert fast == standard, query
        assert fast[1] == [], query


def test_the_portal_schema_runs_on_the_plain_tree_executor():
    assert portal_schema.execution_context_class is PlainTreeExecutor
    assert portal_schema.config.default_resolver is field_value
