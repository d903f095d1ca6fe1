"""Schemathesis (an OpenAPI fuzzer) against /api/openapi.json, in-process on the WSGI app: no
5xx, and every status code, content type and body is one the document declares (issue 14 §6).

Bounded and derandomized: the same examples on every run, well under a minute in all."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import freeze
from tests.web.api_support import START, ApiApp, api_app, application

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api(database_url: str, make_app: Any) -> Iterator[ApiApp]:
    """A simulated deployment (so the clock routes answer) holding the document's example
    case 330602-2026-000001, so that the examples phase reaches a real case."""
    freeze(START)
    api = api_app(database_url, make_app, SIMULATION=True)
    created = api.post("/api/applications", application())
    assert created.get_json()["case_number"] == "330602-2026-000001"
    yield api


@pytest.fixture
def api_schema(api: ApiApp) -> Any:
    return schemathesis.openapi.from_wsgi("/api/openapi.json", api.app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=60,
    derandomize=True,
    database=None,  # write nothing into the working tree
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_its_document(case: Any, api: ApiApp) -> None:
    case.call_and_validate(headers=api.headers, checks=CHECKS)


def test_sequences_of_calls_keep_the_document(api_schema: Any, api: ApiApp) -> None:
    """Schemathesis' stateful phase: chains of calls linked by the document (a created case's
    number fed to the case routes); it found the 64-bit overflow the single calls missed."""

    class Sequences(api_schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": api.headers}

        def validate_response(self, response: Any, case: Any, *args: Any, **kwargs: Any) -> None:
            case.validate_response(response, checks=CHECKS)

    Sequences.run(
        settings=settings(
            max_examples=40,
            stateful_step_count=6,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )
