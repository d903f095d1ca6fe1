"""A case's committed (承诺) and legal (法定) dates as the worklist shows them: which is
provisional (暂定) and by how many working days an open case is past each one.

Computed from the case row alone (accepted_at, the two dates, the provisional flag), so a list
page never needs the workflow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from app.kernel import workdays

# Statuses in which a case is still being handled toward its 办结 (the limits bind these only).
HANDLING = ("accepted", "in_review", "in_transfer", "running")


@dataclass(frozen=True)
class CaseDeadline:
    kind: str  # committed | legal
    label: str  # 承诺办结期限 | 法定办结期限
    due: date
    provisional: bool
    late_days: int | None  # working days past the date; None while not past (or not handling)
    late_guessed: bool = False  # the count ran through a year whose schedule is not loaded

    @property
    def text(self) -> str:
        if self.late_days is None:
            return ""
        about = "约 " if self.late_guessed else ""
        short = "承诺" if self.kind == "committed" else "法定"
        if self.late_days == 0:  # past the end of the day, on a rest day
            return f"已超过{short}时限"
        return f"超过{short}时限 {about}{self.late_days} 个工作日"


def working_days_late(
    due: date, today: date, calendar: workdays.WorkingCalendar
) -> tuple[int, bool]:
    """Working days in (due, today] with the runtime's calendar; a year whose schedule is not
    loaded counts Mon–Fri and says so."""
    try:
        return calendar.working_days_between(due, today), False
    except workdays.CalendarGapError:
        days = sum(
            1 for n in range(1, (today - due).days + 1) if (due + timedelta(days=n)).weekday() < 5
        )
        return days, True


def _needs_unloaded_year(start: date, due: date, calendar: workdays.WorkingCalendar) -> bool:
    # Counting begins the day after the start (calendar._add): those years, up to the due date's.
    first = (start + timedelta(days=1)).year
    return any(not calendar.is_year_loaded(year) for year in range(first, due.year + 1))


def provisional_flags(
    accepted_at: datetime | None,
    committed: date | None,
    legal: date | None,
    flagged: bool,
    calendar: workdays.WorkingCalendar,
) -> tuple[bool, bool]:
    """Which of the two dates is provisional. The row keeps one flag for both (committed or
    legal was computed without its year's schedule); both limits run from the same acceptance,
    so the later date is provisional whenever either is, and the earlier one only when its own
    count needed a year still not loaded."""
    if not flagged or accepted_at is None:
        return False, False
    start = workdays.local_date(accepted_at)

    def own(day: date | None) -> bool:
        return day is not None and _needs_unloaded_year(start, day, calendar)

    if committed is None or legal is None:
        return committed is not None, legal is not None
    if legal >= committed:
        return own(committed), True
    return True, own(legal)


def case_deadlines(
    *,
    status: str,
    accepted_at: datetime | None,
    committed: date | None,
    legal: date | None,
    flagged: bool,
    completed_at: datetime | None,
    now: datetime,
    calendar: workdays.WorkingCalendar,
) -> list[CaseDeadline]:
    """The committed and legal dates of a case, each with its provisional mark and, while the
    case is still being handled, how many working days it is past the date."""
    committed_prov, legal_prov = provisional_flags(accepted_at, committed, legal, flagged, calendar)
    today = workdays.local_date(now)
    handling = status in HANDLING and completed_at is None
    found = []
    for kind, label, due, provisional in (
        ("committed", "承诺办结期限", committed, committed_prov),
        ("legal", "法定办结期限", legal, legal_prov),
    ):
        if due is None:
            continue
        late: int | None = None
        guessed = False
        if handling and today > due:  # a limit runs to the end of its last day, Beijing time
            late, guessed = working_days_late(due, today, calendar)
        found.append(CaseDeadline(kind, label, due, provisional, late, guessed))
    return found


def row_deadlines(
    row: Any, now: datetime, calendar: workdays.WorkingCalendar
) -> list[CaseDeadline]:
    """case_deadlines of anything carrying a case row's columns (a row, a summary)."""
    return case_deadlines(
        status=row.status,
        accepted_at=row.accepted_at,
        committed=row.committed_due,
        legal=row.legal_due,
        flagged=bool(row.deadlines_provisional),
        completed_at=row.completed_at,
        now=now,
        calendar=calendar,
    )


__all__ = [
    "HANDLING",
    "CaseDeadline",
    "case_deadlines",
    "provisional_flags",
    "row_deadlines",
    "working_days_late",
]
