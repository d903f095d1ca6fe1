"""Keeps a live claimer's timer leases fresh while it fires them, so a lease can be short."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from types import TracebackType

from sqlalchemy import select, update

from app.store.db import Database
from app.store.models import Timer

log = logging.getLogger(__name__)

# However long a fire hangs, a claimer stops renewing after this: a process stuck for good
# (not dead, so its connection stays open) must not keep its timers from the others forever.
MAX_HOLD = timedelta(minutes=2)


class LeaseKeeper:
    """Heartbeat for claimed timers: every third of a lease a thread pushes `lease_until` of
    the timers this claimer still holds one lease ahead. A claimer killed with `kill -9` stops
    renewing, so its timers are free again at most one (short) lease later; a live claimer
    keeps them however long its fires take.

    A renewal only touches rows still claimed by this holder and unfired, and skips rows that
    are locked (PostgreSQL `SKIP LOCKED`): a locked row is being fired right now, by this
    process or another, and the fire's row lock protects it better than any lease."""

    def __init__(
        self,
        db: Database,
        holder: str,
        lease: timedelta,
        wall: Callable[[], datetime],
        *,
        max_hold: timedelta = MAX_HOLD,
    ) -> None:
        self.db = db
        self.holder = holder
        self.lease = lease
        self.wall = wall
        self.max_hold = max_hold
        self.held: dict[int, datetime] = {}  # timer id -> when it was claimed
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- what is held ----------------------------------------------------------------------
    def hold(self, timer_ids: Iterable[int]) -> None:
        """Count these timers as ours from now on (renewed by `renew`)."""
        now = self.wall()
        with self._lock:
            self.held.update(dict.fromkeys(timer_ids, now))

    def keep(self, timer_ids: Iterable[int]) -> None:
        """Hold them and renew from a thread (started with the first claim) until `close`."""
        self.hold(timer_ids)
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name=f"lease-keeper {self.holder}", daemon=True
            )
            self._thread.start()

    def drop(self, timer_ids: Iterable[int]) -> None:
        with self._lock:
            for timer_id in timer_ids:
                self.held.pop(timer_id, None)

    # -- renewing --------------------------------------------------------------------------
    def renew(self) -> int:
        """One renewal of every held lease; returns how many rows it pushed ahead."""
        now = self.wall()
        with self._lock:
            ids = sorted(t for t, since in self.held.items() if now - since <= self.max_hold)
        if not ids:
            return 0
        mine = (
            select(Timer.id)
            .where(
                Timer.id.in_(ids),
                Timer.claimed_by == self.holder,
                Timer.fired_at.is_(None),
                Timer.cancelled_at.is_(None),
            )
            .with_for_update(skip_locked=True)
        )
        with self.db.transaction() as uow:
            renewed: int = (
                uow.connection()
                .execute(
                    update(Timer).where(Timer.id.in_(mine)).values(lease_until=now + self.lease)
                )
                .rowcount
            )
        return renewed

    def _run(self) -> None:
        interval = self.lease.total_seconds() / 3
        while not self._stop.wait(interval):
            try:
                self.renew()
            except Exception:  # the fire's own guard still holds; the next beat retries
                log.exception("renewing the timer leases of %s failed", self.holder)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def __enter__(self) -> LeaseKeeper:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
