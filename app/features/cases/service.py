"""Case use cases: start a case, complete a user task, fire due timers — one transaction each."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, select

from app.engine.host import Engine, EngineError
from app.features.cases.caches import CachedWorkflow, SpecCache, WorkflowCache
from app.features.cases.forms import FormCatalog
from app.features.cases.provisional_deadlines import ProvisionalDeadlines
from app.features.cases.repository import (
    OPEN_STATES,
    CaseStore,
    OpenedTask,
    insert_case,
    read_case,
    read_task_and_case,
)
from app.features.cases.timer_leases import Guard, TimerLeases
from app.kernel import workdays
from app.kernel.errors import Conflict, Forbidden, NotFound, ValidationFailed, WorkflowFailed
from app.rules.id_number import mask_id_number
from app.store import case_rows
from app.store.audit_log import AuditBuffer, PendingEvent
from app.store.db import Database
from app.store.models import Case, Timer

# (process id, task id) -> fn(task data before, submitted form data) -> extra data to merge.
# Lets a service add what only it can compute (e.g. a new acceptance decision on resubmission).
# A task hook sees the task's data before, the submitted form and the use case's instant.
TaskHook = Callable[[dict[str, Any], dict[str, Any], datetime], dict[str, Any]]
StepCheck = Callable[[dict[str, Any], dict[str, Any], datetime], None]
PERSONAL_INPUT = "personal"  # case_input kind of the x-personal fields of task forms


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff user (role, region), the applicant, or the system."""

    name: str
    role: str
    region: str = ""

    @classmethod
    def system(cls) -> Actor:
        return cls("system", "system")


@dataclass(frozen=True)
class Started:
    """A new case: its number, its bundle deadlines (once accepted), the tasks it opened."""

    number: str
    committed_due: date | None
    legal_due: date | None
    provisional: bool
    opened: list[OpenedTask]


def id_digest(id_number: str) -> str:
    """Lets the applicant find a case by ID number without storing the number in clear."""
    return hashlib.sha256(("sitransfer:" + id_number.upper()).encode()).hexdigest()


class CaseService(ProvisionalDeadlines):
    def __init__(
        self,
        db: Database,
        engine: Engine,
        forms: FormCatalog,
        specs: SpecCache,
        workflows: WorkflowCache,
        bundle_process: str = "one_thing_bundle",
    ) -> None:
        self.db = db
        self.engine = engine
        self.clock = engine.functions.clock  # one clock per runtime: the diagrams' now()
        self.forms = forms
        self.workflows = workflows
        self.store = CaseStore(engine, specs)
        self.specs = specs
        self.bundle_process = bundle_process
        self.listeners: list[Callable[[], None]] = []
        self.task_hooks: dict[tuple[str, str], TaskHook] = {}
        # Checks of what a step issues (its documents), not of what it decides: they raise to
        # refuse the step and return nothing; a replay does not run them.
        self.step_checks: dict[tuple[str, str], StepCheck] = {}
        self.timer_leases = TimerLeases(db, self._fire_case, self.clock.now)

    def _changed(self) -> None:
        for listener in list(self.listeners):
            listener()

    # -- start ---------------------------------------------------------------------------
    def start_case(
        self, data: dict[str, Any], actor: Actor, process_id: str | None = None
    ) -> Started:
        """Start a case of the newest version of the process with the given start data."""
        process_id = process_id or self.bundle_process
        applicant = data["application"]["applicant"]
        now = self.clock.now()
        audit = AuditBuffer()
        with self.clock.pinned(now), self.db.transaction() as uow:
            session = uow.connection()  # prebuilt Core statements, in the unit of work
            latest = {r.process_id: r for r in case_rows.latest_versions(session)}
            if process_id not in latest:
                raise NotFound(f"流程 {process_id} 尚未部署")
            top = latest[process_id]
            pinned = _pin_calls(latest, top.calls)
            region = data["transfer_in_region"]
            number = _next_number(session, region, now.astimezone(workdays.TZ).year)
            data = {**data, "case_number": number}
            specs = self.specs.spec_set(session, top.id, pinned)
            workflow = self.engine.new_workflow(specs, data)
            self._run(workflow)
            case = insert_case(
                session,
                new_case_values(
                    number=number,
                    version_id=top.id,
                    pinned=pinned,
                    applicant=applicant,
                    insurances=",".join(data.get("insurances", [])),
                    channel=data.get("channel", ""),
                    regions=(region, data["transfer_out_region"]),
                    decision=data.get("decision", ""),
                    now=now,
                ),
            )
            start_hash = case_rows.insert_input(session, case.id, "start", data, now)
            audit.add(
                "case_created",
                actor.name,
                now,
                case.id,
                number=number,
                process=process_id,
                version=top.version,
                pinned=pinned,
                decision=case.decision,
                insurances=data.get("insurances", []),
                input_sha256=start_hash,
            )
            if data.get("decision"):
                audit.add(
                    "decision_made",
                    actor.name,
                    now,
                    case.id,
                    decision=data["decision"],
                    reasons=list(data.get("reasons", [])),
                    missing_materials=list(data.get("missing_materials", [])),
                    by="rules",
                )
            # A new case has no task or timer rows yet: nothing to look up.
            entry = CachedWorkflow(0, workflow, open_tasks=set(), armed_timers={})
            opened = self.store.save(session, case, entry, audit, now)
            audit.flush(session)
        self.workflows.put(case.id, entry)
        self._changed()
        return Started(
            number, case.committed_due, case.legal_due, bool(case.deadlines_provisional), opened
        )

    # -- complete ------------------------------------------------------------------------
    def complete_task(self, task_id: int, data: Any, actor: Actor) -> list[OpenedTask]:
        """Validate the form data, complete the task, run on; a lost race is a Conflict.
        Returns the tasks this opened (the next steps)."""
        now = self.clock.now()
        audit = AuditBuffer()
        # A workflow taken from the cache is dropped on any error; the next load restores it.
        with self.clock.pinned(now), self.db.transaction() as uow:
            session = uow.connection()  # prebuilt Core statements, in the unit of work
            found = read_task_and_case(session, task_id)
            if found is None:
                raise NotFound("任务不存在")
            task, case = found
            _authorize(task, actor)
            if task["state"] not in OPEN_STATES:
                raise Conflict("该任务已由他人办理或已取消，请刷新后查看最新状态")
            if task["state"] == "claimed" and task["assignee"] not in (None, actor.name):
                raise Conflict(f"该任务已由 {task['assignee']} 认领")
            errors = self.forms.validate(task["form"], data)
            if errors:
                raise ValidationFailed("表单填写有误，请按提示修改", errors)
            entry = self.store.load(session, case, self.workflows.take(case.id))
            submitted = dict(data)
            hook = self.task_hooks.get((task["process_id"], task["task_spec"]))
            if hook is not None:
                before = self.engine.task_data(entry.workflow, task["task_uuid"])
                submitted.update(hook(before, dict(data), now))
            check = self.step_checks.get((task["process_id"], task["task_spec"]))
            if check is not None:  # with the x-personal fields, which a replay does not have
                check(self.engine.task_data(entry.workflow, task["task_uuid"]), submitted, now)
            derived = sorted(k for k in submitted if k not in data)  # recomputed on replay
            # Personal data a form marks x-personal (e.g. a third person's ID number) stays out
            # of the workflow and the audit log: kept once as a case input, its hash logged.
            personal = {
                k: submitted.pop(k)
                for k in self.forms.personal_fields(task["form"])
                if k in submitted
            }
            recorded = {k: v for k, v in data.items() if k not in personal}
            try:
                self.engine.complete_user_task(entry.workflow, task["task_uuid"], submitted)
            except KeyError as exc:
                raise Conflict("该任务在流程中已不可办理，请刷新") from exc
            except EngineError as exc:
                raise WorkflowFailed(f"流程无法继续：{exc}") from exc
            if not case_rows.complete_task(session, task_id, now, actor.name):
                raise Conflict("该任务已由他人办理，请刷新后查看最新状态")
            if entry.open_tasks is not None:
                entry.open_tasks.discard(task["task_uuid"])  # completed, not closed
            audit.add(
                "task_completed",
                actor.name,
                now,
                case.id,
                task=task["task_uuid"],
                spec=task["task_spec"],
                process=task["process_id"],
                data=recorded,
                derived=derived,
                **_personal_input(session, case.id, task, personal, now),
            )
            if "decision" in submitted:  # 受理审查 by the window, or a resubmission decided again
                audit.add(
                    "decision_made",
                    actor.name,
                    now,
                    case.id,
                    decision=submitted["decision"],
                    reasons=list(submitted.get("reasons", [])),
                    missing_materials=list(submitted.get("missing_materials", [])),
                    by="rules" if "decision" not in data else "clerk",
                )
            opened = self.store.save(session, case, entry, audit, now)
            audit.flush(session)
        self.workflows.put(case.id, entry)
        self._changed()
        return opened

    def task_processes(self, number: str, task_uuids: list[str]) -> list[str]:
        """The process each task belongs to ("" when it is gone); reads, changes nothing."""
        with self.db.sessions() as session:
            case_id = session.execute(
                select(Case.id).where(Case.number == number)
            ).scalar_one_or_none()
            if case_id is None:
                raise NotFound("办件不存在")
            case = read_case(session, case_id)
            assert case is not None
            # Restored apart from the hot cache: a read must not hand a use case its entry.
            entry = self.store.load(session, case, None)
        return [self.engine.task_process(entry.workflow, uuid) or "" for uuid in task_uuids]

    # -- timers --------------------------------------------------------------------------
    def fire_due_timers(self, holder: str | None = None) -> int:
        """Fire every timer that fell due: claimed with a lease (timer_leases), one
        transaction per case; idempotent."""
        fired = self.timer_leases.fire_due(holder)
        if fired:
            self._changed()
        return fired

    def _fire_case(
        self, case_id: int, now: datetime, guard: Guard | None = None
    ) -> list[PendingEvent]:
        audit = AuditBuffer()
        # A workflow taken from the cache is dropped on any error; the next load restores it.
        with self.clock.pinned(now), self.db.transaction() as uow:
            session = uow.connection()  # prebuilt Core statements, in the unit of work
            if guard is not None and not guard(session):
                return []  # another claimer fired these timers, or took them over
            case = read_case(session, case_id)
            assert case is not None
            entry = self.store.load(session, case, self.workflows.take(case.id))
            self._run(entry.workflow)
            self.store.save(session, case, entry, audit, now)
            fired = [e for e in audit.events if e.kind == "timer_fired"]
            audit.flush(session)
        self.workflows.put(case.id, entry)
        return fired

    def next_due(self) -> datetime | None:
        with self.db.sessions() as session:
            due: datetime | None = session.execute(
                select(func.min(Timer.due_at)).where(
                    Timer.fired_at.is_(None), Timer.cancelled_at.is_(None)
                )
            ).scalar()
        return due

    # -- internals -----------------------------------------------------------------------
    def _run(self, workflow: Any) -> None:
        try:
            self.engine.run(workflow)
        except EngineError as exc:
            raise WorkflowFailed(f"流程无法继续：{exc}") from exc


def new_case_values(
    *,
    number: str,
    version_id: int,
    pinned: dict[str, int],
    applicant: dict[str, Any],
    insurances: str,
    channel: str,
    regions: tuple[str, str],
    decision: str,
    now: datetime,
) -> dict[str, Any]:
    """A new case row: running, not yet accepted (regions: transfer-in, transfer-out)."""
    id_number = str(applicant.get("id_number", ""))
    return {
        "number": number,
        "process_version_id": version_id,
        "pinned": pinned,
        "status": "running",
        "applicant_name": str(applicant.get("name", ""))[:100],
        "applicant_id_masked": mask_id_number(id_number),
        "applicant_id_digest": id_digest(id_number),
        "insurances": insurances,
        "channel": channel,
        "transfer_in_region": regions[0],
        "transfer_out_region": regions[1],
        "decision": decision,
        "created_at": now,
        "updated_at": now,
        "accepted_at": None,
        "committed_due": None,
        "legal_due": None,
        "deadlines_provisional": False,
        "warned": False,
        "overdue": False,
        "completed_at": None,
    }


def _personal_input(
    session: Any, case_id: int, task: dict[str, Any], personal: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """Keep a task's personal fields as a case input; the audit event names them and the hash."""
    if not personal:
        return {}
    kept = {"task": task["task_uuid"], "spec": task["task_spec"], "data": personal}
    digest = case_rows.insert_input(session, case_id, PERSONAL_INPUT, kept, now)
    return {"personal_fields": sorted(personal), "personal_sha256": digest}


def _authorize(task: dict[str, Any], actor: Actor) -> None:
    if actor.role == "system":
        return
    if actor.role != task["role"] or actor.region != task["region"]:
        raise Forbidden("无权办理该任务（岗位或地区不符）")


def _pin_calls(latest: dict[str, Any], calls: list[str]) -> dict[str, int]:
    """Every process the top one calls (transitively), pinned to its newest version now."""
    pinned: dict[str, int] = {}
    pending = list(calls)
    while pending:
        process_id = pending.pop()
        if process_id in pinned:
            continue
        if process_id not in latest:
            raise NotFound(f"流程 {process_id} 尚未部署")
        pinned[process_id] = latest[process_id].id
        pending.extend(latest[process_id].calls)
    return pinned


def _next_number(conn: Connection, region: str, year: int) -> str:
    """Readable case numbers: transfer-in region, year, a per-region-and-year sequence."""
    prefix = f"{region}-{year}"
    return f"{prefix}-{case_rows.next_in_sequence(conn, prefix):06d}"
