"""The GraphQL errors the API answers, each with a stable `extensions.code`."""

from graphql import GraphQLError

# Codes of errors that are the client's (or the account's) doing: not logged as failures.
EXPECTED_CODES = frozenset(
    {"PLUGIN_DISABLED", "NOT_FOUND", "BAD_USER_INPUT", "QUERY_TOO_DEEP", "QUERY_TOO_COSTLY"}
)


def plugin_disabled() -> GraphQLError:
    """The account's SLA features are off (flag, SLA_ENABLED/ITOPS_PLUGINS_SLA_ENABLED or
    licence): the same answer as the REST API's 403 `plugin_disabled`."""
    return GraphQLError("plugin_disabled", extensions={"code": "PLUGIN_DISABLED"})


def not_found(argument: str) -> GraphQLError:
    """No such object in the token's account (another account's id included)."""
    return GraphQLError("not_found", extensions={"code": "NOT_FOUND", "argument": argument})


def bad_input(argument: str, message: str) -> GraphQLError:
    return GraphQLError(
        f"{argument}: {message}", extensions={"code": "BAD_USER_INPUT", "argument": argument}
    )
