"""Script functions the diagrams call: limits by region (null = none, 0 = 即办) and deadlines."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from app.engine import scripting
from app.engine.scripting import LimitTable, ScriptFunctions
from app.kernel import workdays
from app.kernel.clock import Clock

CST = timezone(timedelta(hours=8))
LIMITS = Path(__file__).resolve().parents[2] / "processes" / "limits.json"


def _functions() -> ScriptFunctions:
    """The diagram functions on a calendar of their own (bundled schedule, no overrides)."""
    return ScriptFunctions(workdays.WorkingCalendar(), LimitTable(LIMITS), Clock())


def test_repository_limits_give_hangzhou_an_immediate_committed_limit_only() -> None:
    table = LimitTable(LIMITS)
    # seed 002 十二「承诺期限：即办」: 0 working days, which is a limit, not the lack of one.
    assert table.has("unemployment.committed", "330100") is True
    assert table.get("unemployment.committed", "330100") == 0
    for region in ("330602", "330304", None):
        assert table.has("unemployment.committed", region) is False
        with pytest.raises(LookupError):
            table.get("unemployment.committed", region)
    assert "unemployment.committed" in json.loads(LIMITS.read_text("utf-8"))["sources"]


def test_null_regional_value_switches_a_default_limit_off(tmp_path: Path) -> None:
    path = tmp_path / "limits.json"
    path.write_text(
        json.dumps({"default": {"x.committed": 3}, "regions": {"111111": {"x.committed": None}}}),
        encoding="utf-8",
    )
    table = LimitTable(path)
    assert (table.has("x.committed"), table.get("x.committed")) == (True, 3)
    assert table.has("x.committed", "111111") is False
    with pytest.raises(KeyError):  # a misspelt key is an error, not "no limit"
        table.has("x.comitted", "111111")


def test_immediate_deadline_from_a_rest_day_is_recorded_as_the_one_day_limit_it_equals() -> None:
    functions = _functions()
    holiday = datetime(2026, 10, 3, 10, 0, tzinfo=CST)
    value = functions.deadline(holiday.isoformat(), 0, ends_on_working_day=True)
    assert datetime.fromisoformat(value) == workdays.end_of_day_utc(datetime(2026, 10, 8).date())
    call = functions.ledger.lookup(value)
    assert call is not None and (call.start, call.working_days) == (holiday, 1)
    # Recomputing from the recorded call (CaseService.recompute_provisional) gives the same day.
    assert workdays.deadline_for(call.start, call.working_days).due_at.isoformat() == value
    monday = datetime(2026, 9, 28, 9, 0, tzinfo=CST)
    same_day = functions.deadline(monday.isoformat(), 0, ends_on_working_day=True)
    assert functions.ledger.lookup(same_day) == scripting.DeadlineCall(monday, 0, False)


def test_hangzhou_limits_bind_its_transfer_out_agency() -> None:
    """seed 002 八、十一、十二: Hangzhou's guide is its own agency's service (the 联系函 it issues
    as the transfer-out agency); Ouhai's (seed 001 十二) binds Ouhai's steps on either side."""
    table = LimitTable(LIMITS)
    assert table.binding("unemployment.out.committed") == "transfer_out"
    assert table.binding("unemployment.out.legal") == "transfer_out"
    assert table.binding("unemployment.transfer_in") == "transfer_in"
    assert (table.binding("medical.in.committed"), table.binding("medical.out.committed")) == (
        "transfer_in",
        "transfer_out",
    )
    assert (
        table.get("unemployment.out.committed", "330100"),
        table.get("unemployment.out.legal", "330100"),
    ) == (0, 30)
    for region in ("330602", "330304", "310100"):
        assert table.has("unemployment.out.committed", region) is False
        assert table.has("unemployment.out.legal", region) is False
    assert table.get("medical.in.committed", "330304") == 5
    assert table.get("medical.out.committed", "330304") == 5
    assert table.has("medical.in.committed", "330100") is False
    # Old versions still call limit('unemployment.legal', transfer_in_region): same answers.
    assert table.binding("unemployment.legal") == "legacy"
    assert (
        table.get("unemployment.legal", "330100"),
        table.get("unemployment.legal", "330602"),
    ) == (30, 0)


def test_limit_deadline_is_the_deadline_or_already_past_where_the_region_has_none() -> None:
    functions = _functions()
    monday = datetime(2026, 9, 28, 9, 0, tzinfo=CST)
    hangzhou = functions.limit_deadline(monday.isoformat(), "unemployment.out.legal", "330100")
    assert hangzhou == functions.deadline(monday, 30)
    immediate = functions.limit_deadline(
        monday, "unemployment.out.committed", "330100", ends_on_working_day=True
    )
    assert datetime.fromisoformat(immediate) == workdays.end_of_day_utc(monday.date())
    none = functions.limit_deadline(monday, "unemployment.out.legal", "330602")
    assert none == scripting.NOT_APPLICABLE
    assert datetime.fromisoformat(none) < monday


def test_month_deadline_counts_months_as_the_civil_code_does() -> None:
    """2021 通知 第三条（四）「1个月内」: not SpiffWorkflow's P1M (start month's day count, UTC)."""
    functions = _functions()
    saturday_31st = datetime(2026, 10, 31, 10, 0, tzinfo=CST)
    value = functions.month_deadline(saturday_31st.isoformat(), 1)
    assert datetime.fromisoformat(value) == workdays.end_of_day_utc(datetime(2026, 11, 30).date())
    # P1M would give 2026-12-01 10:00 (+31 days): later than the law's end.
    holiday = functions.month_deadline(datetime(2026, 9, 1, 10, 0, tzinfo=CST), 1)
    assert datetime.fromisoformat(holiday) == workdays.end_of_day_utc(datetime(2026, 10, 8).date())
    assert functions.environment()["month_deadline"] == functions.month_deadline
