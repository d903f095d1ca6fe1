"""app.engine.stepping runs the same tasks in the same order as SpiffWorkflow's own
do_engine_steps: every scenario gives the same audit trail, state hashes included, with
either, and the walks it skips are walks that find nothing."""

from __future__ import annotations

from typing import Any

import pytest
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from sqlalchemy import select

from app.bootstrap import Backoffice
from app.engine import stepping
from app.store.models import AuditEvent
from tests.conftest import current_clock, settings_for
from tests.processes.driver import SCENARIOS, load_scenario

NAMES = sorted(path.stem for path in SCENARIOS.glob("*.json"))
# What differs between two runs of one scenario by construction: task ids, and the hash of a
# form's personal fields (salted per database).
VOLATILE = {"task", "timer", "task_uuid", "timer_uuid", "personal_sha256"}


def _trail(database_url: str, name: str) -> list[tuple[Any, ...]]:
    office = Backoffice(settings_for(database_url), clock=current_clock())
    try:
        result = office.scenarios.run(load_scenario(name))
        assert result.passed, result.failures
        with office.db.sessions() as session:
            events = session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()
            return [
                (e.kind, sorted((k, repr(v)) for k, v in e.data.items() if k not in VOLATILE))
                for e in events
            ]
    finally:
        office.close()


@pytest.mark.parametrize("name", NAMES)
def test_each_scenario_runs_as_with_spiffworkflows_own_engine_steps(
    database_url: str, second_database_url: str, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ours = _trail(database_url, name)
    # The reference: the library's own loop, which walks every part's task tree each pass.
    monkeypatch.setattr(stepping, "do_engine_steps", BpmnWorkflow.do_engine_steps)
    reference = _trail(second_database_url, name)
    assert any("state_hash" in dict(data) for _kind, data in ours)
    assert ours == reference


def test_a_walk_is_skipped_only_when_it_would_find_nothing(
    backoffice: Backoffice, monkeypatch: pytest.MonkeyPatch
) -> None:
    skipped: list[bool] = []
    found: list[int] = []
    original = stepping._may_have_work

    def watched(workflow: BpmnWorkflow, part: Any) -> bool:
        answer = original(workflow, part)
        ready = [t for t in part.get_tasks(state=stepping._READY) if not t.task_spec.manual]
        if not answer:
            skipped.append(True)
            found.append(len(ready))
        return answer

    monkeypatch.setattr(stepping, "_may_have_work", watched)
    result = backoffice.scenarios.run(load_scenario("bundle_all_three_success"))
    assert result.passed, result.failures
    assert len(skipped) > 50  # most walks are skipped ...
    assert set(found) == {0}  # ... and none of them would have run anything
