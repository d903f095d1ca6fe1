"""One explicit runtime, no process-wide state (issue 13): each Backoffice computes deadlines
with its own calendar and limits table, and a replay with its own calendar instance never
changes what another thread computes meanwhile."""

from __future__ import annotations

import copy
import re
import threading
from datetime import date, datetime
from typing import Any

import pytest

from app.bootstrap import Backoffice
from app.features.audit.replay import Replayer
from app.features.cases.service import Actor
from app.features.modeling.calendar import DayEntry
from app.kernel.clock import Clock
from app.kernel.config import ROOT
from tests.conftest import current_clock, freeze, settings_for
from tests.helpers import case_row, scenario

# Friday 2026-10-09 is an ordinary working day in the State Council's 2026 schedule; the office
# under test declares it a rest day, which moves a 9-working-day limit begun on 2026-09-28.
REST_DAY = date(2026, 10, 9)
MONDAY = "2026-09-28T09:00:00+08:00"


def _submit(office: Backoffice) -> str:
    application = copy.deepcopy(scenario("bundle_all_three_success")["application"])
    return office.applications.submit(application, Actor("portal", "applicant")).case_number


def _declare_rest_day(office: Backoffice) -> None:
    office.calendar.set_days([DayEntry(REST_DAY, False, "测试：本地调整为休息日")], actor="tests")


def test_two_offices_in_one_process_compute_deadlines_with_their_own_calendars(
    database_url: str, second_database_url: str
) -> None:
    plain = Backoffice(settings_for(database_url), clock=current_clock())
    adjusted = Backoffice(settings_for(second_database_url), clock=current_clock())
    try:
        _declare_rest_day(adjusted)
        freeze(MONDAY)
        in_plain, in_adjusted = _submit(plain), _submit(adjusted)
        # seed 000 十六: the committed limit is 9 working days from acceptance.
        assert case_row(plain, in_plain).committed_due == date(2026, 10, 15)
        assert case_row(adjusted, in_adjusted).committed_due == date(2026, 10, 16)
        # Building the second office did not re-point the first one's calendar.
        assert plain.working_calendar.is_working_day(REST_DAY)
        assert not adjusted.working_calendar.is_working_day(REST_DAY)
        again = Backoffice(settings_for(database_url), clock=current_clock())
        try:
            assert not adjusted.working_calendar.is_working_day(REST_DAY)
            assert case_row(adjusted, _submit(adjusted)).committed_due == date(2026, 10, 16)
        finally:
            again.close()
    finally:
        plain.close()
        adjusted.close()


def test_a_replay_on_the_old_calendar_does_not_move_another_threads_deadline(
    backoffice: Backoffice,
) -> None:
    replayed = backoffice.scenarios.run(scenario("bundle_all_three_success")).case_number
    # The calendar changes after the case ran: its replay computes with the calendar then.
    _declare_rest_day(backoffice)
    freeze(MONDAY)
    live = case_row(backoffice, _submit(backoffice)).committed_due
    assert live == date(2026, 10, 16)

    seen: list[date] = []
    hooks = backoffice.cases.task_hooks
    key = ("medical_transfer", "contact_letter")
    original = hooks[key]

    def in_the_middle_of_the_replay(
        before: dict[str, Any], form: dict[str, Any], now: datetime
    ) -> Any:
        # Another clerk's request, on another thread, while the replay is between steps.
        worker = threading.Thread(
            target=lambda: seen.append(case_row(backoffice, _submit(backoffice)).committed_due)
        )
        worker.start()
        worker.join()
        return original(before, form, now)

    replayer = Replayer(backoffice)
    replayer.hooks = {**hooks, key: in_the_middle_of_the_replay}
    result = replayer.replay(replayed)
    assert result.identical, result.line()
    assert seen and seen == [live] * len(seen)
    # And after the replay the runtime's calendar is today's.
    assert not backoffice.working_calendar.is_working_day(REST_DAY)


@pytest.mark.parametrize("module", ["app/kernel/workdays.py", "app/engine/scripting.py"])
def test_calendar_and_script_functions_keep_no_process_wide_state(module: str) -> None:
    source = (ROOT / module).read_text(encoding="utf-8")
    assert not re.findall(r"^\s*global\s", source, flags=re.MULTILINE)


def test_two_runtimes_keep_their_own_time_and_fire_timers_on_it(
    database_url: str, second_database_url: str
) -> None:
    """Each runtime's clock is its own: moving one (as a sandbox or a demo loader does) starts
    cases, stamps events and fires timers on that runtime only (no shared or patched "now")."""
    early, late = Clock(), Clock()
    early.freeze(datetime.fromisoformat(MONDAY))
    late.freeze(datetime.fromisoformat("2026-11-02T09:00:00+08:00"))
    first = Backoffice(settings_for(database_url), clock=early)
    second = Backoffice(settings_for(second_database_url), clock=late)
    try:
        number_early, number_late = _submit(first), _submit(second)
        assert case_row(first, number_early).accepted_at == early.now()
        assert case_row(second, number_late).accepted_at == late.now()
        # Past the early case's 9-day committed limit on the late clock only: the early office
        # fires nothing, although the same workflow code runs in the same process.
        late.freeze(datetime.fromisoformat("2026-12-31T09:00:00+08:00"))
        assert first.cases.fire_due_timers() == 0
        assert case_row(first, number_early).warned is False
        assert second.cases.fire_due_timers() >= 1
        assert case_row(second, number_late).warned is True
    finally:
        first.close()
        second.close()
