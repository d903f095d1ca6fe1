"""The worklist (待办): own role and region only, claim/release, filters, sorting, pagination,
and the deadline badges with their warning tiers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from app.features.worklist.worklist import Owner, Thresholds, WorklistQuery, WorklistService, badge
from bench.worklist_bench import insert_open_cases
from tests.conftest import current_clock, freeze
from tests.helpers import events, tasks
from tests.web.clerk_support import Staff, office_of, staff_app, submit, task_ids

UTC8 = "+08:00"


def _at(day: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00{UTC8}")


def test_worklist_lists_only_the_tasks_of_my_role_and_region(
    database_url: str, make_app: Any
) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    number = submit(office)
    mine = {t.id for t in tasks(office, number, "open") if t.role == "medical_clerk"}
    assert len(mine) == 1

    html = Staff(app, "medical_clerk_330602").get("/worklist").get_data(as_text=True)
    assert set(task_ids(html)) == mine
    assert "审核并发出联系函" in html and "330602********1231" in html
    assert "330602199001011231" not in html  # never the full ID number on a list

    other_region = Staff(app, "medical_clerk_330100").get("/worklist").get_data(as_text=True)
    assert task_ids(other_region) == []
    out_side = Staff(app, "unemployment_out_clerk_330100").get("/worklist").get_data(as_text=True)
    assert len(task_ids(out_side)) == 1


def test_claim_moves_a_task_to_mine_and_release_gives_it_back_both_audited(
    database_url: str, make_app: Any
) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    number = submit(office)
    (task,) = [t for t in tasks(office, number, "open") if t.role == "pension_clerk"]
    clerk = Staff(app, "pension_clerk_330602")

    response = clerk.post(f"/tasks/{task.id}/claim")
    assert response.status_code == 302 and response.location.endswith(f"/tasks/{task.id}")
    assert task_ids(clerk.get("/worklist").get_data(as_text=True)) == []
    assert task_ids(clerk.get("/worklist?view=mine").get_data(as_text=True)) == [task.id]
    (row,) = [t for t in tasks(office, number) if t.id == task.id]
    assert row.state == "claimed" and row.assignee == "pension_clerk_330602"

    assert clerk.post(f"/tasks/{task.id}/release").status_code == 302
    assert task_ids(clerk.get("/worklist").get_data(as_text=True)) == [task.id]
    claimed = events(office, number, "task_claimed")
    released = events(office, number, "task_released")
    assert [e.actor for e in claimed] == ["pension_clerk_330602"]
    assert [e.actor for e in released] == ["pension_clerk_330602"]
    assert claimed[0].data["task"] == task.task_uuid


def test_a_task_claimed_by_a_colleague_cannot_be_claimed_again(
    database_url: str, make_app: Any
) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    number = submit(office)
    (task,) = [t for t in tasks(office, number, "open") if t.role == "pension_clerk"]
    # Two clerks of the same lane: a second demo account in the same role and region.
    from app.store.models import User

    with office.db.transaction() as session:
        session.add(
            User(
                username="pension_clerk_330602_b",
                password_hash=session.get(User, 1).password_hash,
                display_name="绍兴市越城区 社保中心（转入地）乙",
                role="pension_clerk",
                region="330602",
                agency="绍兴市越城区社会保险事业管理中心",
            )
        )
    first, second = Staff(app, "pension_clerk_330602"), Staff(app, "pension_clerk_330602_b")
    assert first.post(f"/tasks/{task.id}/claim").status_code == 302
    response = second.post(f"/tasks/{task.id}/claim")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "已由" in html and "认领" in html
    # The second clerk cannot release or complete it either.
    assert second.post(f"/tasks/{task.id}/release").status_code == 409
    assert len(events(office, number, "task_claimed")) == 1


def test_filters_sorting_and_pagination_use_the_rows(database_url: str, make_app: Any) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    insert_open_cases(office, 45)
    clerk = Staff(app, "medical_clerk_330602")

    first = clerk.get("/worklist").get_data(as_text=True)
    second = clerk.get("/worklist?page=2").get_data(as_text=True)
    third = clerk.get("/worklist?page=3").get_data(as_text=True)
    ids = task_ids(first) + task_ids(second) + task_ids(third)
    assert len(task_ids(first)) == 20 and len(ids) == 45 and len(set(ids)) == 45
    assert "下一页" in first and "下一页" not in third
    assert '待认领 <span class="count">45</span>' in first

    service = WorklistService(office.db, office.clock)
    owner = Owner("medical_clerk_330602", "medical_clerk", "330602")
    everything = []
    for page in (1, 2, 3):
        everything += service.page(owner, WorklistQuery(page=page)).items
    dated = [i.due_at for i in everything if i.due_at is not None]
    assert dated == sorted(dated)  # by deadline, the undated ones after them
    assert all(i.due_at is None for i in everything[len(dated) :])

    by_name = service.page(owner, WorklistQuery(sort="applicant")).items
    assert [i.applicant_name for i in by_name] == sorted(i.applicant_name for i in by_name)
    name = by_name[0].applicant_name
    named = service.page(owner, WorklistQuery(applicant=name)).items
    assert named and all(i.applicant_name.startswith(name) for i in named)
    number = everything[7].case_number
    assert [
        i.case_number for i in service.page(owner, WorklistQuery(case_number=number)).items
    ] == [number]
    assert service.page(owner, WorklistQuery(insurance="medical")).items
    desc = service.page(owner, WorklistQuery(sort="deadline_desc")).items
    assert [i.due_at for i in desc if i.due_at] == sorted(dated, reverse=True)[: len(desc)]


def test_filter_by_insurance_excludes_cases_without_it(database_url: str, make_app: Any) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    submit(office)
    submit(office, insurances=["medical", "pension"], unemployment=None)
    clerk = Staff(app, "pension_clerk_330602")
    assert len(task_ids(clerk.get("/worklist").get_data(as_text=True))) == 2
    only = clerk.get("/worklist?insurance=unemployment").get_data(as_text=True)
    assert len(task_ids(only)) == 1


def test_badge_tiers_follow_working_days_and_thresholds() -> None:
    created = _at("2026-09-28")  # Monday; 15 working days: due Friday 2026-10-23 (after 国庆)
    due = datetime.fromisoformat("2026-10-23T23:59:59+08:00")
    limits = Thresholds()
    assert badge(due, created, _at("2026-10-09"), limits).level == "ok"
    assert badge(due, created, _at("2026-10-09"), limits).text == "剩余 11 个工作日"
    # 80 % of 15 working days used: 3 left -> yellow although more than one day remains
    used = badge(due, created, _at("2026-10-20"), limits)
    assert (used.level, used.remaining) == ("warn", 3)
    one_left = badge(due, created, _at("2026-10-22"), limits)
    assert (one_left.level, one_left.text) == ("warn", "剩余 1 个工作日")
    assert badge(due, created, _at("2026-10-23", 15), limits).text == "今日到期"
    late = badge(due, created, _at("2026-10-27"), limits)
    assert (late.level, late.text) == ("overdue", "已超期 2 个工作日")
    assert badge(None, created, _at("2026-10-27"), limits).level == "none"
    # Thresholds are configuration: a stricter office warns five working days ahead.
    strict = Thresholds(warn_days_left=5, warn_used_ratio=0.9)
    assert badge(due, created, _at("2026-10-16"), strict).level == "warn"
    assert badge(due, created, _at("2026-10-16"), limits).level == "ok"


def test_badge_in_a_year_without_a_loaded_schedule_is_provisional() -> None:
    from app.kernel import workdays

    year = max(workdays.loaded_years()) + 2
    created = datetime.fromisoformat(f"{year}-03-02T09:00:00+08:00")
    due = datetime.fromisoformat(f"{year}-03-20T23:59:59+08:00")
    shown = badge(due, created, created + timedelta(days=1), Thresholds(), provisional=True)
    assert shown.provisional and "暂定" in shown.text
    # A date not computed provisionally (e.g. a fixed-duration timer) is not 暂定 even in such
    # a year; only the count through that year is an estimate (约).
    exact = badge(due, created, created + timedelta(days=1), Thresholds())
    assert not exact.provisional and "暂定" not in exact.text and "约 " in exact.text


def test_worklist_page_shows_the_tiers_configured(database_url: str, make_app: Any) -> None:
    app = staff_app(database_url, make_app, WORKLIST_WARN_DAYS_LEFT=12)
    office = office_of(app)
    submit(office)
    freeze("2026-10-09T10:00:00+08:00")  # 11 working days of 15 left
    html = Staff(app, "medical_clerk_330602").get("/worklist").get_data(as_text=True)
    assert "badge badge-warn" in html and "剩余 11 个工作日" in html
    current_clock().freeze(datetime.fromisoformat("2026-10-26T10:00:00+08:00"))
    html = Staff(app, "medical_clerk_330602").get("/worklist").get_data(as_text=True)
    assert "badge badge-overdue" in html and "已超期" in html
    overdue = Staff(app, "medical_clerk_330602").get("/worklist?due=overdue")
    assert len(task_ids(overdue.get_data(as_text=True))) == 1


def test_worklist_needs_a_task_role(database_url: str, make_app: Any) -> None:
    app = staff_app(database_url, make_app)
    response = Staff(app, "auditor_330602").get("/worklist")
    assert response.status_code == 403
    anonymous = app.test_client().get("/worklist")
    assert anonymous.status_code == 302 and "/login" in anonymous.location
