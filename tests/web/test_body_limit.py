"""MAX_CONTENT_LENGTH (config, default 1 MiB): a larger body is a clean 413, JSON under /api/
and a Chinese page elsewhere, refused before the session, CSRF or a view reads it."""

from __future__ import annotations

from typing import Any

from tests.web.api_support import api_app, application
from tests.web.clerk_support import Staff, staff_app

MIB = 1024 * 1024


def test_the_default_limit_is_one_mebibyte(database_url: str, make_app: Any) -> None:
    api = api_app(database_url, make_app)
    assert api.app.config["MAX_CONTENT_LENGTH"] == MIB
    body = b'{"pad": "' + b"x" * MIB + b'"}'
    answer = api.client.post(
        "/api/applications", data=body, content_type="application/json", headers=api.headers
    )
    assert answer.status_code == 413
    assert answer.get_json() == {
        "error": "payload_too_large",
        "message": "提交的内容过大（上限 1 MB）",
    }


def test_an_oversized_form_post_is_a_chinese_page(database_url: str, make_app: Any) -> None:
    app = staff_app(database_url, make_app, MAX_CONTENT_LENGTH=4096)
    clerk = Staff(app, "window_clerk_330602")
    answer = clerk.post("/intake", {"applicant__name": "张" * 4000})
    assert answer.status_code == 413
    assert answer.mimetype == "text/html"
    assert "提交的内容过大（上限 4 KB）" in answer.get_data(as_text=True)


def test_a_body_under_the_limit_is_served(database_url: str, make_app: Any) -> None:
    api = api_app(database_url, make_app, MAX_CONTENT_LENGTH=64 * 1024)
    answer = api.post("/api/applications", application())
    assert answer.status_code == 201
