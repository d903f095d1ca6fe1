"""Path ids beyond the database's integer (2³¹ on PostgreSQL, 2⁶³ on SQLite) are a 404, never
a 500 (issue 14 §6: hostile URLs found by the fuzz); so is an over-long or malformed string in
a path (case number, process id, username, document kind...), before any database query."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event

from tests.web.clerk_support import Staff, office_of, staff_app, submit

HUGE = [2**31, 2**63, 2**70]
# (user, path template) for every route with an integer path id.
ROUTES = [
    ("window_clerk_330602", "/tasks/{}"),
    ("window_clerk_330602", "/tasks/{}/claim"),
    ("window_clerk_330602", "/tasks/{}/release"),
    ("window_clerk_330602", "/tasks/{}/diagram.bpmn"),
    ("supervisor_330602", "/supervision/tasks/{}/reassign"),
    ("auditor_330602", "/audit/anchors/{}.json"),
    ("policy_staff_330602", "/modeler/drafts/{}"),
    ("policy_staff_330602", "/modeler/drafts/{}/bpmn"),
    ("policy_staff_330602", "/modeler/drafts/{}/diff"),
]


@pytest.mark.parametrize("value", HUGE)
def test_an_id_beyond_the_database_integer_is_not_found(
    database_url: str, make_app: Any, value: int
) -> None:
    app = staff_app(database_url, make_app)
    staff: dict[str, Staff] = {}
    got = []
    for user, template in ROUTES:
        client = staff.setdefault(user, Staff(app, user))
        answer = client.get(template.format(value))
        got.append((template, answer.status_code))
    assert got == [(template, 404) for _, template in ROUTES]


# A string no stored object has, in two shapes: far too long, and the wrong form.
LONG = "x" * 5000
MALFORMED = "bad value!"
# Who may reach each part of the site (so that, without the limit, the view would run).
USER_BY_PREFIX = [
    ("/audit/", "auditor_330602"),
    ("/modeler/", "policy_staff_330602"),
    ("/admin/", "admin_330602"),
    ("/portal/", ""),  # the public portal: anonymous
    ("/", "window_clerk_330602"),
]


@contextmanager
def _statements(app: Flask) -> Iterator[list[Any]]:
    """Every parameter the app sends to its database meanwhile (a listener, not a stand-in)."""
    db = office_of(app).db
    seen: list[Any] = []

    def record(_conn: Any, _cursor: Any, _sql: str, params: Any, *_rest: Any) -> None:
        seen.append(params)

    engines = {db.engine, db.write_engine}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)


def test_an_over_long_or_malformed_path_string_is_a_404_before_any_database_query(
    database_url: str, make_app: Any
) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    number = submit(office)
    token = office.api_tokens.create("provincial_portal", "tests")
    real = {
        "number": number,
        "process_id": "medical_transfer",
        "username": "window_clerk_330602",
        "kind": "insurance_certificate",
        "fmt": "json",
        "name": "medical_transfer.contact_letter.json",
        "message_id": "6f1c2a4e-8b3d-4e5f-9a01-23456789abcd",
    }
    clients: dict[str, Any] = {}
    rules = [
        r
        for r in app.url_map.iter_rules()
        if re.search(r"<([a-z_]+)>", r.rule) and r.endpoint != "static"
    ]
    assert len(rules) >= 20  # every route with a string in its path
    got, wrong_sql = [], []
    for rule in sorted(rules, key=lambda r: r.rule):
        user = next(u for prefix, u in USER_BY_PREFIX if rule.rule.startswith(prefix))
        if user not in clients:
            clients[user] = Staff(app, user).client if user else app.test_client()
        client = clients[user]
        method = "GET" if "GET" in (rule.methods or ()) else "POST"
        for name in re.findall(r"<([a-z_]+)>", rule.rule):
            for bad in (LONG, MALFORMED):
                values = {**real, name: bad}
                url = re.sub(
                    r"<(?:([a-z]+):)?([a-z_]+)>",
                    lambda m, values=values: "1" if m.group(1) == "id" else values[m.group(2)],
                    rule.rule,
                )
                headers = {"Authorization": f"Bearer {token}"}
                with _statements(app) as seen:
                    answer = client.open(url, method=method, headers=headers)
                if any(bad in str(params) for params in seen):
                    wrong_sql.append((rule.rule, name, len(bad)))
                body = answer.get_data(as_text=True)
                if rule.rule.startswith("/api/"):
                    assert answer.get_json()["error"] == "not_found", rule.rule
                    body = answer.get_json()["message"]
                ok = "网址中的" in body and "不正确" in body
                got.append((rule.rule, name, len(bad), answer.status_code, ok))
    assert wrong_sql == []
    assert [g for g in got if g[3:] != (404, True)] == []
