"""Runs a workflow's engine steps as SpiffWorkflow does, skipping the parts with nothing to run."""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

_READY = TaskState.READY


def do_engine_steps(workflow: BpmnWorkflow) -> None:
    """`BpmnWorkflow.do_engine_steps`, in the same order with the same effects.

    SpiffWorkflow finds the tasks to run by walking a part's task tree (and every active
    subprocess below it) for READY tasks, and repeats the walks until a pass runs nothing:
    ≈ 10 walks of the bundle's five parts per completion, most of them finding nothing. A
    flat look at the tasks of the part and of every deeper part (a superset of what the walk
    visits) says when a walk cannot find anything; only then is it skipped, so whenever
    there is work the walk itself still picks the tasks and their order."""
    while _pass(workflow):
        pass
    workflow.refresh_timers()


def _pass(workflow: BpmnWorkflow) -> bool:
    active = workflow.get_active_subprocesses()
    for subprocess in sorted(active, key=lambda part: part.depth, reverse=True):
        while _run_ready(workflow, subprocess):
            pass
        if subprocess.parent_task_id is not None:
            task = workflow.get_task_from_id(subprocess.parent_task_id)
            task.task_spec._update(task)
    count = _run_ready(workflow, workflow)
    return count > 0 or len(workflow.get_active_subprocesses()) > len(active)


def _run_ready(workflow: BpmnWorkflow, part: Any) -> int:
    if not _may_have_work(workflow, part):
        return 0
    count = 0
    for task in part.get_tasks(state=_READY):
        if not task.task_spec.manual:
            task.run()
            count += 1
    return count


def _may_have_work(workflow: BpmnWorkflow, part: Any) -> bool:
    """Whether a READY task no person must complete is in `part` or any deeper part: the
    walk from `part` visits only its own tasks and its descendants' (all deeper)."""
    depth = part.depth
    parts = [part, *(sp for sp in workflow.subprocesses.values() if sp.depth > depth)]
    for each in parts:
        for task in each.tasks.values():
            if task._state == _READY and not task.task_spec.manual:
                return True
    return False
