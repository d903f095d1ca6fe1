"""The working-day calendar under its contract name (contracts §1); it lives in app.kernel.workdays."""

from app.kernel.workdays import (
    TZ,
    CalendarGapError,
    Deadline,
    WorkingCalendar,
    add_months,
    add_working_days,
    add_working_days_provisional,
    deadline_for,
    default_calendar,
    end_of_day_utc,
    is_working_day,
    local_date,
    month_deadline_for,
    working_days_between,
)

__all__ = [
    "TZ",
    "CalendarGapError",
    "Deadline",
    "WorkingCalendar",
    "add_months",
    "add_working_days",
    "add_working_days_provisional",
    "deadline_for",
    "default_calendar",
    "end_of_day_utc",
    "is_working_day",
    "local_date",
    "month_deadline_for",
    "working_days_between",
]
