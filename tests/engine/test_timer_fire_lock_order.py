"""A timer fire and a task completion on one case take their PostgreSQL row locks in the same
order (the case row, then its timer rows), so the two never deadlock: the later one waits."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from sqlalchemy import create_engine, select, text, update

from app.bootstrap import Backoffice
from app.store import case_rows
from app.store.models import Case, Timer
from tests.conftest import current_clock, freeze, settings_for
from tests.engine.test_timer_leases import LATER, START, _submit


def _waiting_on_a_lock(url: str, firer: threading.Thread, timeout: float = 10.0) -> None:
    """Until some other backend of this database waits on a row lock."""
    monitor = create_engine(url)
    activity = text(
        "SELECT pid, state, wait_event_type, wait_event, left(query, 100) AS query"
        " FROM pg_stat_activity WHERE datname = current_database()"
    )
    try:
        deadline = time.monotonic() + timeout
        with monitor.connect() as conn:
            while time.monotonic() < deadline and firer.is_alive():
                rows = conn.execute(activity).all()
                conn.rollback()  # pg_stat_activity is a snapshot per transaction
                if any(r.wait_event_type == "Lock" for r in rows):
                    return
                time.sleep(0.02)
        raise AssertionError(f"the fire never waited for a row lock ({firer.is_alive()=})")
    finally:
        monitor.dispose()


@pytest.mark.postgres
def test_a_fire_waits_for_a_completion_holding_the_case_row_instead_of_deadlocking(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    freeze(START)
    office = Backoffice(settings_for(postgres_url), clock=current_clock())
    try:
        [number] = _submit(office, 1)
        freeze(LATER)
        with office.db.sessions() as session:
            case_id, version = session.execute(
                select(Case.id, Case.version).where(Case.number == number)
            ).one()
            pending = (
                session.execute(
                    select(Timer.task_uuid)
                    .where(Timer.case_id == case_id, Timer.fired_at.is_(None))
                    .order_by(Timer.due_at.desc(), Timer.id.desc())
                )
                .scalars()
                .all()
            )
        assert len(pending) >= 2
        fired: list[int] = []

        # A completion (as complete_task's save does it): claim the case row first ...
        with office.db.transaction() as uow:
            conn = uow.connection()
            assert case_rows.update_case(conn, case_id, version, {"version": version + 1})
            # ... meanwhile a scheduler fires the case's earliest due timer ...
            scheduler = threading.Thread(
                target=lambda: fired.append(office.cases.timer_leases.fire_due("scheduler"))
            )
            scheduler.start()
            _waiting_on_a_lock(postgres_url, scheduler)
            # ... and the completion then writes another of the case's timer rows (as ending
            # a boundary timer of the finished task does; here the row is left as it was). A
            # fire that locked the timers before the case row would now hold them while it
            # waits for the case row: a deadlock, one side aborted.
            conn.execute(
                update(Timer).where(Timer.task_uuid == pending[0]).values(label=Timer.label)
            )
        scheduler.join(timeout=30)
        assert not scheduler.is_alive()
        # The fire went ahead once the completion committed; none was aborted (a deadlock is
        # logged by the fire loop, which carries on with the next timer).
        failures = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert failures == []
        assert fired and fired[0] >= 1
    finally:
        office.close()
