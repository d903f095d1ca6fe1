"""Supervision that works with real staffing: reassignment offers the other active users of the
task's lane and region and the pool (退回待办池); people are shown by name, never by login; the
在办 chart leaves out decided cases; the demo has two users per lane and region."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from app.entrypoints.demo import DEMO_COLLEAGUES, DEMO_USERS, demo_name
from app.features.cases.statuses import CASE_STATUS
from app.features.cases.task_actions import POOL
from app.store.models import User
from tests.conftest import freeze
from tests.helpers import case_row, complete, events, scenario, tasks
from tests.web.clerk_support import Staff, office_of, staff_app, submit


def _claimed_letter(app: Any) -> tuple[Any, str, Any]:
    office = office_of(app)
    number = submit(office)
    (task,) = [t for t in tasks(office, number, "open") if t.role == "medical_clerk"]
    assert Staff(app, "medical_clerk_330602").post(f"/tasks/{task.id}/claim").status_code == 302
    return office, number, task


def _options(html: str) -> dict[str, str]:
    select = html[html.index('<select id="assignee"') : html.index("</select>")]
    return dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select))


def test_reassign_offers_the_other_active_users_of_the_lane_and_region_and_the_pool(
    database_url: str, make_app: Any
) -> None:
    app = staff_app(database_url, make_app)
    office, _, task = _claimed_letter(app)
    with office.db.transaction() as session:
        hash_ = session.get(User, 1).password_hash
        session.add(  # same lane and region, but no longer working here
            User(
                username="medical_clerk_330602_left",
                password_hash=hash_,
                display_name="已调离的人",
                role="medical_clerk",
                region="330602",
                agency="绍兴市越城区医疗保障分局",
                active=False,
            )
        )
    html = Staff(app, "supervisor_330602").get(f"/supervision/tasks/{task.id}/reassign")
    page = html.get_data(as_text=True)
    options = _options(page)
    assert options == {
        "": "请选择经办人",
        POOL: "退回待办池（取消认领，由本岗位人员重新认领）",
        "medical_clerk_330602_2": demo_name("medical_clerk_330602_2"),
    }
    # The current assignee is named, not shown by login; nobody is shown by login.
    assert demo_name("medical_clerk_330602") in page
    visible = re.sub(r"<[^>]+>", " ", page)
    assert "medical_clerk_330602" not in visible


def test_return_to_the_pool_makes_the_task_unclaimed_and_is_audited(
    database_url: str, make_app: Any
) -> None:
    app = staff_app(database_url, make_app)
    office, number, task = _claimed_letter(app)
    supervisor = Staff(app, "supervisor_330602")
    path = f"/supervision/tasks/{task.id}/reassign"
    assert supervisor.post(path, {"assignee": POOL, "reason": ""}).status_code == 422
    assert events(office, number, "task_reassigned") == []

    done = supervisor.post(path, {"assignee": POOL, "reason": "经办人病假，退回由同事认领"})
    assert done.status_code == 302
    (row,) = [t for t in tasks(office, number) if t.id == task.id]
    assert (row.state, row.assignee, row.claimed_at) == ("open", None, None)
    (event,) = events(office, number, "task_reassigned")
    assert event.actor == "supervisor_330602"
    assert event.data["from_assignee"] == "medical_clerk_330602"
    assert event.data["to_pool"] is True and event.data["to_assignee"] is None
    colleague = Staff(app, "medical_clerk_330602_2").get("/worklist").get_data(as_text=True)
    assert f'data-task="{task.id}"' in colleague
    history = supervisor.get(f"/cases/{number}").get_data(as_text=True)
    assert "退回待办池；理由：经办人病假" in history
    # An unclaimed task is in the pool already: nothing to return, nothing changes.
    again = supervisor.post(path, {"assignee": POOL, "reason": "再次退回"})
    assert again.status_code == 422 and "已在待办池中" in again.get_data(as_text=True)
    assert len(events(office, number, "task_reassigned")) == 1


def test_people_are_shown_by_name_on_supervisor_case_and_audit_pages(
    database_url: str, make_app: Any
) -> None:
    app = staff_app(database_url, make_app)
    office, number, task = _claimed_letter(app)
    freeze("2026-10-22T10:00:00+08:00")  # one working day left: listed for reassignment
    supervisor = Staff(app, "supervisor_330602")
    assert (
        supervisor.post(
            f"/supervision/tasks/{task.id}/reassign",
            {"assignee": "medical_clerk_330602_2", "reason": "人手调整"},
        ).status_code
        == 302
    )
    listing = supervisor.get("/supervision").get_data(as_text=True)
    assert demo_name("medical_clerk_330602_2") in listing
    case_page = supervisor.get(f"/cases/{number}").get_data(as_text=True)
    assert f"改派给 {demo_name('medical_clerk_330602_2')}" in case_page
    audit = Staff(app, "auditor_330602").get(f"/audit/cases/{number}").get_data(as_text=True)
    timeline = audit[audit.index('id="timeline"') :]
    actors = re.findall(r"<td>([^<]*)</td>\s*<td>\s*<dl", timeline)
    assert demo_name("supervisor_330602") in actors
    assert not [a for a in actors if "_330602" in a]


def test_the_open_cases_chart_leaves_out_decided_cases(database_url: str, make_app: Any) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    done = submit(office, suspended=False, delivery="on_site")  # concluded, delivery pending
    for step in [s for s in scenario("bundle_all_three_success")["steps"] if s.get("task")]:
        if step["task"] != "review":
            complete(office, done, step)
    assert case_row(office, done).status == "concluded"
    assert case_row(office, done).completed_at is None  # 当场送达 still open
    submit(office)  # still being handled
    data = Staff(app, "supervisor_330602").app.extensions["backoffice"]
    from app.features.worklist.supervision import SupervisionService

    figures = SupervisionService(data.db, data.clock).dashboard("330602")
    assert dict(figures.open_by_status) == {"in_transfer": 1}
    html = Staff(app, "supervisor_330602").get("/supervision/dashboard").get_data(as_text=True)
    chart = html[html.index("在办办件（按阶段）") :]
    chart = chart[: chart.index("</svg>")]
    assert "办结" not in chart and CASE_STATUS["in_transfer"] in chart


def test_the_demo_has_two_named_users_per_lane_and_region() -> None:
    lanes = Counter((u[0].removesuffix("_2").rsplit("_", 1)[0], u[1]) for u in DEMO_USERS)
    lanes.update((u[0].removesuffix("_2").rsplit("_", 1)[0], u[1]) for u in DEMO_COLLEAGUES)
    assert set(lanes.values()) == {2}
    names = [u[2] for u in DEMO_USERS + DEMO_COLLEAGUES]
    assert len(set(names)) == len(names)
    assert all(not re.search(r"[a-z_0-9]", name) for name in names)  # people, not logins
