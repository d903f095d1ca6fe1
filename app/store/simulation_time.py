"""The simulated "now" kept in the database, so every process of a deployment reads the same one."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from .db import Database
from .models import SimulationTime

ROW_ID = 1


class ClockMovedBackwards(Exception):
    """Another process moved the shared clock past the requested instant first."""


class StoredTime:
    """A time source (app.kernel.clock.TimeSource) backed by the `simulation_time` row."""

    def __init__(self, db: Database, start_at: datetime) -> None:
        self.db = db
        # Where the clock starts when this deployment has no simulated time yet
        # (SIMULATION_START, or the real time this runtime was built at).
        self.start_at = start_at.astimezone(UTC)

    def start(self, at: datetime) -> datetime:
        """Create the row at `at` unless a simulated deployment already runs; return its now."""
        with self.db.transaction() as session:
            row = session.get(SimulationTime, ROW_ID)
            if row is None:
                row = SimulationTime(id=ROW_ID, now_at=at, moved_at=datetime.now(UTC))
                session.add(row)
            return row.now_at

    def read(self) -> datetime | None:
        try:
            with self.db.sessions() as session:
                found: datetime | None = session.execute(
                    select(SimulationTime.now_at).where(SimulationTime.id == ROW_ID)
                ).scalar_one_or_none()
            if found is not None:
                return found
            return self.start(self.start_at)
        except IntegrityError:  # another process started it at the same moment
            return self.read()
        except (OperationalError, ProgrammingError):  # no schema yet (before init-db)
            return self.start_at

    def write(self, at: datetime | None) -> None:
        """Move forward only: the compare-and-set is what keeps two processes from racing."""
        if at is None:
            raise ValueError("a simulated deployment cannot go back to real time")
        with self.db.transaction() as session:
            moved = (
                session.connection()
                .execute(
                    update(SimulationTime)
                    .where(SimulationTime.id == ROW_ID, SimulationTime.now_at <= at)
                    .values(now_at=at, moved_at=datetime.now(UTC))
                )
                .rowcount
            )
            if moved == 0:
                if session.get(SimulationTime, ROW_ID) is None:
                    session.add(SimulationTime(id=ROW_ID, now_at=at, moved_at=datetime.now(UTC)))
                else:
                    raise ClockMovedBackwards(at.isoformat())
