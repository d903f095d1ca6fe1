"""Browser: apply online, see the decision, let the clerks work while the simulated clock moves,
download the 办结 document, leave a rating — on a desktop and on a phone-sized screen."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from app.features.cases.notifier import install
from tests.browser.conftest import LiveServer, shot
from tests.conftest import freeze, settings_for
from tests.helpers import case_row, complete, scenario
from tests.web.api_support import START, make_id

STEPS = scenario("bundle_all_three_success")["steps"]
ID_NUMBER = make_id(date(1991, 7, 15), seq=27)


@pytest.fixture
def simulated(database_url: str, make_app: Any) -> Iterator[tuple[LiveServer, str]]:
    """A live server in simulation mode (its clock moves only through the API) and a token."""
    freeze(START)
    app = make_app(settings_for(database_url), SIMULATION=True)
    install(app.extensions["backoffice"].cases)
    token = app.extensions["backoffice"].api_tokens.create("training", "tests")
    server = LiveServer(app)
    server.start()
    yield server, token
    server.stop()


def _fill_application(page: Any) -> None:
    page.fill('input[name="applicant.name"]', "王五")
    page.fill('input[name="applicant.id_number"]', ID_NUMBER[:17] + "0")
    page.locator('input[name="applicant.phone"]').click()  # leaving the field runs the check
    assert "校验码错误" in page.inner_text("#id-check")
    page.fill('input[name="applicant.id_number"]', ID_NUMBER)
    page.fill('input[name="applicant.phone"]', "13700000000")
    assert page.locator("#id-check").is_hidden()
    page.fill('input[name="applicant.hukou_region"]', "330602")
    page.check('input[name="applicant.hukou_type"][value="urban"]')
    for insurance in ("pension", "medical", "unemployment"):
        page.check(f'input[name="insurances"][value="{insurance}"]')
    page.fill('input[name="transfer_out_region"]', "330100")
    page.fill('input[name="transfer_in_region"]', "330602")
    page.check('input[name="status.retired"][value="no"]')
    page.check('input[name="status.insured_at_transfer_out"][value="no"]')
    page.check('input[name="status.employment"][value="employed"]')
    page.fill('input[name="status.first_insured_in_zhejiang"]', "2012-05-01")
    page.check('input[name="medical.unsettled_expenses"][value="no"]')
    page.check('input[name="medical.account_credited"][value="yes"]')
    page.check('input[name="medical.account_overdrawn"][value="no"]')
    page.fill('input[name="medical.account_balance"]', "1234.56")
    page.check('input[name="unemployment.receiving_benefit"][value="no"]')
    page.fill('input[name="unemployment.contribution_months_at_transfer_out"]', "30")
    # Not drawing benefit: the benefit questions do not apply and stay hidden.
    assert page.locator('input[name="unemployment.benefit_months_approved"]').is_hidden()
    page.fill('input[name="pension.contribution_months"]', "96")
    page.check('input[name="delivery"][value="electronic"]')


def test_apply_follow_download_and_rate(
    simulated: tuple[LiveServer, str], page: Any, tmp_path: Path
) -> None:
    server, token = simulated
    office = server.backoffice
    page.goto(f"{server.url}/portal/apply")
    assert page.locator("#section-medical").is_hidden()  # shown once medical is chosen
    page.click("button.primary")  # nothing filled in: every question answered in place
    page.wait_for_load_state()
    assert "申请未提交" in page.inner_text(".flash-error")
    assert "必填项缺失" in page.inner_text("#f-applicant-name")
    assert "请至少选择一个需要转移的险种" in page.inner_text("#f-insurances")
    shot(page, "portal-apply-errors")
    _fill_application(page)
    shot(page, "portal-apply-filled")
    page.click("button.primary")
    page.wait_for_load_state()

    number = page.inner_text("#case-number")
    assert page.inner_text("#case-status") == "已受理，办理中"
    assert "2026-10-15 前" in page.inner_text("#committed")
    assert "已受理，承诺于2026年10月15日前办结" in page.inner_text("#messages")
    shot(page, "portal-decision")

    clock_url = f"{server.url}/api/simulation/clock"
    headers = {"Authorization": f"Bearer {token}"}
    for step in STEPS:  # the clerks' steps (their UI is tested elsewhere), a day apart
        moved = page.request.post(clock_url, data={"advance": "P1D"}, headers=headers)
        assert moved.status == 200, moved.text()
        complete(office, number, step)
    assert case_row(office, number).status == "concluded"

    page.reload()
    assert page.inner_text("#case-status") == "已办结"
    assert "已办结" in page.inner_text("#insurances")
    assert "已通过审核，各险种的转移接续手续正在办理" in page.inner_text("#messages")
    # Medical insurance was suspended on 10-01 (after the review on 09-29 and the pension
    # 联系函 on 09-30) with no receiving employer (seed 003 第六条).
    assert "最迟于 2027年1月1日" in page.inner_text("#register-by")
    with page.expect_download() as download:
        page.click("#documents a:has-text('办结通知书')")
    saved = tmp_path / "notice.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")
    assert download.value.suggested_filename == f"{number}-completion_notice.pdf"

    page.check('input[name="level"][value="5"]')
    page.fill('textarea[name="comment"]', "全程网上办，没有跑腿")
    page.click("#rating button[type=submit]")
    page.wait_for_load_state()
    assert "您已评价：非常满意" in page.inner_text("#rating")
    shot(page, "portal-concluded-rated")

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the progress page scrolls sideways on a phone ({width}px)"
    shot(page, "portal-progress-phone")
    page.goto(f"{server.url}/portal/apply")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "portal-apply-phone")


def test_lookup_with_a_wrong_id_number_reveals_nothing(
    simulated: tuple[LiveServer, str], page: Any
) -> None:
    server, token = simulated
    created = page.request.post(
        f"{server.url}/api/applications",
        data=scenario("bundle_all_three_success")["application"],
        headers={"Authorization": f"Bearer {token}"},
    )
    number = created.json()["case_number"]
    page.goto(f"{server.url}/portal/cases/{number}")
    assert "/portal/track" in page.url
    page.fill('input[name="id_number"]', ID_NUMBER)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "办件编号或身份证号码不正确" in page.content()
    assert "张三" not in page.content()
    page.fill('input[name="id_number"]', "330602199001011231")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert page.inner_text("#case-number") == number
    shot(page, "portal-lookup")
