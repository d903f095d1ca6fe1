"""Policy staff's process modelling: drafts read, edited and checked, then approved and deployed.

The reading, editing and checking halves live in process_catalog, draft_editing and
draft_checks; this module assembles them into ModelingService and adds approval and deploy.

Validation and tests run on a temporary copy of processes/ and forms/ as they would be after
the deploy. Edited forms are versioned by content (app.features.modeling.draft_forms). A deploy also
writes the diagram to processes/<id>.bpmn, so that the working copy equals the newest version
(init-db would otherwise deploy the old file again).
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.features.modeling import bpmn_diff, draft_forms
from app.features.modeling.deployments import Deployed, DeploymentRejected, DeploymentService
from app.features.modeling.draft_checks import DraftChecks
from app.features.modeling.draft_editing import DraftEditing
from app.features.modeling.draft_forms import check_form
from app.features.modeling.policy_scenarios import SCENARIOS_DIR, ScenarioLibrary, ScenarioOutcome
from app.features.modeling.process_catalog import DraftView, _view
from app.kernel.config import Settings
from app.kernel.errors import Conflict, FieldError, Forbidden, ValidationFailed
from app.store.audit_log import AuditBuffer
from app.store.db import Database
from app.store.models import ProcessDraft

__all__ = ["ModelingService", "ScenarioOutcome", "check_form"]

# The baseline a new process's draft is compared with: nothing.
EMPTY_DEFINITIONS = '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"/>'


@dataclass(frozen=True)
class DeployResult:
    process_id: str
    version: int
    sha256: str
    new: bool
    forms_written: dict[str, str]  # edited name -> file name written to forms/


def four_eyes_from(settings: Settings) -> bool:
    """FOUR_EYES (default off): a deploy needs a second policy officer's approval."""
    value = getattr(settings, "four_eyes", None)
    if value is None:
        from app.kernel.config import _flag

        return _flag("FOUR_EYES", False)
    return bool(value)


class ModelingService(DraftEditing, DraftChecks):
    """Policy staff's process modelling: read, draft, check, approve, deploy, compare."""

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
                    standard=False,  # bpmnlint ran in _validate just above
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


def _replace(draft: DraftView, xml: str) -> DraftView:
    return DraftView(**{**draft.__dict__, "bpmn_xml": xml})
