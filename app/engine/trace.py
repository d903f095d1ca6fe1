"""Read-only views of a workflow for auditors: live tokens, visited flow nodes, data per process."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.util.task import TaskState

_LIVE = (TaskState.READY, TaskState.WAITING, TaskState.STARTED)


@dataclass(frozen=True)
class Token:
    """Where the workflow stands: a flow node that is ready, waiting or running."""

    process: str
    element: str  # the BPMN element id (what the diagram calls it)
    name: str
    state: str  # READY | WAITING | STARTED


@dataclass
class Trace:
    tokens: list[Token] = field(default_factory=list)
    # process id -> BPMN element ids completed so far (sorted; for highlighting the path taken)
    visited: dict[str, list[str]] = field(default_factory=dict)
    # process id -> that part's current data (the bundle and each insurance's transfer)
    data: dict[str, dict[str, Any]] = field(default_factory=dict)


def trace(workflow: Any) -> Trace:
    """Tokens, visited elements and data of the top workflow and every subprocess.

    Spiff's own bookkeeping specs (Start, End, joins of boundary events) carry no BPMN id and
    are left out: only what the diagram shows is reported."""
    result = Trace()
    for part in [workflow, *workflow.subprocesses.values()]:
        process = str(part.spec.name)
        visited: set[str] = set(result.visited.get(process, []))
        for task in part.tasks.values():
            element = getattr(task.task_spec, "bpmn_id", None)
            if not element:
                continue
            if task.state == TaskState.COMPLETED:
                visited.add(element)
            elif task.state in _LIVE:
                result.tokens.append(
                    Token(
                        process,
                        element,
                        task.task_spec.bpmn_name or element,
                        TaskState.get_name(task.state),
                    )
                )
        result.visited[process] = sorted(visited)
        # A process entered twice (a loop around a call) shows its latest instance's data.
        result.data[process] = _part_data(part)
    result.tokens.sort(key=lambda t: (t.process, t.element, t.state))
    return result


def _part_data(part: Any) -> dict[str, Any]:
    if part.completed:
        return dict(part.data)
    last = part.last_task
    return dict(last.data) if last is not None else dict(part.task_tree.data)
