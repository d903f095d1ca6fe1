"""Policy staff in a real browser: open medical_transfer, shorten the contact-letter limit in the
properties panel, validate, run the scenarios, deploy version 2 with a note, see the diff; new
cases use version 2 while a running case stays on version 1. Errors show on the diagram."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.entrypoints.demo import demo_name, load_users
from app.kernel.config import ROOT
from tests.browser.conftest import LiveServer, shot, sign_in, wait_until
from tests.conftest import settings_for
from tests.helpers import case_row
from tests.modeling.support import medical_case

MEDICAL = "medical_transfer"
WIDER = "medical_out_decision in ('ineligible', 'refused')"


@pytest.fixture
def workbench(database_url: str, make_app: Any, tmp_path: Path) -> Iterator[LiveServer]:
    """The app with processes/ and forms/ copied aside: a deploy writes to them."""
    settings = settings_for(database_url)
    settings.processes_dir = tmp_path / "processes"
    settings.forms_dir = tmp_path / "forms"
    shutil.copytree(ROOT / "processes", settings.processes_dir)
    shutil.copytree(ROOT / "forms", settings.forms_dir)
    app = make_app(settings, FOUR_EYES=False)
    load_users(app.extensions["backoffice"])
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()


def _open_draft(page: Any, server: LiveServer) -> None:
    sign_in(page, server, "policy_staff_330602")
    page.goto(f"{server.url}/modeler/")
    page.click("a:text-is('基本医疗保险关系转移接续')")  # processes by their Chinese names
    page.select_option("select[name=source]", "working")
    page.click("text=新建草稿并编辑")
    page.wait_for_selector("body[data-modeler-ready='1']")


def _select(page: Any, element_id: str) -> None:
    if element_id.startswith("f_"):
        # A sequence flow's bounding box centre is rarely on the line itself: select it the
        # way a click on the line does.
        page.evaluate(
            "id => sitModeler.get('selection').select(sitModeler.get('elementRegistry').get(id))",
            element_id,
        )
    else:
        page.locator(f".djs-element[data-element-id='{element_id}']").first.click(force=True)
    page.wait_for_selector(f"#prop-id:text-is('{element_id}')")


def test_policy_officer_changes_a_limit_tests_deploys_and_sees_the_diff(
    page: Any, workbench: LiveServer
) -> None:
    office = workbench.backoffice
    old_case = medical_case(office)
    _open_draft(page, workbench)

    _select(page, "timer_contact_letter")
    expression = page.locator("#prop-timer-expression")
    assert "limit('medical.contact_letter', transfer_in_region)" in expression.input_value()
    page.check("#prop-timer-mode-days")
    page.fill("#prop-timer-days", "10")
    page.press("#prop-timer-days", "Tab")
    wait_until(
        page,
        "document.querySelector('#prop-timer-expression').value"
        " === 'deadline(medical_accepted_at, 10)'",
    )
    page.click("#save")
    page.wait_for_selector("#status:text-is('草稿已保存')")

    page.click("#validate")
    page.wait_for_selector("#validation-ok")
    page.click("#run-scenarios")
    page.wait_for_selector("#scenario-summary.ok", timeout=120_000)
    assert "全部通过" in page.inner_text("#scenario-summary")
    assert page.locator("#scenario-results tbody tr.pass").count() >= 7
    shot(page, "modeler_validated_and_tested")

    page.fill("#deploy-note", "越城区承诺：联系函10个工作日内发出")
    page.click("#deploy")
    page.wait_for_selector("text=已部署 medical_transfer 第 2 版")
    versions = page.inner_text("#versions")
    assert "第 2 版" in versions and "越城区承诺：联系函10个工作日内发出" in versions
    assert demo_name("policy_staff_330602") in versions  # the deployer, by name

    new_case = medical_case(office)
    assert case_row(office, new_case).pinned[MEDICAL] != case_row(office, old_case).pinned[MEDICAL]
    with office.db.sessions() as session:
        from app.store.models import ProcessVersion

        version_of = {
            row.id: row.version
            for row in session.query(ProcessVersion).filter_by(process_id=MEDICAL)
        }
    assert version_of[case_row(office, old_case).pinned[MEDICAL]] == 1
    assert version_of[case_row(office, new_case).pinned[MEDICAL]] == 2

    page.click("text=与第 1 版对比")
    page.wait_for_selector("#new-view[data-ready='1']")
    page.wait_for_selector("#old-view[data-ready='1']")
    table = page.inner_text("#diff-table")
    assert "timer_contact_letter" in table and "deadline(medical_accepted_at, 10)" in table
    changed = page.locator(
        "#new-view .djs-element.diff-changed[data-element-id='timer_contact_letter']"
    )
    assert changed.count() == 1
    shot(page, "modeler_diff")


def test_validation_errors_show_on_the_diagram_and_forms_have_a_live_preview(
    page: Any, workbench: LiveServer
) -> None:
    _open_draft(page, workbench)
    _select(page, "f_out_transferred")
    page.fill("#prop-condition", "medical_out_decision == = 'transferred'")
    page.press("#prop-condition", "Tab")
    page.click("#validate")
    page.wait_for_selector("#problems li")
    problem = page.inner_text("#problems li")
    # In Chinese, naming the step, without a file path; the validator's words one click away.
    assert problem.startswith("「已办结转出」：条件、时限或脚本的 Python 写法有误")
    assert "processes/" not in problem and ".bpmn" not in problem
    page.click("#problems li details summary")
    assert "f_out_transferred: Python syntax error" in page.inner_text("#problems li")
    assert (
        page.locator(".djs-element.has-problem[data-element-id='f_out_transferred']").count() == 1
    )
    assert "校验未通过" in page.inner_text("#validation-summary")
    shot(page, "modeler_validation_error")

    # The user task's form opens in the form editor with a live preview.
    _select(page, "contact_letter")
    assert page.input_value("#prop-form") == "medical_transfer.contact_letter.json"
    page.click("#prop-form-edit")
    page.wait_for_selector("#form-preview h4:text-is('审核并发出联系函')")
    assert page.locator("#form-preview [data-field='medical_eligible']").count() == 1
    page.click("#form-advanced summary")  # the JSON Schema is the advanced view
    text = page.input_value("#form-text").replace("审核并发出联系函", "审核并发出《联系函》", 1)
    page.fill("#form-text", text)
    page.wait_for_selector("#form-preview h4:text-is('审核并发出《联系函》')")
    page.fill("#form-text", text.replace('"type": "object"', '"type": "objekt"', 1))
    page.wait_for_selector("#form-errors li:has-text('JSON Schema 不合法')")
    page.fill("#form-text", "{ broken")
    page.wait_for_selector("#form-errors li:has-text('不是合法的 JSON')")
    shot(page, "modeler_form_editor")
    page.click("#save")
    page.wait_for_selector("#status.error")
    assert "表单 medical_transfer.contact_letter.json" in page.inner_text("#status")


def test_properties_panel_writes_lanes_forms_and_call_targets_as_standard_bpmn(
    page: Any, workbench: LiveServer
) -> None:
    from app.features.modeling.bpmn_diff import describe
    from app.features.modeling.drafts import ModelingService

    _open_draft(page, workbench)
    _select(page, "escalate_step")
    assert "supervisor" in page.inner_text("#prop-lane option:checked")
    lane = page.locator("#prop-lane option", has_text="medical_clerk").get_attribute("value")
    page.select_option("#prop-lane", lane)
    wait_until(
        page,
        "document.querySelector('#prop-lane option:checked').textContent.includes('medical_clerk')",
    )
    _select(page, "correct_info")
    page.fill("#prop-form", "medical_transfer.correct_letter.json")
    page.press("#prop-form", "Tab")
    _select(page, "f_out_ineligible")
    page.fill("#prop-condition", WIDER)
    page.press("#prop-condition", "Tab")
    page.click("#save")
    page.wait_for_selector("#status:text-is('草稿已保存')")

    modeling = ModelingService.for_backoffice(workbench.backoffice)
    [draft] = modeling.drafts(MEDICAL).items
    saved = describe(draft.bpmn_xml)
    assert saved["escalate_step"]["lane"] == "medical_clerk"
    assert saved["correct_info"]["form"] == "medical_transfer.correct_letter.json"
    assert saved["f_out_ineligible"]["condition"] == WIDER
    # What bpmn-js wrote still carries the spiffworkflow extension and passes our validation.
    assert "<spiffworkflow:property " in draft.bpmn_xml
    assert modeling.validate_draft(draft.id) == []
    changed = {c.element_id for c in modeling.draft_diff(draft.id).changed}
    assert {"escalate_step", "correct_info", "f_out_ineligible"} <= changed

    # A call activity of the bundle names its target process in the panel.
    page.goto(f"{workbench.url}/modeler/processes/one_thing_bundle")
    page.select_option("select[name=source]", "working")
    page.click("text=新建草稿并编辑")
    page.wait_for_selector("body[data-modeler-ready='1']")
    _select(page, "call_medical")
    assert page.input_value("#prop-called") == "medical_transfer"
    shot(page, "modeler_call_activity")


def test_policy_officer_creates_a_new_process_and_the_editor_opens(
    page: Any, workbench: LiveServer
) -> None:
    sign_in(page, workbench, "policy_staff_330602")
    page.goto(f"{workbench.url}/modeler/")
    page.fill("#new-process input[name=process_id]", "maternity_transfer")
    page.fill("#new-process input[name=name]", "生育保险关系转移接续")
    page.click("#new-process button[type=submit]")
    page.wait_for_selector("body[data-modeler-ready='1']")
    assert "maternity_transfer" in page.inner_text("h1")
    assert page.locator(".djs-element[data-element-id='start']").count() == 1
    assert page.locator(".djs-element[data-element-id='end']").count() == 1
    page.click("#validate")
    page.wait_for_selector("#validation-ok")
    shot(page, "modeler_new_process")
