"""Clerks work cases through the UI in a real browser: window intake with its decision, the agency
clerks of both regions, the reviewer, delivery — until the case shows 办结; a 一次性告知 round
and a refusal with their documents; every page at 1280×800 and at 390×844."""

from __future__ import annotations

import re
from typing import Any

from app.features.cases.service import Actor
from tests.browser.conftest import LiveServer, shot, sign_in
from tests.conftest import freeze
from tests.helpers import case_row, complete, pass_review, scenario, tasks

START = "2026-09-28T09:00:00+08:00"
ID_NUMBER = "330602199001011231"
INTAKE = {
    "applicant.name": "张三",
    "applicant.id_number": ID_NUMBER,
    "applicant.phone": "13800000000",
    "applicant.hukou_region": "330602",
    "transfer_out_region": "330100",
    "status.first_insured_in_zhejiang": "2012-05-01",
    "medical.account_balance": "1,234.56",
    "unemployment.contribution_months_at_transfer_out": "30",
    "pension.contribution_months": "96",
}
INTAKE_CHOICES = {
    "applicant.hukou_type": "urban",
    "agent.present": "none",
    "status.retired": "false",
    "status.insured_at_transfer_out": "false",
    "status.employment": "employed",
    "medical.unsettled_expenses": "false",
    "medical.account_credited": "true",
    "medical.account_overdrawn": "false",
    "unemployment.receiving_benefit": "false",  # the benefit questions stay hidden
}


def _portal(server: LiveServer) -> bool:
    """Whether the applicant portal is part of this app (else its part goes through services)."""
    return "portal.track" in server.app.view_functions


def _applicant_looks_up(browser: Any, server: LiveServer, number: str) -> Any:
    """The applicant, in a browser of their own, finds the case by number and ID number."""
    tab = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
    tab.goto(f"{server.url}/portal/track")
    tab.fill('input[name="number"]', number)
    tab.fill('input[name="id_number"]', ID_NUMBER)
    tab.click("main button[type=submit]")
    tab.wait_for_load_state()
    return tab


def _switch_user(page: Any, server: LiveServer, username: str) -> None:
    page.context.clear_cookies()
    sign_in(page, server, username)
    assert "登录" not in page.title(), f"{username} is not signed in"


def _intake(page: Any, *, delivery: str, materials: bool = True, retired: bool = False) -> str:
    """Fill the window intake form as a clerk would; returns the case number shown."""
    page.click("text=窗口受理：录入新申请")
    for code in ("pension", "medical", "unemployment"):  # their sections show once chosen
        page.check(f'input[name="insurances"][value="{code}"]')
    for name, value in INTAKE.items():
        page.fill(f'[name="{name}"]', value)
    for name, value in {**INTAKE_CHOICES, "status.retired": "true" if retired else "false"}.items():
        page.check(f'input[name="{name}"][value="{value}"]')
    form = page.locator('input[name="materials"][value="application_form"]')
    form.check() if materials else form.uncheck()
    page.check(f'input[name="delivery"][value="{delivery}"]')
    page.click("text=提交并作出受理决定")
    page.wait_for_load_state()
    number = page.locator("strong.mono").first.inner_text()
    assert re.fullmatch(r"330602-2026-\d{6}", number), number
    return number


def _fill_task(page: Any, data: dict[str, Any]) -> None:
    """Fill a task form rendered from its JSON Schema with the given data and submit it."""
    for name, value in data.items():
        values = value if isinstance(value, list) else [value]
        for item in values:
            text = ("true" if item else "false") if isinstance(item, bool) else str(item)
            # Radio buttons and tick boxes only: a prefilled text input has a value too.
            option = page.locator(
                f'input[name="{name}"][value="{text}"]:is([type=radio], [type=checkbox])'
            )
            if option.count():
                option.check()
                continue
            tick = page.locator(f'input[name="{name}"][type="checkbox"]')
            if tick.count() and item is True:
                tick.check()
                continue
            field = page.locator(f'[name="{name}"]')
            if field.evaluate("e => e.tagName") == "SELECT":
                field.select_option(text)
            else:
                field.fill("\n".join(str(v) for v in values))
                break
    page.click("text=提交办理结果")
    page.wait_for_load_state()
    assert "已办理完成" in page.content(), page.locator(".error-summary").all_inner_texts()


def _work(
    page: Any,
    server: LiveServer,
    number: str,
    spec: str,
    process: str | None,
    data: dict[str, Any],
    name: str,
) -> None:
    """The clerk of the step's lane signs in, claims it on the worklist and completes it."""
    task = server.backoffice.scenarios.open_task(number, spec, process)
    assert task is not None, f"{spec} of {process} is not open"
    _switch_user(page, server, f"{task.role}_{task.region}")
    page.goto(f"{server.url}/worklist")
    row = page.locator(f'tr[data-task="{task.id}"]')
    row.locator("text=认领").click()
    page.wait_for_load_state()
    assert "已认领" in page.content()
    shot(page, f"clerk_flow_{name}")
    _fill_task(page, data)


def _reissue_certificate(page: Any, server: LiveServer, number: str) -> None:
    """规程 第四条: the person lost the 参保(合)凭证; the transfer-out agency re-issues it."""
    _switch_user(page, server, "medical_out_clerk_330100")
    page.goto(f"{server.url}/cases/{number}")
    page.click("form.reissue button")  # no reason: a field error, nothing recorded
    page.wait_for_load_state()
    assert "补办原因：必填" in page.content()
    page.fill("form.reissue textarea[name=reason]", "参保人遗失凭证")
    page.click("form.reissue button")
    page.wait_for_load_state()
    assert "已补办参保(合)凭证（第 1 次补办）" in page.content()
    with page.context.expect_page() as certificate:
        page.click("ul.documents >> text=参保(合)凭证")
    assert "补办（第 1 次补办" in certificate.value.content()
    shot(certificate.value, "clerk_flow_certificate_reissued")
    certificate.value.close()


def test_bundle_case_is_worked_through_the_ui_until_concluded(
    page: Any, browser: Any, live_server: LiveServer
) -> None:
    freeze(START)
    server = live_server
    _switch_user(page, server, "window_clerk_330602")
    assert "待办" in page.content()  # signed-in staff land on their workspace
    number = _intake(page, delivery="on_site")
    assert "受理审查结果：予以受理" in page.content()  # one step: decided and recorded
    shot(page, "clerk_flow_01_intake_result")
    assert case_row(server.backoffice, number).status == "accepted"

    steps = [s for s in scenario("bundle_all_three_success")["steps"] if "task" in s]
    for index, step in enumerate(steps, start=3):
        label = f"{index:02d}_{step.get('process', 'bundle')}_{step['task']}"
        _work(page, server, number, step["task"], step.get("process"), step["data"], label)
        if step["task"] == "contact_letter" and step.get("process") == "medical_transfer":
            _reissue_certificate(page, server, number)
    assert case_row(server.backoffice, number).status == "concluded"

    _work(
        page,
        server,
        number,
        "deliver_on_site",
        None,
        {"recipient_name": "张三", "recipient_is_agent": False, "receipt_signed": True},
        "13_deliver_on_site",
    )
    page.goto(f"{server.url}/cases/{number}")
    status = page.locator("h1 .status").inner_text()
    assert status == "已办结"
    assert case_row(server.backoffice, number).completed_at is not None
    shot(page, "clerk_flow_14_case_concluded")
    with page.context.expect_page() as notice:
        page.click("ul.documents >> text=办结通知书")
    assert "办结通知书" in notice.value.content()
    shot(notice.value, "clerk_flow_15_completion_notice")
    if _portal(server):
        applicant = _applicant_looks_up(browser, server, number)
        assert "已办结" in applicant.content()
        shot(applicant, "clerk_flow_16_applicant_sees_concluded")
        applicant.context.close()


def test_one_time_notice_round_and_refusal_through_the_ui(
    page: Any, browser: Any, live_server: LiveServer
) -> None:
    freeze(START)
    server = live_server
    office = server.backoffice
    _switch_user(page, server, "window_clerk_330602")
    number = _intake(page, delivery="electronic", materials=False)
    assert "一次性告知补正材料" in page.content()
    with page.context.expect_page() as notice:
        page.click("text=查看补正材料一次性告知书")
    assert "补正材料一次性告知书" in notice.value.content()
    shot(notice.value, "clerk_correction_notice")
    notice.value.close()
    assert case_row(office, number).status == "correction_required"

    # The applicant supplements the form: on the portal when it is there, else by the service.
    if _portal(server):
        applicant = _applicant_looks_up(browser, server, number)
        applicant.check('input[name="materials"][value="application_form"]')
        applicant.click("text=确认已补正，重新提交")
        applicant.wait_for_load_state()
        shot(applicant, "clerk_correction_supplemented_on_portal")
        applicant.context.close()
    else:
        (supplement,) = [
            t for t in tasks(office, number, "open") if t.task_spec == "supplement_materials"
        ]
        office.cases.complete_task(
            supplement.id,
            {"supplemented_materials": ["application_form"]},
            Actor("张三", "applicant", "330602"),
        )
    page.goto(f"{server.url}/worklist")
    (again,) = [t for t in tasks(office, number, "open") if t.task_spec == "acceptance_review"]
    page.locator(f'tr[data-task="{again.id}"] >> text=办理').click()
    page.wait_for_load_state()
    assert page.locator('input[name="decision"][value="accepted"]').is_checked()
    _fill_task(page, {})
    assert case_row(office, number).status == "accepted"
    shot(page, "clerk_correction_then_accepted")

    page.goto(f"{server.url}/worklist")
    refused = _intake(page, delivery="on_site", retired=True)
    assert "退休人员不予办理" in page.content()
    assert case_row(office, refused).status == "refused"
    with page.context.expect_page() as decision:
        page.click("text=查看不予受理决定书")
    text = decision.value.content()
    assert "不予受理决定书" in text and "行政复议" in text
    shot(decision.value, "clerk_refusal_decision")


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_workspace_pages_fit_wide_and_narrow_screens(browser: Any, live_server: LiveServer) -> None:
    freeze(START)
    server = live_server
    office = server.backoffice
    from tests.web.clerk_support import application

    number = office.applications.submit(application(), Actor("t", "applicant")).case_number
    pass_review(office, number)  # 审核 before the transfers (seed 000 十四)
    office.applications.submit(application(channel="window", materials=[]), Actor("t", "applicant"))
    suspend = next(
        s
        for s in scenario("bundle_all_three_success")["steps"]
        if s["task"] == "suspend_and_certify"
    )
    complete(office, number, suspend)  # the medical 联系函 is open for the transfer-in clerk
    (task,) = [t for t in tasks(office, number, "open") if t.role == "medical_clerk"]
    pages = {
        "medical_clerk_330602": ["/worklist", f"/tasks/{task.id}", f"/cases/{number}"],
        "window_clerk_330602": ["/intake", "/worklist"],
        "supervisor_330602": [
            "/supervision",
            "/supervision/dashboard",
            f"/supervision/tasks/{task.id}/reassign",
        ],
    }
    for width, height in ((1280, 800), (390, 844)):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        tab = context.new_page()
        for username, paths in pages.items():
            tab.context.clear_cookies()
            sign_in(tab, server, username)
            for path in paths:
                tab.goto(server.url + path)
                tab.wait_for_load_state("networkidle")
                name = path.strip("/").replace("/", "_") or "home"
                shot(tab, f"workspace_{width}x{height}_{username.split('_')[0]}_{name}")
                assert _fits(tab), f"{path} overflows at {width}px"
                assert tab.locator("main h1").count() == 1
        context.close()
