"""Moving running cases from one version of a process to another, where SpiffWorkflow's diff says
it is safe: a dry run first, then one audited transaction per case.

A case runs a process either as its top process (Case.process_version_id) or as a called one
(Case.pinned[process_id]). Migrating re-points that version and moves every affected workflow
part onto the new spec with SpiffWorkflow's own `SpecDiff`/`WorkflowDiff`/`migrate_workflow`,
which re-evaluates the waiting timers and ready tasks (so a changed limit applies to them).
Refused, with the reason: an element that was removed while the case has a token on it or a
record of it, a live task whose type or lane (role) changed, a workflow that fails to run on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.engine import migrate as engine_migrate
from app.engine.host import Engine, EngineError
from app.features.cases.caches import CachedWorkflow
from app.features.cases.repository import CaseRecord, read_case
from app.kernel.errors import Conflict, FieldError, NotFound, ValidationFailed
from app.kernel.roles import task_region
from app.kernel.workdays import TZ
from app.store import case_rows
from app.store.audit_log import AuditBuffer
from app.store.models import Case, HumanTask, ProcessVersion, Timer

BATCH = 200


class MigrationRefused(Exception):
    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass
class CaseMigration:
    case_id: int
    case_number: str
    safe: bool
    reasons: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    migrated: bool = False


@dataclass
class MigrationReport:
    process_id: str
    from_version: int
    to_version: int
    dry_run: bool
    items: list[CaseMigration] = field(default_factory=list)

    @property
    def safe(self) -> int:
        return sum(1 for item in self.items if item.safe)

    @property
    def refused(self) -> int:
        return sum(1 for item in self.items if not item.safe)

    @property
    def migrated(self) -> int:
        return sum(1 for item in self.items if item.migrated)


@dataclass(frozen=True)
class _Version:
    id: int
    process_id: str
    version: int
    calls: list[str]


@dataclass
class _Moved:
    entry: CachedWorkflow
    top_id: int
    pinned: dict[str, int]
    changes: list[str]


class MigrationService:
    def __init__(self, backoffice: Any) -> None:
        self.db = backoffice.db
        self.clock = backoffice.clock
        self.engine: Engine = backoffice.engine
        self.specs = backoffice.specs
        self.workflows = backoffice.workflows
        self.store = backoffice.cases.store
        self.cases = backoffice.cases

    # -- use cases -----------------------------------------------------------------------
    def plan(self, process_id: str, from_version: int, to_version: int) -> MigrationReport:
        """Dry run: what migrating every running case would do, nothing written."""
        source, target = self._versions(process_id, from_version, to_version)
        report = MigrationReport(process_id, from_version, to_version, dry_run=True)
        for case_id in self._candidates(process_id, source.id):
            with self.db.sessions() as session:
                case = read_case(session, case_id)
                if case is None or case.completed_at is not None:
                    continue
                item = CaseMigration(case.id, case.number, True)
                try:
                    moved = self._move(session, case, source, target)
                except MigrationRefused as exc:
                    item.safe, item.reasons = False, exc.reasons
                else:
                    item.changes = moved.changes
                report.items.append(item)
        return report

    def migrate(
        self, process_id: str, from_version: int, to_version: int, actor: str
    ) -> MigrationReport:
        """Migrate every running case that is safe to move; refusals are reported and audited."""
        source, target = self._versions(process_id, from_version, to_version)
        report = MigrationReport(process_id, from_version, to_version, dry_run=False)
        for case_id in self._candidates(process_id, source.id):
            item = self._migrate_case(case_id, source, target, actor)
            if item is not None:
                report.items.append(item)
        now = self.clock.now()
        audit = AuditBuffer()
        audit.add(
            "process_migration_completed",
            actor,
            now,
            None,
            process=process_id,
            from_version=from_version,
            to_version=to_version,
            migrated=report.migrated,
            refused=report.refused,
        )
        with self.db.transaction() as session:
            audit.flush(session)
        return report

    # -- one case ------------------------------------------------------------------------
    def _migrate_case(
        self, case_id: int, source: _Version, target: _Version, actor: str
    ) -> CaseMigration | None:
        now = self.clock.now()
        audit = AuditBuffer()
        refused: CaseMigration | None = None
        number = ""
        try:
            with self.db.transaction() as session:
                case = read_case(session, case_id)
                if case is None or case.completed_at is not None or not _runs(case, source):
                    return None  # finished or moved since the list was read
                number = case.number
                # Drop the hot copy: it was built on the old specs.
                self.workflows.discard(case.id)
                try:
                    moved = self._move(session, case, source, target)
                except MigrationRefused as exc:
                    refused = CaseMigration(case.id, case.number, False, exc.reasons)
                    audit.add(
                        "case_migration_refused",
                        actor,
                        now,
                        case.id,
                        process=source.process_id,
                        from_version=source.version,
                        to_version=target.version,
                        reasons=exc.reasons,
                    )
                    audit.flush(session)
                    return refused
                item = CaseMigration(case.id, case.number, True, [], moved.changes, True)
                old_top, old_pinned = case.process_version_id, dict(case.pinned)
                case.process_version_id = moved.top_id
                case.pinned = moved.pinned
                audit.add(
                    "case_migrated",
                    actor,
                    now,
                    case.id,
                    process=source.process_id,
                    from_version=source.version,
                    to_version=target.version,
                    process_version_id={"old": old_top, "new": moved.top_id},
                    pinned={"old": old_pinned, "new": moved.pinned},
                    changes=moved.changes,
                    state_hash=self.engine.logical_state(moved.entry.workflow),
                )
                entry = moved.entry
                # Every part was written against the old specs: rewrite them all.
                entry.prints = {key: (-1, -1.0, -1, False) for key in entry.prints}
                entry.open_tasks = None
                entry.armed_timers = None
                self.store.save(session, case, entry, audit, now)
                self._refresh_rows(session, case, entry.workflow)
                audit.flush(session)
        except Conflict:
            return CaseMigration(case_id, number, False, ["案件正在被办理（并发修改），请稍后重试"])
        return item

    def _move(
        self, session: Session, case: CaseRecord, source: _Version, target: _Version
    ) -> _Moved:
        """Load the case and move its workflow onto the target version, in memory only."""
        top_id, pinned = self._targets(session, case, source, target)
        entry = self.store.load(session, case, None)
        workflow = entry.workflow
        before = _snapshot(self.engine, workflow)
        new_specs = self.specs.spec_set(session, top_id, pinned)
        try:
            engine_migrate.move(workflow, new_specs)
            self.engine.run(workflow)
            engine_migrate.round_trip(workflow, new_specs)
        except engine_migrate.UnsafeMigration as exc:
            raise MigrationRefused(exc.reasons) from exc
        except EngineError as exc:
            raise MigrationRefused([f"按新版本继续运行失败：{exc}"]) from exc
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise MigrationRefused([f"迁移后的流程状态无法保存或恢复：{exc!r}"]) from exc
        changes = _compare(before, _snapshot(self.engine, workflow))
        return _Moved(entry, top_id, pinned, changes)

    def _targets(
        self, session: Session, case: CaseRecord, source: _Version, target: _Version
    ) -> tuple[int, dict[str, int]]:
        top_id = target.id if case.process_version_id == source.id else case.process_version_id
        pinned = dict(case.pinned or {})
        if pinned.get(source.process_id) == source.id:
            pinned[source.process_id] = target.id
        # Processes the new version calls that the case never pinned: their newest version.
        latest = {row.process_id: row for row in case_rows.latest_versions(session.connection())}
        pending = list(target.calls)
        while pending:
            name = pending.pop()
            if name in pinned:
                continue
            if name not in latest:
                raise MigrationRefused([f"新版本调用的流程 {name} 尚未部署"])
            pinned[name] = latest[name].id
            pending.extend(latest[name].calls)
        return top_id, pinned

    def _refresh_rows(self, session: Session, case: CaseRecord, workflow: Any) -> None:
        """Rows the save keeps by uuid: a re-evaluated timer keeps its uuid but may have a new
        due time; a ready task keeps its uuid but may have a new form, title or step limit."""
        waiting = {t.uuid: t for t in self.engine.waiting_timers(workflow)}
        for armed in session.execute(
            select(Timer).where(
                Timer.case_id == case.id, Timer.fired_at.is_(None), Timer.cancelled_at.is_(None)
            )
        ).scalars():
            timer = waiting.get(armed.task_uuid)
            if timer is not None and timer.due_at != armed.due_at:
                armed.due_at = timer.due_at
                armed.start_at = timer.start_at
                armed.working_days = timer.working_days
                armed.provisional = timer.provisional
                armed.label = timer.label
        due = _task_due(self.engine, workflow)
        ready = {t.uuid: t for t in self.engine.ready_user_tasks(workflow)}
        for row in session.execute(
            select(HumanTask).where(
                HumanTask.case_id == case.id, HumanTask.state.in_(case_rows.OPEN_STATES)
            )
        ).scalars():
            task = ready.get(row.task_uuid)
            if task is None:
                continue
            row.form, row.title = task.form, task.title
            row.role = task.lane or ""
            row.region = task_region(
                task.lane, case.transfer_in_region, case.transfer_out_region, task.out_side
            )
            if row.task_uuid in due:
                row.due_at, row.due_provisional = due[row.task_uuid]
        session.flush()

    # -- lookups -------------------------------------------------------------------------
    def _versions(
        self, process_id: str, from_version: int, to_version: int
    ) -> tuple[_Version, _Version]:
        if from_version == to_version:
            raise ValidationFailed(
                "未迁移：源版本与目标版本相同",
                [FieldError("to_version", "目标版本须不同于源版本")],
            )
        found = {}
        with self.db.sessions() as session:
            for row in session.execute(
                select(
                    ProcessVersion.id,
                    ProcessVersion.process_id,
                    ProcessVersion.version,
                    ProcessVersion.calls,
                ).where(
                    ProcessVersion.process_id == process_id,
                    ProcessVersion.version.in_((from_version, to_version)),
                )
            ):
                found[row.version] = _Version(row.id, row.process_id, row.version, list(row.calls))
        for number in (from_version, to_version):
            if number not in found:
                raise NotFound(f"流程 {process_id} 没有第 {number} 版")
        return found[from_version], found[to_version]

    def _candidates(self, process_id: str, version_id: int) -> list[int]:
        """Running cases on that version (as top process or pinned call), in id order."""
        found: list[int] = []
        last = 0
        while True:
            with self.db.sessions() as session:
                batch = list(
                    session.execute(
                        select(Case.id)
                        .where(
                            Case.id > last,
                            Case.completed_at.is_(None),
                            or_(
                                Case.process_version_id == version_id,
                                Case.pinned[process_id].as_integer() == version_id,
                            ),
                        )
                        .order_by(Case.id)
                        .limit(BATCH)
                    ).scalars()
                )
            if not batch:
                return found
            found.extend(batch)
            last = batch[-1]


def _runs(case: CaseRecord, source: _Version) -> bool:
    return (
        case.process_version_id == source.id
        or (case.pinned or {}).get(source.process_id) == source.id
    )


def _snapshot(engine: Engine, workflow: Any) -> dict[str, dict[str, tuple[str, Any]]]:
    return {
        "tasks": {
            t.uuid: (f"{t.title}（{t.process_id}.{t.spec_name}）", t.lane)
            for t in engine.ready_user_tasks(workflow)
        },
        "timers": {
            t.uuid: (f"{t.label}（{t.spec_name}）", t.due_at)
            for t in engine.waiting_timers(workflow)
        },
    }


def _when(value: datetime) -> str:
    return value.astimezone(TZ).strftime("%Y-%m-%d %H:%M")


def _compare(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    changes = []
    for uuid, (label, due) in after["timers"].items():
        old = before["timers"].get(uuid)
        if old is None:
            changes.append(f"新增时限 {label}：{_when(due)} 到期")
        elif old[1] != due:
            changes.append(f"时限 {label}：到期 {_when(old[1])} → {_when(due)}")
    for uuid, (label, _due) in before["timers"].items():
        if uuid not in after["timers"]:
            changes.append(f"时限 {label} 已触发或取消")
    for uuid, (label, lane) in after["tasks"].items():
        if uuid not in before["tasks"]:
            changes.append(f"新增待办任务 {label}（{lane}）")
    for uuid, (label, _lane) in before["tasks"].items():
        if uuid not in after["tasks"]:
            changes.append(f"待办任务 {label} 关闭")
    return changes


def _task_due(engine: Engine, workflow: Any) -> dict[str, tuple[datetime, bool]]:
    """A user task's step limit: its earliest armed boundary timer (as the case store does)."""
    result: dict[str, tuple[datetime, bool]] = {}
    for timer in engine.waiting_timers(workflow):
        owner = engine.boundary_owner(workflow, timer.uuid)
        if owner is None:
            continue
        current = result.get(owner)
        if current is None or timer.due_at < current[0]:
            result[owner] = (timer.due_at, timer.provisional)
    return result
