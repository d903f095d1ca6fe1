"""Drafts: open, edit, validate and deploy a process as a new immutable version; bad input is
rejected with a pointed message and nothing is deployed; forms are versioned by file name."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.bootstrap import Backoffice
from app.features.modeling.deployments import DeploymentRejected
from app.features.modeling.drafts import ModelingService
from app.kernel.errors import Conflict, Forbidden, ValidationFailed
from tests.conftest import freeze
from tests.helpers import case_row, events_of_kind, tasks
from tests.modeling.support import (
    NS,
    SHORTER_TIMER,
    edit,
    medical_case,
    node,
    shorter_contact_letter,
    versions,
)

MEDICAL = "medical_transfer"
START = "2026-09-28T09:00:00+08:00"


def _contact_letter(office: Backoffice, number: str) -> Any:
    [task] = [t for t in tasks(office, number) if t.task_spec == "contact_letter"]
    return task


def test_edited_limit_deploys_as_new_version_new_cases_use_it_old_cases_keep_theirs(
    office: Backoffice, modeling: ModelingService
) -> None:
    freeze(START)
    old_case = medical_case(office)
    draft_id = modeling.open_draft(MEDICAL, "working", "policy_a")
    draft = modeling.draft(draft_id)
    assert draft.base_version == 1
    modeling.save_draft(draft_id, shorter_contact_letter(draft.bpmn_xml), {}, "policy_a")

    assert modeling.validate_draft(draft_id) == []
    [change] = modeling.draft_diff(draft_id).changed
    assert change.element_id == "timer_contact_letter"
    assert change.changes[0].label == "时限表达式" and SHORTER_TIMER in change.changes[0].new

    result = modeling.deploy(draft_id, "越城区承诺：联系函10个工作日内发出", "policy_a")
    assert (result.process_id, result.version, result.new) == (MEDICAL, 2, True)
    [row] = modeling.versions(MEDICAL).items[:1]
    assert (row.version, row.note, row.deployed_by) == (
        2,
        "越城区承诺：联系函10个工作日内发出",
        "policy_a",
    )
    # The working copy now equals the newest version, so init-db will not deploy the old file.
    assert SHORTER_TIMER in modeling.working_copy(MEDICAL)
    [event] = events_of_kind(office, "process_draft_deployed")
    assert (event.actor, event.data["version"]) == ("policy_a", 2)

    new_case = medical_case(office)
    v1_id = case_row(office, old_case).pinned[MEDICAL]
    v2_id = case_row(office, new_case).pinned[MEDICAL]
    assert v1_id != v2_id
    # 2026-09-28 + 15 working days (National Day week excluded) vs + 10.
    assert _contact_letter(office, old_case).due_at.date().isoformat() == "2026-10-23"
    assert _contact_letter(office, new_case).due_at.date().isoformat() == "2026-10-16"
    assert modeling.diff(MEDICAL, 1, 2).changed[0].element_id == "timer_contact_letter"
    with pytest.raises(Conflict):
        modeling.save_draft(draft_id, draft.bpmn_xml, {}, "policy_a")


def _malformed(xml: str) -> str:
    return xml.replace("</bpmn:process>", "</bpmn:proces>", 1)


def _dangling_flow(xml: str) -> str:
    return edit(xml, lambda root: node(root, "f_sent_out").set("targetRef", "nowhere"))


def _task_without_form(xml: str) -> str:
    def drop(root: Any) -> None:
        task = node(root, "correct_letter")
        task.remove(task.find("bpmn:extensionElements", NS))

    return edit(xml, drop)


def _condition_syntax_error(xml: str) -> str:
    broken = "medical_out_decision == = 'transferred'"
    return xml.replace("medical_out_decision == 'transferred'", broken, 1)


@pytest.mark.parametrize(
    ("mutate", "element_id", "message"),
    [
        (_malformed, "", "malformed XML"),
        (_dangling_flow, "f_sent_out", "'nowhere'"),
        (_task_without_form, "correct_letter", "user task has no form"),
        (_condition_syntax_error, "f_out_transferred", "Python syntax error"),
    ],
    ids=["malformed-xml", "dangling-flow", "task-without-form", "condition-syntax-error"],
)
def test_bad_drafts_are_rejected_with_a_pointed_message_and_nothing_deployed(
    office: Backoffice, modeling: ModelingService, mutate: Any, element_id: str, message: str
) -> None:
    draft_id = modeling.open_draft(MEDICAL, 1, "policy_a")
    before = modeling.working_copy(MEDICAL)
    deployed = len(events_of_kind(office, "process_version_deployed"))
    modeling.save_draft(draft_id, mutate(modeling.draft(draft_id).bpmn_xml), {}, "policy_a")

    problems = modeling.validate_draft(draft_id)
    assert problems, "the bad draft validated"
    assert any(p.element_id == element_id and message in p.message for p in problems), problems
    assert all(str(p).startswith(f"processes/{MEDICAL}.bpmn:") for p in problems)

    with pytest.raises(DeploymentRejected) as rejected:
        modeling.deploy(draft_id, "should not deploy", "policy_a")
    assert any(message in p.message for p in rejected.value.problems)
    assert versions(office, MEDICAL) == 1
    assert modeling.working_copy(MEDICAL) == before
    assert modeling.draft(draft_id).deployed_version is None
    assert len(events_of_kind(office, "process_version_deployed")) == deployed


def test_edited_form_is_deployed_under_a_new_name_and_running_cases_keep_the_old_one(
    office: Backoffice, modeling: ModelingService
) -> None:
    freeze(START)
    name = "medical_transfer.contact_letter.json"
    form_file = office.settings.forms_dir / name
    original = form_file.read_bytes()
    old_case = medical_case(office)
    draft_id = modeling.open_draft(MEDICAL, "working", "policy_a")
    schema = modeling.form_schema(name, draft_id)
    schema["properties"]["medical_contact_letter_note"] = {
        "type": "string",
        "title": "联系函备注",
        "maxLength": 200,
    }
    schema["required"].append("medical_contact_letter_note")
    modeling.save_draft(draft_id, modeling.draft(draft_id).bpmn_xml, {name: schema}, "policy_a")
    assert modeling.form_schema(name, draft_id)["properties"]["medical_contact_letter_note"]
    assert modeling.draft_diff(draft_id).empty  # the diagram itself did not change yet

    result = modeling.deploy(draft_id, "联系函增加备注", "policy_a")
    new_name = result.forms_written[name]
    assert new_name.startswith("medical_transfer.contact_letter.") and new_name != name
    assert form_file.read_bytes() == original, "a running case's form was overwritten"
    assert json.loads((office.settings.forms_dir / new_name).read_text("utf-8")) == schema
    assert new_name in modeling.working_copy(MEDICAL)
    [change] = modeling.diff(MEDICAL, 1, 2).changed
    assert (change.element_id, change.changes[0].field) == ("contact_letter", "form")

    new_case = medical_case(office)
    assert _contact_letter(office, old_case).form == name
    assert _contact_letter(office, new_case).form == new_name
    # Each case's task is validated against the schema its version names.
    data = {"medical_eligible": False, "medical_refusal_reasons": ["不符合"]}
    assert office.forms.validate(name, data) == []
    [error] = office.forms.validate(new_name, data)
    assert error.field == "/medical_contact_letter_note"


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ('{"type": "object", "properties": {', "不是合法的 JSON"),
        ({"type": "objekt"}, "JSON Schema 不合法"),
        ({"type": "array"}, "顶层 type 必须是 object"),
        ({"type": "object", "required": "medical_eligible"}, "JSON Schema 不合法"),
    ],
    ids=["json-syntax", "bad-type", "not-an-object-form", "required-not-a-list"],
)
def test_an_invalid_form_schema_is_not_saved(
    modeling: ModelingService, schema: Any, message: str
) -> None:
    draft_id = modeling.open_draft(MEDICAL, "working", "policy_a")
    before = modeling.draft(draft_id)
    name = "medical_transfer.contact_letter.json"
    with pytest.raises(ValidationFailed) as failed:
        modeling.save_draft(draft_id, "<changed/>", {name: schema}, "policy_a")
    [error] = failed.value.errors
    assert error.field == f"forms/{name}" and message in error.message
    after = modeling.draft(draft_id)
    assert (after.bpmn_xml, after.forms, after.updated_at) == (
        before.bpmn_xml,
        before.forms,
        before.updated_at,
    )


def test_only_the_creator_edits_a_draft_and_a_stale_save_is_a_conflict(
    modeling: ModelingService,
) -> None:
    draft_id = modeling.open_draft(MEDICAL, "working", "policy_a")
    draft = modeling.draft(draft_id)
    with pytest.raises(Forbidden):
        modeling.save_draft(draft_id, draft.bpmn_xml, {}, "policy_b")
    saved = modeling.save_draft(
        draft_id, draft.bpmn_xml + " ", {}, "policy_a", expected=draft.token
    )
    with pytest.raises(Conflict):
        modeling.save_draft(draft_id, draft.bpmn_xml, {}, "policy_a", expected=draft.token)
    assert modeling.draft(draft_id).bpmn_xml == saved.bpmn_xml


def test_deploying_a_draft_of_an_outdated_version_is_a_conflict(
    office: Backoffice, modeling: ModelingService
) -> None:
    first = modeling.open_draft(MEDICAL, "working", "policy_a")
    second = modeling.open_draft(MEDICAL, "working", "policy_b")
    xml = shorter_contact_letter(modeling.draft(first).bpmn_xml)
    modeling.save_draft(first, xml, {}, "policy_a")
    modeling.save_draft(second, xml.replace("10)", "12)"), {}, "policy_b")
    modeling.deploy(first, "10 days", "policy_a")
    with pytest.raises(Conflict) as conflict:
        modeling.deploy(second, "12 days", "policy_b")
    assert "最新为第 2 版" in conflict.value.message
    assert versions(office, MEDICAL) == 2


def test_four_eyes_needs_a_second_policy_officer(office: Backoffice) -> None:
    modeling = ModelingService.for_backoffice(office, four_eyes=True)
    draft_id = modeling.open_draft(MEDICAL, "working", "policy_a")
    xml = shorter_contact_letter(modeling.draft(draft_id).bpmn_xml)
    modeling.save_draft(draft_id, xml, {}, "policy_a")
    with pytest.raises(Forbidden):
        modeling.deploy(draft_id, "too early", "policy_a")
    with pytest.raises(Forbidden):
        modeling.approve(draft_id, "policy_a")
    assert modeling.approve(draft_id, "policy_b").approved_by == "policy_b"
    # Changing the draft after the approval withdraws it.
    modeling.save_draft(draft_id, xml + "\n", {}, "policy_a")
    with pytest.raises(Forbidden):
        modeling.deploy(draft_id, "changed after approval", "policy_a")
    assert versions(office, MEDICAL) == 1
    modeling.approve(draft_id, "policy_b")
    assert modeling.deploy(draft_id, "approved", "policy_a").version == 2
    [row] = modeling.versions(MEDICAL).items[:1]
    assert row.approved_by == "policy_b"
    assert [e.actor for e in events_of_kind(office, "process_draft_approved")] == [
        "policy_b",
        "policy_b",
    ]
