"""Transfers as collaborations: message-started participants, their routing and letters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.control import StartEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.util.event import BpmnEvent, EventManager
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import (
    MessageEventDefinition as SpiffMessageEventDefinition,
)
from SpiffWorkflow.util.task import TaskState

from app.kernel.errors import Conflict

from . import state
from .participant import Participant

# A transfer's second participant (the transfer-out agency) is the process `<file stem>_out`:
# it is stored with, and versioned as, the file's process (the file stem).
OUT_SUFFIX = "_out"
# The process id of a workflow that holds only transfer-out participants (a transfer-out
# agency's own deployment, started by a letter from elsewhere).
OUT_ONLY = "transfer_out_participants"

# (message name, payload) -> deliver inside this workflow?
DeliverLocally = Callable[[str, dict[str, Any]], bool]


@dataclass(frozen=True)
class OutgoingMessage:
    """A message a workflow threw that nothing in it caught: it is for another deployment."""

    name: str
    payload: dict[str, Any]
    correlations: dict[str, Any]


def message_started(spec: Any) -> bool:
    """A process every start event of which waits for a message (a transfer-out participant)."""
    starts = getattr(spec, "bpmn_start_events", None) or []
    return bool(starts) and all(
        isinstance(s.event_definition, MessageEventDefinition) for s in starts
    )


def case_parts(workflow: Any) -> list[Any]:
    """The top workflow and its subprocesses, without the runs of message-started participants
    and what they call: those hold another agency's data, not the case's."""
    parts = [workflow]
    for part in workflow.subprocesses.values():
        owner = part
        while owner.parent_task_id is not None:
            parent = workflow.get_task_from_id(owner.parent_task_id)
            if isinstance(parent.task_spec, Participant):
                break
            owner = parent.workflow
        else:
            parts.append(part)
    return parts


def deployed_process(spec_name: str, message_start: bool) -> str:
    """The deployed process (file) a participant belongs to."""
    if message_start and spec_name.endswith(OUT_SUFFIX):
        return spec_name[: -len(OUT_SUFFIX)]
    return spec_name


def _add_participants(spec: Any, names: list[str]) -> None:
    """What BpmnParser.get_collaboration does for message-started participants, with the
    start-participant-end connections made now: SpiffWorkflow would make them at the first
    message (BpmnStartTask.trigger_wf), on a spec that a restored workflow in another process
    would then lack."""
    for name in names:
        participant = Participant(spec, name, name)
        participant._connect_notify(spec.start)  # an input only: trigger_wf then leaves it be
        participant.connect(spec.end)
        spec.start.trigger_specs.append(name)


def compose(top: Any, subprocess_specs: dict[str, Any]) -> Any:
    """The top spec of a case for a pinned version set: the top process, plus every
    message-started participant of the pinned specs, started when its message is thrown.
    Without such participants (older versions) the top spec itself, so stored cases load."""
    names = sorted(n for n, s in subprocess_specs.items() if message_started(s))
    if not names:
        return top
    # The version's spec is shared by every set that pins it: compose on a copy.
    composed = state.spec_from_dict(state.spec_to_dict(top))
    _add_participants(composed, names)
    return composed


def out_only(subprocess_specs: dict[str, Any]) -> Any:
    """The top spec of a workflow holding only the transfer-out participants (all
    message-started): what a transfer-out agency's deployment runs for a letter."""
    spec = BpmnProcessSpec(OUT_ONLY)
    spec.start.connect(spec.end)  # a start task needs an output; the end waits for all
    names = sorted(n for n, s in subprocess_specs.items() if message_started(s))
    _add_participants(spec, names)
    return spec


class CollaborationEventManager(EventManager):
    """SpiffWorkflow's event manager, with two changes.

    A participant with several message start events (the transfer-out agency starts a run
    on each letter) waits on them only once its start split has run: run it when the
    participant starts, so the message that started it is caught at once.

    A message thrown inside the workflow which `deliver_locally` says belongs elsewhere
    neither starts nor feeds a local participant: it stays in `workflow.bpmn_events` for
    Engine.take_outgoing."""

    def __init__(self, workflow: Any, deliver_locally: DeliverLocally | None) -> None:
        super().__init__(workflow)
        self.deliver_locally = deliver_locally

    def catch(self, event: Any, internal: bool = True) -> int:
        definition = event.event_definition
        if (
            internal
            and self.deliver_locally is not None
            and event.target is None
            and isinstance(definition, MessageEventDefinition)
            and not self.deliver_locally(definition.name, event.payload)
        ):
            self.workflow.bpmn_events.append(event)
            return 0
        caught: int = super().catch(event, internal)
        return caught

    def update_collaboration(self, event: Any) -> None:
        before = set(self.workflow.subprocesses)
        super().update_collaboration(event)
        for key in set(self.workflow.subprocesses) - before:
            for task in self.workflow.subprocesses[key].get_tasks(state=TaskState.READY):
                if isinstance(task.task_spec, StartEventSplit):
                    task.run()


def attach(workflow: Any, deliver_locally: DeliverLocally | None) -> None:
    """Give a new or restored workflow the collaboration's event manager."""
    manager = CollaborationEventManager(workflow, deliver_locally)
    manager.tasks = workflow.event_manager.tasks
    workflow.event_manager = manager


def take_outgoing(workflow: Any) -> list[OutgoingMessage]:
    """The messages thrown for elsewhere since the last call (other events stay)."""
    events = workflow.get_events()
    keep, result = [], []
    for event in events:
        definition = event.event_definition
        if isinstance(definition, MessageEventDefinition):
            result.append(
                OutgoingMessage(definition.name, dict(event.payload or {}), event.correlations)
            )
        else:
            keep.append(event)
    workflow.bpmn_events = keep
    return result


class NotAwaited(Conflict):
    """A message from elsewhere that nothing in the workflow waits for; nothing changed."""

    code = "message_not_awaited"


def deliver(
    workflow: Any, name: str, payload: dict[str, Any], correlations: dict[str, Any]
) -> None:
    """Catch a message from elsewhere (its catch events compare it by name and correlation)."""
    event = BpmnEvent(SpiffMessageEventDefinition(name), payload=payload, correlations=correlations)
    try:
        workflow.send_event(event)
    except WorkflowException as exc:
        raise NotAwaited(f"办件当前不等待此消息：{name}") from exc
