"""新建流程: policy staff create a process that does not exist yet from a minimal valid template,
validate it and deploy it as version 1; a taken, malformed or empty id or name is refused with a
Chinese field message and creates nothing."""

from __future__ import annotations

import pytest
from lxml import etree
from sqlalchemy import func, select

from app.bootstrap import Backoffice
from app.features.modeling.drafts import ModelingService
from app.kernel.config import ROOT
from app.kernel.errors import ValidationFailed
from app.store.models import ProcessDraft
from tests.helpers import events_of_kind
from tests.modeling.support import NS, versions

NEW = "maternity_transfer"
NAME = "生育保险关系转移接续"


def _drafts(office: Backoffice) -> int:
    with office.db.sessions() as session:
        return int(session.execute(select(func.count()).select_from(ProcessDraft)).scalar_one())


def test_a_new_process_validates_deploys_as_version_1_and_is_listed(
    office: Backoffice, modeling: ModelingService
) -> None:
    assert office.settings.processes_dir != ROOT / "processes"  # never the repository's folder
    draft_id = modeling.new_process(NEW, f"  {NAME} ", "policy_a")
    draft = modeling.draft(draft_id)
    assert (draft.process_id, draft.base_version, draft.created_by) == (NEW, None, "policy_a")
    root = etree.fromstring(draft.bpmn_xml.encode("utf-8"))
    [process] = root.findall("bpmn:process", NS)
    assert (process.get("id"), process.get("name"), process.get("isExecutable")) == (
        NEW,
        NAME,
        "true",
    )
    assert root.find(".//bpmndi:BPMNPlane", NS) is not None
    assert modeling.is_new_process(draft)
    assert [d.id for d in modeling.new_process_drafts()] == [draft_id]
    assert NEW not in {p.process_id for p in modeling.processes()}
    [created] = [
        e for e in events_of_kind(office, "process_draft_created") if e.data["draft"] == draft_id
    ]
    assert created.data["source"] == "新建流程" and created.data["name"] == NAME

    assert modeling.validate_draft(draft_id) == []
    assert {c.element_id for c in modeling.draft_diff(draft_id).added} >= {"start", "end"}

    result = modeling.deploy(draft_id, "新增生育保险关系转移接续流程", "policy_a")
    assert (result.process_id, result.version, result.new) == (NEW, 1, True)
    assert versions(office, NEW) == 1
    [summary] = [p for p in modeling.processes() if p.process_id == NEW]
    assert (summary.newest_version, summary.in_working_copy, summary.open_drafts) == (1, True, 0)
    working = office.settings.processes_dir / f"{NEW}.bpmn"
    assert working.read_text(encoding="utf-8") == modeling.version_xml(NEW, 1)
    assert not (ROOT / "processes" / f"{NEW}.bpmn").exists()
    assert modeling.new_process_drafts() == []

    # From now on it is an ordinary process: a draft opens from version 1.
    again = modeling.open_draft(NEW, 1, "policy_a")
    assert modeling.draft(again).base_version == 1
    with pytest.raises(ValidationFailed) as taken:
        modeling.new_process(NEW, NAME, "policy_b")
    assert [(e.field, "已存在" in e.message) for e in taken.value.errors] == [("process_id", True)]


def test_an_awkward_name_is_stored_as_text_not_markup(modeling: ModelingService) -> None:
    name = '生育<保险> & "转移"'
    draft_id = modeling.new_process(NEW, name, "policy_a")
    root = etree.fromstring(modeling.draft(draft_id).bpmn_xml.encode("utf-8"))
    assert root.find("bpmn:process", NS).get("name") == name
    assert modeling.validate_draft(draft_id) == []


@pytest.mark.parametrize(
    ("process_id", "name", "field", "message"),
    [
        ("", NAME, "process_id", "请填写流程编号"),
        ("Maternity", NAME, "process_id", "小写英文字母开头"),
        ("9lives", NAME, "process_id", "小写英文字母开头"),
        ("ab", NAME, "process_id", "3–63"),
        ("../etc/passwd", NAME, "process_id", "小写英文字母开头"),
        ("生育保险", NAME, "process_id", "小写英文字母开头"),
        ("a" * 64, NAME, "process_id", "3–63"),
        ("medical_transfer", NAME, "process_id", "已存在"),
        (NEW, "", "name", "请填写流程名称"),
        (NEW, "  \t ", "name", "请填写流程名称"),
        (NEW, "名" * 101, "name", "不能超过 100 个字"),
        (NEW, "生育\x00保险", "name", "不允许的字符"),
        (NEW, "生育\x07保险", "name", "不允许的字符"),
        (NEW, "生育\ud800", "name", "不允许的字符"),
    ],
)
def test_bad_input_is_refused_with_a_field_message_and_creates_nothing(
    office: Backoffice,
    modeling: ModelingService,
    process_id: str,
    name: str,
    field: str,
    message: str,
) -> None:
    before = _drafts(office)
    created = len(events_of_kind(office, "process_draft_created"))
    with pytest.raises(ValidationFailed) as refused:
        modeling.new_process(process_id, name, "policy_a")
    assert [e.field for e in refused.value.errors] == [field]
    assert message in refused.value.errors[0].message
    assert _drafts(office) == before
    assert len(events_of_kind(office, "process_draft_created")) == created
    assert modeling.new_process_drafts() == []


def test_an_id_with_an_open_draft_or_a_working_copy_is_taken(
    office: Backoffice, modeling: ModelingService
) -> None:
    modeling.new_process(NEW, NAME, "policy_a")
    with pytest.raises(ValidationFailed) as drafted:
        modeling.new_process(NEW, "另一个名称", "policy_b")
    assert drafted.value.errors[0].field == "process_id"
    assert "已有草稿" in drafted.value.errors[0].message
    assert len(modeling.new_process_drafts()) == 1

    # A file in processes/ that was never deployed is a process too.
    (office.settings.processes_dir / "pending_process.bpmn").write_text("<x/>", encoding="utf-8")
    with pytest.raises(ValidationFailed) as present:
        modeling.new_process("pending_process", NAME, "policy_a")
    assert "已存在" in present.value.errors[0].message


def test_non_string_input_is_a_field_error(modeling: ModelingService) -> None:
    with pytest.raises(ValidationFailed) as refused:
        modeling.new_process(None, None, "policy_a")  # type: ignore[arg-type]
    assert {e.field for e in refused.value.errors} == {"process_id", "name"}
