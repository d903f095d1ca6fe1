"""Hypothesis against POST /api/applications: hundreds of generated bodies, no 5xx, and a
rejected body never leaves a row behind; every answer matches the OpenAPI document."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from app.web.openapi import DOCUMENT
from tests.conftest import freeze
from tests.web.api_support import START, ApiApp, api_app, application, row_counts

SETTINGS = settings(
    database=None,  # write nothing into the working tree
    deadline=None,
    max_examples=300,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
BASE = application()

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["", "330602", "2026-02-30", "1234.567", "pension", "\u0000", "x" * 40])
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = []
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list):
        items = list(enumerate(value))
    else:
        items = []
    for key, child in items:
        found.append((*prefix, key))
        found.extend(_paths(child, (*prefix, key)))
    return found


PATHS = _paths(BASE)


@st.composite
def mutated(draw: Any) -> Any:
    """The valid application with 1–3 values replaced, removed or added."""
    body = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(PATHS))
        parent: Any = body
        for key in path[:-1]:
            if not isinstance(parent, (dict, list)):
                break
            try:
                parent = parent[key]
            except (KeyError, IndexError, TypeError):
                break
        else:
            action = draw(st.sampled_from(["replace", "remove", "text", "add"]))
            key = path[-1]
            if action == "remove" and isinstance(parent, dict):
                parent.pop(key, None)
            elif action == "add" and isinstance(parent, dict):
                parent[draw(st.text(min_size=1, max_size=8))] = draw(json_values)
            elif isinstance(parent, dict) or (
                isinstance(parent, list) and isinstance(key, int) and key < len(parent)
            ):
                value = draw(st.text(max_size=60)) if action == "text" else draw(json_values)
                parent[key] = value
    return body


@st.composite
def stressed(draw: Any) -> Any:
    """Schema-valid values that stress storage: ID numbers of any length and alphabet, names
    with any characters, any insurance subset; most of these open a case."""
    body = copy.deepcopy(BASE)
    body["applicant"]["id_number"] = draw(
        st.text(alphabet="0123456789Xx", max_size=40) | st.text(max_size=40)
    )
    body["applicant"]["name"] = draw(st.text(min_size=1, max_size=64))
    body["insurances"] = draw(
        st.lists(st.sampled_from(["pension", "medical", "unemployment"]), unique=True)
    )
    body["delivery"] = draw(st.sampled_from(["on_site", "electronic", "express"]))
    if body["delivery"] == "express":
        body["delivery_address"] = {"recipient": "张三", "phone": "13800000000", "address": "某地"}
    body["channel"] = draw(st.sampled_from(["online", "window"]))
    body["materials"] = draw(
        st.lists(st.sampled_from(["id_card", "application_form", "stamped_id_copy"]), unique=True)
    )
    return body


def _validator(name: str) -> Draft202012Validator:
    schema = {"$ref": f"#/components/schemas/{name}", "components": DOCUMENT["components"]}
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


CREATED = _validator("ApplicationResult")
INVALID = _validator("InvalidApplication")


def _check(api: ApiApp, response: Any, before: dict[str, int]) -> None:
    assert response.status_code in (201, 422), (response.status_code, response.get_data()[:300])
    event(f"HTTP {response.status_code}")
    after = row_counts(api.backoffice)
    body = response.get_json()
    if response.status_code == 422:
        INVALID.validate(body)
        assert after == before, "a rejected body changed the database"
    else:
        CREATED.validate(body)
        assert after["case"] == before["case"] + 1


@SETTINGS
@given(body=stressed() | mutated() | json_values)
def test_generated_json_bodies_never_fail_the_server(
    database_url: str, make_app: Any, body: Any
) -> None:
    freeze(START)
    api = _app(database_url, make_app)
    before = row_counts(api.backoffice)
    _check(api, api.post("/api/applications", body), before)


@settings(SETTINGS, max_examples=150)
@given(
    data=st.binary(max_size=200) | st.builds(lambda v: json.dumps(v).encode()[:-1], json_values),
    content_type=st.sampled_from(["application/json", "text/plain", "application/xml", ""]),
)
def test_generated_raw_bodies_never_fail_the_server(
    database_url: str, make_app: Any, data: bytes, content_type: str
) -> None:
    freeze(START)
    api = _app(database_url, make_app)
    before = row_counts(api.backoffice)
    response = api.client.post(
        "/api/applications", data=data, content_type=content_type, headers=api.headers
    )
    _check(api, response, before)


_APPS: dict[str, ApiApp] = {}


def _app(database_url: str, make_app: Any) -> ApiApp:
    """One app per test function (Hypothesis calls the body once per example)."""
    if database_url not in _APPS:
        _APPS.clear()
        _APPS[database_url] = api_app(database_url, make_app)
    return _APPS[database_url]
