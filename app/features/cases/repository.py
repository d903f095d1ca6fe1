"""Loading and saving a case's workflow, and keeping its rows (tasks, timers, case) in step.

Only the parts of the workflow whose tasks changed are serialized and written; the ready user
tasks of unchanged parts are reused from the hot cache, so a completion costs little more than
the engine work itself."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from typing import Any

from sqlalchemy import Connection

from app.engine import scripting, state
from app.engine.host import Engine, WaitingTimer
from app.features.cases.caches import CachedWorkflow, SpecCache
from app.kernel.errors import Conflict
from app.kernel.roles import task_region
from app.store import case_rows as rows
from app.store.audit_log import AuditBuffer
from app.store.db import Tx, connection_of

OPEN_STATES = rows.OPEN_STATES
# Bundle timers whose firing flags the case itself: (process, timer element id) -> case column.
CASE_FLAG_TIMERS = {
    ("one_thing_bundle", "timer_committed"): "warned",
    ("one_thing_bundle", "timer_legal"): "overdue",
}


@dataclass(frozen=True)
class OpenedTask:
    """A task row a use case opened: what a caller needs to act on it next."""

    id: int
    process_id: str
    task_spec: str
    role: str
    region: str


class CaseRecord:
    """A case row. Attribute writes are collected and written by `CaseStore.save` in one
    UPDATE guarded by the row's version (the optimistic lock)."""

    def __init__(self, values: dict[str, Any]) -> None:
        object.__setattr__(self, "_values", values)
        object.__setattr__(self, "_dirty", {})

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self._values or self._values[name] != value:
            self._values[name] = value
            self._dirty[name] = value


StatusWriter = Callable[[Connection, CaseRecord, AuditBuffer, datetime], None]
# A check of the new status against the case's data (e.g. no 办结 without its documents): it
# raises to stop the use case, before anything of it is committed.
StatusCheck = Callable[[Connection, CaseRecord, AuditBuffer, datetime, dict[str, Any]], None]
# Queues what a use case's workflow threw for other deployments (its unit of work, the case,
# the audit buffer, now, the workflow).
LetterWriter = Callable[[Tx, CaseRecord, AuditBuffer, datetime, Any], None]
# The channel of a transfer-out case opened by a contact letter from another deployment.
LETTER_CHANNEL = "letter"


def read_case(session: Tx, case_id: int) -> CaseRecord | None:
    values = rows.read_case(connection_of(session), case_id)
    return CaseRecord(values) if values is not None else None


def read_task_and_case(session: Tx, task_id: int) -> tuple[dict[str, Any], CaseRecord] | None:
    """The task row and its case in one query (the start of every completion)."""
    found = rows.read_task_and_case(connection_of(session), task_id)
    if found is None:
        return None
    return found[0], CaseRecord(found[1])


def insert_case(session: Tx, values: dict[str, Any]) -> CaseRecord:
    values = {**values, "version": 1}
    case_id = rows.insert_case(connection_of(session), values)
    return CaseRecord({**values, "id": case_id})


class CaseStore:
    def __init__(self, engine: Engine, specs: SpecCache) -> None:
        self.engine = engine
        self.specs = specs
        self.status_changes = 0
        # Called inside the transaction of every use case that changed a case's status (after
        # its deadlines are set): e.g. the applicant's message, in the same commit as the change.
        self.status_writers: list[StatusWriter] = []
        # Queues the letters a step threw for other deployments (features/cases/letters.py),
        # in the step's transaction; None while this deployment serves every region.
        self.letter_writer: LetterWriter | None = None
        self.status_checks: list[StatusCheck] = []

    def load(self, session: Tx, case: CaseRecord, cached: CachedWorkflow | None) -> CachedWorkflow:
        """The case's workflow: the cached one if still current, else restored from its parts."""
        if cached is not None and cached.version == case.version:
            return cached
        specs = self.specs.spec_set(
            session, case.process_version_id, case.pinned, case.channel == LETTER_CHANNEL
        )
        stored = rows.read_state(connection_of(session), case.id)
        top = stored.pop(state.TOP)
        workflow = self.engine.restore(
            specs, state.loads(top), {key: state.loads(raw) for key, raw in stored.items()}
        )
        entry = CachedWorkflow(case.version, workflow)
        # Everything up to now is already reflected in the case row.
        _values, entry.stamp = self.engine.assignments_since(workflow, 0.0, ())
        parts = _parts(workflow)
        entry.prints = {key: state.fingerprint(part) for key, part in parts.items()}
        entry.ready = {key: self.engine.ready_user_tasks_in(p) for key, p in parts.items()}
        entry.logical = {key: self.engine.logical_items(p) for key, p in parts.items()}
        return entry

    def save(
        self,
        session: Tx,
        case: CaseRecord,
        entry: CachedWorkflow,
        audit: AuditBuffer,
        now: datetime,
    ) -> list[OpenedTask]:
        """Write the changed parts and bring task, timer and case rows in line with the workflow;
        returns the task rows opened."""
        conn = connection_of(session)
        # Claim the case row before writing anything else: a writer whose version went stale
        # stops here with a conflict (its timer and task rows would otherwise collide with the
        # winner's), and on PostgreSQL the row lock queues later writers behind this one.
        if not rows.update_case(conn, case.id, case.version, {"version": case.version + 1}):
            raise Conflict("案件已被他人更新，请刷新后重试")
        case._values["version"] += 1
        workflow = entry.workflow
        status_before = case.status
        changed, removed, prints = state.dump_changed(workflow, entry.prints, entry.task_dicts)
        parts = _parts(workflow)
        # Whatever is read from the workflow below is read from the changed parts only.
        touched = [parts[key] for key in changed]
        for key in removed:
            entry.ready.pop(key, None)
            entry.logical.pop(key, None)
        for key in changed:
            entry.ready[key] = self.engine.ready_user_tasks_in(parts[key])
            entry.logical[key] = self.engine.logical_items(parts[key])
        existing = entry.prints
        rows.write_parts(
            conn,
            case.id,
            new={k: v for k, v in changed.items() if k not in existing},
            changed={k: v for k, v in changed.items() if k in existing},
            removed=removed,
        )
        entry.prints = prints
        waiting = self.engine.waiting_timers(workflow)
        self._sync_timers(session, case, entry, audit, now, waiting)
        opened = self._sync_tasks(session, case, entry, audit, now, waiting)
        self._sync_case(case, entry, audit, now, touched)
        if self.letter_writer is not None:
            self.letter_writer(session, case, audit, now, entry.workflow)
        # A transfer-out case opened by a letter is this agency's part only: the applicant's
        # messages and the bundle's 办结 documents belong to the deployment that accepted it.
        if case.status != status_before and case.channel != LETTER_CHANNEL:
            if self.status_checks:
                data = self.engine.case_data(workflow)
                for check in self.status_checks:
                    check(conn, case, audit, now, data)
            for writer in self.status_writers:
                writer(conn, case, audit, now)
        audit.record_state(self.engine.state_hash(chain.from_iterable(entry.logical.values())))
        # The row is ours since the claim above; its version is the lock for the whole case.
        values = {**case._dirty, "updated_at": now}
        if not rows.update_case(conn, case.id, case.version, values):
            raise Conflict("案件已被他人更新，请刷新后重试")
        case._dirty.clear()
        entry.version = case.version
        return opened

    def _sync_tasks(
        self,
        session: Tx,
        case: CaseRecord,
        entry: CachedWorkflow,
        audit: AuditBuffer,
        now: datetime,
        waiting: list[WaitingTimer],
    ) -> list[OpenedTask]:
        conn = connection_of(session)
        ready = {t.uuid: t for tasks in entry.ready.values() for t in tasks}
        if entry.open_tasks is None:
            entry.open_tasks = rows.open_task_uuids(conn, case.id)
        gone = [uuid for uuid in entry.open_tasks if uuid not in ready]
        if gone:
            # Rows still open whose workflow task vanished: cancelled by a boundary event or a
            # terminate end (the task completed in this use case is already marked completed).
            rows.close_tasks(conn, gone)
            for uuid in gone:
                audit.add("task_closed", "system", now, case.id, task=uuid)
        new = [task for uuid, task in ready.items() if uuid not in entry.open_tasks]
        entry.open_tasks = set(ready)
        if not new:
            return []
        due_by_task = self._task_due(entry.workflow, waiting)
        values = []
        for task in new:
            due = due_by_task.get(task.uuid)
            region = task_region(
                task.lane, case.transfer_in_region, case.transfer_out_region, task.out_side
            )
            values.append(
                {
                    "case_id": case.id,
                    "task_uuid": task.uuid,
                    "process_id": task.process_id,
                    "task_spec": task.spec_name,
                    "title": task.title,
                    "role": task.lane or "",
                    "region": region,
                    "form": task.form,
                    "state": "open",
                    "created_at": now,
                    "due_at": due[0] if due else None,
                    "due_provisional": due[1] if due else False,
                    "assignee": None,
                    "claimed_at": None,
                    "completed_at": None,
                    "completed_by": None,
                }
            )
            audit.add(
                "task_created",
                "system",
                now,
                case.id,
                task=task.uuid,
                spec=task.spec_name,
                process=task.process_id,
                role=task.lane,
                region=region,
            )
        ids = rows.insert_tasks(conn, values)
        return [
            OpenedTask(task_id, v["process_id"], v["task_spec"], v["role"], v["region"])
            for task_id, v in zip(ids, values, strict=True)
        ]

    def _task_due(
        self, workflow: Any, waiting: list[WaitingTimer]
    ) -> dict[str, tuple[datetime, bool]]:
        """A user task's due time is its earliest armed boundary timer (its step limit)."""
        result: dict[str, tuple[datetime, bool]] = {}
        for timer in waiting:
            owner = self.engine.boundary_owner(workflow, timer.uuid)
            if owner is None:
                continue
            current = result.get(owner)
            if current is None or timer.due_at < current[0]:
                result[owner] = (timer.due_at, timer.provisional)
        return result

    def _sync_timers(
        self,
        session: Tx,
        case: CaseRecord,
        entry: CachedWorkflow,
        audit: AuditBuffer,
        now: datetime,
        waiting_timers: list[WaitingTimer],
    ) -> None:
        conn = connection_of(session)
        workflow = entry.workflow
        waiting = {t.uuid: t for t in waiting_timers}
        if entry.armed_timers is None:
            entry.armed_timers = rows.armed_timers(conn, case.id)
        armed = entry.armed_timers
        ended = [uuid for uuid in armed if uuid not in waiting]
        fired = [uuid for uuid in ended if self.engine.timer_fired(workflow, uuid)]
        cancelled = [uuid for uuid in ended if uuid not in fired]
        rows.end_timers(conn, fired, now, fired=True)
        rows.end_timers(conn, cancelled, now, fired=False)
        for uuid in fired:
            kind, due_at = armed[uuid]
            audit.add(
                "timer_fired",
                "system",
                now,
                case.id,
                task=uuid,
                kind=kind,
                due_at=due_at.isoformat(),
            )
            flag = CASE_FLAG_TIMERS.get((self.engine.task_process(workflow, uuid) or "", kind))
            if flag:
                setattr(case, flag, True)
                # The limit passed: the case goes to the supervisor (督办), the citizen's case runs on.
                audit.add(
                    "case_escalated",
                    "system",
                    now,
                    case.id,
                    limit=kind,
                    level=flag,
                    due_at=due_at.isoformat(),
                )
        for uuid in cancelled:
            audit.add("timer_cancelled", "system", now, case.id, task=uuid, kind=armed[uuid][0])
        new = [timer for uuid, timer in waiting.items() if uuid not in armed]
        entry.armed_timers = {uuid: (t.spec_name, t.due_at) for uuid, t in waiting.items()}
        if not new:
            return
        rows.insert_timers(
            conn,
            [
                {
                    "case_id": case.id,
                    "task_uuid": t.uuid,
                    "kind": t.spec_name,
                    "label": t.label,
                    "due_at": t.due_at,
                    "start_at": t.start_at,
                    "working_days": t.working_days,
                    "provisional": t.provisional,
                    "armed_at": now,
                    "fired_at": None,
                    "cancelled_at": None,
                }
                for t in new
            ],
        )
        for t in new:
            audit.add(
                "timer_armed",
                "system",
                now,
                case.id,
                task=t.uuid,
                kind=t.spec_name,
                due_at=t.due_at.isoformat(),
                provisional=t.provisional,
            )

    def _sync_case(
        self,
        case: CaseRecord,
        entry: CachedWorkflow,
        audit: AuditBuffer,
        now: datetime,
        touched: list[Any],
    ) -> None:
        workflow = entry.workflow
        assigned, entry.stamp = self.engine.assignments_since(
            workflow, entry.stamp, ("status", "accepted_at", "delivered_at"), touched
        )
        if assigned.get("delivered_at"):
            data = self.engine.data(workflow)
            audit.add(
                "result_delivered",
                "system",
                now,
                case.id,
                method=data.get("delivery"),
                at=assigned["delivered_at"],
            )
        status = assigned.get("status") or case.status
        if workflow.completed and status == "running":
            status = "completed"
        if status != case.status:
            audit.add("case_status_changed", "system", now, case.id, old=case.status, new=status)
            self.status_changes += 1  # listeners (notifications) look only when this moved
            case.status = status
        accepted = assigned.get("accepted_at")
        if isinstance(accepted, str) and case.channel != LETTER_CHANNEL:
            accepted_at = scripting.parse_instant(accepted)
            if case.accepted_at != accepted_at:
                # A resubmission after 一次性告知 restarts the clock: recompute both limits.
                case.accepted_at = accepted_at
                set_bundle_deadlines(case, self.engine.functions)
        if workflow.completed and case.completed_at is None:
            case.completed_at = now
            audit.add("case_completed", "system", now, case.id, status=status)


def set_bundle_deadlines(case: Any, functions: scripting.ScriptFunctions) -> None:
    """Committed and legal limits of the bundle from acceptance (limits.json, by region), with
    the runtime's own calendar and limits table."""
    region = case.transfer_in_region
    calendar = functions.calendar
    committed = calendar.deadline_for(case.accepted_at, functions.limit("bundle.committed", region))
    legal = calendar.deadline_for(case.accepted_at, functions.limit("bundle.legal", region))
    case.committed_due, case.legal_due = committed.date, legal.date
    case.deadlines_provisional = committed.provisional or legal.provisional


def _parts(workflow: Any) -> dict[str, Any]:
    parts: dict[str, Any] = {state.TOP: workflow}
    for key, sub in workflow.subprocesses.items():
        parts[str(key)] = sub
    return parts
