"""Wakes the services when the earliest timer falls due; any number of these may run at once."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler

from app.bootstrap import Backoffice
from app.features.cases.timer_leases import Heartbeat, process_id

log = logging.getLogger(__name__)
WAKE_JOB = "wake-at-earliest-timer"
LEASE_JOB = "wake-at-lease-expiry"
SEND_JOB = "send-letters"


class TimerScheduler:
    """APScheduler is only this process's alarm clock; the timer table is the queue, shared
    by every scheduler process through leases (app/features/cases/timer_leases.py)."""

    def __init__(
        self,
        backoffice: Backoffice,
        scheduler: BaseScheduler | None = None,
        poll_seconds: float | None = None,
    ) -> None:
        self.backoffice = backoffice
        self.scheduler = scheduler or BackgroundScheduler(timezone=UTC)
        self.id = process_id()
        # Other processes (web workers with SCHEDULER=off) create timers we are not told about.
        self.poll_seconds = poll_seconds or backoffice.settings.scheduler_poll_seconds
        self.heartbeat = Heartbeat(backoffice.db, self.id, self.poll_seconds)

    def start(self) -> None:
        self.beat()
        self.scheduler.add_job(
            self.beat,
            "interval",
            seconds=self.poll_seconds,
            id="heartbeat",
            misfire_grace_time=None,
            coalesce=True,
            max_instances=1,
        )
        self.scheduler.add_job(
            self.wake,
            "interval",
            seconds=self.poll_seconds,
            id="poll",
            misfire_grace_time=None,
            coalesce=True,
            max_instances=1,
        )
        if self.backoffice.exchange.sends:
            # Letters to other deployments: the outbox is the queue, like the timer table.
            self.scheduler.add_job(
                self.send_letters,
                "interval",
                seconds=self.backoffice.settings.exchange.poll_seconds,
                id=SEND_JOB,
                misfire_grace_time=None,
                coalesce=True,
                max_instances=1,
            )
        self.scheduler.start()
        self.backoffice.on_timers_changed(self.rearm)
        self.backoffice.clock.on_change(self._on_clock_moved)
        log.info("scheduler %s started (poll %s s)", self.id, self.poll_seconds)
        # Anything that fell due while we were down fires once, right now.
        self.rearm()

    def shutdown(self) -> None:
        self.backoffice.clock.remove_listener(self._on_clock_moved)
        if self.rearm in self.backoffice.cases.listeners:
            self.backoffice.cases.listeners.remove(self.rearm)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        try:
            self.heartbeat.stop()
        except Exception:  # the database may be gone by now; readiness will say so
            log.exception("scheduler %s could not remove its heartbeat", self.id)

    def beat(self) -> None:
        try:
            self.heartbeat.beat()
        except Exception:  # logged, and /readyz reports the stale heartbeat
            log.exception("scheduler %s could not write its heartbeat", self.id)

    def send_letters(self) -> int:
        try:
            return self.backoffice.exchange.sender.send_due()
        except Exception:  # the database may be away; the next poll tries again
            log.exception("sending letters failed")
            return 0

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
            fired = self.backoffice.cases.fire_due_timers(holder=self.id)
        except Exception:  # a scheduler thread must survive a bad case; it is logged
            log.exception("firing due timers failed")
            return 0
        if fired:
            log.info("scheduler %s fired %d timer(s)", self.id, fired)
            self.rearm()  # only after progress, so a failing case cannot spin the scheduler
        else:
            # A poll also learns of timers other processes armed: wake at the earliest due
            # time, not at the first poll after it (with every scheduler watching that
            # timer, a survivor also sees a dead claimer's lease and takes it over).
            self._wake_at_next_due()
        self._wake_at_lease_expiry()
        return fired

    def _wake_at_next_due(self) -> None:
        """Arm the wake-up for a timer not yet due (real time only; a simulated clock does
        not pass by itself). A due timer that did not fire is left to the next poll, so a
        failing case cannot spin the scheduler."""
        clock = self.backoffice.clock
        if clock.simulated:
            return
        try:
            due = self.backoffice.cases.next_due()
        except Exception:
            log.exception("reading the next due timer failed")
            return
        if due is None or due <= clock.now():
            return
        self.scheduler.add_job(
            self.wake,
            "date",
            run_date=due + timedelta(microseconds=1),
            id=WAKE_JOB,
            replace_existing=True,
            misfire_grace_time=None,
            coalesce=True,
        )

    def _wake_at_lease_expiry(self) -> None:
        """Due timers another claimer holds: look again the moment its lease runs out (it may
        have died), not only at the next poll. Leases run on real time in every mode."""
        try:
            expiry = self.backoffice.cases.timer_leases.next_lease_expiry(
                self.backoffice.clock.now()
            )
        except Exception:
            log.exception("reading timer leases failed")
            return
        if expiry is None:
            return
        self.scheduler.add_job(
            self.wake,
            "date",
            run_date=expiry + timedelta(milliseconds=10),
            id=LEASE_JOB,
            replace_existing=True,
            misfire_grace_time=None,
            coalesce=True,
        )
