"""Numbers no column or serializer can hold (beyond 64 bits, thousands of digits, overflowing
floats) in an application body are a 422 field error in JSON, never a 500 (issue 14 §6), and
whatever goes wrong under /api/ the answer is JSON, never an HTML page."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.kernel.errors import FieldError
from app.rules.application_schema import MAX_MONTHS, validate_application
from app.web.input_hygiene import unstorable
from tests.conftest import freeze
from tests.web.api_support import START, api_app, application, row_counts

# (where, raw JSON number) — raw text, so that the body holds exactly what a client could send.
HOSTILE = [
    (("pension", "contribution_months"), str(2**64)),
    (("pension", "contribution_months"), str(2**63)),
    (("pension", "contribution_months"), "9" * 400),
    (("unemployment", "benefit_months_approved"), str(2**70)),
    (("unemployment", "contribution_months_at_transfer_out"), "1e400"),
    (("unemployment", "benefit_months_paid"), "-" + "9" * 30),
]


@pytest.mark.parametrize(("where", "number"), HOSTILE, ids=[n[:12] for _, n in HOSTILE])
def test_a_huge_number_is_a_field_error(
    database_url: str, make_app: Any, where: tuple[str, str], number: str
) -> None:
    freeze(START)
    api = api_app(database_url, make_app)
    body = application()
    body[where[0]][where[1]] = "@@"
    raw = json.dumps(body).replace('"@@"', number)
    before = row_counts(api.backoffice)
    answer = api.client.post(
        "/api/applications", data=raw, content_type="application/json", headers=api.headers
    )
    assert answer.status_code == 422, answer.get_data()[:300]
    assert answer.mimetype == "application/json"
    fields = [e["field"] for e in answer.get_json()["errors"]]
    assert f"/{where[0]}/{where[1]}" in fields
    assert row_counts(api.backoffice) == before


def test_a_number_of_thousands_of_digits_is_invalid_json(database_url: str, make_app: Any) -> None:
    api = api_app(database_url, make_app)
    raw = json.dumps(application()).replace('"pension": {', '"pension": {"x": ' + "9" * 5000 + ",")
    answer = api.client.post(
        "/api/applications", data=raw, content_type="application/json", headers=api.headers
    )
    assert answer.status_code == 422
    assert answer.get_json()["reasons"] == ["invalid_application"]


def test_an_unexpected_failure_under_api_answers_json(database_url: str, make_app: Any) -> None:
    api = api_app(database_url, make_app)

    def broken() -> Any:
        raise RuntimeError("a defect, not an input error")

    # A route that fails the way a defect would (the app has not served a request yet).
    api.app.add_url_rule("/api/broken", "broken", broken)
    api.app.add_url_rule("/broken", "broken_page", broken)
    answer = api.get("/api/broken")
    assert answer.status_code == 500
    assert answer.mimetype == "application/json"
    assert answer.get_json()["error"] == "internal_error"
    page = api.client.get("/broken")
    assert page.status_code == 500
    assert page.mimetype == "text/html"
    assert "服务器内部错误" in page.get_data(as_text=True)


def test_a_month_count_beyond_a_century_is_refused_by_the_schema() -> None:
    body = application()
    body["pension"]["contribution_months"] = MAX_MONTHS + 1
    assert validate_application(body) == [
        FieldError("/pension/contribution_months", f"不得大于 {MAX_MONTHS}")
    ]
    body["pension"]["contribution_months"] = MAX_MONTHS
    assert validate_application(body) == []


def test_numbers_no_store_can_hold_are_unstorable_wherever_they_are() -> None:
    """The guard before the schema: also where the schema has no bound (unknown fields)."""
    assert unstorable({"a": [2**63 - 1, -(2**63), 1.5, True]}) == []
    assert unstorable({"a": [2**63], "b": {"c": -(2**63) - 1}, "d": float("inf")}) == [
        FieldError("/a/0", "数值超出允许范围"),
        FieldError("/b/c", "数值超出允许范围"),
        FieldError("/d", "数值超出允许范围"),
    ]
