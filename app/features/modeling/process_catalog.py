"""What the workbench reads: processes, versions, drafts, forms and limit names."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from app.features.modeling.draft_forms import FORM_NAME
from app.features.worklist.paging import Page
from app.kernel.errors import NotFound
from app.store.db import Database
from app.store.models import ProcessDraft, ProcessVersion

PROCESS_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")


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


class ProcessCatalog:
    """The reading half of ModelingService (its __init__ sets these)."""

    db: Database
    processes_dir: Path
    forms_dir: Path

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
