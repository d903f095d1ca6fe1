"""Case use cases: start a case, complete a user task, fire due timers — one transaction each."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app import workdays
from app.clock import clock
from app.engine import scripting, state
from app.engine.host import Engine, EngineError
from app.errors import Conflict, Forbidden, NotFound, ValidationFailed, WorkflowFailed
from app.roles import task_region
from app.rules.id_number import mask_id_number
from app.store.audit_log import AuditBuffer
from app.store.db import Database
from app.store.models import Case, CaseCounter, CasePart, HumanTask, ProcessVersion, Timer

from .forms import FormCatalog
from .runtime import CachedWorkflow, SpecCache, WorkflowCache

OPEN_STATES = ("open", "claimed")


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff user (role, region), the applicant, or the system."""

    name: str
    role: str
    region: str = ""

    @classmethod
    def system(cls) -> Actor:
        return cls("system", "system")


def id_digest(id_number: str) -> str:
    """Lets the applicant find a case by ID number without storing the number in clear."""
    return hashlib.sha256(("sitransfer:" + id_number.upper()).encode()).hexdigest()


class CaseService:
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
        self.forms = forms
        self.specs = specs
        self.workflows = workflows
        self.bundle_process = bundle_process
        self.listeners: list[Callable[[], None]] = []

    def _changed(self) -> None:
        for listener in list(self.listeners):
            listener()

    # -- start ---------------------------------------------------------------------------
    def start_case(self, data: dict[str, Any], actor: Actor, process_id: str | None = None) -> str:
        """Start a case of the newest version of the process with the given start data."""
        process_id = process_id or self.bundle_process
        application = data["application"]
        now = clock.now()
        audit = AuditBuffer()
        with self.db.transaction() as session:
            top = _latest_version(session, process_id)
            pinned = _pin_calls(session, top)
            region = data["transfer_in_region"]
            number = _next_number(session, region, now.astimezone(workdays.TZ).year)
            data = {**data, "case_number": number}
            specs = self.specs.spec_set(session, top.id, pinned)
            workflow = self.engine.new_workflow(specs, data)
            self._run(workflow)
            applicant = application["applicant"]
            case = Case(
                number=number,
                process_version_id=top.id,
                pinned=pinned,
                status="running",
                applicant_name=applicant["name"],
                applicant_id_masked=mask_id_number(applicant["id_number"]),
                applicant_id_digest=id_digest(applicant["id_number"]),
                insurances=",".join(data.get("insurances", [])),
                channel=data.get("channel", ""),
                transfer_in_region=region,
                transfer_out_region=data["transfer_out_region"],
                decision=data.get("decision", ""),
                created_at=now,
                updated_at=now,
                state=b"{}",
            )
            session.add(case)
            session.flush()
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
            )
            prints = self._persist(session, case, workflow, {}, audit, now)
            audit.flush(session)
        self.workflows.put(case.id, CachedWorkflow(case.version, workflow, prints))
        self._changed()
        return number

    # -- complete ------------------------------------------------------------------------
    def complete_task(self, task_id: int, data: Any, actor: Actor) -> None:
        """Validate the form data, complete the task, run on; a lost race is a Conflict."""
        now = clock.now()
        audit = AuditBuffer()
        taken: CachedWorkflow | None = None
        try:
            with self.db.transaction() as session:
                task = session.get(HumanTask, task_id)
                if task is None:
                    raise NotFound("任务不存在")
                _authorize(task, actor)
                if task.state not in OPEN_STATES:
                    raise Conflict("该任务已由他人办理或已取消，请刷新后查看最新状态")
                if task.state == "claimed" and task.assignee not in (None, actor.name):
                    raise Conflict(f"该任务已由 {task.assignee} 认领")
                errors = self.forms.validate(task.form, data)
                if errors:
                    raise ValidationFailed("表单填写有误，请按提示修改", errors)
                case = session.get(Case, task.case_id)
                assert case is not None
                taken = self._load(session, case)
                try:
                    self.engine.complete_user_task(taken.workflow, task.task_uuid, dict(data))
                except KeyError as exc:
                    raise Conflict("该任务在流程中已不可办理，请刷新") from exc
                except EngineError as exc:
                    raise WorkflowFailed(f"流程无法继续：{exc}") from exc
                task.state, task.completed_at, task.completed_by = "completed", now, actor.name
                audit.add(
                    "task_completed",
                    actor.name,
                    now,
                    case.id,
                    task=task.task_uuid,
                    spec=task.task_spec,
                    process=task.process_id,
                    data=dict(data),
                )
                taken.prints = self._persist(
                    session, case, taken.workflow, taken.prints, audit, now
                )
                audit.flush(session)
            self.workflows.put(case.id, CachedWorkflow(case.version, taken.workflow, taken.prints))
        except StaleDataError as exc:
            raise Conflict("案件已被他人更新，请刷新后重试") from exc
        self._changed()

    # -- timers --------------------------------------------------------------------------
    def fire_due_timers(self) -> int:
        """Fire every timer that fell due; idempotent, one transaction per case."""
        now = clock.now()
        with self.db.sessions() as session:
            case_ids = (
                session.execute(
                    select(Timer.case_id)
                    .where(
                        Timer.fired_at.is_(None), Timer.cancelled_at.is_(None), Timer.due_at < now
                    )
                    .group_by(Timer.case_id)
                    .order_by(func.min(Timer.due_at))
                )
                .scalars()
                .all()
            )
        fired = 0
        for case_id in case_ids:
            try:
                fired += self._fire_case(case_id, now)
            except Conflict:
                continue  # another worker handled this case at the same moment
        return fired

    def _fire_case(self, case_id: int, now: datetime) -> int:
        audit = AuditBuffer()
        try:
            with self.db.transaction() as session:
                case = session.get(Case, case_id)
                assert case is not None
                taken = self._load(session, case)
                self._run(taken.workflow)
                before = audit_count = len(audit.events)
                taken.prints = self._persist(
                    session, case, taken.workflow, taken.prints, audit, now
                )
                fired = sum(1 for e in audit.events[before:] if e.kind == "timer_fired")
                audit_count = len(audit.events)
                audit.flush(session)
            self.workflows.put(case.id, CachedWorkflow(case.version, taken.workflow, taken.prints))
            return fired if audit_count else 0
        except StaleDataError as exc:
            raise Conflict("case changed while firing timers") from exc

    def next_due(self) -> datetime | None:
        with self.db.sessions() as session:
            due: datetime | None = session.execute(
                select(func.min(Timer.due_at)).where(
                    Timer.fired_at.is_(None), Timer.cancelled_at.is_(None)
                )
            ).scalar()
        return due

    # -- provisional deadlines -----------------------------------------------------------
    def recompute_provisional(self, actor: Actor) -> int:
        """After a year's schedule is loaded: recompute every provisional deadline still pending."""
        with self.db.sessions() as session:
            timers = session.execute(
                select(Timer.id, Timer.case_id).where(
                    Timer.provisional.is_(True),
                    Timer.fired_at.is_(None),
                    Timer.cancelled_at.is_(None),
                )
            ).all()
        changed = 0
        for timer_id, case_id in timers:
            changed += self._recompute_timer(timer_id, case_id, actor)
        return changed

    def _recompute_timer(self, timer_id: int, case_id: int, actor: Actor) -> int:
        now = clock.now()
        audit = AuditBuffer()
        with self.db.transaction() as session:
            timer = session.get(Timer, timer_id)
            case = session.get(Case, case_id)
            assert timer is not None and case is not None
            if timer.start_at is None or timer.working_days is None:
                return 0
            result = workdays.deadline_for(timer.start_at, timer.working_days)
            if result.due_at == timer.due_at and result.provisional:
                return 0
            taken = self._load(session, case)
            self.engine.reschedule_timer(taken.workflow, timer.task_uuid, result.due_at.isoformat())
            scripting.ledger.record(
                result.due_at.isoformat(),
                scripting.DeadlineCall(timer.start_at, timer.working_days, result.provisional),
            )
            audit.add(
                "timer_rescheduled",
                actor.name,
                now,
                case.id,
                task=timer.task_uuid,
                old_due_at=timer.due_at.isoformat(),
                due_at=result.due_at.isoformat(),
                provisional=result.provisional,
            )
            timer.due_at, timer.provisional = result.due_at, result.provisional
            session.execute(
                update(HumanTask)
                .where(
                    HumanTask.case_id == case.id,
                    HumanTask.state.in_(OPEN_STATES),
                    HumanTask.due_at == timer.due_at,
                )
                .values(due_provisional=result.provisional)
            )
            taken.prints = self._persist(session, case, taken.workflow, taken.prints, audit, now)
            audit.flush(session)
        self.workflows.put(case.id, CachedWorkflow(case.version, taken.workflow, taken.prints))
        return 1

    # -- internals -----------------------------------------------------------------------
    def _run(self, workflow: Any) -> None:
        try:
            self.engine.run(workflow)
        except EngineError as exc:
            raise WorkflowFailed(f"流程无法继续：{exc}") from exc

    def _load(self, session: Session, case: Case) -> CachedWorkflow:
        cached = self.workflows.take(case.id)
        if cached is not None and cached.version == case.version:
            return cached
        specs = self.specs.spec_set(session, case.process_version_id, case.pinned)
        parts = {
            key: state.loads(raw)
            for key, raw in session.execute(
                select(CasePart.part_key, CasePart.state).where(CasePart.case_id == case.id)
            ).all()
        }
        workflow = self.engine.restore(specs, state.loads(case.state), parts)
        prints = {state.TOP: state.fingerprint(workflow)}
        for key, sub in workflow.subprocesses.items():
            prints[str(key)] = state.fingerprint(sub)
        return CachedWorkflow(case.version, workflow, prints)

    def _persist(
        self,
        session: Session,
        case: Case,
        workflow: Any,
        prints: dict[str, Any],
        audit: AuditBuffer,
        now: datetime,
    ) -> dict[str, Any]:
        changed, removed, new_prints = state.dump_changed(workflow, prints)
        if state.TOP in changed:
            case.state = changed.pop(state.TOP)
        existing = set(prints) - {state.TOP}
        for key, raw in changed.items():
            if key in existing:
                session.execute(
                    update(CasePart)
                    .where(CasePart.case_id == case.id, CasePart.part_key == key)
                    .values(state=raw)
                )
            else:
                session.add(CasePart(case_id=case.id, part_key=key, state=raw))
        for key in removed:
            if key != state.TOP:
                session.execute(
                    CasePart.__table__.delete().where(
                        CasePart.case_id == case.id, CasePart.part_key == key
                    )
                )
        self._sync_timers(session, case, workflow, audit, now)
        self._sync_tasks(session, case, workflow, audit, now)
        self._sync_case(case, workflow, audit, now)
        case.updated_at = now  # always touch the row: its version is the optimistic lock
        session.flush()
        return new_prints

    def _sync_tasks(
        self, session: Session, case: Case, workflow: Any, audit: AuditBuffer, now: datetime
    ) -> None:
        ready = {t.uuid: t for t in self.engine.ready_user_tasks(workflow)}
        rows = (
            session.execute(
                select(HumanTask).where(
                    HumanTask.case_id == case.id, HumanTask.state.in_(OPEN_STATES)
                )
            )
            .scalars()
            .all()
        )
        known = {row.task_uuid for row in rows}
        for row in rows:
            if row.task_uuid not in ready:
                row.state = "cancelled"
                audit.add(
                    "task_cancelled", "system", now, case.id, task=row.task_uuid, spec=row.task_spec
                )
        due_by_task = self._task_due(workflow)
        for uuid, task in ready.items():
            if uuid in known:
                continue
            due = due_by_task.get(uuid)
            region = task_region(task.lane, case.transfer_in_region, case.transfer_out_region)
            session.add(
                HumanTask(
                    case_id=case.id,
                    task_uuid=uuid,
                    process_id=task.process_id,
                    task_spec=task.spec_name,
                    title=task.title,
                    role=task.lane or "",
                    region=region,
                    form=task.form,
                    state="open",
                    created_at=now,
                    due_at=due[0] if due else None,
                    due_provisional=due[1] if due else False,
                )
            )
            audit.add(
                "task_created",
                "system",
                now,
                case.id,
                task=uuid,
                spec=task.spec_name,
                process=task.process_id,
                role=task.lane,
                region=region,
            )

    def _task_due(self, workflow: Any) -> dict[str, tuple[datetime, bool]]:
        """A user task's due time is its earliest armed boundary timer (its step limit)."""
        result: dict[str, tuple[datetime, bool]] = {}
        for timer in self.engine.waiting_timers(workflow):
            owner = self.engine.boundary_owner(workflow, timer.uuid)
            if owner is None:
                continue
            current = result.get(owner)
            if current is None or timer.due_at < current[0]:
                result[owner] = (timer.due_at, timer.provisional)
        return result

    def _sync_timers(
        self, session: Session, case: Case, workflow: Any, audit: AuditBuffer, now: datetime
    ) -> None:
        waiting = {t.uuid: t for t in self.engine.waiting_timers(workflow)}
        rows = (
            session.execute(
                select(Timer).where(
                    Timer.case_id == case.id, Timer.fired_at.is_(None), Timer.cancelled_at.is_(None)
                )
            )
            .scalars()
            .all()
        )
        known = {row.task_uuid for row in rows}
        for row in rows:
            if row.task_uuid in waiting:
                continue
            if self.engine.timer_fired(workflow, row.task_uuid):
                row.fired_at = now
                audit.add(
                    "timer_fired",
                    "system",
                    now,
                    case.id,
                    task=row.task_uuid,
                    kind=row.kind,
                    due_at=row.due_at.isoformat(),
                )
            else:
                row.cancelled_at = now
                audit.add(
                    "timer_cancelled", "system", now, case.id, task=row.task_uuid, kind=row.kind
                )
        for uuid, timer in waiting.items():
            if uuid in known:
                continue
            session.add(
                Timer(
                    case_id=case.id,
                    task_uuid=uuid,
                    kind=timer.spec_name,
                    label=timer.label,
                    due_at=timer.due_at,
                    start_at=timer.start_at,
                    working_days=timer.working_days,
                    provisional=timer.provisional,
                    armed_at=now,
                )
            )
            audit.add(
                "timer_armed",
                "system",
                now,
                case.id,
                task=uuid,
                kind=timer.spec_name,
                due_at=timer.due_at.isoformat(),
                provisional=timer.provisional,
            )
            if timer.provisional:
                case.deadlines_provisional = True

    def _sync_case(self, case: Case, workflow: Any, audit: AuditBuffer, now: datetime) -> None:
        data = self.engine.data(workflow)
        status = str(data.get("status") or ("completed" if workflow.completed else "running"))
        if workflow.completed and status == "running":
            status = "completed"
        if status != case.status:
            audit.add("case_status_changed", "system", now, case.id, old=case.status, new=status)
            case.status = status
        accepted = data.get("accepted_at")
        if isinstance(accepted, str):
            accepted_at = scripting.parse_instant(accepted)
            if case.accepted_at != accepted_at:
                case.accepted_at = accepted_at
                committed = workdays.deadline_for(
                    accepted_at, scripting.limit("bundle.committed", case.transfer_in_region)
                )
                legal = workdays.deadline_for(
                    accepted_at, scripting.limit("bundle.legal", case.transfer_in_region)
                )
                case.committed_due, case.legal_due = committed.date, legal.date
                case.deadlines_provisional = committed.provisional or legal.provisional
        case.warned = bool(data.get("committed_warning", case.warned))
        case.overdue = bool(data.get("overdue", case.overdue))
        if workflow.completed and case.completed_at is None:
            case.completed_at = now
            audit.add("case_completed", "system", now, case.id, status=status)


def _authorize(task: HumanTask, actor: Actor) -> None:
    if actor.role == "system":
        return
    if actor.role != task.role or actor.region != task.region:
        raise Forbidden("无权办理该任务（岗位或地区不符）")


def _latest_version(session: Session, process_id: str) -> ProcessVersion:
    version = session.execute(
        select(ProcessVersion)
        .where(ProcessVersion.process_id == process_id)
        .order_by(ProcessVersion.version.desc())
        .limit(1)
    ).scalar_one_or_none()
    if version is None:
        raise NotFound(f"流程 {process_id} 尚未部署")
    return version


def _pin_calls(session: Session, top: ProcessVersion) -> dict[str, int]:
    """Every process the top one calls (transitively), pinned to its newest version now."""
    pinned: dict[str, int] = {}
    pending = list(top.calls)
    while pending:
        process_id = pending.pop()
        if process_id in pinned:
            continue
        version = _latest_version(session, process_id)
        pinned[process_id] = version.id
        pending.extend(version.calls)
    return pinned


def _next_number(session: Session, region: str, year: int) -> str:
    """Readable case numbers: transfer-in region, year, a per-region-and-year sequence."""
    prefix = f"{region}-{year}"
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(CaseCounter).values(prefix=prefix, last=0).on_conflict_do_nothing())
    last = session.execute(
        update(CaseCounter)
        .where(CaseCounter.prefix == prefix)
        .values(last=CaseCounter.last + 1)
        .returning(CaseCounter.last)
    ).scalar_one()
    return f"{prefix}-{last:06d}"
