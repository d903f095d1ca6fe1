"""Transfers as collaborations, with the real diagrams: all local in one workflow, or the
transfer-out participant in a workflow of its own (another deployment) fed by letters."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from app.engine import state, timers
from app.engine.collaboration import NotAwaited, compose, message_started
from app.engine.host import Engine, SpecSet
from app.engine.scripting import LimitTable, ScriptFunctions
from app.features.intake.applications import start_data
from app.kernel.config import ROOT
from app.kernel.workdays import WorkingCalendar
from app.rules.acceptance import decide
from tests.conftest import current_clock, freeze
from tests.processes.driver import (
    PENSION_CONTACT_OK,
    PENSION_IN_OK,
    PENSION_OUT_INELIGIBLE,
    PENSION_OUT_OK,
    REVIEW_PASSED,
    application,
)

CASE = "330602-2026-000001"


@pytest.fixture(scope="module")
def specs() -> SpecSet:
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_files([str(p) for p in sorted((ROOT / "processes").glob("*.bpmn"))])
    subs = parser.get_subprocess_specs("one_thing_bundle")
    for name in parser.get_process_ids():
        spec = parser.get_spec(name)
        if message_started(spec):
            subs[name] = spec
    top = parser.get_spec("one_thing_bundle")
    for spec in [top, *subs.values()]:
        timers.clock_parsed_spec(spec)
    return SpecSet(compose(top, subs), subs)


def engine(deliver_locally: Any = None) -> Engine:
    functions = ScriptFunctions(
        WorkingCalendar(), LimitTable(ROOT / "processes" / "limits.json"), current_clock()
    )
    return Engine(functions, deliver_locally)


def pension_case(eng: Engine, specs: SpecSet) -> Any:
    freeze("2026-09-28T09:00:00+08:00")
    app = application(insurances=["pension"])
    data = start_data(app, decide(app, today=date(2026, 9, 28)))
    workflow = eng.new_workflow(specs, {**data, "case_number": CASE})
    eng.run(workflow)
    complete(eng, workflow, "review", REVIEW_PASSED)
    complete(eng, workflow, "contact_letter", PENSION_CONTACT_OK)
    return workflow


def complete(eng: Engine, workflow: Any, name: str, data: dict[str, Any]) -> None:
    [task] = [t for t in eng.ready_user_tasks(workflow) if t.spec_name == name]
    eng.complete_user_task(workflow, task.uuid, data)


def ready(eng: Engine, workflow: Any) -> list[tuple[str, str]]:
    return sorted((t.process_id, t.spec_name) for t in eng.ready_user_tasks(workflow))


def outcome(eng: Engine, workflow: Any) -> dict[str, Any]:
    data = eng.case_data(workflow)
    return {k: data.get(k) for k in ("pension_result", "pension_account_type", "pension_reasons")}


def restored(eng: Engine, specs: SpecSet, workflow: Any) -> Any:
    """The workflow as the next request finds it: serialized in parts, then restored."""
    top = state.loads(state.dumps(state.dump_top(workflow)))
    parts = {
        str(k): state.loads(state.dumps(state.dump_part(sp)))
        for k, sp in workflow.subprocesses.items()
    }
    return eng.restore(specs, top, parts)


def not_local(name: str, payload: dict[str, Any]) -> bool:
    return False


def test_all_local_the_letter_starts_the_transfer_out_participant(specs: SpecSet) -> None:
    eng = engine()
    workflow = pension_case(eng, specs)
    # The transfer-out agency's step is a task of the pension transfer (its file's process),
    # run by a participant that started on the letter and sees only the letter's payload.
    assert ready(eng, workflow) == [("pension_transfer", "transfer_out")]
    [out] = [sp for sp in workflow.subprocesses.values() if sp.spec.name == "pension_transfer_out"]
    letter = out.last_task.data
    assert letter["application"]["transfer_out_region"] == "330100"
    assert "review_opinion" not in letter  # the bundle's own data stays with the bundle
    assert eng.take_outgoing(workflow) == []
    complete(eng, workflow, "transfer_out", PENSION_OUT_OK)
    complete(eng, workflow, "transfer_in", PENSION_IN_OK)
    assert workflow.completed
    assert outcome(eng, workflow) == {
        "pension_result": "completed",
        "pension_account_type": "regular",
        "pension_reasons": [],
    }


def test_letters_between_two_workflows_end_as_the_local_run(specs: SpecSet) -> None:
    local = engine()
    reference = pension_case(local, specs)
    complete(local, reference, "transfer_out", PENSION_OUT_OK)
    complete(local, reference, "transfer_in", PENSION_IN_OK)

    # The transfer-in agency's deployment: the contact letter is for another deployment.
    here = engine(lambda name, payload: name != "pension_contact_letter")
    workflow = pension_case(here, specs)
    assert ready(here, workflow) == []
    [letter] = here.take_outgoing(workflow)
    assert letter.name == "pension_contact_letter"
    assert letter.payload["transfer_key"] == f"{CASE}/pension"
    assert (letter.payload["from_region"], letter.payload["to_region"]) == ("330602", "330100")
    assert letter.correlations == {"transfer_key": {"transfer_key": f"{CASE}/pension"}}
    assert here.take_outgoing(workflow) == []  # taken once

    # The transfer-out agency's deployment: a workflow of transfer-out participants only.
    there = engine()
    out = there.new_out_workflow(specs)
    there.deliver(out, letter.name, letter.payload, letter.correlations)
    assert ready(there, out) == [("pension_transfer", "transfer_out")]
    out = restored(there, Engine.out_specs(specs), out)  # stored between the two requests
    complete(there, out, "transfer_out", PENSION_OUT_OK)
    [info] = there.take_outgoing(out)
    assert info.name == "pension_transfer_info"
    assert (info.payload["from_region"], info.payload["to_region"]) == ("330100", "330602")
    assert (
        info.payload["pension_individual_account_amount"]
        == (PENSION_OUT_OK["pension_individual_account_amount"])
    )
    assert out.completed

    workflow = restored(here, specs, workflow)
    here.deliver(workflow, info.name, info.payload, info.correlations)
    assert ready(here, workflow) == [("pension_transfer", "transfer_in")]
    complete(here, workflow, "transfer_in", PENSION_IN_OK)
    assert workflow.completed
    assert outcome(here, workflow) == outcome(local, reference)


def test_a_reply_ends_the_transfer_as_ineligible_and_a_second_one_is_refused(
    specs: SpecSet,
) -> None:
    here = engine(not_local)
    workflow = pension_case(here, specs)
    [letter] = here.take_outgoing(workflow)
    there = engine(not_local)
    out = there.new_out_workflow(specs)
    there.deliver(out, letter.name, letter.payload, letter.correlations)
    complete(there, out, "transfer_out", PENSION_OUT_INELIGIBLE)
    [reply] = there.take_outgoing(out)
    assert reply.name == "pension_reply"
    here.deliver(workflow, reply.name, reply.payload, reply.correlations)
    assert outcome(here, workflow)["pension_result"] == "ineligible"
    # Nothing waits for another reply: refused, and the workflow is unchanged.
    before = here.logical_state(workflow)
    with pytest.raises(NotAwaited):
        here.deliver(workflow, reply.name, reply.payload, reply.correlations)
    assert here.logical_state(workflow) == before


def test_a_letter_for_another_transfer_is_not_caught(specs: SpecSet) -> None:
    here = engine(not_local)
    workflow = pension_case(here, specs)
    [letter] = here.take_outgoing(workflow)
    there = engine()
    out = there.new_out_workflow(specs)
    there.deliver(out, letter.name, letter.payload, letter.correlations)
    complete(there, out, "transfer_out", PENSION_OUT_OK)
    [info] = there.take_outgoing(out)
    other = {"transfer_key": {"transfer_key": "330602-2026-000002/pension"}}
    with pytest.raises(NotAwaited):
        here.deliver(workflow, info.name, {**info.payload, "transfer_key": "x"}, other)
    assert ready(here, workflow) == []
