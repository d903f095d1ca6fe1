"""Instance state in parts: the top workflow and each subprocess separately, specs never included.

Writing only the parts that changed is what keeps persistence cheap: completing a task in the
medical transfer rewrites the medical subprocess, not the whole bundle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import orjson
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.serializer.task_spec import SubWorkflowTaskConverter
from SpiffWorkflow.task import Task

from . import timers
from .participant import Participant

registry = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
timers.register(registry)  # stored timers come back reading the runtime's clock
SubWorkflowTaskConverter(Participant, registry)  # composed specs are diffed (migrate)
_workflow_converter = BpmnWorkflowConverter(BpmnWorkflow, registry)

TOP = "top"


def spec_to_dict(spec: Any) -> dict[str, Any]:
    result: dict[str, Any] = registry.convert(spec)
    return result


def spec_from_dict(dct: dict[str, Any]) -> Any:
    return registry.restore(dct)


def dumps(value: Any) -> bytes:
    return orjson.dumps(value)


def loads(raw: bytes) -> Any:
    return orjson.loads(raw)


def fingerprint(workflow: Any) -> tuple[int, float, int, bool]:
    """Cheap change detector: any task state change moves a timestamp and the sums with it."""
    tasks = workflow.tasks.values()
    # `_state` is what Task.state reads; the property costs a call per task on every save.
    return (
        len(workflow.tasks),
        sum(task.last_state_change for task in tasks),
        sum(task._state for task in tasks),
        bool(workflow.completed),
    )


class TaskDicts:
    """Converted tasks of one workflow, reused while a task is unchanged.

    A task's serialized form depends on its own state, stamp and children and on its parent's
    data (it is stored as a delta); all of those are compared below before a task is reused.
    Entries are keyed by the task object: UUID hashing is a Python-level call, and this loop
    visits every task of a changed part on every save."""

    def __init__(self) -> None:
        # task -> [stamp, state, parent id, parent task, parent stamp, children, dict, str(id)]
        self._items: dict[Any, list[Any]] = {}
        self._names: dict[Any, str] = {}  # task id -> str(id): UUID.__str__ is slow

    def name(self, task_id: Any) -> str:
        found = self._names.get(task_id)
        if found is None:
            found = self._names[task_id] = str(task_id)
        return found

    def convert(self, part: Any) -> dict[str, Any]:
        items = self._items
        tasks = part.tasks
        result: dict[str, Any] = {}
        for task in tasks.values():
            hit = items.get(task)
            if (
                hit is None
                or hit[0] != task.last_state_change
                or hit[1] != task._state
                or hit[2] is not task._parent
                or (hit[3] is not None and hit[4] != hit[3].last_state_change)
                or hit[5] != task._children  # list equality: identical ids compare by identity
            ):
                parent_id = task._parent
                parent = tasks.get(parent_id) if parent_id is not None else None
                hit = items[task] = [
                    task.last_state_change,
                    task._state,
                    parent_id,
                    parent,
                    parent.last_state_change if parent is not None else None,
                    list(task._children),
                    task_dict(task, parent, self.name),
                    self.name(task.id),
                ]
            result[hit[7]] = hit[6]
        return result


_TASK_TYPENAME = registry.typenames[Task]


def task_dict(task: Any, parent: Any, name: Callable[[Any], str] = str) -> dict[str, Any]:
    """What SpiffWorkflow's TaskConverter.to_dict gives (checked byte for byte by a test),
    without the registry's dispatch: this runs for every changed task on every save.
    `parent` is the parent task in the same workflow, or None; `name` turns a task id into
    its string."""
    if parent is None:
        data, delta = task.data, {}
    else:
        before, after = parent.data, task.data
        data = {}
        delta = {
            "updates": {k: v for k, v in after.items() if k not in before or v != before[k]},
            "deletions": [k for k in before if k not in after],
        }
    internal = task.internal_data
    return {
        "id": name(task.id),
        "parent": name(task._parent) if parent is not None else None,
        "children": [name(child) for child in task._children],
        "last_state_change": task.last_state_change,
        "state": task._state,
        "task_spec": task.task_spec.name,
        "triggered": task.triggered,
        "internal_data": registry.convert(internal) if internal else {},
        "data": data,
        "delta": delta,
        "typename": _TASK_TYPENAME,
    }


def _workflow_fields(workflow: Any, tasks: dict[str, Any]) -> dict[str, Any]:
    # Mirrors SpiffWorkflow's WorkflowConverter.to_dict, with the tasks supplied.
    return {
        "data": registry.convert(registry.clean(workflow.data)),
        "correlations": workflow.correlations,
        "last_task": str(workflow.last_task.id) if workflow.last_task is not None else None,
        "success": workflow.success,
        "completed": workflow.completed,
        "tasks": tasks,
        "root": str(workflow.task_tree.id),
    }


def dump_top(workflow: BpmnWorkflow, cache: TaskDicts | None = None) -> dict[str, Any]:
    # Instance fields only: the specs are stored once per deployed version.
    tasks = (cache or TaskDicts()).convert(workflow)
    dct = _workflow_fields(workflow, tasks)
    dct["bpmn_events"] = registry.convert(workflow.bpmn_events)
    return dct


def dump_part(subprocess: Any, cache: TaskDicts | None = None) -> dict[str, Any]:
    tasks = (cache or TaskDicts()).convert(subprocess)
    dct = _workflow_fields(subprocess, tasks)
    dct["parent_task_id"] = str(subprocess.parent_task_id)
    dct["spec"] = subprocess.spec.name
    dct["typename"] = registry.typenames[subprocess.__class__]
    return dct


def dump_changed(
    workflow: BpmnWorkflow,
    previous: dict[str, tuple[int, float, int, bool]],
    cache: TaskDicts | None = None,
) -> tuple[dict[str, bytes], list[str], dict[str, tuple[int, float, int, bool]]]:
    """Serialized parts that changed since `previous` fingerprints, removed part keys, new prints."""
    cache = cache or TaskDicts()
    prints: dict[str, tuple[int, float, int, bool]] = {}
    changed: dict[str, bytes] = {}
    top_print = fingerprint(workflow)
    prints[TOP] = top_print
    if previous.get(TOP) != top_print or not previous:
        changed[TOP] = dumps(dump_top(workflow, cache))
    for key, subprocess in workflow.subprocesses.items():
        part_key = str(key)
        part_print = fingerprint(subprocess)
        prints[part_key] = part_print
        if previous.get(part_key) != part_print:
            changed[part_key] = dumps(dump_part(subprocess, cache))
    removed = [key for key in previous if key not in prints]
    return changed, removed, prints


def restore(
    spec: Any, subprocess_specs: dict[str, Any], top: dict[str, Any], parts: dict[str, Any]
) -> BpmnWorkflow:
    """Rebuild a workflow from its parts around already-restored (shared, read-only) specs."""
    workflow = BpmnWorkflow(spec, subprocess_specs, deserializing=True)
    conv = _workflow_converter
    workflow.tasks = conv.mapping_from_dict(top["tasks"], UUID, workflow=workflow)
    workflow.task_tree = workflow.tasks.get(UUID(top["root"]))
    conv.set_default_attributes(workflow, dict(top))
    conv.subprocesses_from_dict(dict(parts), workflow)
    workflow.bpmn_events = registry.restore(top.get("bpmn_events", []))
    return workflow
