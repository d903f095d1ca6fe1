"""Policy staff see the law, not the code (issue 15 item 7): a timer's limit in words with each
region's own value, processes by their Chinese names, and a form edited as a list of fields
that saves the same JSON Schema (only what was edited differs)."""

from __future__ import annotations

import copy
import json
from typing import Any

from app.kernel.config import ROOT
from tests.browser.conftest import LiveServer, shot, wait_until
from tests.browser.test_modeler import _open_draft, _select, workbench  # noqa: F401

FORM = "medical_transfer.contact_letter.json"
LIMIT = "15 个工作日（medical.transfer_in，瓯海区 15）"


def test_limits_in_words_and_a_form_edited_as_fields(page: Any, workbench: LiveServer) -> None:  # noqa: F811
    _open_draft(page, workbench)
    draft_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    assert "基本医疗保险关系转移接续" in page.inner_text("h1")
    _select(page, "timer_transfer_in")
    assert page.inner_text("#prop-timer-limit-text") == f"时限：{LIMIT}"
    shot(page, "modeler_timer_limit_in_words")

    _select(page, "contact_letter")
    page.click("#prop-form-edit")
    page.wait_for_selector("#ff-table tr[data-field='medical_eligible']")
    assert page.locator("#form-text").is_hidden()  # the JSON is the advanced view
    row = "#ff-table tr[data-field='medical_contact_letter_note']"
    page.fill(f"{row} .ff-title", "备注（联系函附言）")
    page.press(f"{row} .ff-title", "Tab")
    page.check(f"{row} .ff-required")
    page.fill("#ff-new-key", "medical_channel")
    page.fill("#ff-new-title", "联系函发送方式")
    page.select_option("#ff-new-type", "choice")
    page.click("#ff-add")
    options = "#ff-table tr[data-field='medical_channel'] .ff-options"
    page.fill(options, "platform=全国转移接续平台\npost=邮寄")
    page.press(options, "Tab")
    wait_until(
        page, "document.querySelector('#form-preview [data-field=\"medical_channel\"]') !== null"
    )
    page.click("#save")
    page.wait_for_selector("#status:text-is('草稿已保存')")
    shot(page, "modeler_form_as_fields")

    saved = workbench.backoffice and _draft_form(workbench, draft_id)
    expected = copy.deepcopy(json.loads((ROOT / "forms" / FORM).read_text(encoding="utf-8")))
    expected["properties"]["medical_contact_letter_note"]["title"] = "备注（联系函附言）"
    expected["required"].append("medical_contact_letter_note")
    expected["properties"]["medical_channel"] = {
        "title": "联系函发送方式",
        "type": "string",
        "enum": ["platform", "post"],
        "x-enum-labels": ["全国转移接续平台", "邮寄"],
    }
    assert saved == expected  # every other keyword (descriptions, allOf, patterns) kept
    page.click("#validate")
    page.wait_for_selector("#validation-ok")

    page.goto(f"{workbench.url}/modeler/")
    assert "失业保险关系转移接续" in page.inner_text("table.grid")
    page.click("a:text-is('基本医疗保险关系转移接续')")
    assert page.inner_text("#timer-timer_transfer_in .limit-text") == LIMIT
    shot(page, "modeler_process_timers")


def _draft_form(server: LiveServer, draft_id: int) -> Any:
    from app.features.modeling.drafts import ModelingService

    return ModelingService.for_backoffice(server.backoffice).draft(draft_id).forms[FORM]
