"""Deterministic replay (contracts §7): re-run a case from its recorded inputs on its pinned
process versions, with the clock at each recorded instant, and compare every recorded state."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from sqlalchemy import select

from app.engine.host import Engine
from app.engine.scripting import ScriptFunctions
from app.features.audit.replay_calendar import CALENDAR_KIND, CalendarHistory, _ReplayOverrides
from app.features.audit.replay_records import CaseHistory, RecordedEvent, ReplayResult
from app.features.audit.replay_run import _Run, input_sha256
from app.features.cases.letters import LETTER_INPUT
from app.features.cases.service import TaskHook
from app.kernel.clock import Clock
from app.kernel.errors import NotFound
from app.kernel.workdays import WorkingCalendar
from app.store.models import AuditEvent, Case, CaseInput, ProcessVersion


class Replayer:
    """Loads a case's history and re-executes it with the services' own engine and hooks."""

    def __init__(self, backoffice: Any) -> None:
        self.db = backoffice.db
        self.engine: Engine = backoffice.engine
        self.specs = backoffice.specs
        self.hooks: dict[tuple[str, str], TaskHook] = backoffice.cases.task_hooks
        self.live_calendar = backoffice.overrides

    # -- loading -------------------------------------------------------------------------
    def load(self, number: str) -> CaseHistory:
        with self.db.sessions() as session:
            case = session.execute(select(Case).where(Case.number == number)).scalar_one_or_none()
            if case is None:
                raise NotFound(f"案件 {number} 不存在")
            start = session.execute(
                select(CaseInput.data)
                .where(CaseInput.case_id == case.id, CaseInput.kind == "start")
                .order_by(CaseInput.id)
                .limit(1)
            ).scalar_one_or_none()
            letters = {
                input_sha256(data): data
                for (data,) in session.execute(
                    select(CaseInput.data).where(
                        CaseInput.case_id == case.id, CaseInput.kind == LETTER_INPUT
                    )
                )
            }
            rows = session.execute(
                select(AuditEvent).where(AuditEvent.case_id == case.id).order_by(AuditEvent.seq)
            ).scalars()
            events = [RecordedEvent(r.seq, r.kind, r.actor, r.at, dict(r.data)) for r in rows]
            top_id, pinned = case.process_version_id, dict(case.pinned)
            created = next((e for e in events if e.kind == "case_created"), None)
            if created is not None and "version" in created.data:
                # The chained event, not the (mutable) case row, says what the case ran on.
                top_id = session.execute(
                    select(ProcessVersion.id).where(
                        ProcessVersion.process_id == created.data["process"],
                        ProcessVersion.version == created.data["version"],
                    )
                ).scalar_one_or_none()
                pinned = dict(created.data.get("pinned", pinned))
        return CaseHistory(case.id, case.number, top_id, pinned, start, events, letters)

    def case_numbers(self, after_id: int = 0, batch: int = 500) -> Iterator[str]:
        """Every case number, oldest first, read in batches (never all rows at once)."""
        while True:
            with self.db.sessions() as session:
                rows = session.execute(
                    select(Case.id, Case.number)
                    .where(Case.id > after_id)
                    .order_by(Case.id)
                    .limit(batch)
                ).all()
            if not rows:
                return
            for case_id, number in rows:
                after_id = case_id
                yield number

    # -- replaying -----------------------------------------------------------------------
    def replay(self, number: str, *, snapshots: bool = False) -> ReplayResult:
        return self.replay_history(self.load(number), snapshots=snapshots)

    def replay_all(self) -> Iterator[ReplayResult]:
        for number in self.case_numbers():
            yield self.replay(number)

    def replay_history(self, history: CaseHistory, *, snapshots: bool = False) -> ReplayResult:
        first = next((e.seq for e in history.events if e.is_step), 0)
        # The replay's own clock, set to each recorded instant: no other thread's time moves.
        replay_clock = Clock()
        engine, set_calendar = self.calendar(first, replay_clock)
        run = _Run(self, history, snapshots, engine)

        def at(event: RecordedEvent) -> None:
            replay_clock.freeze(event.at)
            set_calendar(event.seq)

        run.execute(at)
        return run.result

    def calendar_history(self) -> CalendarHistory:
        with self.db.sessions() as session:
            rows = session.execute(
                select(AuditEvent.seq, AuditEvent.data)
                .where(AuditEvent.kind == CALENDAR_KIND)
                .order_by(AuditEvent.seq)
            ).all()
        changes = []
        for seq, data in rows:
            try:
                day = date.fromisoformat(str(data.get("day")))
            except ValueError:
                continue
            old = data.get("old")
            changes.append((seq, day, old if isinstance(old, bool) else None))
        return CalendarHistory(dict(self.live_calendar.overrides()), changes)

    def calendar(self, first_seq: int, clock: Clock) -> tuple[Engine, Callable[[int], None]]:
        """The engine to replay with, and how to put its calendar at each step's overrides.

        A schedule published after a case started (a new year's holidays) would otherwise
        move that case's recorded deadlines. Such a case replays on an engine of its own,
        whose calendar instance follows the overrides in force at each recorded event; the
        runtime's calendar (and every other thread's deadlines) is never touched."""
        history = self.calendar_history()
        live = self.engine.functions
        if not history.changes_after(first_seq):
            functions = ScriptFunctions(live.calendar, live.limits, clock)
            return Engine(functions, self.engine.deliver_locally), lambda _seq: None
        overrides = _ReplayOverrides(history.current)
        calendar = WorkingCalendar(overrides)
        engine = Engine(ScriptFunctions(calendar, live.limits, clock), self.engine.deliver_locally)

        def set_calendar(seq: int) -> None:
            wanted = history.before(seq)
            if overrides.use(wanted if wanted is not None else history.current):
                calendar.invalidate_cache()

        return engine, set_calendar
