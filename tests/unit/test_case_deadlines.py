"""A case's committed and legal dates as the worklist shows them: lateness counted in working
days with the runtime's calendar, 暂定 on exactly the provisional dates, Beijing time."""

from __future__ import annotations

from datetime import UTC, date, datetime

from app.features.worklist.case_deadlines import case_deadlines, provisional_flags
from app.kernel import workdays
from app.web.display import beijing

CALENDAR = workdays.WorkingCalendar()
LAST = max(CALENDAR.loaded_years())  # the last year whose official schedule is bundled


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _deadlines(now: str, status: str = "in_transfer", **changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "status": status,
        "accepted_at": _at("2026-09-17T10:00:00+08:00"),
        "committed": date(2026, 9, 30),
        "legal": date(2026, 11, 20),
        "flagged": False,
        "completed_at": None,
        "now": _at(now),
        "calendar": CALENDAR,
    }
    values.update(changes)
    return {d.kind: d for d in case_deadlines(**values)}  # type: ignore[arg-type]


def test_a_case_past_its_committed_date_counts_working_days_across_national_day() -> None:
    # Due Wednesday 2026-09-30; 10-01..10-07 are the National Day holiday, Saturday 10-10 is a
    # make-up working day: by Monday 10-12 the case is 4 working days late (Mon–Fri would say 8).
    shown = _deadlines("2026-10-12T09:00:00+08:00")
    committed, legal = shown["committed"], shown["legal"]
    assert committed.late_days == 4 and committed.text == "超过承诺时限 4 个工作日"
    assert legal.late_days is None and legal.text == ""
    # Inside the holiday the case is late, but not by a working day yet.
    assert _deadlines("2026-10-05T09:00:00+08:00")["committed"].text == "已超过承诺时限"
    # The limit runs to the end of its last day, Beijing time (16:30 UTC is 00:30 next day).
    assert _deadlines("2026-09-30T23:59:00+08:00")["committed"].late_days is None
    assert _deadlines("2026-09-30T16:30:00+00:00")["committed"].late_days == 0


def test_a_concluded_or_refused_case_is_not_late() -> None:
    for status in ("concluded", "refused"):
        assert _deadlines("2026-12-01T09:00:00+08:00", status)["committed"].late_days is None
    done = _deadlines("2026-12-01T09:00:00+08:00", completed_at=_at("2026-11-30T09:00:00+08:00"))
    assert done["legal"].late_days is None


def test_provisional_marks_only_the_date_computed_without_its_years_schedule() -> None:
    accepted = _at(f"{LAST}-12-14T10:00:00+08:00")
    committed = date(LAST, 12, 25)  # inside the loaded year: exact
    legal = date(LAST + 1, 2, 15)  # in the next, unloaded year: provisional
    # The row keeps one flag for both; only the legal date is provisional.
    assert provisional_flags(accepted, committed, legal, True, CALENDAR) == (False, True)
    # Both in the unloaded year: both provisional.
    assert provisional_flags(accepted, date(LAST + 1, 1, 5), legal, True, CALENDAR) == (True, True)
    # Not flagged (computed with the schedule) is never 暂定, whatever the year.
    assert provisional_flags(accepted, date(LAST + 1, 1, 5), legal, False, CALENDAR) == (
        False,
        False,
    )
    shown = _deadlines(
        f"{LAST}-12-15T09:00:00+08:00",
        accepted_at=accepted,
        committed=committed,
        legal=legal,
        flagged=True,
    )
    assert (shown["committed"].provisional, shown["legal"].provisional) == (False, True)


def test_beijing_filter_shows_instants_in_asia_shanghai() -> None:
    instant = datetime(2026, 12, 5, 17, 30, tzinfo=UTC)  # 01:30 on 12-06 in Beijing
    assert beijing(instant) == "2026-12-06 01:30"
    assert beijing(instant.replace(tzinfo=None)) == "2026-12-06 01:30"  # stored UTC, naive
    assert beijing("2026-12-05T17:30:00+00:00") == "2026-12-06 01:30"
    assert beijing(instant, "%H:%M:%S") == "01:30:00"
    assert beijing(date(2026, 12, 5)) == "2026-12-05"  # a date is a date in every zone
    assert beijing("2026-12-05") == "2026-12-05"
    assert beijing(None) == ""
