"""Wakes the services when the earliest timer falls due (APScheduler 3, one process only)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler

from app.bootstrap import Backoffice

log = logging.getLogger(__name__)
WAKE_JOB = "wake-at-earliest-timer"
# Other processes (web workers with SCHEDULER=off) create timers we are not told about.
POLL_SECONDS = 30


class TimerScheduler:
    """Exactly one per deployment: APScheduler 3 cannot share its job store between processes."""

    def __init__(self, backoffice: Backoffice, scheduler: BaseScheduler | None = None) -> None:
        self.backoffice = backoffice
        self.scheduler = scheduler or BackgroundScheduler(timezone=UTC)

    def start(self) -> None:
        self.scheduler.add_job(
            self.wake,
            "interval",
            seconds=POLL_SECONDS,
            id="poll",
            misfire_grace_time=None,
            coalesce=True,
            max_instances=1,
        )
        self.scheduler.start()
        self.backoffice.on_timers_changed(self.rearm)
        self.backoffice.clock.on_change(self._on_clock_moved)
        # Anything that fell due while we were down fires once, right now.
        self.rearm()

    def shutdown(self) -> None:
        self.backoffice.clock.remove_listener(self._on_clock_moved)
        if self.rearm in self.backoffice.cases.listeners:
            self.backoffice.cases.listeners.remove(self.rearm)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)

    def _on_clock_moved(self, _now: datetime) -> None:
        self.rearm()

    def rearm(self) -> None:
        due = self.backoffice.cases.next_due()
        if due is None:
            return
        clock = self.backoffice.clock
        now = clock.now()
        if clock.simulated:
            # Simulated time does not pass by itself: fire now if due, else wait to be moved.
            run_at = datetime.now(UTC) if due < now else None
        else:
            run_at = max(due + timedelta(microseconds=1), now)
        if run_at is None:
            return
        self.scheduler.add_job(
            self.wake,
            "date",
            run_date=run_at,
            id=WAKE_JOB,
            replace_existing=True,
            misfire_grace_time=None,
            coalesce=True,
        )

    def wake(self) -> int:
        try:
            fired = self.backoffice.cases.fire_due_timers()
        except Exception:  # a scheduler thread must survive a bad case; it is logged
            log.exception("firing due timers failed")
            return 0
        if fired:
            log.info("fired %d timer(s)", fired)
            self.rearm()  # only after progress, so a failing case cannot spin the scheduler
        return fired
