"""A NUL byte in a URL names nothing: a 404 in the path, a field error naming the query
argument; never a 500 (PostgreSQL text cannot hold U+0000; issue 14 §6)."""

from __future__ import annotations

from typing import Any

from tests.web.api_support import ApiApp
from tests.web.clerk_support import Staff, staff_app


def test_a_nul_in_a_path_is_not_found(database_url: str, make_app: Any) -> None:
    app = staff_app(database_url, make_app)
    reviewer = Staff(app, "reviewer_330602")
    assert reviewer.get("/cases/330602-2026-0000%0001").status_code == 404
    assert app.test_client().get("/portal/cases/%00").status_code == 404
    api = ApiApp(app)
    answer = api.get("/api/cases/%00/history")
    assert answer.status_code == 404
    assert answer.get_json()["error"] == "not_found"


def test_a_nul_in_a_query_argument_is_a_field_error(database_url: str, make_app: Any) -> None:
    app = staff_app(database_url, make_app)
    auditor = Staff(app, "auditor_330602")
    answer = auditor.get("/audit/?q=330602%00")
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "q：含有不允许的字符（空字符）" in page
    assert auditor.get("/audit/?q=330602").status_code == 200
