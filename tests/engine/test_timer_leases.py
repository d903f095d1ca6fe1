"""Several schedulers share the due timers through leases: each fires exactly once, a dead
claimer's timers are taken over only after its lease, and every scheduler writes a heartbeat."""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select, update

from app.bootstrap import Backoffice
from app.entrypoints.scheduler import WAKE_JOB, TimerScheduler
from app.features.cases.service import Actor
from app.features.cases.timer_leases import TimerLeases
from app.kernel.config import ROOT
from app.store.models import AuditEvent, Case, SchedulerHeartbeat, Timer
from tests.conftest import current_clock, freeze, settings_for
from tests.helpers import scenario

START = "2026-09-28T09:00:00+08:00"
LATER = "2026-11-30T09:00:00+08:00"  # every limit of a case accepted on START has passed


def _submit(office: Backoffice, count: int) -> list[str]:
    story = scenario("bundle_all_three_success")
    actor = Actor("portal", "applicant")
    return [
        office.applications.submit(story["application"], actor).case_number for _ in range(count)
    ]


def _due_unfired(office: Backoffice, now: datetime) -> int:
    with office.db.sessions() as session:
        return len(
            session.execute(
                select(Timer.id).where(
                    Timer.fired_at.is_(None), Timer.cancelled_at.is_(None), Timer.due_at < now
                )
            ).all()
        )


def _fired_events(office: Backoffice) -> Counter[str]:
    with office.db.sessions() as session:
        data = session.execute(
            select(AuditEvent.data).where(AuditEvent.kind == "timer_fired")
        ).scalars()
        return Counter(d["task"] for d in data)


def _fired_rows(office: Backoffice) -> set[str]:
    with office.db.sessions() as session:
        return set(
            session.execute(select(Timer.task_uuid).where(Timer.fired_at.is_not(None))).scalars()
        )


def test_two_schedulers_share_the_backlog_and_fire_each_timer_once(database_url: str) -> None:
    freeze(START)
    first = Backoffice(settings_for(database_url), clock=current_clock())
    second = Backoffice(
        settings_for(database_url), clock=current_clock()
    )  # another runtime: its own pools and cache
    try:
        _submit(first, 30)
        now = freeze(LATER)
        backlog = _due_unfired(first, now)
        assert backlog >= 30
        for office in (first, second):
            office.cases.timer_leases.batch = 1  # small claims, so the two interleave
        # On SQLite's single writer the first scheduler can win every lock race (nothing is
        # fair about it), and then the second never claims anything. So after its first fire
        # the first waits until the second has fired one: the real fires, only their order
        # is set, and from there the two race freely.
        second_fired = threading.Event()
        fire_first, fire_second = (
            first.cases.timer_leases.fire_case,
            second.cases.timer_leases.fire_case,
        )

        def first_fires(case_id: int, at: datetime, guard: Any) -> Any:
            events = fire_first(case_id, at, guard)
            if events:
                second_fired.wait(timeout=60)
            return events

        def second_fires(case_id: int, at: datetime, guard: Any) -> Any:
            events = fire_second(case_id, at, guard)
            if events:
                second_fired.set()
            return events

        first.cases.timer_leases.fire_case = first_fires
        second.cases.timer_leases.fire_case = second_fires
        counts: dict[str, int] = {}
        barrier = threading.Barrier(2)

        def run(name: str, office: Backoffice) -> None:
            barrier.wait()
            counts[name] = office.cases.fire_due_timers(holder=name)

        threads = [
            threading.Thread(target=run, args=(name, office))
            for name, office in (("sched-a", first), ("sched-b", second))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        assert counts["sched-a"] > 0 and counts["sched-b"] > 0, counts  # both did work
        assert _due_unfired(first, now) == 0  # nothing missed
        fired = _fired_events(first)
        assert max(fired.values()) == 1  # nothing fired twice
        assert set(fired) == _fired_rows(first)
        assert sum(counts.values()) == len(fired)
    finally:
        first.close()
        second.close()


def test_a_dead_claimers_timers_are_taken_over_only_after_its_lease(backoffice: Backoffice) -> None:
    freeze(START)
    _submit(backoffice, 1)
    now = freeze(LATER)
    due = _due_unfired(backoffice, now)
    assert due > 0
    # A scheduler claimed every due timer and was killed before firing: its lease stays.
    lease_until = datetime.now(UTC) + timedelta(seconds=2)
    with backoffice.db.transaction() as uow:
        conn = uow.connection()
        conn.execute(
            update(Timer)
            .where(Timer.fired_at.is_(None), Timer.due_at < now)
            .values(claimed_by="gone-host:4242:dead", lease_until=lease_until)
        )
    assert backoffice.cases.fire_due_timers(holder="survivor") == 0
    assert _due_unfired(backoffice, now) == due  # the live lease is respected

    while datetime.now(UTC) <= lease_until:
        time.sleep(0.05)
    assert backoffice.cases.fire_due_timers(holder="survivor") >= due
    assert _due_unfired(backoffice, now) == 0
    assert max(_fired_events(backoffice).values()) == 1


def test_the_scheduler_wakes_when_a_dead_claimers_lease_runs_out(database_url: str) -> None:
    freeze(START)
    office = Backoffice(settings_for(database_url), clock=current_clock())
    _submit(office, 1)
    now = freeze(LATER)
    lease_until = datetime.now(UTC) + timedelta(seconds=1.5)
    with office.db.transaction() as uow:
        conn = uow.connection()
        conn.execute(
            update(Timer)
            .where(Timer.fired_at.is_(None), Timer.due_at < now)
            .values(claimed_by="gone-host:4242:dead", lease_until=lease_until)
        )
    # A long poll interval: only the wake-up at the lease's end can fire in time.
    scheduler = TimerScheduler(office, BackgroundScheduler(), poll_seconds=600)
    scheduler.start()
    try:
        deadline = time.monotonic() + 10
        while _due_unfired(office, now) and time.monotonic() < deadline:
            time.sleep(0.05)
        took_over_at = datetime.now(UTC)
        assert _due_unfired(office, now) == 0
    finally:
        scheduler.shutdown()
        office.close()
    assert lease_until < took_over_at < lease_until + timedelta(seconds=2)


def test_a_claimer_whose_lease_was_taken_over_does_not_fire(backoffice: Backoffice) -> None:
    freeze(START)
    (number,) = _submit(backoffice, 1)
    now = freeze(LATER)
    leases: TimerLeases = backoffice.cases.timer_leases
    stale = leases.claim(now, "slow")  # claimed, then stalled past its lease
    assert stale
    with backoffice.db.transaction() as uow:
        conn = uow.connection()
        conn.execute(update(Timer).values(lease_until=datetime.now(UTC) - timedelta(seconds=1)))
    assert backoffice.cases.fire_due_timers(holder="fresh") > 0
    with backoffice.db.sessions() as session:
        version = session.execute(select(Case.version).where(Case.number == number)).scalar()
    # The stalled claimer wakes up and tries its old claim: the fire is called off.
    (case_id, timer_ids), *_ = stale.items()
    assert leases._fire(case_id, timer_ids, now, "slow") == 0
    with backoffice.db.sessions() as session:
        after = session.execute(select(Case.version).where(Case.number == number)).scalar()
    assert after == version  # not even an empty write of the case


def test_each_fire_is_logged_with_case_element_due_and_lateness(
    backoffice: Backoffice, caplog: pytest.LogCaptureFixture
) -> None:
    freeze(START)
    (number,) = _submit(backoffice, 1)
    freeze(LATER)
    with caplog.at_level(logging.INFO, logger="app.features.cases.timer_leases"):
        fired = backoffice.cases.fire_due_timers()
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("timer fired")]
    assert len(lines) == fired > 0
    assert any(
        re.match(
            rf"timer fired: case {number} element timer_committed due 2026-10-15T15:59:59"
            r"\.999999\+00:00 lateness \d+\.\d{3} s",
            line,
        )
        for line in lines
    ), lines


def test_every_scheduler_writes_a_heartbeat_each_poll(database_url: str) -> None:
    office = Backoffice(settings_for(database_url), clock=current_clock())
    scheduler = TimerScheduler(office, BackgroundScheduler(), poll_seconds=0.2)
    scheduler.start()
    try:
        with office.db.sessions() as session:
            first = session.execute(select(SchedulerHeartbeat)).scalar_one()
        time.sleep(0.7)
        with office.db.sessions() as session:
            later = session.execute(select(SchedulerHeartbeat)).scalar_one()
    finally:
        scheduler.shutdown()
    assert re.fullmatch(r"[^:]+:\d+:[0-9a-f]{32}", first.id) and first.id == scheduler.id
    assert first.poll_seconds == 0.2
    assert later.beat_at > first.beat_at and later.started_at == first.started_at
    with office.db.sessions() as session:  # a clean stop removes its row
        assert session.execute(select(SchedulerHeartbeat)).first() is None
    office.close()


@pytest.mark.postgres
def test_on_postgresql_a_claim_skips_the_rows_another_claim_holds(postgres_url: str) -> None:
    freeze(START)
    office = Backoffice(settings_for(postgres_url), clock=current_clock())
    try:
        _submit(office, 6)
        now = freeze(LATER)
        leases: TimerLeases = office.cases.timer_leases
        leases.batch = 3
        second: dict[int, list[int]] = {}
        # The first claim's transaction is still open (rows locked, nothing committed) while
        # a second connection claims: it must skip those rows, not wait for them.
        with office.db.transaction() as uow:
            conn = uow.connection()
            first = leases.claim_in(conn, now, "first")
            worker = threading.Thread(target=lambda: second.update(leases.claim(now, "second")))
            worker.start()
            worker.join(timeout=5)
            assert not worker.is_alive(), "the second claim waited for the first one's locks"
        first_ids = {t for ids in first.values() for t in ids}
        second_ids = {t for ids in second.values() for t in ids}
        assert len(first_ids) == len(second_ids) == 3
        assert not first_ids & second_ids
    finally:
        office.close()


def test_the_standalone_scheduler_process_fires_logs_beats_serves_metrics_and_stops_on_sigterm(
    database_url: str, tmp_path: Path
) -> None:
    freeze(START)  # the case was accepted long ago: its limits have passed in real time
    office = Backoffice(settings_for(database_url), clock=current_clock())
    (number,) = _submit(office, 1)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test",
        "PYTHONPATH": str(ROOT),
    }
    log_path = tmp_path / "scheduler.log"
    with log_path.open("w") as log_file:
        process = _start_scheduler(port, env, log_file)
    try:
        deadline = time.monotonic() + 60
        while _due_unfired(office, datetime.now(UTC)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _due_unfired(office, datetime.now(UTC)) == 0
        with office.db.sessions() as session:
            (beat,) = session.execute(select(SchedulerHeartbeat)).scalars()
        assert beat.id.split(":")[1] == str(process.pid)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as answer:
            body = answer.read()
        assert b"sitransfer_timer_lateness_seconds_count" in body
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    output = log_path.read_text()
    assert f"timer fired: case {number} element timer_committed" in output
    with office.db.sessions() as session:
        assert session.execute(select(SchedulerHeartbeat)).first() is None
    office.close()


def _start_scheduler(port: int, env: dict[str, str], log_file: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "scheduler", "--metrics-port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )


def test_a_poll_arms_the_wake_up_at_a_timer_another_process_armed(database_url: str) -> None:
    """Real time: a timer written by another process (no listener here) must wake this
    scheduler at its due time, not at the first poll after it."""
    office = Backoffice(settings_for(database_url), clock=current_clock())  # real time
    try:
        _submit(office, 1)
        due = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
        with office.db.transaction() as uow:
            conn = uow.connection()
            first = conn.execute(select(Timer.id).order_by(Timer.id).limit(1)).scalar_one()
            conn.execute(update(Timer).where(Timer.id == first).values(due_at=due))
        scheduler = TimerScheduler(office, BackgroundScheduler(timezone=UTC), poll_seconds=600)
        scheduler.scheduler.start(paused=True)  # jobs get their run times; none runs
        try:
            assert scheduler.wake() == 0  # the poll: nothing due yet
            job = scheduler.scheduler.get_job(WAKE_JOB)
            assert job is not None
            assert job.next_run_time == due + timedelta(microseconds=1)
        finally:
            scheduler.scheduler.shutdown(wait=False)
    finally:
        office.close()
