"""Limits against abusive queries, checked before anything executes: the depth of the
operation (GRAPHQL_MAX_DEPTH) and an estimate of the objects it can return
(GRAPHQL_MAX_NODES). Page sizes are checked by each list (`first`, GRAPHQL_MAX_PAGE_SIZE).

The estimate multiplies each object field by the page sizes and period or day counts of
the lists around it (`first`, else the list's default; `last`; `days`), with the
variables' values, so `first: $n` is judged by the $n actually sent. Introspection
(`__schema`, `__type`) is not counted: GraphiQL must be able to load the schema.
"""

from django.conf import settings
from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    get_named_type,
    is_object_type,
    value_from_ast,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

# List arguments that multiply what is below them (periods per row, days per group).
MULTIPLYING_ARGUMENTS = ("first", "last", "days")


class _Walk:
    """Depth and node estimate of one operation, fragments followed."""

    def __init__(self, schema, fragments: dict, variables: dict):
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.max_depth = 0
        self.nodes = 0

    def multiplier(self, field_def, node: FieldNode) -> int:
        given = {argument.name.value: argument.value for argument in node.arguments or ()}
        factor = 1
        for name in MULTIPLYING_ARGUMENTS:
            argument = field_def.args.get(name)
            if argument is None:
                continue
            value = None
            if name in given:
                value = value_from_ast(given[name], argument.type, self.variables)
            if value is None and name == "first":
                value = settings.GRAPHQL_DEFAULT_PAGE_SIZE
            if value is None:
                value = argument.default_value if isinstance(argument.default_value, int) else 1
            factor *= max(int(value), 1) if isinstance(value, int) else 1
        return factor

    def fields(self, selection_set, seen: frozenset = frozenset()):
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                yield from self.fields(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in seen:
                    yield from self.fields(fragment.selection_set, seen | {name})

    def walk(self, parent_type, selection_set, depth: int, factor: int) -> None:
        for node in self.fields(selection_set):
            name = node.name.value
            if name.startswith("__") or not is_object_type(parent_type):
                continue
            field_def = parent_type.fields.get(name)
            if field_def is None:
                continue
            self.max_depth = max(self.max_depth, depth)
            child_type = get_named_type(field_def.type)
            if is_object_type(child_type):
                self.nodes += factor
                inner = factor * self.multiplier(field_def, node)
                self.walk(child_type, node.selection_set, depth + 1, inner)


def operation_limit_errors(schema, document, operation_name, variables) -> list[GraphQLError]:
    """The limit errors of the operation that will run (none when it is within limits)."""
    fragments, operations = {}, []
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            operations.append(definition)
        elif definition.kind == "fragment_definition":
            fragments[definition.name.value] = definition
    chosen = [
        operation
        for operation in operations
        if operation_name is None or (operation.name and operation.name.value == operation_name)
    ]
    errors = []
    for operation in chosen[:1]:
        root = schema.get_root_type(operation.operation)
        walk = _Walk(schema, fragments, variables or {})
        walk.walk(root, operation.selection_set, 1, 1)
        if walk.max_depth > settings.GRAPHQL_MAX_DEPTH:
            errors.append(
                GraphQLError(
                    f"Query depth {walk.max_depth} is over the limit of "
                    f"{settings.GRAPHQL_MAX_DEPTH} nested fields.",
                    extensions={"code": "QUERY_TOO_DEEP", "limit": settings.GRAPHQL_MAX_DEPTH},
                )
            )
        if walk.nodes > settings.GRAPHQL_MAX_NODES:
            errors.append(
                GraphQLError(
                    f"Query could return up to {walk.nodes} objects, over the limit of "
                    f"{settings.GRAPHQL_MAX_NODES}: ask for smaller pages (first) or fewer "
                    "nested lists.",
                    extensions={"code": "QUERY_TOO_COSTLY", "limit": settings.GRAPHQL_MAX_NODES},
                )
            )
    return errors


class QueryLimits(SchemaExtension):
    """Runs the standard validation, then the limits (with the request's variables); any
    error stops the operation before execution."""

    def on_validate(self):
        context = self.execution_context
        if context.pre_execution_errors is None and context.graphql_document is not None:
            schema = context.schema._schema
            errors = validate_document(schema, context.graphql_document, context.validation_rules)
            if not errors:
                try:
                    errors = operation_limit_errors(
                        schema, context.graphql_document, context.operation_name, context.variables
                    )
                except (TypeError, ValueError):
                    errors = []  # bad variables: execution reports them with their names
            context.pre_execution_errors = errors
        yield
