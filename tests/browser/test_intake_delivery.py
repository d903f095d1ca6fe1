"""Browser: the window takes an application in one step and hands out the 受理回执, forgiving
what was mistyped; an applicant who chooses 邮寄送达 gives the address and the clerk sees it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from app.store.models import Case
from tests.browser.conftest import LiveServer, shot, sign_in
from tests.browser.test_portal import _fill_application
from tests.conftest import freeze
from tests.helpers import case_row, tasks

START = "2026-09-28T09:00:00+08:00"


def _cases(server: LiveServer) -> int:
    with server.backoffice.db.sessions() as session:
        return int(session.execute(select(func.count()).select_from(Case)).scalar_one())


def test_window_intake_in_one_step_with_the_acceptance_receipt(
    page: Any, live_server: LiveServer
) -> None:
    freeze(START)
    server = live_server
    sign_in(page, server, "window_clerk_330602")
    page.goto(f"{server.url}/intake")
    # Nothing chosen yet: the insurance sections, the agent and the address stay hidden.
    for hidden in ("medical.account_balance", "agent.name", "delivery_address.address"):
        assert page.locator(f'[name="{hidden}"]').is_hidden()
    for code in ("pension", "medical", "unemployment"):
        page.check(f'input[name="insurances"][value="{code}"]')
    texts = {
        "applicant.name": "张三",
        "applicant.id_number": "330602199001011232",  # one wrong check digit
        "applicant.phone": "13800000000",
        "applicant.hukou_region": "330602",
        "transfer_out_region": "330100",
        "status.first_insured_in_zhejiang": "2012-05-01",
        "medical.account_balance": "3,456.78",  # as people write amounts
        "unemployment.contribution_months_at_transfer_out": "30",
        "pension.contribution_months": "96",
    }
    for name, value in texts.items():
        page.fill(f'[name="{name}"]', value)
    choices = {
        "applicant.hukou_type": "urban",
        "agent.present": "none",
        "status.retired": "false",
        "status.insured_at_transfer_out": "false",
        "status.employment": "employed",
        "medical.unsettled_expenses": "false",
        "medical.account_credited": "true",
        "medical.account_overdrawn": "false",
        "unemployment.receiving_benefit": "false",
        "delivery": "on_site",
    }
    for name, value in choices.items():
        page.check(f'input[name="{name}"][value="{value}"]')
    # Not drawing benefit: the benefit questions do not apply.
    assert page.locator('[name="unemployment.benefit_months_approved"]').is_hidden()
    page.check('input[name="unemployment.receiving_benefit"][value="true"]')
    assert page.locator('[name="unemployment.benefit_months_approved"]').is_visible()
    page.check('input[name="unemployment.receiving_benefit"][value="false"]')
    # The submit button ends the form.
    assert page.evaluate(
        "document.querySelector('form.intake').lastElementChild.matches('button[type=submit]')"
    )
    page.click("text=提交并作出受理决定")
    page.wait_for_load_state()
    assert "身份证号码有误" in page.inner_text(".error-summary")
    assert _cases(server) == 0  # a typo is not a 不予受理 on record
    shot(page, "intake_01_id_typo_is_a_field_error")

    page.fill('[name="applicant.id_number"]', "330602199001011231")
    page.click("text=提交并作出受理决定")
    page.wait_for_load_state()
    assert "受理审查结果：予以受理" in page.inner_text("h1")
    number = page.locator("strong.mono").first.inner_text()
    assert case_row(server.backoffice, number).status == "accepted"  # no 下一步, no 认领
    assert [t.task_spec for t in tasks(server.backoffice, number, "open")] == ["review"]
    shot(page, "intake_02_decided_in_one_step")
    with page.context.expect_page() as receipt:
        page.click("text=查看受理通知书（受理回执）")
    text = receipt.value.content()
    assert "受理通知书" in text and number in text and "张三" in text
    assert "承诺办结时限" in text and "法定办结时限" in text and "当场送达" in text
    shot(receipt.value, "intake_03_acceptance_receipt")
    receipt.value.close()


def test_portal_express_delivery_address_is_shown_to_the_clerk(
    page: Any, live_server: LiveServer
) -> None:
    freeze(START)
    server = live_server
    page.goto(f"{server.url}/portal/apply")
    _fill_application(page)
    page.fill('input[name="medical.account_balance"]', "1,234.56")
    assert page.locator('[name="delivery_address.address"]').is_hidden()
    page.check('input[name="delivery"][value="express"]')
    page.click("button.primary")  # express without the address: asked for in place
    page.wait_for_load_state()
    assert "须填写收件人、联系电话和收件地址" in page.inner_text("#f-delivery_address")
    page.fill('input[name="delivery_address.recipient"]', "王五")
    page.fill('input[name="delivery_address.phone"]', "13700000000")
    page.fill('input[name="delivery_address.address"]', "浙江省绍兴市越城区人民中路1号")
    shot(page, "delivery_01_portal_address")
    page.click("button.primary")
    page.wait_for_load_state()
    number = page.inner_text("#case-number")

    page.context.clear_cookies()
    sign_in(page, server, "reviewer_330602")
    page.goto(f"{server.url}/cases/{number}")
    address = page.inner_text("dd.delivery-address")
    assert "浙江省绍兴市越城区人民中路1号" in address
    assert "王五" in address and "13700000000" in address
    shot(page, "delivery_02_clerk_sees_the_address")
