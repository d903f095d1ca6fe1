"""In a real browser: deadlines that tell the truth (issue 15 §4) and supervision with real
staffing (§5). One scenario each; screenshots in test-artifacts/."""

from __future__ import annotations

import re
from typing import Any

from app.entrypoints.demo import demo_name
from tests.browser.conftest import LiveServer, shot
from tests.browser.test_clerk_flow import _switch_user
from tests.conftest import freeze
from tests.helpers import case_row, tasks
from tests.web.clerk_support import submit


def test_deadlines_beijing_time_and_the_review_page(page: Any, live_server: LiveServer) -> None:
    office = live_server.backoffice
    in_review = submit(office, reviewed=False)  # accepted 2026-09-28 09:00, 审核 open
    late = submit(office)  # reviewed: the transfers run; committed limit ends 10-15
    freeze("2026-10-21T00:30:00+08:00")  # still 10-20 in UTC

    _switch_user(page, live_server, "medical_clerk_330602")
    page.goto(f"{live_server.url}/")
    assert page.inner_text("#now") == "2026-10-21 00:30"
    page.goto(f"{live_server.url}/worklist")
    row = page.locator("tr.row-overdue", has_text=late)
    assert "超过承诺时限 4 个工作日" in row.inner_text()  # 10-16, 10-19, 10-20, 10-21
    assert "截止 2026-10-23 23:59" in row.inner_text() and "暂定" not in row.inner_text()
    shot(page, "deadlines_worklist_red_in_working_days")

    _switch_user(page, live_server, "reviewer_330602")
    (review,) = [t for t in tasks(office, in_review, "open") if t.task_spec == "review"]
    page.goto(f"{live_server.url}/tasks/{review.id}")
    panel = page.locator(".review-panel")
    assert panel.locator("tr[data-insurance]").count() == 3
    assert "审核通过后开始办理" in panel.inner_text() and "不予办理决定书" in panel.inner_text()
    shot(page, "review_page_transfers_and_documents")
    page.click('form[action$="/claim"] button')
    page.wait_for_load_state()
    page.check('input[name="review_materials_complete"][value="true"]')
    page.check('input[name="review_legal_form"][value="true"]')
    page.check('input[name="review_verification"][value="not_confirmed"]')
    page.check('input[name="review_passed"][value="false"]')
    page.fill('[name="review_opinion"]', "参保记录与申请表不符")
    page.fill('[name="review_reasons"]', "经核实，转出地参保记录与申请表不一致")
    page.click("text=提交办理结果")
    page.wait_for_load_state()
    assert case_row(office, in_review).status == "refused"
    page.goto(f"{live_server.url}/cases/{in_review}")
    assert "不予办理" in page.inner_text("h1") and "不予受理" not in page.inner_text(".task-layout")
    with page.context.expect_page() as opened:
        page.click("ul.documents >> text=不予办理决定书")
    document = opened.value
    document.wait_for_load_state()
    assert "决定不予办理" in document.content()
    shot(document, "review_refusal_is_not_handled_decision")


def test_supervisor_reassigns_by_name_and_returns_to_the_pool(
    page: Any, live_server: LiveServer
) -> None:
    office = live_server.backoffice
    number = submit(office)
    (letter,) = [t for t in tasks(office, number, "open") if t.role == "medical_clerk"]
    freeze("2026-10-22T10:00:00+08:00")  # one working day left: listed for supervision
    _switch_user(page, live_server, "medical_clerk_330602")
    page.goto(f"{live_server.url}/tasks/{letter.id}")
    page.click('form[action$="/claim"] button')
    page.wait_for_load_state()

    _switch_user(page, live_server, "supervisor_330602")
    page.goto(f"{live_server.url}/supervision")
    row = page.locator("tr", has_text="审核并发出联系函").first
    assert demo_name("medical_clerk_330602") in row.inner_text()  # by name, not login
    row.locator("text=改派").click()
    page.wait_for_load_state()
    options = page.locator("#assignee option").all_inner_texts()
    assert options == [
        "请选择经办人",
        "退回待办池（取消认领，由本岗位人员重新认领）",
        demo_name("medical_clerk_330602_2"),
    ]
    shot(page, "reassign_offers_colleague_and_pool")
    page.select_option("#assignee", label="退回待办池（取消认领，由本岗位人员重新认领）")
    page.fill("#reason", "经办人请假，退回待办池")
    page.click("text=确认改派")
    page.wait_for_load_state()
    assert "已退回待办池" in page.content()
    (row_now,) = [t for t in tasks(office, number) if t.id == letter.id]
    assert (row_now.state, row_now.assignee) == ("open", None)
    page.goto(f"{live_server.url}/cases/{number}")
    assert re.search(r"退回待办池；理由：经办人请假", page.content())
    shot(page, "reassign_pool_in_case_history")

    _switch_user(page, live_server, "medical_clerk_330602_2")
    page.goto(f"{live_server.url}/worklist")
    assert page.locator(f'tr[data-task="{letter.id}"]').count() == 1
    shot(page, "pool_task_in_colleague_worklist")
