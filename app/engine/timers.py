"""Timer events that read "now" from the workflow's own script engine (the runtime's clock).

SpiffWorkflow's timer definitions compare with the machine's time. Ours compare with the clock
of the runtime that runs the workflow, so two runtimes (a live office and a replay or sandbox)
in one process each fire timers on their own time. They serialize under the library's type
names, so stored specs and states are unchanged.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.serializer.default.event_definition import (
    TimerConditionalEventDefinitionConverter,
)
from SpiffWorkflow.bpmn.serializer.helpers.dictionary import DictionaryConverter
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)

from app.kernel.clock import Clock


class ClockedScriptEngine(PythonScriptEngine):
    """The script engine of one runtime; timers ask it for the time."""

    def __init__(self, environment: Any, clock: Clock) -> None:
        super().__init__(environment=environment)
        self.clock = clock


def _now(my_task: Any) -> datetime:
    engine = my_task.workflow.script_engine
    if not isinstance(engine, ClockedScriptEngine):
        raise TypeError("a timer ran on a workflow without the runtime's script engine")
    return engine.clock.now()


class ClockedTimeDate(TimeDateEventDefinition):
    """timeDate: fires once the instant the expression gives has passed on the runtime's clock."""

    def has_fired(self, my_task: Any) -> bool:
        value = my_task._get_internal_data("event_value")
        if value is None:
            value = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            my_task._set_internal_data(event_value=value)
        if TimerEventDefinition.parse_time_or_duration(value) < _now(my_task):
            my_task._set_internal_data(event_fired=True)
        return bool(my_task._get_internal_data("event_fired", False))


class ClockedDuration(DurationTimerEventDefinition):
    """timeDuration: due the duration after the runtime's now when the timer is reached."""

    def has_fired(self, my_task: Any) -> bool:
        value = my_task._get_internal_data("event_value")
        if value is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            parsed = TimerEventDefinition.parse_iso_duration(expression)
            start = _now(my_task)
            value = (
                start + TimerEventDefinition.get_timedelta_from_start(parsed, start)
            ).isoformat()
            my_task._set_internal_data(event_value=value)
        if TimerEventDefinition.get_datetime(value) < _now(my_task):
            my_task._set_internal_data(event_fired=True)
        return bool(my_task._get_internal_data("event_fired", False))


CLOCKED = {TimeDateEventDefinition: ClockedTimeDate, DurationTimerEventDefinition: ClockedDuration}


def register(registry: DictionaryConverter) -> None:
    """Restore stored timer definitions as the clocked ones, under the library's type names."""
    for library, clocked in CLOCKED.items():
        TimerConditionalEventDefinitionConverter(clocked, registry, typename=library.__name__)


def clocked(definition: Any) -> Any:
    """The clocked equivalent of a freshly parsed event definition (others unchanged)."""
    if isinstance(definition, MultipleEventDefinition):
        definition.event_definitions = [clocked(d) for d in definition.event_definitions]
        return definition
    target = CLOCKED.get(type(definition))
    if target is None:
        return definition
    return target(definition.name, definition.expression, description=definition.description)


def clock_parsed_spec(spec: Any) -> None:
    """Swap the timers of a parsed process spec for clocked ones (in place)."""
    for task_spec in spec.task_specs.values():
        definition = getattr(task_spec, "event_definition", None)
        if definition is not None:
            task_spec.event_definition = clocked(definition)
