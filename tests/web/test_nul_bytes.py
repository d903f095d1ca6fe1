"""A NUL byte typed where a username is looked up names nobody: a failed sign-in or a field
error, never a 500 (PostgreSQL text cannot hold U+0000; issue 14 §6)."""

from __future__ import annotations

import re
from typing import Any

from tests.helpers import events, tasks
from tests.web.clerk_support import Staff, office_of, staff_app, submit


def test_a_nul_in_the_login_username_is_a_failed_sign_in(database_url: str, make_app: Any) -> None:
    app = staff_app(database_url, make_app)
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    answer = client.post(
        "/login",
        data={
            "username": "window_clerk_330602\x00",
            "password": "demo1234",
            "csrf_token": match.group(1),
        },
    )
    assert answer.status_code < 500
    assert "用户名或密码" in answer.get_data(as_text=True)
    assert client.get("/worklist").status_code == 302  # not signed in


def test_a_nul_in_the_reassign_assignee_is_a_field_error(database_url: str, make_app: Any) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    number = submit(office)
    (task,) = [t for t in tasks(office, number, "open") if t.role == "medical_clerk"]
    supervisor = Staff(app, "supervisor_330602")
    answer = supervisor.post(
        f"/supervision/tasks/{task.id}/reassign",
        {"assignee": "medical_clerk_330602\x00", "reason": "人手调整"},
    )
    assert answer.status_code == 422
    assert "该用户不存在或已停用" in answer.get_data(as_text=True)
    assert events(office, number, "task_reassigned") == []
