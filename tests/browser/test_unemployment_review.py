"""The transfer-out unemployment clerk reviews in a real browser: an employed worker's approval
without the labour contract with the transfer-in employer (浙江2017 第六条（一）) is refused in
place, in Chinese, and nothing is saved; with the contract checked the 联系函 goes out."""

from __future__ import annotations

from typing import Any

from app.features.cases.service import Actor
from tests.browser.conftest import LiveServer, shot
from tests.browser.test_clerk_flow import START, _switch_user
from tests.conftest import freeze
from tests.helpers import pass_review, scenario, tasks

CONTRACT = ("unemployment_labour_contract_checked", "unemployment_new_employer_name")


def test_employed_worker_review_needs_the_labour_contract(
    page: Any, live_server: LiveServer
) -> None:
    freeze(START)
    office = live_server.backoffice
    application = {**scenario("bundle_all_three_success")["application"]}
    application["insurances"] = ["unemployment"]
    number = office.applications.submit(application, Actor("t", "applicant")).case_number
    pass_review(office, number)  # 审核 before the transfers (seed 000 十四)
    (task,) = [t for t in tasks(office, number, "open") if t.task_spec == "out_review"]
    [step] = [s for s in scenario("bundle_all_three_success")["steps"] if s["task"] == "out_review"]

    _switch_user(page, live_server, f"{task.role}_{task.region}")
    page.goto(f"{live_server.url}/tasks/{task.id}")
    assert "已核验与转入地用人单位签订的劳动合同" in page.content()
    assert "转入地用人单位名称" in page.content()
    page.check('input[name="unemployment_out_approved"][value="true"]')
    for name, value in step["data"].items():
        if name not in CONTRACT and not isinstance(value, bool):
            page.fill(f'[name="{name}"]', str(value))
    page.click("text=提交办理结果")
    page.wait_for_load_state()
    html = page.content()
    assert "须核验与转入地用人单位签订的劳动合同" in html
    assert "请填写劳动合同上的转入地用人单位名称" in html
    assert "已办理完成" not in html
    shot(page, "unemployment_review_contract_missing")
    (still,) = [t for t in tasks(office, number) if t.task_spec == "out_review"]
    assert still.state in ("open", "claimed")

    # The typed values are kept: only the contract is added.
    page.check('input[name="unemployment_labour_contract_checked"][value="true"]')
    page.fill('[name="unemployment_new_employer_name"]', step["data"][CONTRACT[1]])
    page.click("text=提交办理结果")
    page.wait_for_load_state()
    assert "已办理完成" in page.content(), page.locator(".error-summary").all_inner_texts()
    shot(page, "unemployment_review_contract_checked")
    assert [t.task_spec for t in tasks(office, number, "open")] == ["in_decision"]
