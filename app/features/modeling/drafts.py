"""Policy staff's drafts of processes: open, edit diagram and forms, validate, test, deploy.

Validation and tests run on a temporary copy of processes/ and forms/ as they would be after
the deploy. Edited forms are versioned by content (app.features.modeling.draft_forms). A deploy also
writes the diagram to processes/<id>.bpmn, so that the working copy equals the newest version
(init-db would otherwise deploy the old file again).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from sqlalchemy import func, select

from app.engine import parsing
from app.engine.parsing import Problem
from app.features.modeling import bpmn_diff, draft_forms
from app.features.modeling.deployments import Deployed, DeploymentRejected, DeploymentService
from app.features.modeling.draft_forms import FORM_NAME, check_form, parse_forms
from app.features.modeling.policy_scenarios import (
    SCENARIOS_DIR,
    ScenarioLibrary,
    ScenarioOutcome,
    run_in_sandbox,
)
from app.features.worklist.paging import Page
from app.kernel.config import Settings
from app.kernel.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from app.store.audit_log import AuditBuffer
from app.store.db import Database
from app.store.models import ProcessDraft, ProcessVersion

__all__ = ["ModelingService", "ScenarioOutcome", "check_form", "hint"]
PROCESS_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")
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
# The baseline a new process's draft is compared with: nothing.
EMPTY_DEFINITIONS = '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"/>'


@dataclass(frozen=True)
class ProcessSummary:
    process_id: str
    newest_version: int | None
    deployed_at: datetime | None
    in_working_copy: bool
    open_drafts: int


@dataclass(frozen=True)
class VersionRow:
    process_id: str
    version: int
    sha256: str
    note: str
    deployed_by: str
    deployed_at: datetime
    approved_by: str | None = None


@dataclass(frozen=True)
class DraftView:
    id: int
    process_id: str
    base_version: int | None
    bpmn_xml: str
    forms: dict[str, Any]
    note: str
    created_by: str
    updated_at: datetime
    approved_by: str | None
    deployed_version: int | None

    @property
    def token(self) -> str:
        """What a client sends back on save to detect a save from another window (content,
        not only time: a simulated clock may stand still between two saves)."""
        return _token(self.updated_at, self.bpmn_xml, self.forms)


@dataclass(frozen=True)
class DeployResult:
    process_id: str
    version: int
    sha256: str
    new: bool
    forms_written: dict[str, str]  # edited name -> file name written to forms/


# Chinese explanations of the validator's messages (which stay as they are: they are the
# `processes validate` contract), by the start of the message.
HINTS = (
    ("malformed XML", "XML 格式错误：标签未闭合、不匹配或含非法字符"),
    ("cannot read file", "无法读取流程文件"),
    ("BPMN schema", "不符合 BPMN 2.0 规范"),
    ("no process with id", "流程 ID 必须与文件名一致"),
    ("user task is not in a lane", "人工任务不在任何泳道中（泳道名称即办理岗位）"),
    ("user task has no form", "人工任务没有指定表单（表单文件属性 formJsonSchemaFilename）"),
    ("form ", "引用的表单文件不存在或不是合法的 JSON"),
    ("sourceRef", "顺序流的起点指向了不存在的元素"),
    ("targetRef", "顺序流的终点指向了不存在的元素（悬空的顺序流）"),
    ("Python syntax error", "Python 表达式或脚本有语法错误"),
    ("sequence flow has no diagram edge", "顺序流缺少图形（BPMN DI），其他建模工具无法显示"),
    ("element has no diagram shape", "元素缺少图形（BPMN DI），其他建模工具无法显示"),
    (
        "timer must call",
        "时限须写作 deadline(起算时点, 工作日数)、limit_deadline(起算时点, 时限名, 地区) 或 month_deadline(起算时点, 月数)，或以天计的期限如 'P7D'",
    ),
    ("called process", "调用的流程尚未发布，也不在 processes/ 中"),
)


def hint(problem: Problem) -> str:
    """A Chinese explanation of a validation problem for the workbench."""
    if problem.file.startswith("forms/"):
        return "表单（JSON Schema）有误"
    return next((text for prefix, text in HINTS if problem.message.startswith(prefix)), "")


def four_eyes_from(settings: Settings) -> bool:
    """FOUR_EYES (default off): a deploy needs a second policy officer's approval."""
    value = getattr(settings, "four_eyes", None)
    if value is None:
        from app.kernel.config import _flag

        return _flag("FOUR_EYES", False)
    return bool(value)


class ModelingService:
    def __init__(
        self,
        db: Database,
        deployments: DeploymentService,
        processes_dir: Path,
        forms_dir: Path,
        *,
        four_eyes: bool = False,
        scenarios_dir: Path = SCENARIOS_DIR,
        sandbox_timeout: float = 300,
    ) -> None:
        self.db = db
        self.deployments = deployments
        self.clock = deployments.clock
        self.processes_dir = processes_dir
        self.forms_dir = forms_dir
        self.four_eyes = four_eyes
        self.scenarios = ScenarioLibrary(db, self.clock, scenarios_dir)
        self.sandbox_timeout = sandbox_timeout

    @classmethod
    def for_backoffice(cls, backoffice: Any, *, four_eyes: bool | None = None) -> ModelingService:
        settings = backoffice.settings
        return cls(
            backoffice.db,
            backoffice.deployments,
            settings.processes_dir,
            settings.forms_dir,
            four_eyes=four_eyes_from(settings) if four_eyes is None else four_eyes,
        )

    # -- reading -------------------------------------------------------------------------
    def processes(self) -> list[ProcessSummary]:
        with self.db.sessions() as session:
            newest = {
                row.process_id: row
                for row in session.execute(
                    select(
                        ProcessVersion.process_id,
                        func.max(ProcessVersion.version).label("version"),
                        func.max(ProcessVersion.deployed_at).label("at"),
                    ).group_by(ProcessVersion.process_id)
                )
            }
            drafts = {
                row[0]: int(row[1])
                for row in session.execute(
                    select(ProcessDraft.process_id, func.count())
                    .where(ProcessDraft.deployed_version.is_(None))
                    .group_by(ProcessDraft.process_id)
                )
            }
        files = {p.stem for p in self.processes_dir.glob("*.bpmn")}
        return [
            ProcessSummary(
                pid,
                newest[pid].version if pid in newest else None,
                newest[pid].at if pid in newest else None,
                pid in files,
                int(drafts.get(pid, 0)),
            )
            for pid in sorted(set(newest) | files)
        ]

    def versions(self, process_id: str, page: int = 1, per_page: int = 20) -> Page:
        page = max(1, page)
        with self.db.sessions() as session:
            total = session.execute(
                select(func.count())
                .select_from(ProcessVersion)
                .where(ProcessVersion.process_id == process_id)
            ).scalar_one()
            rows = session.execute(
                select(
                    ProcessVersion.process_id,
                    ProcessVersion.version,
                    ProcessVersion.sha256,
                    ProcessVersion.note,
                    ProcessVersion.deployed_by,
                    ProcessVersion.deployed_at,
                    ProcessDraft.approved_by,
                )
                .outerjoin(
                    ProcessDraft,
                    (ProcessDraft.process_id == ProcessVersion.process_id)
                    & (ProcessDraft.deployed_version == ProcessVersion.version),
                )
                .where(ProcessVersion.process_id == process_id)
                .order_by(ProcessVersion.version.desc())
                .limit(per_page)
                .offset((page - 1) * per_page)
            ).all()
        return Page([VersionRow(*row) for row in rows], page, per_page, int(total))

    def newest_version(self, process_id: str) -> int | None:
        with self.db.sessions() as session:
            value = session.execute(
                select(func.max(ProcessVersion.version)).where(
                    ProcessVersion.process_id == process_id
                )
            ).scalar()
        return int(value) if value is not None else None

    def version_xml(self, process_id: str, version: int) -> str:
        with self.db.sessions() as session:
            xml = session.execute(
                select(ProcessVersion.bpmn_xml).where(
                    ProcessVersion.process_id == process_id, ProcessVersion.version == version
                )
            ).scalar_one_or_none()
        if xml is None:
            raise NotFound(f"流程 {process_id} 没有第 {version} 版")
        return str(xml)

    def working_copy(self, process_id: str) -> str:
        path = self._working_path(process_id)
        if not path.exists():
            raise NotFound(f"processes/ 中没有流程 {process_id} 的工作副本")
        return path.read_text(encoding="utf-8")

    def drafts(self, process_id: str, page: int = 1, per_page: int = 20) -> Page:
        page = max(1, page)
        with self.db.sessions() as session:
            total = session.execute(
                select(func.count())
                .select_from(ProcessDraft)
                .where(ProcessDraft.process_id == process_id)
            ).scalar_one()
            rows = (
                session.execute(
                    select(ProcessDraft)
                    .where(ProcessDraft.process_id == process_id)
                    .order_by(ProcessDraft.id.desc())
                    .limit(per_page)
                    .offset((page - 1) * per_page)
                )
                .scalars()
                .all()
            )
        return Page([_view(row) for row in rows], page, per_page, int(total))

    def draft(self, draft_id: int) -> DraftView:
        with self.db.sessions() as session:
            row = session.get(ProcessDraft, draft_id)
            if row is None:
                raise NotFound("草稿不存在")
            return _view(row)

    def form_names(self, draft_id: int | None = None) -> list[str]:
        names = {p.name for p in self.forms_dir.glob("*.json")}
        if draft_id is not None:
            names |= set(self.draft(draft_id).forms)
        return sorted(names)

    def form_schema(self, name: str, draft_id: int | None = None) -> Any:
        """A form as the draft sees it: the draft's edited copy, else the file in forms/."""
        if draft_id is not None:
            forms = self.draft(draft_id).forms
            if name in forms:
                return forms[name]
        if not FORM_NAME.match(name):
            raise NotFound(f"表单 {name} 不存在")
        path = self.forms_dir / name
        if not path.exists():
            raise NotFound(f"表单 {name} 不存在")
        return json.loads(path.read_text(encoding="utf-8"))

    def limit_keys(self) -> list[str]:
        """The working-day limit names of processes/limits.json (for the timer helper)."""
        path = self.processes_dir / "limits.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        # Keys kept only for diagram versions deployed before ("legacy") are not offered.
        legacy = data.get("legacy", {})
        return sorted(key for key in data.get("default", {}) if key not in legacy)

    def limit_binds(self) -> dict[str, str]:
        """Which side's region each limit is looked up by (limits.json "binds")."""
        path = self.processes_dir / "limits.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.get("binds", {}).items()}

    def new_process_drafts(self) -> list[DraftView]:
        """Open drafts of processes that are neither deployed nor in processes/ (新建流程)."""
        known = {p.process_id for p in self.processes()}
        with self.db.sessions() as session:
            rows = (
                session.execute(
                    select(ProcessDraft)
                    .where(
                        ProcessDraft.deployed_version.is_(None),
                        ProcessDraft.base_version.is_(None),
                    )
                    .order_by(ProcessDraft.id.desc())
                )
                .scalars()
                .all()
            )
        return [_view(row) for row in rows if row.process_id not in known]

    def is_new_process(self, draft: DraftView) -> bool:
        """A draft of a process that has no deployed version and no working copy yet."""
        return draft.base_version is None and not self._working_path(draft.process_id).exists()

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

    def approve(self, draft_id: int, actor: str) -> DraftView:
        """Four-eyes: a second policy officer approves exactly this content for deployment."""
        problems = self.validate_draft(draft_id)
        if problems:
            raise DeploymentRejected(problems)
        now = self.clock.now()
        audit = AuditBuffer()
        with self.db.transaction() as session:
            draft = self._editable(session, draft_id)
            if draft.created_by == actor:
                raise Forbidden("不能复核自己创建的草稿，须由另一名政策业务人员批准")
            draft.approved_by = actor
            audit.add(
                "process_draft_approved",
                actor,
                now,
                None,
                draft=draft.id,
                process=draft.process_id,
                sha256=hashlib.sha256(draft.bpmn_xml.encode("utf-8")).hexdigest(),
            )
            session.flush()
            audit.flush(session)
            return _view(draft)

    # -- validation and tests --------------------------------------------------------------
    def validate_draft(self, draft_id: int) -> list[Problem]:
        """The checks of `processes validate`, on the draft with its edited forms."""
        draft = self.draft(draft_id)
        with tempfile.TemporaryDirectory(prefix="sitransfer-draft-") as tmp:
            processes, forms = self._workspace(draft, Path(tmp), draft.forms)
            return self._validate(draft, processes, forms)

    def run_scenarios(self, draft_id: int) -> list[ScenarioOutcome]:
        """Every scenario (built-in and saved) against the draft, in a throwaway database."""
        draft = self.draft(draft_id)
        with tempfile.TemporaryDirectory(prefix="sitransfer-sandbox-") as tmp:
            work = Path(tmp)
            processes, forms = self._workspace(draft, work, draft.forms)
            problems = self._validate(draft, processes, forms)
            if problems:
                raise DeploymentRejected(problems)
            return run_in_sandbox(
                work,
                processes,
                forms,
                self.scenarios.overrides(),
                self.scenarios.all(),
                self.sandbox_timeout,
            )

    # -- deploy ----------------------------------------------------------------------------
    def deploy(self, draft_id: int, note: str, actor: str) -> DeployResult:
        """Validate and deploy the draft as a new immutable version, its edited forms with it."""
        note = (note or "").strip()
        if not note:
            raise ValidationFailed(
                "未部署：请填写部署说明", [FieldError("note", "请填写部署说明（为什么发布此版本）")]
            )
        draft = self.draft(draft_id)
        if draft.deployed_version is not None:
            raise Conflict(f"该草稿已部署为第 {draft.deployed_version} 版")
        if self.four_eyes:
            if not draft.approved_by:
                raise Forbidden("已启用四眼原则：须经另一名政策业务人员复核批准后方可部署")
            if draft.approved_by == draft.created_by:
                raise Forbidden("复核人不能是草稿创建人")
        newest = self.newest_version(draft.process_id)
        if newest != draft.base_version:
            raise Conflict(
                f"草稿基于第 {draft.base_version or 0} 版，而当前最新为第 {newest} 版；"
                "请基于最新版本新建草稿，以免覆盖他人的修改"
            )
        versioned = draft_forms.version_forms(self.forms_dir, draft.bpmn_xml, draft.forms)
        xml, renames = versioned.xml, versioned.renames
        with tempfile.TemporaryDirectory(prefix="sitransfer-deploy-") as tmp:
            staged = {renames.get(k, k): v for k, v in draft.forms.items()}
            final = _replace(draft, xml)
            processes, forms = self._workspace(final, Path(tmp), staged)
            problems = self._validate(final, processes, forms)
            if problems:
                raise DeploymentRejected(problems)
            written = draft_forms.write_forms(self.forms_dir, versioned.files)
            try:
                service = DeploymentService(self.db, processes, self.forms_dir, self.clock)
                [deployed] = service.deploy(
                    [processes / f"{draft.process_id}.bpmn"],
                    note,
                    actor,
                    expect_latest={draft.process_id: draft.base_version or 0},
                )
            except BaseException:
                for path in written:
                    path.unlink(missing_ok=True)
                raise
        self._write_working_copy(draft.process_id, xml)
        self._mark_deployed(draft, deployed, xml, note, actor, renames)
        return DeployResult(
            deployed.process_id, deployed.version, deployed.sha256, deployed.new, renames
        )

    def _write_working_copy(self, process_id: str, xml: str) -> None:
        draft_forms.atomic_write(self._working_path(process_id), xml.encode("utf-8"))

    def _mark_deployed(
        self,
        draft: DraftView,
        deployed: Deployed,
        xml: str,
        note: str,
        actor: str,
        renames: dict[str, str],
    ) -> None:
        now = self.clock.now()
        audit = AuditBuffer()
        with self.db.transaction() as session:
            row = session.get(ProcessDraft, draft.id)
            assert row is not None
            row.bpmn_xml = xml
            row.note = note
            row.deployed_version = deployed.version
            row.updated_at = now
            audit.add(
                "process_draft_deployed",
                actor,
                now,
                None,
                draft=draft.id,
                process=draft.process_id,
                version=deployed.version,
                new_version=deployed.new,
                approved_by=draft.approved_by,
                forms=renames,
                note=note,
            )
            session.flush()
            audit.flush(session)

    # -- diffs -----------------------------------------------------------------------------
    def diff(self, process_id: str, old_version: int, new_version: int) -> bpmn_diff.BpmnDiff:
        return bpmn_diff.diff(
            self.version_xml(process_id, old_version), self.version_xml(process_id, new_version)
        )

    def draft_diff(self, draft_id: int) -> bpmn_diff.BpmnDiff:
        """The draft against the version it will supersede (or the working copy if none)."""
        draft = self.draft(draft_id)
        if draft.base_version is not None:
            base = self.version_xml(draft.process_id, draft.base_version)
        elif self.is_new_process(draft):
            base = EMPTY_DEFINITIONS
        else:
            base = self.working_copy(draft.process_id)
        return bpmn_diff.diff(base, draft.bpmn_xml)

    # -- internals -------------------------------------------------------------------------
    def _working_path(self, process_id: str) -> Path:
        if not PROCESS_ID.match(process_id or ""):
            raise NotFound("流程不存在")
        return self.processes_dir / f"{process_id}.bpmn"

    def _process_exists(self, process_id: str) -> bool:
        return (
            self.newest_version(process_id) is not None or self._working_path(process_id).exists()
        )

    def _draft_count(self, process_id: str) -> int:
        with self.db.sessions() as session:
            return int(
                session.execute(
                    select(func.count())
                    .select_from(ProcessDraft)
                    .where(ProcessDraft.process_id == process_id)
                ).scalar_one()
            )

    @staticmethod
    def _editable(session: Any, draft_id: int) -> ProcessDraft:
        draft = session.get(ProcessDraft, draft_id)
        if draft is None:
            raise NotFound("草稿不存在")
        if draft.deployed_version is not None:
            raise Conflict(f"该草稿已部署为第 {draft.deployed_version} 版，不能再修改；请新建草稿")
        return draft

    def _workspace(self, draft: DraftView, root: Path, forms: dict[str, Any]) -> tuple[Path, Path]:
        """processes/ and forms/ as they would be after deploying the draft: the newest
        deployed version of every other process, the live forms plus the draft's."""
        processes = root / "processes"
        processes.mkdir()
        # Every file: diagrams and their data (limits.json and whatever else lives there).
        for path in self.processes_dir.iterdir():
            if path.is_file() and not path.name.startswith("."):
                shutil.copyfile(path, processes / path.name)
        with self.db.sessions() as session:
            newest = select(
                ProcessVersion.process_id, func.max(ProcessVersion.version).label("v")
            ).group_by(ProcessVersion.process_id)
            for process_id, version in session.execute(newest).all():
                xml = session.execute(
                    select(ProcessVersion.bpmn_xml).where(
                        ProcessVersion.process_id == process_id, ProcessVersion.version == version
                    )
                ).scalar_one()
                (processes / f"{process_id}.bpmn").write_text(xml, encoding="utf-8")
        (processes / f"{draft.process_id}.bpmn").write_text(draft.bpmn_xml, encoding="utf-8")
        form_dir = root / "forms"
        shutil.copytree(self.forms_dir, form_dir)
        for name, schema in forms.items():
            (form_dir / name).write_text(json.dumps(schema, ensure_ascii=False), "utf-8")
        return processes, form_dir

    def _validate(self, draft: DraftView, processes: Path, forms: Path) -> list[Problem]:
        path = processes / f"{draft.process_id}.bpmn"
        shown = f"processes/{draft.process_id}.bpmn"
        problems = [
            Problem(
                shown if p.file == str(path) else p.file.replace(str(forms), "forms"),
                p.line,
                p.element_id,
                p.message.replace(str(path), shown),
            )
            for p in parsing.validate([path], forms, self.deployments.deployed_ids())
        ]
        users = draft_forms.form_users(draft.bpmn_xml)
        for name, schema in draft.forms.items():
            for error in check_form(name, schema):
                problems.append(Problem(f"forms/{name}", 0, users.get(name, ""), error.message))
        return problems


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


def _token(updated_at: datetime, xml: str, forms: dict[str, Any]) -> str:
    digest = hashlib.sha256(updated_at.isoformat().encode())
    digest.update(xml.encode("utf-8"))
    digest.update(json.dumps(forms, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()[:20]


def _view(row: ProcessDraft) -> DraftView:
    return DraftView(
        id=row.id,
        process_id=row.process_id,
        base_version=row.base_version,
        bpmn_xml=row.bpmn_xml,
        forms=dict(row.forms or {}),
        note=row.note or "",
        created_by=row.created_by,
        updated_at=row.updated_at,
        approved_by=row.approved_by,
        deployed_version=row.deployed_version,
    )


def _replace(draft: DraftView, xml: str) -> DraftView:
    return DraftView(**{**draft.__dict__, "bpmn_xml": xml})
