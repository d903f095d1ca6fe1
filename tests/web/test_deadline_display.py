"""Deadlines that tell the truth on the pages: the worklist shows each task's own limit and the
case's committed and legal dates, red with the working days a case is past them; 暂定 only on
provisional dates; every time on every page in Beijing time."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from app.features.cases.notifier import status_message
from app.features.cases.service import Actor
from app.kernel.config import ROOT
from tests.conftest import freeze
from tests.helpers import case_row, pass_review, tasks
from tests.web.clerk_support import Staff, application, office_of, staff_app, submit


def _row(html: str, task_id: int) -> str:
    match = re.search(rf'<tr class="([^"]*)" data-task="{task_id}">(.*?)</tr>', html, re.S)
    assert match, f"task {task_id} not listed"
    return match.group(1) + match.group(2)


def test_worklist_shows_the_step_limit_and_the_case_dates_red_when_past(
    database_url: str, make_app: Any
) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    number = submit(office)  # accepted Monday 2026-09-28: committed 10-15, legal after 45 days
    (letter,) = [t for t in tasks(office, number, "open") if t.role == "medical_clerk"]
    clerk = Staff(app, "medical_clerk_330602")

    row = _row(clerk.get("/worklist").get_data(as_text=True), letter.id)
    assert row.startswith("row-ok")
    assert "截止 2026-10-23 23:59" in row  # the step's own limit (15 working days)
    assert "承诺 2026-10-15" in row and "法定 2026-12-" in row
    assert "暂定" not in row and "超过" not in row

    freeze("2026-10-20T10:00:00+08:00")  # 10-16, 10-19, 10-20: three working days late
    row = _row(clerk.get("/worklist").get_data(as_text=True), letter.id)
    assert row.startswith("row-overdue")  # red although the step itself still has time
    assert "超过承诺时限 3 个工作日" in row and "超过法定时限" not in row
    assert "剩余 3 个工作日" in row


def test_only_the_provisional_date_is_marked_provisional(database_url: str, make_app: Any) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    freeze("2026-12-07T10:00:00+08:00")  # committed within 2026 (loaded), legal in 2027 (not)
    number = office.applications.submit(application(), Actor("test", "applicant")).case_number
    pass_review(office, number)
    (letter,) = [t for t in tasks(office, number, "open") if t.role == "pension_clerk"]
    row = _row(
        Staff(app, "pension_clerk_330602").get("/worklist").get_data(as_text=True), letter.id
    )
    committed = re.search(r'data-kind="committed">(.*?)</span>(<br>|\s)', row, re.S)
    legal = re.search(r'data-kind="legal">(.*?)</span>\s*$', row.split("</td>")[1], re.S)
    assert committed and "承诺 2026-12-" in committed.group(1)
    assert "暂定" not in committed.group(1)
    assert legal and "法定 2027-" in legal.group(1) and "暂定" in legal.group(1)
    case_page = Staff(app, "pension_clerk_330602").get(f"/cases/{number}").get_data(as_text=True)
    dates = dict(re.findall(r'data-kind="(committed|legal)">(.*?)</dd>', case_page, re.S))
    assert "暂定" not in dates["committed"] and "暂定" in dates["legal"]
    audit = Staff(app, "auditor_330602").get(f"/audit/cases/{number}").get_data(as_text=True)
    cells = re.findall(r"<th>(承诺|法定)时限</th><td>(.*?)</td>", audit)
    assert [("暂定" in text) for _kind, text in cells] == [False, True], cells
    row = case_row(office, number)
    accepted = SimpleNamespace(**{**vars(row), "status": "accepted"})
    sms = status_message(accepted, office.working_calendar)
    assert "法定日期为暂定" in sms and "承诺和法定" not in sms and "承诺日期" not in sms


def test_every_page_shows_beijing_time(database_url: str, make_app: Any) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    number = submit(office)  # 2026-09-28 09:00 Beijing = 01:00 UTC
    freeze("2026-10-21T01:30:00+08:00")  # still 10-20 in UTC
    home = Staff(app, "medical_clerk_330602").get("/").get_data(as_text=True)
    assert "2026-10-21 01:30" in home and "2026-10-20 17:30" not in home
    anonymous = app.test_client().get("/").get_data(as_text=True)
    assert "2026-10-21 01:30" in anonymous

    case_page = Staff(app, "medical_clerk_330602").get(f"/cases/{number}").get_data(as_text=True)
    assert "2026-09-28 09:00" in case_page and "2026-09-28 01:00" not in case_page
    worklist = Staff(app, "medical_clerk_330602").get("/worklist").get_data(as_text=True)
    assert "截止 2026-10-23 23:59" in worklist and "2026-10-23 15:59" not in worklist
    (letter,) = [t for t in tasks(office, number, "open") if t.role == "medical_clerk"]
    task_page = Staff(app, "medical_clerk_330602").get(f"/tasks/{letter.id}")
    assert "2026-10-23 23:59" in task_page.get_data(as_text=True)
    supervision = Staff(app, "supervisor_330602").get("/supervision").get_data(as_text=True)
    assert "2026-10-23 23:59" in supervision and "15:59" not in supervision


def test_no_template_formats_a_time_itself() -> None:
    """Times go through one filter (`beijing`, or the page filters built on it): a template that
    calls strftime/astimezone/isoformat would show the server's zone (UTC)."""
    offenders = []
    for path in sorted(Path(ROOT / "app" / "web" / "templates").rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\.(strftime|astimezone|isoformat)\(", line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert offenders == []
