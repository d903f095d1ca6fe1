"""One replay run: re-applies a case's recorded inputs step by step and compares the states."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson

from app.engine import migrate as engine_migrate
from app.engine.host import Engine, EngineError
from app.engine.trace import trace
from app.features.audit.replay_records import (
    STATE_KEY,
    CaseHistory,
    Divergence,
    RecordedEvent,
    ReplayResult,
    ReplayStep,
    Snapshot,
)
from app.features.cases.letters import catch
from app.kernel.errors import ValidationFailed

if TYPE_CHECKING:
    from app.features.audit.replay import Replayer


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
        if event.kind == "letter_received":
            return self._letter(event)
        return ("unknown_step", "a known step kind", event.kind, "")

    def _specs(self, top_id: Any, pinned: Any, out_only: bool = False) -> Any:
        with self.replayer.db.sessions() as session:
            return self.replayer.specs.spec_set(session, int(top_id), dict(pinned), out_only)

    def _letter(self, event: RecordedEvent) -> tuple[str, str, str, str] | None:
        """A letter from another deployment, delivered again from the kept copy."""
        recorded = str(event.data.get("input_sha256", ""))
        letter = self.history.letters.get(recorded)
        if letter is None:
            return ("missing_input", f"letter sha256 {recorded[:16]}", "none", "")
        return self._catch(letter)

    def _catch(self, letter: dict[str, Any]) -> tuple[str, str, str, str] | None:
        try:
            catch(self.engine.deliver, self.workflow, letter, ValueError)
        except ValueError as exc:
            return ("letter_refused", str(letter.get("message")), "refused", str(exc))
        return None

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
        by_letter = bool(event.data.get("letter"))  # a transfer-out case a letter opened
        try:
            specs = self._specs(self.history.top_version_id, self.history.pinned, by_letter)
        except Exception as exc:  # noqa: BLE001 - a missing row is a divergence, not a crash
            return ("version_missing", str(self.history.pinned), "none", str(exc)[:200])
        if by_letter:
            self.workflow = self.engine.new_out_workflow(specs)
            return self._catch(dict(data.get("letter") or {}))
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
