"""/api/openapi.json describes exactly the routes that exist, and real responses match it."""

from __future__ import annotations

import copy
import re
from typing import Any

from jsonschema import Draft202012Validator

from app.rules.application_schema import APPLICATION_SCHEMA
from tests.conftest import freeze
from tests.helpers import complete, scenario
from tests.web.api_support import START, ApiApp, api_app, application

STEPS = scenario("bundle_all_three_success")["steps"]


def _document(api: ApiApp) -> dict[str, Any]:
    response = api.client.get("/api/openapi.json")  # no token: the document is public
    assert response.status_code == 200
    document: dict[str, Any] = response.get_json()
    return document


def _template(rule: str) -> str:
    """/api/cases/<number>/documents/<kind>.pdf -> /api/cases/{case_number}/documents/{kind}.pdf"""
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule).replace("{number}", "{case_number}")


def conforms(document: dict[str, Any], path: str, method: str, response: Any) -> None:
    """The response's status and body are the ones the document declares for the operation."""
    operation = document["paths"][path][method]
    declared = operation["responses"].get(str(response.status_code))
    assert declared is not None, f"{method.upper()} {path}: {response.status_code} not documented"
    content = declared["content"]
    assert response.mimetype in content, f"{response.mimetype} not documented"
    if response.mimetype == "application/json":
        schema = {**content["application/json"]["schema"], "components": document["components"]}
        Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(
            response.get_json()
        )


def test_every_api_route_and_method_is_documented_and_nothing_else(
    database_url: str, make_app: Any
) -> None:
    api = api_app(database_url, make_app)
    document = _document(api)
    assert document["openapi"].startswith("3.1")
    routes = {
        (_template(rule.rule), method.lower())
        for rule in api.app.url_map.iter_rules()
        if rule.rule.startswith("/api/") and rule.rule != "/api/openapi.json"
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    assert routes == documented
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert operation["operationId"] and operation["summary"], (path, method)
            assert "401" in operation["responses"], "every operation needs the token"
            names = set(re.findall(r"{([a-z_]+)}", path))
            assert names == {p["name"] for p in operation.get("parameters", [])}


def test_schemas_are_valid_and_the_request_schema_is_the_validators(
    database_url: str, make_app: Any
) -> None:
    api = api_app(database_url, make_app)
    document = _document(api)
    for schema in document["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    expected = copy.deepcopy(APPLICATION_SCHEMA)
    expected.pop("$schema")
    expected.pop("$id")
    assert document["components"]["schemas"]["Application"] == expected
    Draft202012Validator(document["components"]["schemas"]["Application"]).validate(application())
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_real_responses_match_the_document(database_url: str, make_app: Any) -> None:
    freeze(START)
    api = api_app(database_url, make_app, SIMULATION=True)
    doc = _document(api)
    apps, case, history = (
        "/api/applications",
        "/api/cases/{case_number}",
        "/api/cases/{case_number}/history",
    )
    clock_path = "/api/simulation/clock"

    created = api.post(apps, application())
    conforms(doc, apps, "post", created)
    number = created.get_json()["case_number"]
    conforms(doc, apps, "post", api.post(apps, application(status={"retired": True})))
    conforms(doc, apps, "post", api.post(apps, application(channel="window", materials=[])))
    conforms(doc, apps, "post", api.post(apps, {"applicant": None}))
    conforms(doc, apps, "post", api.client.post(apps, json=application()))  # 401

    conforms(doc, case, "get", api.get(f"/api/cases/{number}"))
    for step in STEPS:
        complete(api.backoffice, number, step)
        conforms(doc, case, "get", api.get(f"/api/cases/{number}"))
    conforms(doc, case, "get", api.get("/api/cases/330602-2026-999999"))  # 404
    conforms(doc, history, "get", api.get(f"/api/cases/{number}/history"))
    conforms(doc, history, "get", api.get("/api/cases/330602-2026-999999/history"))

    pdf_path = "/api/cases/{case_number}/documents/{kind}.pdf"
    conforms(doc, pdf_path, "get", api.get(f"/api/cases/{number}/documents/completion_notice.pdf"))
    conforms(doc, pdf_path, "get", api.get(f"/api/cases/{number}/documents/info_table.pdf"))

    conforms(doc, clock_path, "get", api.get(clock_path))
    conforms(doc, clock_path, "post", api.post(clock_path, {"advance": "P3D"}))
    conforms(doc, clock_path, "post", api.post(clock_path, {"advance": "soon"}))


def test_clock_routes_outside_simulation_match_the_document(
    database_url: str, make_app: Any
) -> None:
    api = api_app(database_url, make_app)
    doc = _document(api)
    conforms(doc, "/api/simulation/clock", "get", api.get("/api/simulation/clock"))
    conforms(doc, "/api/simulation/clock", "post", api.post("/api/simulation/clock", {"now": "x"}))
