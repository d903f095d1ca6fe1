"""Runs workflows: compose specs of a pinned version set, step, complete tasks, fire timers."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from SpiffWorkflow.bpmn.script_engine import TaskDataEnvironment
from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from . import collaboration, scripting, state, stepping
from .parts import owner
from .timers import ClockedScriptEngine


class EngineError(Exception):
    """A diagram failed at run time (bad expression, missing variable); the case is unchanged."""


@dataclass(frozen=True)
class ReadyUserTask:
    """A user task waiting for a person: everything the worklist row needs."""

    uuid: str
    process_id: str
    spec_name: str
    title: str
    lane: str | None
    form: str | None
    out_side: bool = False  # in a transfer-out participant: the transfer-out region works it


@dataclass(frozen=True)
class WaitingTimer:
    """A timer event armed in the workflow."""

    uuid: str
    spec_name: str
    label: str
    due_at: datetime
    start_at: datetime | None
    working_days: int | None
    provisional: bool


@dataclass
class SpecSet:
    """Restored, read-only specs for one pinned combination of process versions."""

    top: Any
    subprocess_specs: dict[str, Any]


def load_spec_payload(raw: bytes) -> tuple[Any, dict[str, Any]]:
    payload = state.loads(raw)
    spec = state.spec_from_dict(payload["spec"])
    embedded = {name: state.spec_from_dict(d) for name, d in payload["embedded"].items()}
    return spec, embedded


class Engine:
    """Stateless apart from its script engine; workflows are passed in and out.

    `functions` are the diagram functions of one runtime (its calendar and limits table):
    each Backoffice and each replay that needs another calendar builds its own Engine."""

    def __init__(
        self,
        functions: scripting.ScriptFunctions,
        deliver_locally: collaboration.DeliverLocally | None = None,
    ) -> None:
        self.functions = functions
        self.script_engine = ClockedScriptEngine(
            TaskDataEnvironment(functions.environment()), functions.clock
        )
        # None: every message is for a participant in the same workflow (one deployment).
        self.deliver_locally = deliver_locally

    # -- creating and restoring ---------------------------------------------------------
    def new_workflow(self, specs: SpecSet, data: dict[str, Any]) -> BpmnWorkflow:
        workflow = BpmnWorkflow(specs.top, specs.subprocess_specs, script_engine=self.script_engine)
        start = workflow.task_tree
        start.data.update(data)
        # The start task's children inherit its data when they become ready.
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(data)
        self._route(workflow)
        return workflow

    @staticmethod
    def out_specs(specs: SpecSet) -> SpecSet:
        """The specs of a workflow of only the transfer-out participants (create, restore)."""
        return SpecSet(collaboration.out_only(specs.subprocess_specs), specs.subprocess_specs)

    def new_out_workflow(self, specs: SpecSet) -> BpmnWorkflow:
        """Only the transfer-out participants of a pinned set, each started by its letter
        (`deliver`): what a transfer-out agency's own deployment runs for a transfer."""
        out = self.out_specs(specs)
        workflow = BpmnWorkflow(out.top, out.subprocess_specs, script_engine=self.script_engine)
        self._route(workflow)
        return workflow

    def restore(self, specs: SpecSet, top: dict[str, Any], parts: dict[str, Any]) -> BpmnWorkflow:
        workflow = state.restore(specs.top, specs.subprocess_specs, top, parts)
        # The script engine is not serialized: re-attach it after loading.
        workflow.script_engine = self.script_engine
        self._route(workflow)
        return workflow

    def _route(self, workflow: BpmnWorkflow) -> None:
        collaboration.attach(workflow, self.deliver_locally)

    # -- letters between deployments ----------------------------------------------------
    take_outgoing = staticmethod(collaboration.take_outgoing)  # thrown for elsewhere, once

    def deliver(self, workflow: BpmnWorkflow, name: str, payload: Any, correlations: Any) -> None:
        """Catch a message from elsewhere, then step; NotAwaited (409) if nothing waits for it."""
        collaboration.deliver(workflow, name, payload, correlations)
        self.run(workflow)

    # -- running -------------------------------------------------------------------------
    def run(self, workflow: BpmnWorkflow) -> None:
        """Step until only people or timers can move the workflow on."""
        # do_engine_steps refreshes timers only at its end, and a timer that fires there turns
        # READY and leaves the event manager without being run. Record what leaves it, and
        # step again while any of those is ready (scanning every task instead costs more).
        manager = workflow.event_manager
        left: list[Any] = []
        original = manager.remove_task

        def remove_task(task: Any) -> None:
            left.append(task)
            original(task)

        manager.remove_task = remove_task
        try:
            for _ in range(100):
                left.clear()
                stepping.do_engine_steps(workflow)
                if not any(task.state == TaskState.READY for task in left):
                    return
            raise EngineError("workflow did not settle after 100 rounds (a loop without a wait?)")
        except SpiffWorkflowException as exc:
            raise EngineError(_describe(exc)) from exc
        except (NameError, TypeError, ValueError, KeyError) as exc:
            raise EngineError(str(exc)) from exc
        finally:
            del manager.remove_task

    def complete_user_task(
        self, workflow: BpmnWorkflow, task_uuid: str, data: dict[str, Any]
    ) -> None:
        task = _find(workflow, task_uuid)
        if task is None or task.state != TaskState.READY or not task.task_spec.manual:
            raise KeyError(task_uuid)
        task.data.update(data)
        try:
            task.run()
        except SpiffWorkflowException as exc:
            raise EngineError(_describe(exc)) from exc
        self.run(workflow)

    # -- reading -------------------------------------------------------------------------
    @staticmethod
    def ready_user_tasks(workflow: BpmnWorkflow) -> list[ReadyUserTask]:
        result = []
        for part in [workflow, *workflow.subprocesses.values()]:
            result.extend(Engine.ready_user_tasks_in(part))
        return result

    @staticmethod
    def ready_user_tasks_in(part: Any) -> list[ReadyUserTask]:
        """Ready user tasks of one part (the top workflow or one subprocess) only."""
        result = []
        part_owner = None
        # part.tasks holds only this part's own tasks (get_tasks would descend into
        # subprocesses and report their tasks twice). `_state` is what the `state` property
        # returns: this runs over every task of each changed part on every save.
        for task in part.tasks.values():
            spec = task.task_spec
            if task._state != _READY or not spec.manual:
                continue
            props = (getattr(spec, "extensions", None) or {}).get("properties", {})
            part_owner = part_owner or owner(part)
            result.append(
                ReadyUserTask(
                    uuid=str(task.id),
                    process_id=part_owner.process_id,
                    spec_name=spec.name,
                    title=spec.bpmn_name or spec.name,
                    lane=spec.lane,
                    form=props.get("formJsonSchemaFilename"),
                    out_side=part_owner.out_side,
                )
            )
        return result

    def waiting_timers(self, workflow: BpmnWorkflow) -> list[WaitingTimer]:
        result = []
        for task in workflow.event_manager.tasks.values():
            definition = getattr(task.task_spec, "event_definition", None)
            if not isinstance(definition, TimerEventDefinition):
                continue
            if task._state != _WAITING:
                continue
            value = task._get_internal_data("event_value")
            if not isinstance(value, str):
                continue
            due = TimerEventDefinition.get_datetime(value)
            call = self.functions.ledger.lookup(value)
            result.append(
                WaitingTimer(
                    uuid=str(task.id),
                    spec_name=task.task_spec.name,
                    label=task.task_spec.bpmn_name or definition.name or task.task_spec.name,
                    due_at=due,
                    start_at=call.start if call else None,
                    working_days=call.working_days if call else None,
                    provisional=call.provisional if call else False,
                )
            )
        return result

    @staticmethod
    def boundary_owner(workflow: BpmnWorkflow, timer_uuid: str) -> str | None:
        """The activity a boundary timer guards (its sibling under the boundary split)."""
        task = _find(workflow, timer_uuid)
        parent = task.parent if task is not None else None
        if parent is None or not isinstance(parent.task_spec, BoundaryEventSplit):
            return None
        for sibling in parent.children:
            if sibling is not task and not isinstance(sibling.task_spec, BoundaryEvent):
                return str(sibling.id)
        return None

    @staticmethod
    def timer_fired(workflow: BpmnWorkflow, timer_uuid: str) -> bool:
        task = _find(workflow, timer_uuid)
        return task is not None and task.state in (TaskState.READY, TaskState.COMPLETED)

    @staticmethod
    def reschedule_timer(workflow: BpmnWorkflow, task_uuid: str, due_iso: str) -> None:
        """Move an armed timer (a provisional deadline recomputed once its year is loaded)."""
        task = _find(workflow, task_uuid)
        if task is None:
            return
        task._set_internal_data(event_value=due_iso)
        # Mark the task (and so its part) changed, as a state change would: a tiny bump could
        # vanish in the part's fingerprint (a float sum of stamps).
        task.last_state_change = max(time.time(), task.last_state_change + 1e-3)

    @staticmethod
    def logical_state(workflow: BpmnWorkflow) -> str:
        """A hash of where the tokens are and what the ready tasks hold: independent of task
        ids and wall-clock stamps, so a replay of the same inputs reproduces it exactly."""
        parts = [workflow, *workflow.subprocesses.values()]
        return Engine.state_hash(item for part in parts for item in Engine.logical_items(part))

    @staticmethod
    def logical_items(part: Any) -> list[tuple[str, ...]]:
        """One part's share of `logical_state` (a caller may keep it while the part is unchanged)."""
        process = owner(part).process_id
        items: list[tuple[str, ...]] = []
        for task in part.tasks.values():
            name = _LIVE_STATE_NAMES.get(task._state)
            if name is None:
                continue
            data = ""
            if task._state == _READY:
                data = hashlib.sha256(
                    orjson.dumps(task.data, option=orjson.OPT_SORT_KEYS, default=str)
                ).hexdigest()
            value = task._get_internal_data("event_value")
            items.append((process, task.task_spec.name, name, data, str(value or "")))
        return items

    @staticmethod
    def state_hash(items: Iterable[tuple[str, ...]]) -> str:
        return hashlib.sha256(orjson.dumps(sorted(items))).hexdigest()

    @staticmethod
    def task_data(workflow: BpmnWorkflow, task_uuid: str) -> dict[str, Any]:
        task = _find(workflow, task_uuid)
        return dict(task.data) if task is not None else {}

    @staticmethod
    def data(workflow: BpmnWorkflow) -> dict[str, Any]:
        """The case's current data: that of the most recently completed task in any part (the
        bundle sets `status` inside its embedded 办理 subprocess too), or the final data."""
        if workflow.completed:
            return dict(workflow.data)
        latest = None
        for part in collaboration.case_parts(workflow):
            last = part.last_task
            if last is not None and (
                latest is None or last.last_state_change > latest.last_state_change
            ):
                latest = last
        return dict(latest.data) if latest is not None else dict(workflow.task_tree.data)

    @staticmethod
    def assignments_since(
        workflow: BpmnWorkflow,
        stamp: float,
        names: tuple[str, ...],
        parts: Iterable[Any] | None = None,
    ) -> tuple[dict[str, Any], float]:
        """The latest value each named variable was *set* to by a task completed after `stamp`
        (a task sets a variable when its data differs from its parent's), and the new stamp.

        Reading the latest task's data instead would let a side path (an escalation branch that
        forked earlier) put an old value back. `parts` limits the search to the parts (top
        workflow, subprocesses) known to have changed since `stamp`."""
        found: dict[str, tuple[float, Any]] = {}
        newest = stamp
        if parts is None:
            parts = [workflow, *workflow.subprocesses.values()]
        for part in parts:
            for task in part.tasks.values():
                changed_at = task.last_state_change
                if changed_at > newest:
                    newest = changed_at
                if changed_at <= stamp or task._state != _COMPLETED:
                    continue
                parent_data = task.parent.data if task.parent is not None else {}
                for name in names:
                    value = task.data.get(name)
                    is_set = value is not None and value != parent_data.get(name)
                    if is_set and (name not in found or changed_at > found[name][0]):
                        found[name] = (changed_at, value)
        return {name: value for name, (_at, value) in found.items()}, newest

    @staticmethod
    def case_data(workflow: BpmnWorkflow) -> dict[str, Any]:
        """Everything the case's steps recorded so far: the top data, then each subprocess's
        (their keys are prefixed by insurance), with `status` from the latest step."""
        merged: dict[str, Any] = {}
        for part in [workflow, *workflow.subprocesses.values()]:
            last = part.last_task
            if last is not None:
                merged.update(last.data)
                # The last task may be on a side path (a limit's escalation forked before a
                # step): what the other completed tasks set stays, in the order they set it.
                merged.update(_assignments(part))
        if workflow.completed:
            merged.update(workflow.data)
        merged["status"] = Engine.data(workflow).get("status", merged.get("status"))
        return merged

    @staticmethod
    def task_process(workflow: BpmnWorkflow, task_uuid: str) -> str | None:
        """The deployed process a task belongs to (None when the task is gone)."""
        task = _find(workflow, task_uuid)
        return owner(task.workflow).process_id if task is not None else None


_READY, _WAITING, _COMPLETED = TaskState.READY, TaskState.WAITING, TaskState.COMPLETED


def _assignments(part: Any) -> dict[str, Any]:
    """Each variable's latest value as *set* by a completed task of one part (workflow or
    subprocess): a task sets a variable when its value differs from its parent task's."""
    completed = sorted(
        (t for t in part.tasks.values() if t._state == _COMPLETED and t.parent is not None),
        key=lambda t: t.last_state_change,
    )
    found: dict[str, Any] = {}
    for task in completed:
        parent_data = task.parent.data
        for name, value in task.data.items():
            if name not in parent_data or parent_data[name] != value:
                found[name] = value
    return found


# The states a token can rest in, with the names logical_state hashes.
_LIVE_STATE_NAMES = {
    state: TaskState.get_name(state)
    for state in (TaskState.READY, TaskState.WAITING, TaskState.STARTED)
}


def _find(workflow: BpmnWorkflow, uuid: str) -> Any:
    try:
        return workflow.get_task_from_id(UUID(uuid))
    except (SpiffWorkflowException, ValueError):
        return None


def _describe(exc: SpiffWorkflowException) -> str:
    task = getattr(exc, "task_spec", None) or getattr(exc, "task", None)
    where = f" at {getattr(task, 'name', task)}" if task is not None else ""
    return f"{exc}{where}"
