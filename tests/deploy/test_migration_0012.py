"""Migration 0012 moves open transfer-out supervision (督办) to the transfer-out region."""

from __future__ import annotations

from sqlalchemy import text

from app.bootstrap import Backoffice
from app.store.migrate import upgrade
from tests.processes.driver import PENSION_CONTACT_OK, check_runs_out_at_end_of
from tests.processes.test_pension_transfer import PENSION, pension_case


def test_open_and_claimed_out_side_supervision_moves_to_the_transfer_out_region(
    backoffice: Backoffice, database_url: str
) -> None:
    d = pension_case(backoffice)
    d.at("2026-10-09T10:00:00+08:00")
    d.complete(PENSION, "contact_letter", PENSION_CONTACT_OK)
    check_runs_out_at_end_of(d, "timer_transfer_out", "2026-10-29", working_days=15)
    [escalation] = d.tasks("escalate_step_out", "open")
    case = d.case()
    # Where the code before this migration put it, claimed by a supervisor of that region.
    with backoffice.db.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE human_task SET region = :r, state = 'claimed', assignee = 'supervisor_330602'"
                " WHERE id = :id"
            ),
            {"r": case.transfer_in_region, "id": escalation.id},
        )
        conn.execute(text("UPDATE alembic_version SET version_num = '0011'"))
    upgrade(database_url)
    [moved] = d.tasks("escalate_step_out")
    assert (moved.region, moved.state, moved.assignee) == (case.transfer_out_region, "open", None)
    assert moved.region != case.transfer_in_region
    [other] = [t for t in d.tasks("transfer_out")]
    assert other.region == case.transfer_out_region  # the rest was right already, untouched
