"""Moves a loaded workflow onto other versions of its specs with SpiffWorkflow's own diff tools.

`SpecDiff` aligns the old and new task specs (by BPMN id, then by structure), `WorkflowDiff`
tells which tasks of this instance sit on removed or changed specs, and `migrate_workflow`
swaps the specs and re-predicts the ready and waiting branches (timers are re-evaluated).
What SpiffWorkflow allows but a case cannot survive is refused here, with the reason.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from . import state
from .host import SpecSet
from .participant import Participant

LIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED
PREDICTED = TaskState.PREDICTED_MASK


class UnsafeMigration(Exception):
    """The workflow cannot be moved; `reasons` says why, one line per element."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def _label(spec: Any) -> str:
    name = getattr(spec, "bpmn_name", None)
    return f"「{name}」（{spec.name}）" if name else f"「{spec.name}」"


def _state(task: Any) -> str:
    return str(TaskState.get_name(task.state))


def move(workflow: Any, new_specs: SpecSet) -> None:
    """Put the workflow and every subprocess whose spec differs onto new_specs, in place.

    Raises UnsafeMigration before touching anything when a part cannot move."""
    reasons: list[str] = []
    parts: list[tuple[Any, Any]] = []
    if new_specs.top is not workflow.spec:
        parts.append((workflow, new_specs.top))
    for sub in workflow.subprocesses.values():
        new_spec = new_specs.subprocess_specs.get(sub.spec.name)
        if new_spec is None:
            reasons.append(f"子流程 {sub.spec.name} 在新版本中不存在")
        elif new_spec is not sub.spec:
            parts.append((sub, new_spec))
    diffs = []
    for part, new_spec in parts:
        spec_diff = SpecDiff(state.registry, part.spec, new_spec)
        for name, task_spec in part.spec.task_specs.items():
            # A composed top's participants hang off no output, so SpecDiff's walk misses them.
            if isinstance(task_spec, Participant) and name in new_spec.task_specs:
                spec_diff.alignment.setdefault(task_spec, new_spec.task_specs[name])
        workflow_diff = WorkflowDiff(part, spec_diff)
        reasons.extend(_unsafe(part.spec.name, spec_diff, workflow_diff))
        diffs.append((part, new_spec, workflow_diff))
    if reasons:
        raise UnsafeMigration(reasons)
    workflow.subprocess_specs = new_specs.subprocess_specs
    for part, new_spec, workflow_diff in diffs:
        migrate_workflow(workflow_diff, part, new_spec)
    # Predicted tasks outside the re-predicted branches still name their old specs.
    for part, new_spec, _ in diffs:
        for task in part.tasks.values():
            if new_spec.task_specs.get(task.task_spec.name) is not task.task_spec:
                reasons.append(
                    f"{part.spec.name}：环节{_label(task.task_spec)}在新版本中已删除，"
                    f"迁移后仍留在流程中（{_state(task)}）"
                )
    if reasons:
        raise UnsafeMigration(reasons)


def _unsafe(process: str, spec_diff: Any, workflow_diff: Any) -> list[str]:
    reasons = []
    for task in workflow_diff.removed:
        if task.has_state(LIVE):
            reasons.append(
                f"{process}：环节{_label(task.task_spec)}在新版本中已删除，"
                f"而本案件在该环节仍有进行中的令牌（{_state(task)}）"
            )
        elif not task.has_state(PREDICTED):
            # The stored state names each task's spec: a removed one could not be restored.
            reasons.append(
                f"{process}：已办理的环节{_label(task.task_spec)}在新版本中已删除，"
                "迁移后无法保留其办理记录"
            )
    for task in workflow_diff.changed:
        if not task.has_state(LIVE):
            continue
        new_spec = workflow_diff.alignment.get(task)
        if "typename" in spec_diff.changed.get(task.task_spec, []):
            reasons.append(f"{process}：进行中的环节{_label(task.task_spec)}在新版本中类型已改变")
        elif (
            task.task_spec.manual and new_spec is not None and task.task_spec.lane != new_spec.lane
        ):
            reasons.append(
                f"{process}：进行中的任务{_label(task.task_spec)}的办理岗位由 "
                f"{task.task_spec.lane} 改为 {new_spec.lane}，请先办结该任务再迁移"
            )
    return reasons


def round_trip(workflow: Any, specs: SpecSet) -> None:
    """The migrated state must restore against the new specs, or the case could never load."""
    top = state.loads(state.dumps(state.dump_top(workflow)))
    parts = {
        str(key): state.loads(state.dumps(state.dump_part(sub)))
        for key, sub in workflow.subprocesses.items()
    }
    state.restore(specs.top, specs.subprocess_specs, top, parts)
