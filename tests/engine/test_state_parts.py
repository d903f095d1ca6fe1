"""Instance state in parts: our incremental serializer writes exactly what SpiffWorkflow's own
converter writes, at every step of a full bundle, and the parts restore to the same workflow."""

from __future__ import annotations

from datetime import date

import pytest
from SpiffWorkflow.bpmn.serializer.default.workflow import WorkflowConverter
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from app.engine import state, timers
from app.engine.collaboration import compose, message_started
from app.engine.host import Engine, SpecSet
from app.engine.scripting import LimitTable, ScriptFunctions
from app.features.intake.applications import start_data
from app.kernel.config import ROOT
from app.kernel.workdays import WorkingCalendar
from app.rules.acceptance import decide
from tests.conftest import current_clock, freeze
from tests.helpers import scenario


def _reference(workflow):  # type: ignore[no-untyped-def]
    top = WorkflowConverter.to_dict(state._workflow_converter, workflow)
    top["bpmn_events"] = state.registry.convert(workflow.bpmn_events)
    parts = {str(k): state.registry.convert(sp) for k, sp in workflow.subprocesses.items()}
    return state.dumps(top), {k: state.dumps(v) for k, v in parts.items()}


@pytest.mark.parametrize(
    "name",
    ["bundle_all_three_success", "bundle_only_medical_express", "bundle_window_pension_on_site"],
)
def test_incremental_dump_matches_spiffworkflow_and_restores_at_every_step(name: str) -> None:
    freeze("2026-09-28T09:00:00+08:00")
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_files([str(p) for p in sorted((ROOT / "processes").glob("*.bpmn"))])
    top, subs = parser.get_spec("one_thing_bundle"), parser.get_subprocess_specs("one_thing_bundle")
    # The transfer-out participants, started by the transfers' letters.
    subs.update(
        {n: s for n in parser.get_process_ids() if message_started(s := parser.get_spec(n))}
    )
    for spec in [top, *subs.values()]:
        timers.clock_parsed_spec(spec)
    specs = SpecSet(compose(top, subs), subs)
    engine = Engine(
        ScriptFunctions(
            WorkingCalendar(), LimitTable(ROOT / "processes" / "limits.json"), current_clock()
        )
    )
    story = scenario(name)
    data = start_data(story["application"], decide(story["application"], today=date(2026, 9, 28)))
    workflow = engine.new_workflow(specs, {**data, "case_number": "t"})
    engine.run(workflow)
    cache = state.TaskDicts()
    prints: dict = {}
    for step in [s for s in story["steps"] if "task" in s] + [None]:
        top, parts = _reference(workflow)
        changed, _removed, prints = state.dump_changed(workflow, prints, cache)
        assert state.dumps(state.dump_top(workflow, cache)) == top
        assert {
            k: state.dumps(state.dump_part(workflow.subprocesses[sp], cache))
            for k, sp in ((str(k), k) for k in workflow.subprocesses)
        } == parts
        for key, raw in changed.items():
            assert raw == (top if key == state.TOP else parts[key])
        restored = engine.restore(
            specs, state.loads(top), {k: state.loads(v) for k, v in parts.items()}
        )
        assert engine.logical_state(restored) == engine.logical_state(workflow)
        if step is None:
            break
        ready = next(
            t
            for t in engine.ready_user_tasks(workflow)
            if t.spec_name == step["task"] and t.process_id == step.get("process", t.process_id)
        )
        engine.complete_user_task(workflow, ready.uuid, step["data"])
    assert workflow.completed
