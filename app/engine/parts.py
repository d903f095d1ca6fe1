"""Which deployed process, and which side of a transfer, a part of a workflow belongs to."""

from __future__ import annotations

from typing import Any, NamedTuple

from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity

from .collaboration import deployed_process
from .participant import Participant


class Owner(NamedTuple):
    process_id: str
    out_side: bool  # inside a transfer-out participant: the region the person leaves works it


def owner(part: Any) -> Owner:
    """An embedded subprocess belongs to the process that contains it; a call activity's
    subprocess is a process of its own; a transfer-out participant is versioned with (and
    named by) its file's process, and all of its steps are the transfer-out agency's."""
    while part.parent_task_id is not None:
        parent_task = part.top_workflow.get_task_from_id(part.parent_task_id)
        if isinstance(parent_task.task_spec, Participant):
            return Owner(deployed_process(str(part.spec.name), message_start=True), True)
        if isinstance(parent_task.task_spec, CallActivity):
            break
        part = parent_task.workflow
    return Owner(str(part.spec.name), False)
