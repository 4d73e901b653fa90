"""The published OpenAPI schema and the code agree: schemathesis over every operation.

A bounded, seeded run: the demo account's data (every demo seeder, so later parts of the
product bring their own) plus a factory-made row of every routed model, a real token, and
for each operation of the schema a fixed number of generated requests, valid and invalid
ones, half of them aimed at the account's real objects (an `{id}` drawn from the rows the
route serves). Every answer must be no server error and match the schema: status
documented, body of the documented shape. New endpoints are covered as soon as they are
routed; their data as soon as they have a demo seeder or a factory.
"""

import os
import random
import time
from collections import defaultdict

import pytest
import schemathesis
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from accounts.demo import demo_seed
from accounts.services import token_create
from tests.api.routes import detail_routes
from tests.factories import factory_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

# Generated requests per operation: 111 operations x 10 stay within about a minute on two
# cores. SCHEMATHESIS_EXAMPLES raises it for a longer run by hand.
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "10"))
SEED = 20261202
CHECKS = [not_a_server_error, response_schema_conformance]
METHOD_ORDER = {"get": 0, "post": 1, "put": 2, "patch": 3, "delete": 4}


def _route_model(path: str):
    """The model an API path's `{id}` names (its view's queryset or tenant_model)."""
    try:
        match = resolve(path.replace("{id}", "1"))
    except Resolver404:
        return None
    view = getattr(match.func, "cls", None) or getattr(match.func, "view_class", None)
    queryset = getattr(view, "queryset", None)
    return queryset.model if queryset is not None else getattr(view, "tenant_model", None)


def _seed(account, spare_token_ids) -> None:
    """A row of every routed model besides the demo data (new endpoints get one too)."""
    for route in detail_routes():
        if route.model is None:
            continue
        for _ in range(2):
            row = factory_for(route.model)(account=account)
            if route.model.__name__ == "ApiToken":
                spare_token_ids.append(row.pk)


def _ids_by_model(account, models, exclude) -> dict:
    ids = {}
    for model in models:
        rows = model.objects.for_account(account).exclude(pk__in=exclude.get(model, ()))
        ids[model] = list(rows.order_by("pk").values_list("pk", flat=True)[:20])
    return ids


def _operations(schema):
    operations = [result.ok() for result in schema.get_all_operations()]
    return sorted(operations, key=lambda op: (METHOD_ORDER.get(op.method.lower(), 9), op.path))


def test_every_operation_answers_as_its_schema_says(settings):
    settings.DEBUG = False
    from slaportal.wsgi import application

    demo = demo_seed()
    account = demo.account
    token, secret = token_create(
        account=account, name="schemathesis", scopes=["ingest", "read", "write"]
    )
    spare_tokens: list[int] = []
    _seed(account, spare_tokens)

    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    operations = _operations(schema)
    models = {op.path: _route_model(op.path) for op in operations if "{id}" in op.path}
    # Never revoke the token the run authenticates with (nor the demo's).
    protected = {type(token): [token.pk, *_demo_token_ids(account)]}
    headers = {"Authorization": f"Bearer {secret}"}
    failures: dict[str, list[str]] = defaultdict(list)
    statuses: dict[str, set] = defaultdict(set)
    chooser = random.Random(SEED)
    started = time.monotonic()

    for operation in operations:
        model = models.get(operation.path)
        ids = _ids_by_model(account, [model], protected).get(model, []) if model else []
        _exercise(operation, ids, chooser, headers, failures, statuses)

    elapsed = time.monotonic() - started
    assert not failures, _report(failures, elapsed)
    # The run reached the real objects: some operation with an {id} answered 200.
    assert any(
        200 in codes for label, codes in statuses.items() if "{id}" in label and "GET" in label
    ), dict(statuses)


def _exercise(operation, ids, chooser, headers, failures, statuses) -> None:
    """EXAMPLES generated requests (valid and invalid) against one operation."""
    label = f"{operation.method.upper()} {operation.path}"

    @settings_for_run
    @given(
        case=st.one_of(
            operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
            operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
        )
    )
    def run(case):
        if ids and "id" in (case.path_parameters or {}) and chooser.random() < 0.5:
            case.path_parameters["id"] = chooser.choice(ids)
        response = case.call(headers=headers)
        statuses[label].add(response.status_code)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (AssertionError, BaseExceptionGroup) as error:  # a Failure or a group
            failures[label].append(_describe(case, response, error))

    run()


settings_for_run = hypothesis_settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def _demo_token_ids(account) -> list[int]:
    from accounts.models import ApiToken

    return list(ApiToken.objects.for_account(account).values_list("pk", flat=True))


def _describe(case, response, error) -> str:
    body = response.content[:300] if hasattr(response, "content") else b""
    return (
        f"{case.method} {case.formatted_path} query={case.query!r} "
        f"body={str(case.body)[:200]!r} -> {response.status_code} {body!r}: "
        f"{str(error).strip()[:800]}"
    )


def _report(failures: dict, elapsed: float) -> str:
    lines = [f"{len(failures)} operation(s) disagree with the schema ({elapsed:.0f} s):"]
    for label, items in sorted(failures.items()):
        lines.append(f"- {label}: {len(items)} failure(s); first: {items[0]}")
    return "\n".join(lines)
