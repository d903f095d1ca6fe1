"""督办: warned and overdue cases of the region, escalation tasks, reassignment with a reason
(audited), and the dashboard's figures drawn as inline SVG."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import freeze
from tests.helpers import case_row, complete, events, scenario, tasks
from tests.web.clerk_support import Staff, office_of, staff_app, submit


def _past_committed_limit(office: Any) -> str:
    number = submit(office)
    freeze("2026-10-16T10:00:00+08:00")  # the committed limit (9 working days) ended 10-15
    office.cases.fire_due_timers()
    return number


def test_supervisor_sees_warned_cases_and_escalation_tasks(
    database_url: str, make_app: Any
) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    number = _past_committed_limit(office)
    assert case_row(office, number).warned
    (escalation,) = [
        t for t in tasks(office, number, "open") if t.task_spec == "escalate_committed"
    ]

    html = Staff(app, "supervisor_330602").get("/supervision").get_data(as_text=True)
    assert number in html and "超过承诺时限" in html
    assert "督办（承诺时限）" in html and f"/tasks/{escalation.id}" in html
    # Another region's supervisor does not see it.
    other = Staff(app, "supervisor_330304").get("/supervision").get_data(as_text=True)
    assert number not in other


def test_supervisor_completes_an_escalation_task(database_url: str, make_app: Any) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    number = _past_committed_limit(office)
    (escalation,) = [
        t for t in tasks(office, number, "open") if t.task_spec == "escalate_committed"
    ]
    supervisor = Staff(app, "supervisor_330602")
    response = supervisor.post(
        f"/tasks/{escalation.id}",
        {
            "committed_supervision_action": "urged_agency",
            "committed_supervision_note": "已电话督促",
        },
    )
    assert response.status_code == 302
    done = events(office, number, "task_completed")
    assert [e.actor for e in done if e.data["spec"] not in ("review", "suspend_and_certify")] == [
        "supervisor_330602"
    ]


def test_steps_near_their_deadline_are_listed_for_reassignment(
    database_url: str, make_app: Any
) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    number = submit(office)
    freeze("2026-10-22T10:00:00+08:00")  # one working day left of the 15-day letter limits
    html = Staff(app, "supervisor_330602").get("/supervision").get_data(as_text=True)
    assert "超期和即将到期的环节" in html
    assert html.count("/reassign") >= 2  # pension and medical contact letters
    assert "剩余 1 个工作日" in html
    # The transfer-out side's step belongs to that region's supervisor.
    out = Staff(app, "supervisor_330100").get("/supervision").get_data(as_text=True)
    assert "审核并出具联系函" not in html and number in out


def test_reassignment_needs_a_reason_and_is_audited(database_url: str, make_app: Any) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    number = submit(office)
    (task,) = [t for t in tasks(office, number, "open") if t.role == "medical_clerk"]
    supervisor = Staff(app, "supervisor_330602")
    path = f"/supervision/tasks/{task.id}/reassign"
    form = supervisor.get(path).get_data(as_text=True)
    assert 'value="medical_clerk_330602"' in form and 'value="pension_clerk_330602"' not in form

    missing = supervisor.post(path, {"assignee": "medical_clerk_330602", "reason": "  "})
    assert missing.status_code == 422
    assert "改派理由：必填" in missing.get_data(as_text=True)
    wrong = supervisor.post(path, {"assignee": "pension_clerk_330602", "reason": "人手调整"})
    assert wrong.status_code == 422
    assert "只能改派给本任务岗位和地区的经办人" in wrong.get_data(as_text=True)
    assert events(office, number, "task_reassigned") == []

    done = supervisor.post(path, {"assignee": "medical_clerk_330602", "reason": "原经办人休假"})
    assert done.status_code == 302
    (row,) = [t for t in tasks(office, number) if t.id == task.id]
    assert (row.state, row.assignee) == ("claimed", "medical_clerk_330602")
    (event,) = events(office, number, "task_reassigned")
    assert event.actor == "supervisor_330602"
    assert (
        event.data["reason"] == "原经办人休假"
        and event.data["to_assignee"] == "medical_clerk_330602"
    )
    mine = Staff(app, "medical_clerk_330602").get("/worklist?view=mine").get_data(as_text=True)
    assert f'data-task="{task.id}"' in mine
    # The case's history shows the reassignment with its reason.
    page = supervisor.get(f"/cases/{number}").get_data(as_text=True)
    assert "督办改派" in page and "原经办人休假" in page


def test_reassignment_in_another_region_is_forbidden(database_url: str, make_app: Any) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    number = submit(office)
    (task,) = [t for t in tasks(office, number, "open") if t.role == "medical_clerk"]
    response = Staff(app, "supervisor_330304").post(
        f"/supervision/tasks/{task.id}/reassign",
        {"assignee": "medical_clerk_330602", "reason": "越权"},
    )
    assert response.status_code == 403
    assert events(office, number, "task_reassigned") == []


def test_dashboard_draws_its_figures_as_inline_svg(database_url: str, make_app: Any) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    done = submit(office, suspended=False)  # reviewed already
    steps = scenario("bundle_all_three_success")["steps"]
    for step in [s for s in steps if s.get("task") not in (None, "review")]:
        complete(office, done, step)
    submit(office)  # one more case, still open and past its committed limit on 10-20
    freeze("2026-10-20T10:00:00+08:00")
    html = Staff(app, "supervisor_330602").get("/supervision/dashboard").get_data(as_text=True)
    assert html.count("<svg") == 4 and "<script" not in html.split("<main", 1)[1]
    assert "在办办件（按阶段）" in html and "审核通过，转移接续办理中" in html
    assert "医保分局（转入地）·审核并发出联系函" in html
    # One case finished within both limits; the open one is already late for the committed
    # limit but not yet for the legal one (so it does not count there yet).
    assert re.search(r"承诺时限内：50\.0%", html) and re.search(r"法定时限内：100\.0%", html)
    assert "医疗·办理接续手续" in html


def test_supervision_pages_are_for_supervisors(database_url: str, make_app: Any) -> None:
    app = staff_app(database_url, make_app)
    clerk = Staff(app, "medical_clerk_330602")
    for path in ("/supervision", "/supervision/dashboard"):
        assert clerk.get(path).status_code == 403


def test_chart_labels_are_escaped_and_bars_scale_to_the_largest_value() -> None:
    from app.web import charts

    svg = str(charts.bar_chart("图", [("<b>环节</b>", 4), ("另一环节", 2)], unit=" 件"))
    assert "<b>" not in svg and "&lt;b&gt;环节&lt;/b&gt;" in svg
    widths = [float(w) for w in re.findall(r'<rect x="0" y="\d+" width="([0-9.]+)"', svg)]
    assert widths[0] == 2 * widths[1]
    assert "暂无数据" in str(charts.bar_chart("图", []))
