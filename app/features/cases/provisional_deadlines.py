"""Recomputing provisional deadlines once a year's working-day schedule is loaded."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from app.engine import scripting
from app.engine.host import Engine
from app.features.cases.caches import WorkflowCache
from app.features.cases.repository import OPEN_STATES, CaseStore, read_case, set_bundle_deadlines
from app.kernel.clock import Clock
from app.kernel.errors import Conflict
from app.store import case_rows
from app.store.audit_log import AuditBuffer
from app.store.db import Database
from app.store.models import Case, HumanTask, Timer

if TYPE_CHECKING:
    from app.features.cases.service import Actor


class ProvisionalDeadlines:
    """The provisional-deadline use cases of CaseService (its __init__ sets these)."""

    db: Database
    engine: Engine
    clock: Clock
    store: CaseStore
    workflows: WorkflowCache
    _changed: Callable[[], None]

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
            cases = (
                session.execute(
                    select(Case.id).where(
                        Case.deadlines_provisional.is_(True), Case.completed_at.is_(None)
                    )
                )
                .scalars()
                .all()
            )
        changed = sum(
            self._recompute_timer(timer_id, case_id, actor) for timer_id, case_id in timers
        )
        for case_id in cases:
            self._recompute_case_deadlines(case_id)
        if changed:
            self._changed()
        return changed

    def _recompute_timer(self, timer_id: int, case_id: int, actor: Actor) -> int:
        now = self.clock.now()
        audit = AuditBuffer()
        with self.clock.pinned(now), self.db.transaction() as session:
            timer = session.get(Timer, timer_id)
            case = read_case(session, case_id)
            assert timer is not None and case is not None
            if timer.start_at is None or timer.working_days is None:
                return 0
            result = self.engine.functions.calendar.deadline_for(timer.start_at, timer.working_days)
            if result.due_at == timer.due_at and result.provisional:
                return 0
            entry = self.store.load(session, case, self.workflows.take(case.id))
            due_iso = result.due_at.isoformat()
            self.engine.reschedule_timer(entry.workflow, timer.task_uuid, due_iso)
            self.engine.functions.ledger.record(
                due_iso,
                scripting.DeadlineCall(timer.start_at, timer.working_days, result.provisional),
            )
            audit.add(
                "timer_rescheduled",
                actor.name,
                now,
                case.id,
                task=timer.task_uuid,
                old_due_at=timer.due_at.isoformat(),
                due_at=due_iso,
                provisional=result.provisional,
            )
            session.execute(
                update(HumanTask)
                .where(
                    HumanTask.case_id == case.id,
                    HumanTask.state.in_(OPEN_STATES),
                    HumanTask.due_at == timer.due_at,
                )
                .values(due_at=result.due_at, due_provisional=result.provisional)
            )
            timer.due_at, timer.provisional = result.due_at, result.provisional
            self.store.save(session, case, entry, audit, now)
            audit.flush(session)
        self.workflows.put(case.id, entry)
        return 1

    def _recompute_case_deadlines(self, case_id: int) -> None:
        with self.db.transaction() as session:
            case = read_case(session, case_id)
            if case is None or case.accepted_at is None:
                return
            set_bundle_deadlines(case, self.engine.functions)
            if case._dirty and not case_rows.update_case(
                session.connection(),
                case.id,
                case.version,
                {**case._dirty, "version": case.version + 1},
            ):
                raise Conflict("案件已被他人更新，请刷新后重试")
