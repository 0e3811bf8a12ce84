"""Schemathesis against ``/api/v1/openapi.json`` (issue 7, Acceptance).

Every operation of the document gets a bounded number of generated requests (valid and
edge-case parameters) against the app, with the fixture world in the database; each
response must not be a server error, must have a documented status code and content type,
and must match its schema. The write is exercised without a token (documented 401s), with
an organisation's token on an open consultation (generated bodies: 422s and 201s), and
once with the documented example body (a 201 that must match its schema).
"""

from __future__ import annotations

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import ApiWorld
from tests.api.tokens_world import build as build_token_world

EXAMPLES_PER_OPERATION = 15
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def no_api_limit(app: Flask):
    saved = app.config.get("RATELIMIT_API")
    app.config["RATELIMIT_API"] = "100000 per minute"
    yield
    if saved is None:
        app.config.pop("RATELIMIT_API", None)
    else:
        app.config["RATELIMIT_API"] = saved


def test_schemathesis_finds_no_server_errors_or_schema_violations(
    app: Flask, session, api_world: ApiWorld, quiet_housekeeping: None, no_api_limit: None
) -> None:
    tokens = build_token_world(session)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    statuses: set[tuple[str, int]] = set()
    assert len(operations) == len(schema.raw_schema["paths"])
    real = {
        "code": "JZ22",
        "slug": api_world.consultation.slug,
        "number": 1,
        "leaf_index": 0,
    }
    for operation in operations:
        exercise(operation, None, statuses)
        if operation.method.upper() == "POST":
            bearer = {"Authorization": f"Bearer {tokens.token.secret}"}
            exercise(operation, {"slug": tokens.consultation.slug}, statuses, bearer)
            example = operation.schema.make_case(
                operation=operation,
                path_parameters={"slug": tokens.consultation.slug},
                headers={**bearer, "Idempotency-Key": "schemathesis-voorbeeld"},
                body=schema.raw_schema["paths"][operation.path]["post"]["requestBody"]["content"][
                    "application/json"
                ]["example"],
                media_type="application/json",
            )
            response = example.call_and_validate(checks=CHECKS)
            statuses.add((operation.path, response.status_code))
            continue
        if operation.path_parameters:
            identifier = (
                api_world.checkpoint.id
                if operation.path.startswith("/record")
                else api_world.public_comments[0].id
            )
            exercise(operation, {**real, "id": identifier}, statuses)
    # Every operation was answered with data at least once, not only with errors.
    assert {path for path, status in statuses if status in (200, 201)} == set(
        schema.raw_schema["paths"]
    )
    write = "/consultations/{slug}/submissions"
    assert (write, 401) in statuses  # unauthenticated calls: the documented 401


def exercise(
    operation: schemathesis.APIOperation,
    path_values: dict[str, object] | None,
    statuses: set[tuple[str, int]],
    headers: dict[str, str] | None = None,
) -> None:
    """Bounded examples of one operation; with ``path_values``, generated queries on
    resources that exist (so the 200 responses are reached and checked too)."""

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def check(case: schemathesis.Case) -> None:
        if path_values is not None:
            case.path_parameters = {name: path_values[name] for name in case.path_parameters}
        if headers:
            case.headers = {**(case.headers or {}), **headers}
        response = case.call_and_validate(checks=CHECKS)
        statuses.add((operation.path, response.status_code))

    check()
