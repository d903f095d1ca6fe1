"""The chaos suite's checks catch what they are for: a stuck case, a task completed twice, a
timer fired twice or left unfired, a lost acknowledgement; lateness matched to the right move."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, text, update

from app.bootstrap import Backoffice
from app.store.models import SimulationTime, Timer
from bench import chaos_checks as checks
from bench.chaos_client import id_check_digit, variant
from tests.helpers import scenario
from tests.web.clerk_support import submit


def _integrity(office: Backoffice, cases: list[str] | None = None, tasks: list[int] | None = None):  # type: ignore[no-untyped-def]
    with office.db.engine.connect() as conn:
        return checks.integrity(conn, cases or [], tasks or [])


def _clean(found: dict[str, list[object]]) -> None:
    assert all(not value for value in found.values()), found


def test_a_running_case_is_clean_and_a_waiting_for_nobody_case_is_stuck(
    backoffice: Backoffice,
) -> None:
    number = submit(backoffice)
    _clean(_integrity(backoffice, [number]))
    with backoffice.db.engine.begin() as conn:
        conn.execute(
            text("UPDATE human_task SET state = 'cancelled' WHERE state IN ('open', 'claimed')")
        )
    assert _integrity(backoffice)["stuck"] == []  # its armed timers still wait for it
    with backoffice.db.engine.begin() as conn:
        conn.execute(text("UPDATE timer SET cancelled_at = armed_at WHERE fired_at IS NULL"))
    assert _integrity(backoffice)["stuck"] == [number]


def test_a_second_completion_event_of_one_task_is_a_duplicate(backoffice: Backoffice) -> None:
    submit(backoffice)  # its review is completed
    _clean(_integrity(backoffice))
    with backoffice.db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_event (seq, case_id, kind, actor, at, data, prev_hash, hash)"
                " SELECT seq + 100000, case_id, kind, actor, at, data, prev_hash, hash"
                " FROM audit_event WHERE kind = 'task_completed' ORDER BY seq LIMIT 1"
            )
        )
    assert len(_integrity(backoffice)["tasks_completed_twice"]) == 1


def test_acknowledged_but_absent_is_lost(backoffice: Backoffice) -> None:
    number = submit(backoffice)
    with backoffice.db.engine.connect() as conn:
        open_task = conn.execute(text("SELECT id FROM human_task WHERE state = 'open'")).scalar()
    found = _integrity(backoffice, [number, "X-NEVER"], [open_task])
    assert found["lost_cases"] == ["X-NEVER"]
    assert found["lost_tasks"] == [open_task]


def test_a_due_timer_left_unfired_is_missed(backoffice: Backoffice) -> None:
    submit(backoffice)
    with backoffice.db.transaction() as session:
        earliest = session.execute(
            select(func.min(Timer.due_at)).where(
                Timer.fired_at.is_(None), Timer.cancelled_at.is_(None)
            )
        ).scalar_one()
        session.execute(delete(SimulationTime))
        session.add(SimulationTime(id=1, now_at=earliest, moved_at=earliest))
    with backoffice.db.engine.connect() as conn:
        assert checks.missed_timers(conn) == []  # due at that instant, not before it
    with backoffice.db.transaction() as session:
        session.execute(update(SimulationTime).values(now_at=earliest + timedelta(seconds=1)))
    with backoffice.db.engine.connect() as conn:
        assert len(checks.missed_timers(conn)) >= 1


def test_lateness_counts_from_the_move_that_passed_the_due_time() -> None:
    t0 = datetime(2026, 10, 1, tzinfo=UTC)
    wall = datetime(2030, 1, 1, tzinfo=UTC)
    moves = [
        checks.Move(t0, wall, "start"),
        checks.Move(t0 + timedelta(hours=3), wall + timedelta(seconds=1), "api"),
        checks.Move(t0 + timedelta(hours=6), wall + timedelta(seconds=2), "row"),
    ]
    fired = [
        # due at 4h: the 6h move (wall + 2 s) made it due; fired 0.25 s later
        checks.Fire(1, t0 + timedelta(hours=4), wall + timedelta(seconds=2.25), 7),
        # due exactly at 3h is not yet due at 3h (claims take due_at < now): the 6h move
        checks.Fire(2, t0 + timedelta(hours=3), wall + timedelta(seconds=3), 7),
        # due before the run's start: left out
        checks.Fire(3, t0 - timedelta(hours=1), wall, 7),
    ]
    late = {fire.timer_id: round(x, 3) for fire, _move, x in checks.lateness(moves, fired)}
    assert late == {1: 0.25, 2: 1.0}
    assert checks.percentile([3.0, 1.0, 2.0], 0.5) == 2.0
    assert checks.percentile([], 0.95) is None


def test_variants_are_valid_distinct_applicants_of_the_same_kind() -> None:
    application = scenario("bundle_all_three_success")["application"]
    bodies = [variant(application, n) for n in range(400)]
    numbers = {b["applicant"]["id_number"] for b in bodies}
    names = {b["applicant"]["name"] for b in bodies}
    assert len(numbers) == len(names) == 400
    original = application["applicant"]["id_number"]
    for body in bodies:
        id_number = body["applicant"]["id_number"]
        assert id_number[:12] == original[:12]  # region, birth year and month
        assert int(id_number[16]) % 2 == int(original[16]) % 2  # sex
        assert id_number[17] == id_check_digit(id_number[:17])
    assert id_check_digit(original[:17]) == original[17]
