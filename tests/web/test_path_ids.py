"""Path ids beyond the database's integer (2³¹ on PostgreSQL, 2⁶³ on SQLite) are a 404, never
a 500 (issue 14 §6: hostile URLs found by the fuzz)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.clerk_support import Staff, staff_app

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
