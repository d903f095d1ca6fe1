"""A letter from another deployment as the diagram would have caught it: its correlation keys
computed from its payload by the catching event's own correlation properties."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition


def correlations_for(workflow: Any, name: str, payload: dict[str, Any]) -> dict[str, Any]:
    """What a thrower of `name` inside this workflow would have attached to the message: the
    envelope carries only the payload (contracts §10), and both sides run the same diagrams."""
    for definition in _catching(workflow, name):
        found: dict[str, Any] = definition.calculate_correlations(
            workflow.script_engine, definition.correlation_properties, payload
        )
        return found
    return {}


def _catching(workflow: Any, name: str) -> Iterator[Any]:
    # Events waiting in the workflow (a catch event, an event-based gateway's branches) ...
    for task in list(workflow.event_manager.tasks.values()):
        definition = getattr(task.task_spec, "event_definition", None)
        # An event-based gateway waits for any of several events at once.
        for one in getattr(definition, "event_definitions", None) or [definition]:
            if isinstance(one, MessageEventDefinition) and one.name == name:
                yield one
    # ... and the start events of participants a message starts (a contact letter).
    for spec_name in getattr(workflow.spec.start, "trigger_specs", []):
        spec = workflow.subprocess_specs.get(spec_name)
        for start in getattr(spec, "bpmn_start_events", []) or []:
            definition = start.event_definition
            if isinstance(definition, MessageEventDefinition) and definition.name == name:
                yield definition
