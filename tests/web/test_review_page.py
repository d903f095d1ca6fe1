"""The reviewer's 审核 page shows the three transfers (facts and results so far) and the
documents the decision approves; a refusal after acceptance is 不予办理, not 不予受理."""

from __future__ import annotations

import re
from typing import Any

from tests.helpers import case_row, tasks
from tests.web.clerk_support import Staff, office_of, staff_app, submit


def _review_task(office: Any, number: str) -> Any:
    (task,) = [t for t in tasks(office, number, "open") if t.task_spec == "review"]
    return task


def test_review_page_shows_the_three_transfers_and_the_documents(
    database_url: str, make_app: Any
) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    number = submit(office, reviewed=False, insurances=["pension", "medical"], unemployment=None)
    task = _review_task(office, number)
    html = Staff(app, "reviewer_330602").get(f"/tasks/{task.id}").get_data(as_text=True)
    panel = html[html.index('class="review-panel"') :]
    rows = dict(re.findall(r'data-insurance="(\w+)" class="transfer-(\w+)"', panel))
    assert rows == {
        "pension": "not_started",
        "medical": "not_started",
        "unemployment": "not_applied",
    }
    assert "缴费月数" in panel and "个人账户余额" in panel and "1234.56 元" in panel
    assert "审核通过后开始办理" in panel and "未申请" in panel
    assert "办结通知书" in panel and "《不予办理决定书》" in panel
    # The step's own documents say 不予办理 too: the case is accepted already.
    assert "不予办理决定书：本环节办理后可打印" in html and "不予受理决定书" not in html


def test_a_refusal_at_review_is_not_handled_not_refused_acceptance(
    database_url: str, make_app: Any
) -> None:
    app = staff_app(database_url, make_app)
    office = office_of(app)
    number = submit(office, reviewed=False)
    task = _review_task(office, number)
    reviewer = Staff(app, "reviewer_330602")
    assert reviewer.post(f"/tasks/{task.id}/claim").status_code == 302
    done = reviewer.post(
        f"/tasks/{task.id}",
        {
            "review_materials_complete": "true",
            "review_legal_form": "true",
            "review_verification": "not_confirmed",
            "review_passed": "false",
            "review_opinion": "参保记录与申请表不符",
            "review_reasons": "经核实，转出地参保记录与申请表不一致",
        },
    )
    assert done.status_code == 302
    assert case_row(office, number).status == "refused"

    case_page = reviewer.get(f"/cases/{number}").get_data(as_text=True)
    assert "不予办理" in case_page and "不予受理" not in case_page
    document = reviewer.get(f"/cases/{number}/documents/refusal_decision").get_data(as_text=True)
    assert "不予办理决定书" in document and "决定不予办理" in document
    assert "不予受理" not in document and "人社不办" in document
    portal_text = office.portal.status(number)["status_text"]
    assert portal_text == "不予办理"
