"""Contract tests of POST /api/applications (contracts §3–§5) with the app clock frozen."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.conftest import freeze
from tests.helpers import case_row
from tests.web.api_support import START, api_app, application, make_id, row_counts

REFUSALS: list[tuple[str, dict[str, Any]]] = [
    ("invalid_id_number", {"applicant": {"id_number": "330602199001011234"}}),
    ("no_insurance_selected", {"insurances": []}),
    ("same_region", {"transfer_out_region": "330602"}),
    ("retired", {"status": {"retired": True}}),
    ("still_insured_at_transfer_out", {"status": {"insured_at_transfer_out": True}}),
    (
        # Sichuan 户籍, first insured in Zhejiang 2012 at 52: seed 000 禁止性要求(二).
        "late_first_insured_out_of_province",
        {
            "applicant": {
                "id_number": make_id(date(1960, 3, 1), region="510104"),
                "hukou_region": "510104",
            }
        },
    ),
    ("medical_unsettled_expenses", {"medical": {"unsettled_expenses": True}}),
    ("medical_account_not_credited", {"medical": {"account_credited": False}}),
    ("medical_account_overdrawn", {"medical": {"account_overdrawn": True}}),
    (
        "unemployed_not_returning_to_hukou",
        {
            "status": {"employment": "unemployed"},
            "unemployment": {"receiving_benefit": True, "benefit_at_hukou": False},
        },
    ),
]


@pytest.mark.parametrize(("code", "changes"), REFUSALS, ids=[c for c, _ in REFUSALS])
def test_each_refusal_code_gets_a_case_number_and_its_reason(
    database_url: str, make_app: Any, code: str, changes: dict[str, Any]
) -> None:
    freeze(START)
    api = api_app(database_url, make_app)
    response = api.post("/api/applications", application(**changes))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["decision"] == "refused"
    assert body["reasons"] == [code]
    assert body["missing_materials"] == []
    assert "deadlines" not in body
    assert any("行政复议" in line for line in body["explanation"])
    assert case_row(api.backoffice, body["case_number"]).status == "refused"


def test_invalid_application_is_422_with_field_errors_and_writes_nothing(
    database_url: str, make_app: Any
) -> None:
    freeze(START)
    api = api_app(database_url, make_app)
    broken = application(status={"employment": "freelance"})
    del broken["applicant"]["phone"]
    before = row_counts(api.backoffice)
    response = api.post("/api/applications", broken)
    assert response.status_code == 422
    body = response.get_json()
    assert body["decision"] == "refused" and body["reasons"] == ["invalid_application"]
    fields = {e["field"] for e in body["errors"]}
    assert fields == {"/status/employment", "/applicant/phone"}
    assert all(e["message"] for e in body["errors"])
    assert row_counts(api.backoffice) == before


MISSING: list[tuple[str, dict[str, Any]]] = [
    ("missing:application_form", {"channel": "window", "materials": []}),
    (
        "missing:stamped_id_copy",
        {
            "channel": "window",
            "agent": {
                "kind": "employer",
                "name": "绍兴某某有限公司",
                "credit_code": "91330602MA2BCDEF0X",
            },
        },
    ),
    (
        # A benefit recipient returning to a 户籍 place that differs from the ID's region.
        "missing:hukou_certificate",
        {
            "channel": "window",
            "applicant": {"hukou_region": "330304"},
            "transfer_in_region": "330304",
            "status": {"employment": "unemployed"},
            "unemployment": {"receiving_benefit": True, "benefit_at_hukou": True},
        },
    ),
]
# missing:id_card is never asked of API clients: it applies only when the system could not
# fetch the person's ID data, and the service always can (ApplicationService.submit).


@pytest.mark.parametrize(("code", "changes"), MISSING, ids=[c for c, _ in MISSING])
def test_window_applications_missing_a_material_get_correction_required(
    database_url: str, make_app: Any, code: str, changes: dict[str, Any]
) -> None:
    freeze(START)
    api = api_app(database_url, make_app)
    response = api.post("/api/applications", application(**changes))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["decision"], body["reasons"], body["missing_materials"]) == (
        "correction_required",
        [],
        [code],
    )
    assert "deadlines" not in body


def test_online_application_accepted_on_28_september_is_committed_for_15_october(
    database_url: str, make_app: Any
) -> None:
    freeze(START)
    api = api_app(database_url, make_app)
    response = api.post("/api/applications", application())
    assert response.status_code == 201
    body = response.get_json()
    assert body["decision"] == "accepted" and body["reasons"] == []
    assert body["deadlines"] == {
        "committed": "2026-10-15",
        "legal": "2026-12-04",
        "provisional": False,
    }
    assert response.headers["Location"] == f"/api/cases/{body['case_number']}"
    assert body["case_number"].startswith("330602-2026-")


def test_acceptance_late_in_2026_reaching_an_unloaded_year_is_provisional(
    database_url: str, make_app: Any
) -> None:
    freeze("2026-11-20T10:00:00+08:00")
    api = api_app(database_url, make_app)
    body = api.post("/api/applications", application()).get_json()
    assert body["decision"] == "accepted"
    deadlines = body["deadlines"]
    assert deadlines["provisional"] is True
    assert deadlines["legal"].startswith("2027-")
    status = api.get(f"/api/cases/{body['case_number']}").get_json()
    assert status["deadlines"] == deadlines
    assert "deadline_provisional" in {w["code"] for w in status["warnings"]}


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"[1, 2, 3]", "application/json"),
        (b'"application"', "application/json"),
        (b"null", "application/json"),
        (b"{not json", "application/json"),
        (b"\xff\xfe{}", "application/json"),
        (b'{"a": NaN}', "application/json"),
        (b"[" * 100_000 + b"]" * 100_000, "application/json"),
        (b"", "application/json"),
        (b"applicant=x", "application/x-www-form-urlencoded"),
        (b'{"applicant": {}}', "text/plain"),
        (b'{"applicant": {"name": "\\u0000"}}', "application/json"),
        (b'{"applicant": {"name": "\\ud800"}}', "application/json"),
        (b'{"x": "' + b"a" * 300_000 + b'"}', "application/json"),
    ],
    ids=[
        "array",
        "string",
        "null",
        "broken-json",
        "not-utf8",
        "nan",
        "deeply-nested",
        "empty",
        "form-encoded",
        "text-plain",
        "nul-character",
        "lone-surrogate",
        "too-large",
    ],
)
def test_bodies_that_are_not_applications_get_422_and_change_nothing(
    database_url: str, make_app: Any, data: bytes, content_type: str
) -> None:
    freeze(START)
    api = api_app(database_url, make_app)
    before = row_counts(api.backoffice)
    response = api.client.post(
        "/api/applications", data=data, content_type=content_type, headers=api.headers
    )
    assert response.status_code == 422
    body = response.get_json()
    assert body["reasons"] == ["invalid_application"] and body["errors"]
    assert row_counts(api.backoffice) == before


def test_without_a_valid_token_nothing_is_accepted(database_url: str, make_app: Any) -> None:
    freeze(START)
    api = api_app(database_url, make_app)
    before = row_counts(api.backoffice)
    for headers in ({}, {"Authorization": "Bearer sit_wrong"}, {"Authorization": api.token}):
        response = api.client.post("/api/applications", json=application(), headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.get_json()["error"] == "unauthorized"
    assert api.client.get("/api/cases/330602-2026-000001").status_code == 401
    assert row_counts(api.backoffice) == before


def test_unknown_case_path_and_method_answer_json(database_url: str, make_app: Any) -> None:
    api = api_app(database_url, make_app)
    for path in (
        "/api/cases/330602-2026-999999",
        "/api/cases/nonsense",
        "/api/cases/%00/history",  # PostgreSQL rejects NUL in a query parameter
        "/api/cases/%00/documents/completion_notice.pdf",
        "/api/no-such-thing",
    ):
        response = api.get(path)
        assert response.status_code == 404, path
        assert response.get_json()["error"] == "not_found"
    wrong = api.get("/api/applications")
    assert wrong.status_code == 405 and "POST" in wrong.headers["Allow"]
    assert wrong.get_json()["error"] == "method_not_allowed"
    # Pages outside the API keep their HTML error page.
    page = api.client.get("/no-such-page")
    assert page.status_code == 404 and "页面或办件不存在" in page.get_data(as_text=True)
    # A wrong method on a page is a 405 page with its Allow header, not the 404 page.
    posted = api.client.post("/healthz")
    assert posted.status_code == 405 and "GET" in posted.headers["Allow"]
    assert "不支持此请求方法" in posted.get_data(as_text=True)


def test_an_id_number_of_any_length_is_refused_not_a_server_error(
    database_url: str, make_app: Any
) -> None:
    # PostgreSQL enforces case.applicant_id_masked VARCHAR(18): the masked form of a
    # malformed number must fit it too (SQLite would store anything, so check the value).
    freeze(START)
    api = api_app(database_url, make_app)
    response = api.post("/api/applications", application(applicant={"id_number": "1" * 25}))
    assert response.status_code == 201
    body = response.get_json()
    assert body["reasons"] == ["invalid_id_number"]
    masked = case_row(api.backoffice, body["case_number"]).applicant_id_masked
    assert len(masked) <= 18 and "1" not in masked
