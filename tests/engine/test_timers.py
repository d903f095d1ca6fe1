"""Working-day timers through the real engine, the real store and the real scheduler."""

from __future__ import annotations

import json
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler

from app import workdays
from app.clock import clock
from app.scheduler import TimerScheduler
from app.services.backoffice import Backoffice
from app.services.cases import Actor
from tests.conftest import freeze, settings_for
from tests.helpers import case_row, events, scenario, tasks, timers


def _submit(office: Backoffice) -> str:
    story = scenario("bundle_all_three_success")
    return office.applications.submit(
        story["application"], Actor("portal", "applicant")
    ).case_number


def _committed(office: Backoffice, number: str):  # type: ignore[no-untyped-def]
    return next(t for t in timers(office, number) if t.kind == "timer_committed")


def test_committed_limit_fires_once_at_end_of_ninth_working_day(backoffice: Backoffice) -> None:
    # Accepted Monday 2026-09-28; National Day 10-01..10-07 and the 调休 Saturday 10-10
    # make the 9th working day Thursday 2026-10-15.
    freeze("2026-09-28T09:00:00+08:00")
    number = _submit(backoffice)
    row = case_row(backoffice, number)
    assert row.committed_due == date(2026, 10, 15)
    timer = _committed(backoffice, number)
    assert timer.due_at == datetime.fromisoformat("2026-10-15T23:59:59.999999+08:00")

    freeze("2026-10-15T23:59:00+08:00")
    backoffice.cases.fire_due_timers()  # step limits (e.g. the 5-day unemployment review) may fire
    assert _committed(backoffice, number).fired_at is None
    assert not case_row(backoffice, number).warned

    freeze("2026-10-16T00:00:01+08:00")
    assert backoffice.cases.fire_due_timers() >= 1
    assert backoffice.cases.fire_due_timers() == 0  # idempotent: nothing fires twice
    assert _committed(backoffice, number).fired_at is not None
    fired = [
        e for e in events(backoffice, number, "timer_fired") if e.data["kind"] == "timer_committed"
    ]
    assert len(fired) == 1
    row = case_row(backoffice, number)
    assert row.warned and not row.overdue
    assert row.status not in ("refused", "cancelled")
    assert any(
        t.task_spec == "escalate_committed" and t.role == "supervisor"
        for t in tasks(backoffice, number, "open")
    )


def test_timer_due_while_stopped_fires_once_when_the_scheduler_starts(database_url: str) -> None:
    freeze("2026-09-28T09:00:00+08:00")
    office = Backoffice(settings_for(database_url))
    number = _submit(office)
    office.close()  # the service is down ...

    freeze("2026-10-20T10:00:00+08:00")  # ... while the committed limit passes
    restarted = Backoffice(settings_for(database_url))
    scheduler = TimerScheduler(restarted, BackgroundScheduler())
    scheduler.start()
    try:
        deadline = time.monotonic() + 20
        while _committed(restarted, number).fired_at is None and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        scheduler.shutdown()
    assert _committed(restarted, number).fired_at is not None

    # A second start (e.g. another restart) finds nothing left to fire.
    again = TimerScheduler(restarted, BackgroundScheduler())
    again.start()
    time.sleep(0.5)
    again.shutdown()
    fired = [
        e for e in events(restarted, number, "timer_fired") if e.data["kind"] == "timer_committed"
    ]
    assert len(fired) == 1
    restarted.close()


def test_unloaded_year_gives_flagged_provisional_deadline_then_recomputed(
    database_url: str, tmp_path: Path, make_app: Any
) -> None:
    gap_year = max(workdays.loaded_years()) + 1
    try:
        workdays.add_working_days(date(gap_year, 1, 5), 1)
        raise AssertionError("an unloaded year must raise CalendarGapError")
    except workdays.CalendarGapError as gap:
        assert gap.year == gap_year

    # Accepted in December of the last loaded year: the 45-day legal limit ends in gap_year.
    freeze(f"{gap_year - 1}-12-01T10:00:00+08:00")
    app = make_app(settings_for(database_url))
    office: Backoffice = app.extensions["backoffice"]
    submitted = _submit(office)
    row = case_row(office, submitted)
    assert row.deadlines_provisional is True
    legal = next(t for t in timers(office, submitted) if t.kind == "timer_legal")
    assert legal.provisional is True
    provisional_due = legal.due_at

    # Loading the year's schedule (a holiday in the first week) recomputes the deadline.
    schedule = tmp_path / "schedule.json"
    schedule.write_text(
        json.dumps(
            [
                {"date": f"{gap_year}-01-01", "kind": "rest", "note": "元旦（测试用通知）"},
                {"date": f"{gap_year}-01-04", "kind": "rest", "note": "元旦调休（测试用通知）"},
                {"date": f"{gap_year}-01-05", "kind": "rest", "note": "元旦调休（测试用通知）"},
            ],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    result = app.test_cli_runner().invoke(args=["calendar", "import", str(schedule)])
    assert result.exit_code == 0, result.output
    assert "recomputed" in result.output
    legal = next(t for t in timers(office, submitted) if t.kind == "timer_legal")
    assert legal.provisional is False
    assert legal.due_at > provisional_due  # the new rest days push it later
    row = case_row(office, submitted)
    assert row.deadlines_provisional is False
    assert row.legal_due == workdays.local_date(legal.due_at)
    assert any(e.kind == "timer_rescheduled" for e in events(office, submitted))
    assert clock.simulated
