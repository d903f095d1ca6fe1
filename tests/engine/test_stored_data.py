"""The case data a page reads from the stored parts (app.engine.stored_data) equals what the
restored workflow gives (Engine.case_data, Engine.task_data of every open task), after every
use case of whole scenarios: completions, correction loops, refusals, fired timers."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.bootstrap import Backoffice
from app.engine import state
from app.engine.stored_data import StoredCase
from app.features.cases.repository import read_case
from app.store import case_rows
from app.store.models import Case, HumanTask
from tests.processes.driver import load_scenario


def _compare_every_case(office: Backoffice, checked: list[int]) -> None:
    engine = office.cases.engine
    with office.db.sessions() as session:
        case_ids = list(session.execute(select(Case.id)).scalars())
        for case_id in case_ids:
            record = read_case(session, case_id)
            assert record is not None
            workflow = office.cases.store.load(session, record, None).workflow
            raw = case_rows.read_state(session.connection(), case_id)
            stored = StoredCase({key: state.loads(value) for key, value in raw.items()})
            assert stored.case_data() == engine.case_data(workflow)
            open_uuids = session.execute(
                select(HumanTask.task_uuid).where(
                    HumanTask.case_id == case_id, HumanTask.state.in_(("open", "claimed"))
                )
            ).scalars()
            for uuid in open_uuids:
                assert stored.task_data(uuid) == engine.task_data(workflow, uuid)
                checked.append(1)
            assert stored.task_data("not-a-task") == {}
            checked.append(0)


@pytest.mark.parametrize(
    "name",
    [
        "bundle_all_three_success",
        "medical_both_correction_loops",
        "bundle_review_refused_before_transfer",
        "bundle_on_site_delivered_late",
        "unemployment_cross_province_funds",
    ],
)
def test_stored_parts_give_the_restored_workflows_data_after_every_step(
    backoffice: Backoffice, name: str
) -> None:
    checked: list[int] = []
    backoffice.cases.listeners.append(lambda: _compare_every_case(backoffice, checked))
    result = backoffice.scenarios.run(load_scenario(name))
    assert result.passed, result.failures
    assert checked.count(0) >= 3 and checked.count(1) >= 1  # steps and open tasks were compared
