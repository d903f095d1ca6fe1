"""Due timers shared by any number of scheduler processes: claimed with a lease, then fired."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, Connection, delete, insert, or_, select, update

from app.features.cases.lease_keeper import LeaseKeeper
from app.kernel.errors import Conflict
from app.store.audit_log import PendingEvent
from app.store.db import Database
from app.store.models import Case, SchedulerHeartbeat, Timer

log = logging.getLogger(__name__)

# fire_case(case_id, now, guard) runs one fire use case in its own transaction; `guard` runs
# first inside it and may call it off (returns the timer_fired events written).
Guard = Callable[[Connection], bool]
FireCase = Callable[[int, datetime, Guard], list[PendingEvent]]
DEFAULT_LEASE_SECONDS = 0.5  # renewed by the claimer while it fires (lease_keeper)
DEFAULT_BATCH = 1  # timers per claim: a claimer that dies strands at most this many
MAX_ROUNDS = 10_000
HEARTBEAT_KEEP = timedelta(days=7)  # rows of schedulers gone longer than this are pruned

_PENDING = (Timer.fired_at.is_(None), Timer.cancelled_at.is_(None))


def wall_now() -> datetime:
    """Leases and heartbeats are about processes staying alive, so they run on real time,
    never on the (possibly simulated) app clock."""
    return datetime.now(UTC)


def process_id() -> str:
    """host:pid:uuid — unique even when a pid is reused after a restart."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"


@dataclass(frozen=True)
class FiredTimer:
    case_number: str
    element: str
    due_at: datetime
    fired_at: datetime

    @property
    def lateness(self) -> float:
        return (self.fired_at - self.due_at).total_seconds()


class TimerLeases:
    """Claims due timers in short transactions and fires each claimed case in its own.

    Claim: the due timers whose lease is free or expired are selected under a row lock that
    other claimers skip (PostgreSQL `FOR UPDATE SKIP LOCKED`; on SQLite the claim runs in a
    BEGIN IMMEDIATE transaction, so claimers queue) and get `claimed_by`/`lease_until`.
    Fire: the case's pending timers are locked in id order (the order every firer uses, so
    two never deadlock) and the fire goes ahead only while one of them is still claimed by
    us: a timer already fired by another claimer, or taken over after our lease ran out, is
    left alone. The case version's optimistic lock stays the last guard."""

    def __init__(
        self,
        db: Database,
        fire_case: FireCase,
        now: Callable[[], datetime],
        *,
        holder: str | None = None,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        batch: int = DEFAULT_BATCH,
        wall: Callable[[], datetime] = wall_now,
    ) -> None:
        self.db = db
        self.fire_case = fire_case
        self.now = now
        self.holder = holder or process_id()
        self.lease = timedelta(seconds=lease_seconds)
        self.batch = batch
        self.wall = wall
        self.listeners: list[Callable[[FiredTimer], None]] = []

    # -- claim ---------------------------------------------------------------------------
    def _claimable(self, now: datetime) -> tuple[ColumnElement[bool], ...]:
        return (
            *_PENDING,
            Timer.due_at < now,
            or_(Timer.lease_until.is_(None), Timer.lease_until < self.wall()),
        )

    def claim(self, now: datetime, holder: str | None = None) -> dict[int, list[int]]:
        """Claim up to `batch` due timers; returns their ids by case id (earliest due first)."""
        holder = holder or self.holder
        with self.db.sessions() as session:
            # A read first: an idle poll must not take SQLite's write lock.
            due = session.execute(select(Timer.id).where(*self._claimable(now)).limit(1)).first()
        if due is None:
            return {}
        with self.db.transaction() as uow:
            conn = uow.connection()
            return self.claim_in(conn, now, holder)

    def claim_in(self, conn: Connection, now: datetime, holder: str) -> dict[int, list[int]]:
        """The claim inside a given (short) write transaction."""
        rows = conn.execute(
            select(Timer.id, Timer.case_id)
            .where(*self._claimable(now))
            .order_by(Timer.due_at, Timer.id)
            .limit(self.batch)
            .with_for_update(skip_locked=True)
        ).all()
        if rows:
            conn.execute(
                update(Timer)
                .where(Timer.id.in_([r.id for r in rows]))
                .values(claimed_by=holder, lease_until=self.wall() + self.lease)
            )
        claimed: dict[int, list[int]] = {}
        for row in rows:
            claimed.setdefault(row.case_id, []).append(row.id)
        return claimed

    def release(self, timer_ids: list[int], holder: str) -> None:
        """Give claimed timers back at once (the fire lost a race and should be retried)."""
        with self.db.transaction() as uow:
            conn = uow.connection()
            conn.execute(
                update(Timer)
                .where(Timer.id.in_(timer_ids), Timer.claimed_by == holder, *_PENDING)
                .values(lease_until=None)
            )

    def next_lease_expiry(self, now: datetime) -> datetime | None:
        """When the earliest lease on a due, unfired timer runs out (a claimer may have died)."""
        with self.db.sessions() as session:
            found: datetime | None = session.execute(
                select(Timer.lease_until)
                .where(*_PENDING, Timer.due_at < now, Timer.lease_until >= self.wall())
                .order_by(Timer.lease_until)
                .limit(1)
            ).scalar()
        return found

    # -- fire ----------------------------------------------------------------------------
    def fire_due(self, holder: str | None = None) -> int:
        """Claim and fire until nothing due is claimable; returns how many timers we fired.
        While we hold claims a LeaseKeeper renews their leases, so a short lease is enough."""
        holder = holder or self.holder
        with LeaseKeeper(self.db, holder, self.lease, self.wall) as keeper:
            return self._fire_rounds(holder, keeper)

    def _fire_rounds(self, holder: str, keeper: LeaseKeeper) -> int:
        total = 0
        for _ in range(MAX_ROUNDS):
            now = self.now()
            claimed = self.claim(now, holder)
            if not claimed:
                break
            keeper.keep(t for ids in claimed.values() for t in ids)
            fired = conflicts = 0
            for case_id, timer_ids in claimed.items():
                try:
                    fired += self._fire(case_id, timer_ids, now, holder)
                except Conflict:
                    # A use case changed the case meanwhile: give the claim back for a retry.
                    conflicts += 1
                    self.release(timer_ids, holder)
                except Exception:  # one bad case must not stop the others; it is logged
                    log.exception(
                        "firing timers %s of case id %s failed; retried after the lease (%s s)",
                        timer_ids,
                        case_id,
                        self.lease.total_seconds(),
                    )
                finally:
                    keeper.drop(timer_ids)  # fired, given back, or left to lapse
            total += fired
            if fired == 0 and conflicts:
                break  # no progress, only lost races: the next wake-up retries
        return total

    def _fire(self, case_id: int, timer_ids: list[int], now: datetime, holder: str) -> int:
        def still_ours(conn: Connection) -> bool:
            # The case row first, then its timers: the order a use case's save takes them in
            # (it claims the case row, then writes timer rows), so the two never deadlock on
            # PostgreSQL; a fire that waited here then reads the case as the other left it.
            conn.execute(select(Case.id).where(Case.id == case_id).with_for_update()).all()
            rows = conn.execute(
                select(Timer.id, Timer.claimed_by)
                .where(Timer.case_id == case_id, *_PENDING)
                .order_by(Timer.id)
                .with_for_update()
            ).all()
            return any(r.claimed_by == holder and r.id in timer_ids for r in rows)

        events = self.fire_case(case_id, now, still_ours)
        if not events:
            return 0
        with self.db.sessions() as session:
            number = session.execute(select(Case.number).where(Case.id == case_id)).scalar_one()
        for event in events:
            fired = FiredTimer(
                number, event.data["kind"], datetime.fromisoformat(event.data["due_at"]), event.at
            )
            log.info(
                "timer fired: case %s element %s due %s lateness %.3f s (by %s)",
                fired.case_number,
                fired.element,
                fired.due_at.isoformat(),
                fired.lateness,
                holder,
            )
            for listener in list(self.listeners):
                listener(fired)
        return len(events)


# -- heartbeats ------------------------------------------------------------------------------
class Heartbeat:
    """The row a scheduler process rewrites every poll; /readyz judges liveness by its age."""

    def __init__(
        self,
        db: Database,
        scheduler_id: str,
        poll_seconds: float,
        wall: Callable[[], datetime] = wall_now,
    ) -> None:
        self.db = db
        self.id = scheduler_id
        self.poll_seconds = poll_seconds
        self.wall = wall
        self.started_at = wall()

    def beat(self) -> None:
        now = self.wall()
        with self.db.transaction() as uow:
            conn = uow.connection()
            updated = conn.execute(
                update(SchedulerHeartbeat)
                .where(SchedulerHeartbeat.id == self.id)
                .values(beat_at=now, poll_seconds=self.poll_seconds)
            ).rowcount
            if not updated:
                conn.execute(
                    insert(SchedulerHeartbeat).values(
                        id=self.id,
                        started_at=self.started_at,
                        beat_at=now,
                        poll_seconds=self.poll_seconds,
                    )
                )
                conn.execute(
                    delete(SchedulerHeartbeat).where(
                        SchedulerHeartbeat.beat_at < now - HEARTBEAT_KEEP
                    )
                )

    def stop(self) -> None:
        with self.db.transaction() as uow:
            conn = uow.connection()
            conn.execute(delete(SchedulerHeartbeat).where(SchedulerHeartbeat.id == self.id))
