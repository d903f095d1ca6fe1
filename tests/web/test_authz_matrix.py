"""Authorization matrix: every staff role (in every demo region) against every task-bearing
route — allowed where the role and region fit the object, otherwise 403 and an audit event.
Also: a POST without the CSRF token is rejected, and markup in an applicant's name is inert."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from app.entrypoints.demo import DEMO_USERS
from tests.conftest import freeze
from tests.helpers import events_of_kind, tasks
from tests.web.clerk_support import Staff, office_of, run_steps, staff_app, submit

TASK_ROLES = {
    "window_clerk",
    "reviewer",
    "pension_clerk",
    "medical_clerk",
    "unemployment_clerk",
    "pension_out_clerk",
    "medical_out_clerk",
    "unemployment_out_clerk",
    "supervisor",
}
ROLE_INSURANCE = {
    "pension_clerk": "pension",
    "medical_clerk": "medical",
    "unemployment_clerk": "unemployment",
    "pension_out_clerk": "pension",
    "medical_out_clerk": "medical",
    "unemployment_out_clerk": "unemployment",
}


@dataclass(frozen=True)
class Who:
    username: str
    role: str
    region: str


USERS = [Who(u[0], u[0].rsplit("_", 1)[0], u[1]) for u in DEMO_USERS]


def _same_lane(who: Who, task: Any) -> bool:
    return (who.role, who.region) == (task.role, task.region)


def _may_view_task(who: Who, task: Any) -> bool:
    return _same_lane(who, task) or (who.role == "supervisor" and who.region == task.region)


def _may_view_case(who: Who, case_in: str, case_out: str, insurances: set[str]) -> bool:
    if who.role == "supervisor":
        return who.region in (case_in, case_out)
    if who.role in ("window_clerk", "reviewer"):
        return who.region == case_in
    insurance = ROLE_INSURANCE.get(who.role)
    if insurance not in insurances:
        return False
    return who.region == (case_out if who.role.endswith("_out_clerk") else case_in)


@pytest.fixture
def world(database_url: str, make_app: Any) -> tuple[Any, dict[str, Any], str]:
    """Cases standing so that every task role has exactly one open task."""
    app = staff_app(database_url, make_app)
    office = office_of(app)
    in_transfer = submit(office)
    run_steps(office, in_transfer, 3)  # out agencies' transfers + unemployment decision open
    fresh = submit(office)  # contact letters + out review open
    in_review = submit(office, reviewed=False)  # 审核 open, before any transfer
    window = submit(office, channel="window", materials=[])
    freeze("2026-10-16T10:00:00+08:00")  # committed limit passed: supervisors' escalations
    office.cases.fire_due_timers()
    chosen: dict[str, Any] = {}
    for number in (in_transfer, fresh, in_review, window):
        for task in tasks(office, number, "open"):
            chosen.setdefault(task.role, task)
    assert set(chosen) == TASK_ROLES - set() and len(chosen) == 9
    return app, chosen, in_transfer


def test_every_role_against_every_task_route(world: tuple[Any, dict[str, Any], str]) -> None:
    app, chosen, number = world
    office = office_of(app)
    expected_denials: set[tuple[str, str]] = set()
    failures: list[str] = []

    def check(
        who: Who, method: str, path: str, allowed: bool, ok: tuple[int, ...], client: Staff
    ) -> None:
        response = client.get(path) if method == "GET" else client.post(path, {})
        if allowed and response.status_code not in ok:
            failures.append(
                f"{who.username} {method} {path}: {response.status_code}, expected {ok}"
            )
        if not allowed:
            if response.status_code != 403:
                failures.append(
                    f"{who.username} {method} {path}: {response.status_code}, expected 403"
                )
            expected_denials.add((who.username, path))

    for who in USERS:
        client = Staff(app, who.username)
        for task in chosen.values():
            view, work = _may_view_task(who, task), _same_lane(who, task)
            check(who, "GET", f"/tasks/{task.id}", view, (200,), client)
            check(who, "GET", f"/tasks/{task.id}/diagram.bpmn", view, (200,), client)
            # An empty form from an allowed clerk is a validation error, not a refusal.
            check(who, "POST", f"/tasks/{task.id}", work, (422,), client)
            check(
                who,
                "POST",
                f"/tasks/{task.id}/claim",
                work and who.role in TASK_ROLES,
                (302,),
                client,
            )
            check(
                who,
                "POST",
                f"/tasks/{task.id}/release",
                work and who.role in TASK_ROLES,
                (302,),
                client,
            )
            supervises = who.role == "supervisor" and who.region == task.region
            check(who, "POST", f"/supervision/tasks/{task.id}/reassign", supervises, (422,), client)
        sees = _may_view_case(who, "330602", "330100", {"pension", "medical", "unemployment"})
        check(who, "GET", f"/cases/{number}", sees, (200,), client)
        check(who, "GET", f"/cases/{number}/diagram.bpmn", sees, (200,), client)
        letter = f"/cases/{number}/documents/contact_letter?insurance=pension"
        response = client.get(letter)
        if (response.status_code == 200) != sees or (not sees and response.status_code != 403):
            failures.append(f"{who.username} GET {letter}: {response.status_code}")
        if not sees:
            expected_denials.add((who.username, f"/cases/{number}/documents/contact_letter"))
        check(who, "GET", "/worklist", who.role in TASK_ROLES, (200,), client)
        check(who, "GET", "/intake", who.role == "window_clerk", (200,), client)
        check(who, "GET", "/supervision", who.role == "supervisor", (200,), client)
        check(who, "GET", "/supervision/dashboard", who.role == "supervisor", (200,), client)

    assert failures == []
    recorded = {(e.actor, e.data["path"]) for e in events_of_kind(office, "access_denied")}
    assert expected_denials - recorded == set()
    # Nothing was completed or reassigned by anyone along the way.
    assert events_of_kind(office, "task_reassigned") == []
    assert all(t.state == "open" for t in chosen.values())
    for task in chosen.values():
        (row,) = [t for t in tasks(office, _number_of(office, task)) if t.id == task.id]
        assert row.state == "open" and row.assignee is None


def _number_of(office: Any, task: Any) -> str:
    from app.store.models import Case

    with office.db.sessions() as session:
        return str(session.get(Case, task.case_id).number)


def test_post_without_csrf_token_is_rejected_and_changes_nothing(
    database_url: str, make_app: Any
) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    number = submit(office)
    (task,) = [t for t in tasks(office, number, "open") if t.role == "pension_clerk"]
    clerk = Staff(app, "pension_clerk_330602")
    for path in (f"/tasks/{task.id}/claim", f"/tasks/{task.id}", "/intake"):
        response = clerk.client.post(path, data={"pension_eligible": "false"})
        assert response.status_code == 400, path
        assert "安全令牌" in response.get_data(as_text=True)
    (row,) = [t for t in tasks(office, number) if t.id == task.id]
    assert row.state == "open" and row.assignee is None
    assert events_of_kind(office, "task_claimed") == []


def test_markup_in_an_applicant_name_is_rendered_inert(database_url: str, make_app: Any) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    name = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    number = submit(office, applicant__name=name)
    (task,) = [t for t in tasks(office, number, "open") if t.role == "medical_clerk"]
    clerk = Staff(app, "medical_clerk_330602")
    supervisor = Staff(app, "supervisor_330602")
    pages = [
        clerk.get("/worklist"),
        clerk.get(f"/tasks/{task.id}"),
        clerk.get(f"/cases/{number}"),
        supervisor.get(f"/supervision/tasks/{task.id}/reassign"),
    ]
    for page in pages:
        html = page.get_data(as_text=True)
        assert page.status_code == 200
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(" in html
