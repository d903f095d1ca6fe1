"""Deterministic replay (contracts §7): re-run a case from its recorded inputs on its pinned
process versions, with the clock at each recorded instant, and compare every recorded state."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy import select

from app.engine import migrate as engine_migrate
from app.engine.host import Engine, EngineError
from app.engine.scripting import ScriptFunctions
from app.engine.trace import trace
from app.features.cases.service import TaskHook
from app.kernel.clock import Clock
from app.kernel.errors import NotFound, ValidationFailed
from app.kernel.workdays import WorkingCalendar
from app.store.models import AuditEvent, Case, CaseInput, ProcessVersion

STATE_KEY = "state_hash"
CALENDAR_KIND = "calendar_override_changed"

# What each divergence reason means, for the CLI (English) and the auditor's page (Chinese).
REASONS: dict[str, tuple[str, str]] = {
    "state_mismatch": ("the state differs from the recorded state", "重放后的流程状态与记录不一致"),
    "task_not_ready": (
        "the recorded task is not ready in the replay",
        "记录中办理的任务在重放中并不处于待办状态",
    ),
    "timer_unknown": (
        "the rescheduled timer is not armed in the replay",
        "记录中重算的计时器在重放中不存在",
    ),
    "engine_error": ("the engine failed", "流程引擎执行出错"),
    "input_refused": (
        "the service's rules refuse the recorded input",
        "记录的办理数据不符合业务规则（记录被改动）",
    ),
    "input_mismatch": (
        "the stored start data does not match the sha256 recorded at creation",
        "保存的申请数据与创建时记录的摘要不一致（申请数据被改动）",
    ),
    "missing_input": ("the case has no stored start data", "缺少案件的申请数据"),
    "version_missing": ("a pinned process version is missing", "案件锁定的流程版本不存在"),
    "no_start": (
        "the history has no case_created step with a recorded state",
        "记录中没有带状态摘要的案件创建事件",
    ),
    "unexpected_start": ("a second case_created step", "出现第二个案件创建事件"),
    "unknown_step": ("replay cannot apply this kind of step", "重放无法执行此类事件"),
}


@dataclass(frozen=True)
class RecordedEvent:
    """One audit event of the case, as replay reads it (a plain copy of the row)."""

    seq: int
    kind: str
    actor: str
    at: datetime
    data: dict[str, Any]

    @property
    def is_step(self) -> bool:
        return STATE_KEY in self.data

    @property
    def label(self) -> str:
        """The task or timer the event is about: `process/task` or the timer's kind."""
        if "spec" in self.data:
            return f"{self.data.get('process', '')}/{self.data['spec']}"
        return str(self.data.get("kind") or self.data.get("process") or "")


@dataclass
class CaseHistory:
    """Everything replay reads: the start data, the pinned versions, the events in order."""

    case_id: int
    number: str
    top_version_id: int | None
    pinned: dict[str, int]
    start_data: dict[str, Any] | None
    events: list[RecordedEvent]


@dataclass(frozen=True)
class Snapshot:
    """The workflow after a step: tokens, path so far, data per process, armed timers."""

    tokens: list[dict[str, str]]
    visited: dict[str, list[str]]
    data: dict[str, dict[str, Any]]
    timers: list[dict[str, Any]]


@dataclass
class ReplayStep:
    number: int
    event: RecordedEvent
    expected: str
    actual: str
    snapshot: Snapshot | None = None

    @property
    def identical(self) -> bool:
        return self.expected == self.actual


@dataclass(frozen=True)
class Divergence:
    step: int
    seq: int
    kind: str
    label: str
    reason: str
    expected: str
    actual: str
    detail: str = ""

    def describe(self) -> str:
        text = REASONS.get(self.reason, (self.reason, self.reason))[0]
        if self.detail:
            text = f"{text}: {self.detail}"
        what = f"{self.kind} {self.label}".strip()
        return (
            f"diverged at step {self.step} (event {self.seq} {what}): {text}; "
            f"expected {self.expected}; actual {self.actual}"
        )

    def describe_zh(self) -> str:
        text = REASONS.get(self.reason, (self.reason, self.reason))[1]
        if self.detail:
            text = f"{text}：{self.detail}"
        return f"第 {self.step} 步（事件 #{self.seq}）出现偏差：{text}"


@dataclass
class ReplayResult:
    number: str
    steps: list[ReplayStep] = field(default_factory=list)
    divergence: Divergence | None = None

    @property
    def identical(self) -> bool:
        return self.divergence is None

    def line(self) -> str:
        if self.divergence is None:
            return f"identical {len(self.steps)} steps"
        return self.divergence.describe()


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
        return CaseHistory(case.id, case.number, top_id, pinned, start, events)

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
            return Engine(ScriptFunctions(live.calendar, live.limits, clock)), lambda _seq: None
        overrides = _ReplayOverrides(history.current)
        calendar = WorkingCalendar(overrides)
        engine = Engine(ScriptFunctions(calendar, live.limits, clock))

        def set_calendar(seq: int) -> None:
            wanted = history.before(seq)
            if overrides.use(wanted if wanted is not None else history.current):
                calendar.invalidate_cache()

        return engine, set_calendar


class _Run:
    """One replay: the workflow being rebuilt, and how recorded task/timer ids map onto it."""

    def __init__(
        self, replayer: Replayer, history: CaseHistory, snapshots: bool, engine: Engine
    ) -> None:
        self.replayer = replayer
        self.engine = engine
        self.history = history
        self.snapshots = snapshots
        self.result = ReplayResult(history.number)
        self.workflow: Any = None
        # Task and timer ids differ on replay: recorded id -> replay id, by process, spec, order.
        self.task_ids: dict[str, str] = {}
        self.timer_ids: dict[str, str] = {}
        self.known_tasks: set[str] = set()
        self.known_timers: set[str] = set()
        # What the recorded events say is open after each step (for a readable divergence).
        self.open_tasks: dict[str, str] = {}
        self.armed_timers: dict[str, str] = {}

    def execute(self, at: Callable[[RecordedEvent], None]) -> None:
        events = self.history.events
        starts = [i for i, e in enumerate(events) if e.is_step]
        if not starts or events[starts[0]].kind != "case_created":
            first = events[starts[0]] if starts else None
            self._diverge(1, first, "no_start", "case_created", first.kind if first else "none")
            return
        for number, index in enumerate(starts, start=1):
            event = events[index]
            following = starts[number] if number < len(starts) else len(events)
            at(event)
            try:
                problem = self._apply(number, event)
            except EngineError as exc:
                problem = ("engine_error", "a settled workflow", "an engine error", str(exc))
            if problem is not None:
                reason, expected, actual, detail = problem
                self._diverge(number, event, reason, expected, actual, detail)
                return
            self._book(events[index:following])
            actual_hash = self.engine.logical_state(self.workflow)
            step = ReplayStep(number, event, str(event.data[STATE_KEY]), actual_hash)
            if self.snapshots:
                step.snapshot = self._snapshot()
            self.result.steps.append(step)
            if not step.identical:
                expected, actual = self._summaries(step.expected, step.actual)
                self._diverge(number, event, "state_mismatch", expected, actual, add=False)
                return

    # -- applying one recorded input -----------------------------------------------------
    def _apply(self, number: int, event: RecordedEvent) -> tuple[str, str, str, str] | None:
        if event.kind == "case_created":
            return self._start(number, event)
        if self.workflow is None:
            return ("no_start", "case_created", event.kind, "")
        if event.kind == "task_completed":
            return self._complete(event)
        if event.kind == "timer_fired":
            # The scheduler ran the workflow at this instant; every timer due by then fires.
            self.engine.run(self.workflow)
            return None
        if event.kind == "timer_rescheduled":
            replay_id = self.timer_ids.get(str(event.data.get("task")))
            if replay_id is None:
                return ("timer_unknown", f"armed timer {event.data.get('task')}", "none", "")
            self.engine.reschedule_timer(self.workflow, replay_id, str(event.data["due_at"]))
            return None
        if event.kind == "case_migrated":
            return self._migrate(event)
        return ("unknown_step", "a known step kind", event.kind, "")

    def _specs(self, top_id: Any, pinned: Any) -> Any:
        with self.replayer.db.sessions() as session:
            return self.replayer.specs.spec_set(session, int(top_id), dict(pinned))

    def _migrate(self, event: RecordedEvent) -> tuple[str, str, str, str] | None:
        """Move the workflow onto the versions the case was migrated to, as the migration did."""
        top = (event.data.get("process_version_id") or {}).get("new")
        pinned = (event.data.get("pinned") or {}).get("new")
        try:
            specs = self._specs(top, pinned)
        except Exception as exc:  # noqa: BLE001 - a missing row is a divergence, not a crash
            return ("version_missing", f"version {top} {pinned}", "none", str(exc)[:200])
        try:
            engine_migrate.move(self.workflow, specs)
        except engine_migrate.UnsafeMigration as exc:
            return ("engine_error", "a safe migration", "refused", "; ".join(exc.reasons))
        self.engine.run(self.workflow)
        return None

    def _start(self, number: int, event: RecordedEvent) -> tuple[str, str, str, str] | None:
        if number != 1:
            return ("unexpected_start", "one case_created step", "another", "")
        data = self.history.start_data
        if data is None:
            return ("missing_input", "start data", "none", "")
        recorded = str(event.data.get("input_sha256", ""))
        actual = input_sha256(data)
        if recorded != actual:
            return ("input_mismatch", f"sha256 {recorded[:16]}", f"sha256 {actual[:16]}", "")
        if self.history.top_version_id is None:
            return ("version_missing", str(event.data.get("version")), "none", "")
        try:
            specs = self._specs(self.history.top_version_id, self.history.pinned)
        except Exception as exc:  # noqa: BLE001 - a missing row is a divergence, not a crash
            return ("version_missing", str(self.history.pinned), "none", str(exc)[:200])
        self.workflow = self.engine.new_workflow(specs, data)
        self.engine.run(self.workflow)
        return None

    def _complete(self, event: RecordedEvent) -> tuple[str, str, str, str] | None:
        process, spec = str(event.data.get("process")), str(event.data.get("spec"))
        ready = self.engine.ready_user_tasks(self.workflow)
        replay_id = self.task_ids.get(str(event.data.get("task")))
        if replay_id is None:
            replay_id = next(
                (t.uuid for t in ready if t.process_id == process and t.spec_name == spec), None
            )
        if replay_id is None or replay_id not in {t.uuid for t in ready}:
            names = sorted(f"{t.process_id}/{t.spec_name}" for t in ready)
            return ("task_not_ready", f"{process}/{spec} ready", f"ready {names}", "")
        form = dict(event.data.get("data") or {})
        submitted = dict(form)
        hook = self.replayer.hooks.get((process, spec))
        if hook is not None:
            # The same service hook as at the time (e.g. a new acceptance decision).
            before = self.engine.task_data(self.workflow, replay_id)
            try:
                submitted.update(hook(before, dict(form), event.at))
            except ValidationFailed as exc:  # a recorded input the rules now refuse: tampered
                detail = "; ".join(f"{e.field} {e.message}" for e in exc.errors)
                return ("input_refused", "an accepted input", "refused", detail)
        try:
            self.engine.complete_user_task(self.workflow, replay_id, submitted)
        except KeyError:
            return ("task_not_ready", f"{process}/{spec} ready", "not ready", "")
        return None

    # -- bookkeeping ---------------------------------------------------------------------
    def _book(self, group: list[RecordedEvent]) -> None:
        """Follow the recorded rows of this step, and pair new recorded ids with replay ids."""
        created: list[RecordedEvent] = []
        armed: list[RecordedEvent] = []
        for event in group:
            recorded = str(event.data.get("task", ""))
            if event.kind == "task_created":
                self.open_tasks[recorded] = event.label
                created.append(event)
            elif event.kind in ("task_completed", "task_closed"):
                self.open_tasks.pop(recorded, None)
            elif event.kind == "timer_armed":
                self.armed_timers[recorded] = str(event.data.get("kind", ""))
                armed.append(event)
            elif event.kind in ("timer_fired", "timer_cancelled"):
                self.armed_timers.pop(recorded, None)
        ready = self.engine.ready_user_tasks(self.workflow)
        new_tasks = [t for t in ready if t.uuid not in self.known_tasks]
        self.known_tasks.update(t.uuid for t in ready)
        for event in created:
            match = next(
                (
                    t
                    for t in new_tasks
                    if f"{t.process_id}/{t.spec_name}" == event.label
                    and t.uuid not in self.task_ids.values()
                ),
                None,
            )
            if match is not None:
                self.task_ids[str(event.data["task"])] = match.uuid
        waiting = self.engine.waiting_timers(self.workflow)
        new_timers = [t for t in waiting if t.uuid not in self.known_timers]
        self.known_timers.update(t.uuid for t in waiting)
        for event in armed:
            found = next(
                (
                    t
                    for t in new_timers
                    if t.spec_name == event.data.get("kind")
                    and t.uuid not in self.timer_ids.values()
                ),
                None,
            )
            if found is not None:
                self.timer_ids[str(event.data["task"])] = found.uuid

    def _summaries(self, expected_hash: str, actual_hash: str) -> tuple[str, str]:
        """Open tasks and armed timers as recorded vs as replayed, with the state hashes."""
        tasks = sorted(
            f"{t.process_id}/{t.spec_name}" for t in self.engine.ready_user_tasks(self.workflow)
        )
        timers = sorted(t.spec_name for t in self.engine.waiting_timers(self.workflow))
        expected = _summary(sorted(self.open_tasks.values()), sorted(self.armed_timers.values()))
        actual = _summary(tasks, timers)
        if expected == actual:
            # Same places: the difference is in the task data or a timer's due time.
            expected += " (same tasks and timers: task data or due times differ)"
        return f"{expected} state {expected_hash[:12]}", f"{actual} state {actual_hash[:12]}"

    def _snapshot(self) -> Snapshot:
        view = trace(self.workflow)
        timers = [
            {
                "element": t.spec_name,
                "label": t.label,
                "due_at": t.due_at.isoformat(),
                "provisional": t.provisional,
            }
            for t in sorted(self.engine.waiting_timers(self.workflow), key=lambda t: t.due_at)
        ]
        tokens = [
            {"process": t.process, "element": t.element, "name": t.name, "state": t.state}
            for t in view.tokens
        ]
        return Snapshot(tokens, view.visited, view.data, timers)

    def _diverge(
        self,
        number: int,
        event: RecordedEvent | None,
        reason: str,
        expected: str,
        actual: str,
        detail: str = "",
        *,
        add: bool = True,
    ) -> None:
        if event is not None and add:
            self.result.steps.append(ReplayStep(number, event, "", "-"))
        self.result.divergence = Divergence(
            number,
            event.seq if event else 0,
            event.kind if event else "",
            event.label if event else "",
            reason,
            expected,
            actual,
            detail,
        )


def _summary(tasks: list[str], timers: list[str]) -> str:
    return f"tasks [{', '.join(tasks)}] timers [{', '.join(timers)}]"


def input_sha256(data: Any) -> str:
    """The digest the case_created event holds for the start data (as case_rows computes it)."""
    return hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()


class CalendarHistory:
    """Working-day overrides over time: today's table, and every recorded change to it."""

    def __init__(self, current: dict[date, bool], changes: list[tuple[int, date, bool | None]]):
        self.current = current
        self.changes = changes  # (event seq, day, value before the change), oldest first

    def changes_after(self, seq: int) -> bool:
        return any(change[0] > seq for change in self.changes)

    def before(self, seq: int) -> dict[date, bool] | None:
        """The overrides in force when event `seq` was recorded (None: the same as today's)."""
        later = [change for change in self.changes if change[0] > seq]
        if not later:
            return None
        mapping = dict(self.current)
        for _seq, day, old in reversed(later):
            if old is None:
                mapping.pop(day, None)
            else:
                mapping[day] = old
        return None if mapping == self.current else mapping


class _ReplayOverrides:
    """The overrides one replay's calendar reads; set to those in force at each step."""

    def __init__(self, days: dict[date, bool]) -> None:
        self.days = days

    def use(self, days: dict[date, bool]) -> bool:
        """Switch to `days`; True when that changed anything (the calendar must forget)."""
        if days == self.days:
            return False
        self.days = days
        return True

    def overrides(self) -> dict[date, bool]:
        return self.days
