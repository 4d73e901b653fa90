"""A faster execution of plain object trees, same answers (issue 16's speed target).

graphql-core resolves every field one by one: a resolve-info object, a response path,
argument coercion, awaitable checks and the nullability/list/leaf/object dispatch, several
microseconds a field. `slaPeriodResults` answers some 90 fields per row (about 90,000 for
a page of 1,000 services x 6 periods), all of them plain: keys of the REST rows or
attributes of objects (strawberry's "basic" fields: no resolver, no argument, no
extension, read by the schema's default resolver `field_value`).

`PlainTreeExecutor` completes such a field and everything under it in one tight loop:
the key or attribute read, then per field type exactly what graphql-core does (`null`
check of a non-null type, list items, the scalar's `coerce_output_value`, except that a
str, bool, 32-bit int or finite float, which those coercers answer unchanged, is taken as
it is), with the sub-selections collected by graphql-core itself and compiled once per
request. Anything else stops the fast path before it has any effect: a field with a
resolver or arguments, incremental delivery, an `is_type_of` check, a null where the type
says non-null, a list that is not a `list`, an exception as a value, any error. The field
is then executed again from scratch by graphql-core, which answers and reports errors
(message, path, locations) exactly as before: the fast path only reads, so reading again
changes nothing. tests/slaportal/graphql/test_graphql_execution.py compares both.
"""

import sys
from contextlib import suppress
from typing import Any

from graphql import (
    GRAPHQL_MAX_INT,
    GRAPHQL_MIN_INT,
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLFloat,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLString,
)
from graphql.pyutils import Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

TYPENAME = "__typename"
LEAF, NUMBER, OBJECT, LIST = "leaf", "number", "object", "list"


class NotPlain(Exception):
    """This value or selection is not for the fast path: execute it the standard way.
    (Raised as a new instance each time: a raised instance keeps its traceback.)"""


class _Never:
    """No value is of this class (leaves whose coercer has no identity shortcut)."""


# Coercers that answer a value of exactly this class unchanged (graphql-core's
# serialize_string and serialize_boolean): such a value is taken as it is.
IDENTITY = {GraphQLString.coerce_output_value: str, GraphQLBoolean.coerce_output_value: bool}
# Coercers that answer a number of exactly this class unchanged when it is within the
# bounds: serialize_int (32-bit) and serialize_float (finite: NaN fails both comparisons).
NUMBERS = {
    GraphQLInt.coerce_output_value: (int, GRAPHQL_MIN_INT, GRAPHQL_MAX_INT),
    GraphQLFloat.coerce_output_value: (float, -sys.float_info.max, sys.float_info.max),
}


def field_value(source, name: str):
    """The schema's default resolver (StrawberryConfig): a dict's key, None when the dict
    has none (the REST rows the SLA queries answer, as `convert.from_json` reads them),
    else the object's attribute (strawberry's default)."""
    if source.__class__ is dict:
        return source.get(name)
    return getattr(source, name)


def plain_attribute(field_def) -> str | None:
    """The attribute a field reads, when it is one of strawberry's basic fields (no
    resolver, no permission or field extension, no argument, the default resolver)."""
    if field_def.args or not getattr(field_def.resolve, "_is_default", False):
        return None
    definition = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if definition is None or definition.default_resolver is not field_value:
        return None
    return definition.python_name


class PlainTreeExecutor(StrawberryGraphQLCoreExecutionContext):
    """strawberry's executor with the fast path above for plain fields.

    A selection is compiled once per request into shapes, (kind, non-null, a, b):
    LEAF (a: the coercer, b: the class it answers unchanged), NUMBER (a: the coercer,
    b: (class, low, high) it answers unchanged), OBJECT (a: its plan, a tuple
    of (response name, attribute, shape); attribute None for `__typename`, its shape the
    type name) and LIST (a: the item's shape)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        schema, middleware = self.schema, self.middleware_manager
        self._plain_enabled = (
            (middleware is None or not middleware.middlewares)  # strawberry's: resolve hooks
            and schema.get_directive("defer") is None
            and schema.get_directive("stream") is None
        )
        self._attributes: dict = {}  # (type name, field name) -> attribute or None
        self._plans: dict = {}  # (type, id(field details)) -> (field details, plan or None)

    # ----------------------------------------------------------------------- compiling

    def _attribute(self, parent_type: GraphQLObjectType, field_name: str) -> str | None:
        key = (parent_type.name, field_name)
        try:
            return self._attributes[key]
        except KeyError:
            pass
        field_def = parent_type.fields.get(field_name)
        attribute = plain_attribute(field_def) if field_def is not None else None
        self._attributes[key] = attribute
        return attribute

    def _shape(self, field_type, field_details_list) -> tuple | None:
        # isinstance, as graphql-core's own dispatch (strawberry subclasses the enum type)
        non_null = isinstance(field_type, GraphQLNonNull)
        named = field_type.of_type if non_null else field_type
        if isinstance(named, GraphQLScalarType | GraphQLEnumType):
            coerce = named.coerce_output_value
            if coerce in NUMBERS:
                return (NUMBER, non_null, coerce, NUMBERS[coerce])
            return (LEAF, non_null, coerce, IDENTITY.get(coerce, _Never))
        if isinstance(named, GraphQLList):
            item = self._shape(named.of_type, field_details_list)
            return None if item is None else (LIST, non_null, item, None)
        if isinstance(named, GraphQLObjectType):
            plan = self._plan(named, field_details_list)
            return None if plan is None else (OBJECT, non_null, plan, None)
        return None

    def _plan(self, object_type: GraphQLObjectType, field_details_list) -> tuple | None:
        """The sub-fields of a plain object with their shapes, or None; memoized per
        selection as graphql-core memoizes their collection."""
        key = (object_type, id(field_details_list))
        cached = self._plans.get(key)
        if cached is not None:
            return cached[1]
        plan = None
        if object_type.is_type_of is None:
            grouped, new_defer_usages, _ = self.collect_subfields(object_type, field_details_list)
            plan = [] if not new_defer_usages else None
            for response_name, details in grouped.items() if plan is not None else ():
                node = details[0].node
                if node.name.value == TYPENAME:
                    plan.append((response_name, None, object_type.name))
                    continue
                attribute = self._attribute(object_type, node.name.value)
                shape = None
                if attribute is not None and not node.arguments:
                    shape = self._shape(object_type.fields[node.name.value].type, details)
                if shape is None:
                    plan = None
                    break
                plan.append((response_name, attribute, shape))
        plan = tuple(plan) if plan is not None else None
        self._plans[key] = (field_details_list, plan)  # keeps the list alive (id reuse)
        return plan

    # ----------------------------------------------------------------------- completing

    def _value(self, shape: tuple, value):
        """`value` completed as graphql-core completes it, or NotPlain."""
        kind, non_null, a, b = shape
        if value is None:
            if non_null:
                raise NotPlain  # graphql-core's "Cannot return null" error
            return None
        if kind is LEAF or kind is NUMBER:
            if value.__class__ is b:
                return value
            if isinstance(value, Exception):
                raise NotPlain
            coerced = a(value)
            if coerced is None or coerced is Undefined:
                raise NotPlain
            return coerced
        if kind is OBJECT:
            return self._object(a, value)
        return self._list(a, value)

    def _list(self, item_shape: tuple, value) -> list:
        if value.__class__ is not list:
            raise NotPlain
        kind, non_null, plan, _ = item_shape
        if kind is not OBJECT:
            return [self._value(item_shape, item) for item in value]
        completed = []
        for item in value:
            if item is None:
                if non_null:
                    raise NotPlain
                completed.append(None)
            else:
                completed.append(self._object(plan, item))
        return completed

    def _object(self, plan: tuple, value) -> dict:
        if isinstance(value, Exception):
            raise NotPlain  # graphql-core raises it as the field's error
        result = {}
        from_dict = value.__class__ is dict  # as field_value reads it
        for response_name, attribute, shape in plan:
            if attribute is None:
                result[response_name] = shape  # __typename
                continue
            item = value.get(attribute) if from_dict else getattr(value, attribute)
            kind, non_null, a, b = shape
            if item is None:
                if non_null:
                    raise NotPlain
                result[response_name] = None
            elif kind is LEAF:
                if item.__class__ is b:
                    result[response_name] = item  # what the coercer answers for it
                else:
                    result[response_name] = self._value(shape, item)
            elif kind is NUMBER:
                number_class, low, high = b
                if item.__class__ is number_class and low <= item <= high:
                    result[response_name] = item  # what the coercer answers for it
                else:
                    result[response_name] = self._value(shape, item)
            elif kind is OBJECT:
                result[response_name] = self._object(a, item)
            else:
                result[response_name] = self._list(a, item)
        return result

    def execute_field(self, parent_type, source, field_details_list, path, position_context):
        """A plain field and its sub-tree in the fast path, else (or when the fast path
        gives up, for whatever reason) graphql-core's execution, which reports errors."""
        if self._plain_enabled and position_context is None:
            node = field_details_list[0].node
            attribute = self._attribute(parent_type, node.name.value)
            if attribute is not None and not node.arguments:
                field_type = parent_type.fields[node.name.value].type
                shape = self._shape(field_type, field_details_list)
                if shape is not None:
                    with suppress(Exception):
                        return self._value(shape, field_value(source, attribute))
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )
