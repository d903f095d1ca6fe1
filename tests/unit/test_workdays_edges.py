"""Edges of the working-day calendar that mutation testing found unpinned (README "Mutation
testing"): a calendar built without overrides, switching its source, month limits in unloaded years, and instants whose zone gives no offset."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone, tzinfo

import pytest

from app.kernel.workdays import CalendarGapError, WorkingCalendar, end_of_day_utc

BEIJING = timezone(timedelta(hours=8))
NATIONAL_DAY = date(2026, 10, 1)  # a statutory holiday in the bundled 2026 schedule
UNLOADED = 2031  # no bundled schedule, no override


class Overrides:
    """An override store as the database's: date -> worked."""

    def __init__(self, days: dict[date, bool] | None = None) -> None:
        self.days = dict(days or {})

    def overrides(self) -> dict[date, bool]:
        return dict(self.days)


def test_a_calendar_built_without_overrides_reads_the_bundled_schedule() -> None:
    calendar = WorkingCalendar()
    assert calendar.is_working_day(NATIONAL_DAY) is False
    assert calendar.is_working_day(date(2026, 10, 9)) is True
    with pytest.raises(CalendarGapError):
        calendar.is_working_day(date(UNLOADED, 3, 3))


def test_use_source_switches_to_the_new_overrides() -> None:
    calendar = WorkingCalendar()
    assert calendar.is_working_day(NATIONAL_DAY) is False
    calendar.use_source(Overrides({NATIONAL_DAY: True}))
    assert calendar.is_working_day(NATIONAL_DAY) is True
    calendar.use_source(None)
    assert calendar.is_working_day(NATIONAL_DAY) is False


def test_the_same_day_has_no_working_days_between_even_in_an_unloaded_year() -> None:
    calendar = WorkingCalendar()
    day = date(UNLOADED, 5, 6)
    assert calendar.working_days_between(day, day) == 0
    assert calendar.working_days_between(day, day - timedelta(days=3)) == 0


def test_a_month_limit_ending_on_an_unloaded_saturday_moves_to_monday_provisionally() -> None:
    calendar = WorkingCalendar()
    # 2031-02-08 + 1 month: Saturday 2031-03-08.
    start = datetime(2031, 2, 8, 10, 0, tzinfo=BEIJING)
    assert date(2031, 3, 8).weekday() == 5
    limit = calendar.month_deadline_for(start, 1)
    assert (limit.date, limit.provisional) == (date(2031, 3, 10), True)
    assert limit.due_at == end_of_day_utc(date(2031, 3, 10))


def test_a_month_limit_ending_on_an_unloaded_weekday_stays_there_provisionally() -> None:
    limit = WorkingCalendar().month_deadline_for(datetime(2031, 2, 10, 10, tzinfo=BEIJING), 1)
    assert (limit.date, limit.provisional) == (date(2031, 3, 10), True)


def test_a_month_limit_moved_off_a_known_rest_day_is_not_provisional() -> None:
    limit = WorkingCalendar().month_deadline_for(datetime(2026, 9, 1, 10, tzinfo=BEIJING), 1)
    assert limit.date == date(2026, 10, 8) and limit.provisional is False  # after the holidays


def test_a_month_limit_moved_into_an_unloaded_year_is_provisional() -> None:
    # The last day, 31 December 2026, is a rest day by override: the next working day is
    # in 2027, which is counted Mon-Fri without a schedule.
    calendar = WorkingCalendar(Overrides({date(2026, 12, 31): False}))
    limit = calendar.month_deadline_for(datetime(2026, 10, 31, 10, tzinfo=BEIJING), 2)
    assert limit.date == date(2027, 1, 1) and limit.provisional is True


def test_a_zero_day_limit_ends_on_the_acceptance_day_unless_asked_otherwise() -> None:
    calendar = WorkingCalendar()
    accepted = datetime(2026, 10, 1, 10, tzinfo=BEIJING)  # a holiday
    assert calendar.deadline_for(accepted, 0).date == NATIONAL_DAY
    assert calendar.deadline_for(accepted, 0, ends_on_working_day=True).date == date(2026, 10, 8)
    with pytest.raises(ValueError, match="n must be >= 0, got -1"):
        calendar.deadline_for(accepted, -1)


class NoOffset(tzinfo):
    """A zone object that knows no offset: as naive as no zone at all."""

    def utcoffset(self, dt: datetime | None) -> None:
        return None

    def dst(self, dt: datetime | None) -> None:
        return None


def test_an_instant_whose_zone_has_no_offset_is_refused() -> None:
    with pytest.raises(ValueError, match="time-zone-aware datetime required"):
        WorkingCalendar().deadline_for(datetime(2026, 10, 9, 10, tzinfo=NoOffset()), 1)
    assert WorkingCalendar().deadline_for(datetime(2026, 10, 9, 2, tzinfo=UTC), 0).date == date(
        2026, 10, 9
    )
