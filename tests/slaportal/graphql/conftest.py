"""Helpers of the GraphQL tests: a POST to /graphql with a token, the body back."""

import pytest
from strawberry.utils.str_converters import to_camel_case

from tests.conftest import client_for
from tests.reporting.conftest import report_dir  # noqa: F401 - a fixture


def gql(token, query: str, variables: dict | None = None, *, status: int = 200) -> dict:
    """POST the query with `Authorization: Bearer <token>`; the JSON body of the answer."""
    response = client_for(token).post(
        "/graphql", {"query": query, "variables": variables or {}}, format="json"
    )
    assert response.status_code == status, response.content
    return response.json()


def error_codes(body: dict) -> list[str]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors", [])]


def camel_keys(value):
    """The REST API's snake_case keys as GraphQL names them (deep), to compare answers."""
    if isinstance(value, dict):
        return {to_camel_case(key): camel_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [camel_keys(item) for item in value]
    return value


@pytest.fixture
def graphql_reports(report_dir):  # noqa: F811 - the imported fixture
    return report_dir
