"""A claimer renews its short timer leases while it fires: a live one keeps its timers past one
lease, a dead one's are taken over one lease after its last renewal, and nothing fires twice."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.bootstrap import Backoffice
from app.features.cases.lease_keeper import LeaseKeeper
from app.features.cases.timer_leases import Guard, TimerLeases
from app.store.audit_log import PendingEvent
from app.store.models import AuditEvent, Timer
from tests.conftest import current_clock, freeze, settings_for
from tests.engine.test_timer_leases import LATER, START, _due_unfired, _submit


class WallClock:
    """The leases' real-time clock, moved by hand."""

    def __init__(self) -> None:
        self.at = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


def _fired_once(office: Backoffice) -> bool:
    with office.db.sessions() as session:
        data = session.execute(
            select(AuditEvent.data).where(AuditEvent.kind == "timer_fired")
        ).scalars()
        counts = Counter(d["task"] for d in data)
    return bool(counts) and max(counts.values()) == 1


def _lease_of(office: Backoffice, timer_id: int) -> tuple[str | None, datetime | None]:
    with office.db.sessions() as session:
        row = session.execute(
            select(Timer.claimed_by, Timer.lease_until).where(Timer.id == timer_id)
        ).one()
    lease = row.lease_until
    return row.claimed_by, (lease.replace(tzinfo=UTC) if lease and not lease.tzinfo else lease)


def test_a_renewing_claimer_keeps_its_timer_and_a_silent_one_loses_it_one_lease_later(
    backoffice: Backoffice,
) -> None:
    freeze(START)
    _submit(backoffice, 1)
    now = freeze(LATER)
    wall = WallClock()
    leases: TimerLeases = backoffice.cases.timer_leases
    leases.wall = wall
    leases.lease = timedelta(seconds=1)
    claimed = leases.claim(now, "alive")
    ((_case_id, (timer_id,)),) = claimed.items()
    keeper = LeaseKeeper(backoffice.db, "alive", leases.lease, wall)
    keeper.hold([timer_id])

    wall.advance(0.9)
    assert keeper.renew() == 1
    assert _lease_of(backoffice, timer_id) == ("alive", wall.at + timedelta(seconds=1))
    wall.advance(0.6)  # past the first lease, inside the renewed one
    assert backoffice.cases.fire_due_timers(holder="other") == 0
    assert _lease_of(backoffice, timer_id)[0] == "alive"

    # "alive" dies: no more renewals; one lease after the last one the timer is free.
    wall.advance(0.5)
    assert backoffice.cases.fire_due_timers(holder="other") > 0
    assert _due_unfired(backoffice, now) == 0
    assert _fired_once(backoffice)
    assert keeper.renew() == 0  # a late renewal does not take a fired timer back


def test_a_renewal_never_takes_back_a_timer_another_claimer_took_over(
    backoffice: Backoffice,
) -> None:
    freeze(START)
    _submit(backoffice, 1)
    now = freeze(LATER)
    wall = WallClock()
    leases: TimerLeases = backoffice.cases.timer_leases
    leases.wall = wall
    ((_case_id, (timer_id,)),) = leases.claim(now, "stalled").items()
    wall.advance(leases.lease.total_seconds() + 0.1)
    assert leases.claim(now, "taker") == {_case_id: [timer_id]}
    keeper = LeaseKeeper(backoffice.db, "stalled", leases.lease, wall)
    keeper.hold([timer_id])
    assert keeper.renew() == 0
    assert _lease_of(backoffice, timer_id)[0] == "taker"


def test_a_fire_longer_than_the_lease_keeps_its_claim_while_the_claimer_lives(
    database_url: str,
) -> None:
    """The renewal thread of fire_due: a slow first fire (three leases long) is not taken
    over by a second scheduler polling meanwhile; each timer fires once."""
    freeze(START)
    first = Backoffice(settings_for(database_url), clock=current_clock())
    second = Backoffice(settings_for(database_url), clock=current_clock())
    try:
        _submit(first, 1)
        now = freeze(LATER)
        slow = first.cases.timer_leases
        slow.lease = second.cases.timer_leases.lease = timedelta(seconds=0.3)
        claimed_by_slow = threading.Event()
        fire_case = slow.fire_case

        def slow_fire(case_id: int, at: datetime, guard: Guard) -> list[PendingEvent]:
            claimed_by_slow.set()
            time.sleep(0.9)  # e.g. a long pause of the process; it is alive and renewing
            return fire_case(case_id, at, guard)

        slow.fire_case = slow_fire
        counts: dict[str, int] = {}
        thread = threading.Thread(target=lambda: counts.update(slow=slow.fire_due("slow")))
        thread.start()
        assert claimed_by_slow.wait(30)
        taken = 0
        while thread.is_alive():
            taken += second.cases.fire_due_timers(holder="poller")
            time.sleep(0.05)
        thread.join()
        assert taken == 0
        assert counts["slow"] > 0
        assert _due_unfired(first, now) == 0
        assert _fired_once(first)
    finally:
        first.close()
        second.close()


@pytest.mark.postgres
def test_on_postgresql_a_renewal_skips_a_row_being_fired_instead_of_waiting(
    postgres_url: str,
) -> None:
    freeze(START)
    office = Backoffice(settings_for(postgres_url), clock=current_clock())
    try:
        _submit(office, 1)
        now = freeze(LATER)
        leases = office.cases.timer_leases
        ((_case_id, (timer_id,)),) = leases.claim(now, "me").items()
        keeper = LeaseKeeper(office.db, "me", leases.lease, leases.wall)
        keeper.hold([timer_id])
        renewed: list[int] = []
        with office.db.transaction() as uow:  # a fire in progress holds the row
            uow.connection().execute(
                select(Timer.id).where(Timer.id == timer_id).with_for_update()
            ).all()
            worker = threading.Thread(target=lambda: renewed.append(keeper.renew()))
            worker.start()
            worker.join(timeout=5)
            assert not worker.is_alive(), "the renewal waited for the fire's row lock"
        assert renewed == [0]
        assert keeper.renew() == 1  # the fire gave up its lock without firing: renewed
    finally:
        office.close()
