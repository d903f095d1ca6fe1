"""Writing drafts: a new process from a template, a draft from a version, saving edits."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import datetime
from typing import Any
from xml.sax.saxutils import quoteattr

from sqlalchemy import func, select

from app.features.modeling.draft_forms import parse_forms
from app.features.modeling.process_catalog import (
    PROCESS_ID,
    DraftView,
    ProcessCatalog,
    _token,
    _view,
)
from app.kernel.clock import Clock
from app.kernel.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from app.store.audit_log import AuditBuffer
from app.store.models import ProcessDraft, ProcessVersion

MAX_XML = 2_000_000
# A new process's id: also its file stem (processes/<id>.bpmn) and the prefix of its forms.
NEW_PROCESS_ID = re.compile(r"^[a-z][a-z0-9_]{2,62}$")
MAX_PROCESS_NAME = 100
# What a new process starts from: start → end in a pool named after the process, with the
# diagram (BPMN DI) that bpmn-js needs to show it and our validator asks for.
NEW_PROCESS_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" \
xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" \
xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" \
xmlns:di="http://www.omg.org/spec/DD/20100524/DI" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" \
xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" \
id="Definitions_{id}" targetNamespace="http://bpmn.io/schema/bpmn" exporter="sitransfer" \
exporterVersion="1.0">
  <bpmn:collaboration id="Collaboration_{id}">
    <bpmn:participant id="Participant_{id}" name={name} processRef="{id}" />
  </bpmn:collaboration>
  <bpmn:process id="{id}" name={name} isExecutable="true">
    <bpmn:startEvent id="start" name="开始">
      <bpmn:outgoing>f_start_end</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:endEvent id="end" name="结束">
      <bpmn:incoming>f_start_end</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="f_start_end" sourceRef="start" targetRef="end" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_{id}">
    <bpmndi:BPMNPlane id="BPMNPlane_{id}" bpmnElement="Collaboration_{id}">
      <bpmndi:BPMNShape id="Participant_{id}_di" bpmnElement="Participant_{id}" \
isHorizontal="true">
        <dc:Bounds x="120" y="80" width="600" height="200" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="start_di" bpmnElement="start">
        <dc:Bounds x="212" y="162" width="36" height="36" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="end_di" bpmnElement="end">
        <dc:Bounds x="592" y="162" width="36" height="36" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="f_start_end_di" bpmnElement="f_start_end">
        <di:waypoint x="248" y="180" />
        <di:waypoint x="592" y="180" />
      </bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


class DraftEditing(ProcessCatalog):
    """Creating and saving drafts, each with its audit event."""

    clock: Clock

    # -- drafts --------------------------------------------------------------------------
    def new_process(self, process_id: str, name: str, actor: str) -> int:
        """A draft of a new process (新建流程) from a minimal valid template: start → end.

        The id must be new: not deployed, not in processes/, and no draft of it exists. Bad
        input raises ValidationFailed with Chinese field errors and changes nothing. The draft
        deploys as version 1 through `deploy`, which also writes processes/<id>.bpmn.
        """
        process_id = process_id.strip() if isinstance(process_id, str) else ""
        name = " ".join(name.split()) if isinstance(name, str) else ""
        errors = _new_process_errors(process_id, name)
        if not errors and self._process_exists(process_id):
            errors.append(FieldError("process_id", f"流程编号 {process_id} 已存在，请换一个编号"))
        if not errors and self._draft_count(process_id):
            errors.append(
                FieldError("process_id", f"流程编号 {process_id} 已有草稿，请在草稿中继续编辑")
            )
        if errors:
            raise ValidationFailed("未新建流程：请按提示修改", errors)
        xml = NEW_PROCESS_TEMPLATE.format(id=process_id, name=quoteattr(name))
        now = self.clock.now()
        audit = AuditBuffer()
        with self.db.transaction() as session:
            draft_id = _add_draft(
                session, audit, process_id, None, xml, actor, now, source="新建流程", name=name
            )
            # The audit head is locked now, so a concurrent 新建流程 of the same id has
            # committed or waits: look again, and roll back if it won.
            audit.flush(session)
            clashes = session.execute(
                select(func.count())
                .select_from(ProcessDraft)
                .where(ProcessDraft.process_id == process_id)
            ).scalar_one()
            versions = session.execute(
                select(func.count())
                .select_from(ProcessVersion)
                .where(ProcessVersion.process_id == process_id)
            ).scalar_one()
            if clashes > 1 or versions:
                raise ValidationFailed(
                    "未新建流程：请按提示修改",
                    [FieldError("process_id", f"流程编号 {process_id} 刚被他人使用，请换一个编号")],
                )
            return draft_id

    def open_draft(self, process_id: str, source: str | int, actor: str) -> int:
        """A new draft from a deployed version (a number) or the working copy ("working")."""
        if not PROCESS_ID.match(process_id or ""):
            raise NotFound("流程不存在")
        if source == "working":
            xml = self.working_copy(process_id)
            label = "processes/ 工作副本"
        else:
            try:
                number = int(source)
                if not 1 <= number < 2**31:  # no version the database could hold
                    raise ValueError(source)
            except (TypeError, ValueError):
                raise ValidationFailed(
                    "来源不正确", [FieldError("source", "来源须为版本号或 working（工作副本）")]
                ) from None
            xml = self.version_xml(process_id, number)
            label = f"第 {number} 版"
        now = self.clock.now()
        audit = AuditBuffer()
        with self.db.transaction() as session:
            base = session.execute(
                select(func.max(ProcessVersion.version)).where(
                    ProcessVersion.process_id == process_id
                )
            ).scalar()
            draft_id = _add_draft(session, audit, process_id, base, xml, actor, now, source=label)
            audit.flush(session)
            return draft_id

    def save_draft(
        self,
        draft_id: int,
        xml: str,
        forms: dict[str, Any],
        actor: str,
        *,
        expected: str | None = None,
    ) -> DraftView:
        """Store the draft's diagram and edited forms; a draft may be invalid, forms may not."""
        errors: list[FieldError] = []
        if not isinstance(xml, str) or not xml.strip():
            errors.append(FieldError("bpmn_xml", "流程图内容为空"))
        elif len(xml) > MAX_XML:
            errors.append(FieldError("bpmn_xml", "流程图内容过大（超过 2 MB）"))
        if not isinstance(forms, dict):
            errors.append(FieldError("forms", "表单须为 文件名 → JSON Schema 的对象"))
            forms = {}
        parsed, form_errors = parse_forms(forms)
        errors.extend(form_errors)
        if errors:
            raise ValidationFailed("草稿未保存：内容有误，请按提示修改", errors)
        now = self.clock.now()
        audit = AuditBuffer()
        with self.db.transaction() as session:
            draft = self._editable(session, draft_id)
            if draft.created_by != actor:
                raise Forbidden("只有草稿的创建人可以修改草稿；请基于同一版本新建自己的草稿")
            if expected and _token(draft.updated_at, draft.bpmn_xml, draft.forms) != expected:
                raise Conflict("草稿已在其他窗口保存过，请刷新页面后再修改")
            changed = draft.bpmn_xml != xml or draft.forms != parsed
            draft.bpmn_xml = xml
            draft.forms = parsed
            draft.updated_at = now
            if changed and draft.approved_by:
                # An approval covers exactly what was reviewed.
                draft.approved_by = None
            audit.add(
                "process_draft_saved",
                actor,
                now,
                None,
                draft=draft.id,
                process=draft.process_id,
                sha256=hashlib.sha256(xml.encode("utf-8")).hexdigest(),
                forms=sorted(parsed),
            )
            session.flush()
            audit.flush(session)
            return _view(draft)

    @staticmethod
    def _editable(session: Any, draft_id: int) -> ProcessDraft:
        draft = session.get(ProcessDraft, draft_id)
        if draft is None:
            raise NotFound("草稿不存在")
        if draft.deployed_version is not None:
            raise Conflict(f"该草稿已部署为第 {draft.deployed_version} 版，不能再修改；请新建草稿")
        return draft


def _new_process_errors(process_id: str, name: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if not process_id:
        errors.append(FieldError("process_id", "请填写流程编号"))
    elif not NEW_PROCESS_ID.match(process_id):
        errors.append(
            FieldError(
                "process_id",
                "流程编号须以小写英文字母开头，由 3–63 个小写英文字母、数字或下划线组成"
                "（如 maternity_transfer）",
            )
        )
    if not name:
        errors.append(FieldError("name", "请填写流程名称"))
    elif len(name) > MAX_PROCESS_NAME:
        errors.append(FieldError("name", f"流程名称不能超过 {MAX_PROCESS_NAME} 个字"))
    elif not _printable(name):
        errors.append(
            FieldError("name", "流程名称含有不允许的字符（控制字符或无效的 Unicode 编码）")
        )
    return errors


def _printable(text: str) -> bool:
    """Text an XML attribute and a database column can hold: no control characters (Cc),
    unpaired surrogates (Cs), U+FFFE or U+FFFF."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return all(
        unicodedata.category(ch) not in {"Cc", "Cs"} and ch not in "\ufffe\uffff" for ch in text
    )


def _add_draft(
    session: Any,
    audit: AuditBuffer,
    process_id: str,
    base: int | None,
    xml: str,
    actor: str,
    now: datetime,
    **event: Any,
) -> int:
    """A new draft row and its `process_draft_created` event (flushed by the caller)."""
    draft = ProcessDraft(
        process_id=process_id,
        base_version=base,
        bpmn_xml=xml,
        forms={},
        note="",
        created_by=actor,
        updated_at=now,
        approved_by=None,
        deployed_version=None,
    )
    session.add(draft)
    session.flush()
    audit.add(
        "process_draft_created",
        actor,
        now,
        None,
        draft=draft.id,
        process=process_id,
        base_version=base,
        **event,
    )
    return int(draft.id)
