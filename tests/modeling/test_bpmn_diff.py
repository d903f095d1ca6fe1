"""The textual diff of two BPMN documents: what a policy officer needs to see changed."""

from __future__ import annotations

from typing import Any

import pytest

from app.features.modeling.bpmn_diff import BpmnDiffError, diff
from app.kernel.config import ROOT
from tests.modeling.support import NS, SHORTER_TIMER, edit, node, remove_element

MEDICAL = (ROOT / "processes" / "medical_transfer.bpmn").read_text(encoding="utf-8")
BUNDLE = (ROOT / "processes" / "one_thing_bundle.bpmn").read_text(encoding="utf-8")


def _changed(old: str, new: str) -> dict[str, dict[str, tuple[str, str]]]:
    return {
        c.element_id: {f.field: (f.old, f.new) for f in c.changes} for c in diff(old, new).changed
    }


def test_identical_documents_and_layout_changes_have_no_diff() -> None:
    assert diff(MEDICAL, MEDICAL).empty
    moved = MEDICAL.replace('<dc:Bounds x="20" y="40"', '<dc:Bounds x="25" y="45"', 1)
    assert moved != MEDICAL and diff(MEDICAL, moved).empty


def test_name_timer_condition_and_form_changes_are_listed_with_old_and_new() -> None:
    def change(root: Any) -> None:
        node(root, "contact_letter").set("name", "发出联系函")
        prop = node(root, "transfer_in").find(".//spiffworkflow:property", NS)
        prop.set("value", "medical_transfer.transfer_in.abc1234567.json")
        cond = node(root, "f_out_ineligible").find("bpmn:conditionExpression", NS)
        cond.text = "medical_out_decision in ('ineligible', 'refused')"

    new = edit(MEDICAL, change).replace(
        "deadline(medical_accepted_at, limit('medical.contact_letter', transfer_in_region))",
        SHORTER_TIMER,
    )
    changed = _changed(MEDICAL, new)
    assert changed["contact_letter"] == {"name": ("审核并发出联系函", "发出联系函")}
    assert changed["transfer_in"]["form"] == (
        "medical_transfer.transfer_in.json",
        "medical_transfer.transfer_in.abc1234567.json",
    )
    assert changed["timer_contact_letter"]["timer"][1] == f"timeDate: {SHORTER_TIMER}"
    assert changed["f_out_ineligible"]["condition"][1].startswith("medical_out_decision in")
    assert set(changed) == {
        "contact_letter",
        "transfer_in",
        "timer_contact_letter",
        "f_out_ineligible",
    }


def test_a_task_moved_to_another_lane_shows_its_new_role() -> None:
    def move(root: Any) -> None:
        for ref in root.iterfind(".//bpmn:flowNodeRef", NS):
            if ref.text == "escalate_step":
                ref.getparent().remove(ref)
        lane = node(root, "Lane_medical_transfer_medical_clerk")
        ref = lane.makeelement(f"{{{NS['bpmn']}}}flowNodeRef")
        ref.text = "escalate_step"
        lane.append(ref)

    assert _changed(MEDICAL, edit(MEDICAL, move))["escalate_step"] == {
        "lane": ("supervisor", "medical_clerk")
    }


def test_called_element_of_a_call_activity_inside_a_subprocess() -> None:
    new = BUNDLE.replace('calledElement="medical_transfer"', 'calledElement="medical_transfer_2"')
    changed = _changed(BUNDLE, new)
    assert changed == {"call_medical": {"called": ("medical_transfer", "medical_transfer_2")}}


def test_added_and_removed_elements() -> None:
    end = "</bpmn:laneSet>"
    new = MEDICAL.replace(end, end + '<bpmn:task id="extra" name="新增步骤" />', 1)
    new = edit(new, lambda root: remove_element(root, "f_escalate_end"))
    result = diff(MEDICAL, new)
    assert [(c.element_id, c.type) for c in result.removed] == [("f_escalate_end", "sequenceFlow")]
    assert [(c.element_id, c.name) for c in result.added] == [("extra", "新增步骤")]
    assert "+ extra task 新增步骤" in result.lines()


def test_malformed_xml_is_a_clear_error() -> None:
    with pytest.raises(BpmnDiffError, match="XML 格式错误"):
        diff(MEDICAL, MEDICAL[:200])
