"""Tests for the working-day calendar (app.kernel.workdays)."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.kernel import workdays
from app.kernel.workdays import (
    CalendarGapError,
    Deadline,
    WorkingCalendar,
    add_working_days,
    add_working_days_provisional,
    deadline_for,
    end_of_day_utc,
    is_working_day,
    is_year_loaded,
    loaded_years,
    local_date,
    package_years,
    working_days_between,
)

CST = timezone(timedelta(hours=8))
ONE_DAY = timedelta(days=1)


def _first_uncovered_year() -> int:
    """First year after 2026 the installed package refuses, found by asking the package."""
    year = 2026
    while True:
        try:
            chinese_calendar.is_workday(date(year, 1, 1))
        except NotImplementedError:
            return year
        year += 1


GAP_YEAR = _first_uncovered_year()
LAST_COVERED = GAP_YEAR - 1


def _reference_add(d: date, n: int, worked: Callable[[date], bool]) -> date:
    """Slow day-by-day count, independent of the module's cached tables."""
    day = d
    while n:
        day += ONE_DAY
        if worked(day):
            n -= 1
    return day


def _package_or_weekdays(day: date) -> bool:
    if day.year < GAP_YEAR:
        return bool(chinese_calendar.is_workday(day))
    return day.weekday() < 5


class DictSource:
    """Tiny in-test override store: date -> True (work) / False (rest)."""

    def __init__(self, entries: dict[date, bool] | None = None) -> None:
        self.entries: dict[date, bool] = dict(entries or {})

    def overrides(self) -> dict[date, bool]:
        return dict(self.entries)


@pytest.fixture
def source() -> DictSource:
    return DictSource()


@pytest.fixture
def calendar(source: DictSource) -> WorkingCalendar:
    """A calendar of its own over the source: the module's default calendar is never touched."""
    return WorkingCalendar(source)


# --- coverage --------------------------------------------------------------------------------


def test_package_years_match_the_package_itself() -> None:
    years = package_years()
    assert 2026 in years
    assert GAP_YEAR not in years
    assert max(years) == LAST_COVERED
    for year in years:
        chinese_calendar.is_workday(date(year, 6, 1))  # must not raise
    assert loaded_years() == tuple(sorted(years))
    assert is_year_loaded(2026)
    assert not is_year_loaded(GAP_YEAR)


# --- plain calendar --------------------------------------------------------------------------


def test_weekends_are_rest_and_weekdays_work() -> None:
    assert is_working_day(date(2026, 3, 9))  # Monday
    assert is_working_day(date(2026, 3, 13))  # Friday
    assert not is_working_day(date(2026, 3, 14))  # Saturday
    assert not is_working_day(date(2026, 3, 15))  # Sunday


def test_national_day_2026() -> None:
    for day in range(1, 8):
        assert not is_working_day(date(2026, 10, day)), day
    # 2026: Oct 1–7 off; Oct 8 (Thursday) is an ordinary working day.
    assert is_working_day(date(2026, 10, 8))
    assert is_working_day(date(2026, 10, 9))
    assert not is_working_day(date(2026, 9, 25))  # Mid-Autumn (Friday)


def test_spring_festival_2026() -> None:
    for day in range(15, 24):
        assert not is_working_day(date(2026, 2, day)), day
    assert is_working_day(date(2026, 2, 24))


@pytest.mark.parametrize(
    "day",
    [date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 9, 20), date(2026, 10, 10)],
)
def test_make_up_weekend_days_are_working_days(day: date) -> None:
    assert day.weekday() >= 5
    assert is_working_day(day)


def test_nine_working_days_over_national_day() -> None:
    # Sep 29, 30, Oct 8, 9, 10 (make-up Saturday), 12, 13, 14, 15.
    assert add_working_days(date(2026, 9, 28), 9) == date(2026, 10, 15)


def test_acceptance_day_never_counts() -> None:
    assert add_working_days(date(2026, 3, 9), 1) == date(2026, 3, 10)
    assert add_working_days(date(2026, 3, 13), 1) == date(2026, 3, 16)  # Friday -> Monday
    assert add_working_days(date(2026, 3, 14), 1) == date(2026, 3, 16)  # Saturday -> Monday
    assert add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)  # make-up Saturday
    assert add_working_days(date(2026, 2, 14), 1) == date(2026, 2, 24)


def test_add_working_days_across_new_year() -> None:
    start = date(2025, 12, 20)
    assert add_working_days(start, 30) == _reference_add(start, 30, _package_or_weekdays)


@pytest.mark.parametrize("n", [0, -1])
def test_n_below_one_is_rejected(n: int) -> None:
    with pytest.raises(ValueError):
        add_working_days(date(2026, 3, 9), n)
    with pytest.raises(ValueError):
        add_working_days_provisional(date(2026, 3, 9), n)


def test_working_days_between_around_holidays() -> None:
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 7)) == 0
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 9)) == 2  # Oct 8, 9
    assert working_days_between(date(2026, 9, 28), date(2026, 9, 30)) == 2  # Sep 29, 30
    assert working_days_between(date(2026, 9, 28), date(2026, 10, 15)) == 9
    assert working_days_between(date(2026, 2, 13), date(2026, 2, 24)) == 2  # Feb 14, 24
    assert working_days_between(date(2026, 2, 14), date(2026, 2, 23)) == 0
    assert working_days_between(date(2025, 12, 31), date(2026, 1, 5)) == 2  # Jan 4 (Sun), 5


def test_working_days_between_empty_spans() -> None:
    assert working_days_between(date(2026, 3, 9), date(2026, 3, 9)) == 0
    assert working_days_between(date(2026, 3, 10), date(2026, 3, 9)) == 0


def test_whole_year_2026_matches_package() -> None:
    expected = sum(
        1 for i in range(365) if chinese_calendar.is_workday(date(2026, 1, 1) + i * ONE_DAY)
    )
    assert working_days_between(date(2025, 12, 31), date(2026, 12, 31)) == expected


@settings(max_examples=300, database=None, deadline=None)
@given(
    d=st.dates(min_value=date(2004, 1, 1), max_value=date(LAST_COVERED - 1, 6, 30)),
    n=st.integers(min_value=1, max_value=250),
)
def test_between_inverts_add(d: date, n: int) -> None:
    end = add_working_days(d, n)
    assert end > d
    assert is_working_day(end)
    assert working_days_between(d, end) == n
    assert working_days_between(d, end - ONE_DAY) == n - 1
    assert add_working_days_provisional(d, n) == (end, False)


@settings(max_examples=100, database=None, deadline=None)
@given(
    d=st.dates(min_value=date(LAST_COVERED - 1, 1, 1), max_value=date(LAST_COVERED, 12, 1)),
    n=st.integers(min_value=1, max_value=20),
)
def test_add_matches_day_by_day_reference(d: date, n: int) -> None:
    try:
        result = add_working_days(d, n)
    except CalendarGapError:
        return
    assert result == _reference_add(d, n, _package_or_weekdays)


# --- unloaded years --------------------------------------------------------------------------


def test_gap_year_raises() -> None:
    with pytest.raises(CalendarGapError) as info:
        is_working_day(date(GAP_YEAR, 3, 1))
    assert info.value.year == GAP_YEAR
    with pytest.raises(CalendarGapError) as info:
        add_working_days(date(LAST_COVERED, 12, 1), 45)
    assert info.value.year == GAP_YEAR
    with pytest.raises(CalendarGapError):
        add_working_days(date(LAST_COVERED, 12, 31), 1)
    with pytest.raises(CalendarGapError):
        working_days_between(date(LAST_COVERED, 12, 1), date(GAP_YEAR, 1, 10))
    with pytest.raises(CalendarGapError):
        is_working_day(date(min(package_years()) - 1, 6, 1))


def test_last_day_of_unloaded_year_is_not_needed() -> None:
    first = min(package_years())
    start = date(first - 1, 12, 31)
    assert add_working_days(start, 3) == _reference_add(start, 3, chinese_calendar.is_workday)


def test_gap_error_survives_pickling() -> None:
    err = pickle.loads(pickle.dumps(CalendarGapError(GAP_YEAR)))
    assert isinstance(err, CalendarGapError)
    assert err.year == GAP_YEAR
    assert str(GAP_YEAR) in str(err)


def test_provisional_across_unloaded_year() -> None:
    start = date(LAST_COVERED, 12, 1)
    day, provisional = add_working_days_provisional(start, 45)
    assert provisional is True
    assert day.year == GAP_YEAR
    assert day == _reference_add(start, 45, _package_or_weekdays)


def test_provisional_within_loaded_year_is_exact() -> None:
    assert add_working_days_provisional(date(2026, 9, 28), 9) == (date(2026, 10, 15), False)


# --- overrides -------------------------------------------------------------------------------


def test_override_loads_a_year(source: DictSource, calendar: WorkingCalendar) -> None:
    new_year = date(GAP_YEAR, 1, 1)
    source.entries[new_year] = new_year.weekday() >= 5  # flip whatever the weekend rule says
    calendar.invalidate_cache()
    assert calendar.is_year_loaded(GAP_YEAR)
    assert GAP_YEAR in calendar.loaded_years()
    assert calendar.is_working_day(new_year) is (new_year.weekday() >= 5)

    start = date(LAST_COVERED, 12, 1)

    def worked(day: date) -> bool:
        return source.entries.get(day, _package_or_weekdays(day))

    exact = calendar.add_working_days(start, 45)
    assert exact == _reference_add(start, 45, worked)
    assert calendar.add_working_days_provisional(start, 45) == (exact, False)
    # Days with no override in an override-only year follow Mon–Fri.
    assert calendar.is_working_day(date(GAP_YEAR, 3, 3)) is (date(GAP_YEAR, 3, 3).weekday() < 5)


def test_override_wins_over_package(source: DictSource, calendar: WorkingCalendar) -> None:
    source.entries[date(2026, 10, 8)] = False  # decreed rest
    source.entries[date(2026, 10, 11)] = True  # decreed make-up Sunday
    calendar.invalidate_cache()
    assert not calendar.is_working_day(date(2026, 10, 8))
    assert calendar.is_working_day(date(2026, 10, 11))
    assert calendar.is_working_day(date(2026, 10, 9))  # untouched days keep the package's answer
    assert calendar.add_working_days(date(2026, 9, 28), 9) == date(2026, 10, 15)  # one out, one in
    assert (
        calendar.working_days_between(date(2026, 9, 30), date(2026, 10, 11)) == 3
    )  # Oct 9, 10, 11


def test_cache_keeps_old_answer_until_invalidated(
    source: DictSource, calendar: WorkingCalendar
) -> None:
    day = date(2026, 3, 10)
    assert calendar.is_working_day(day)
    source.entries[day] = False
    assert calendar.is_working_day(day)  # cached: the app must call calendar.invalidate_cache()
    calendar.invalidate_cache()
    assert not calendar.is_working_day(day)
    assert calendar.add_working_days(date(2026, 3, 9), 1) == date(2026, 3, 11)


def test_removing_the_source_restores_package(
    source: DictSource, calendar: WorkingCalendar
) -> None:
    source.entries[date(2026, 3, 10)] = False
    calendar.invalidate_cache()
    assert not calendar.is_working_day(date(2026, 3, 10))
    calendar.use_source(None)
    assert calendar.is_working_day(date(2026, 3, 10))


# --- deadlines -------------------------------------------------------------------------------


def test_deadline_for_national_day_example() -> None:
    deadline = deadline_for(datetime(2026, 9, 28, 9, 0, tzinfo=CST), 9)
    assert deadline == Deadline(
        date=date(2026, 10, 15),
        due_at=datetime(2026, 10, 15, 15, 59, 59, 999999, tzinfo=UTC),
        provisional=False,
    )
    assert deadline.due_at.isoformat() == "2026-10-15T15:59:59.999999+00:00"
    assert deadline.due_at.utcoffset() == timedelta(0)


def test_deadline_uses_the_shanghai_day() -> None:
    # 00:30 on Sep 28 in Shanghai is still Sep 27 in UTC.
    assert deadline_for(datetime(2026, 9, 27, 16, 30, tzinfo=UTC), 9).date == date(2026, 10, 15)
    assert deadline_for(datetime(2026, 9, 28, 15, 59, 59, tzinfo=UTC), 9).date == date(2026, 10, 15)
    # 16:00 UTC is midnight in Shanghai: acceptance day Sep 29, one more day.
    assert deadline_for(datetime(2026, 9, 28, 16, 0, tzinfo=UTC), 9).date == date(2026, 10, 16)


def test_deadline_provisional_and_zero_limit() -> None:
    late = deadline_for(datetime(LAST_COVERED, 12, 1, 10, 0, tzinfo=CST), 45)
    assert late.provisional is True
    assert late.date.year == GAP_YEAR
    today = deadline_for(datetime(2026, 3, 9, 10, 0, tzinfo=CST), 0)
    assert today == Deadline(date(2026, 3, 9), end_of_day_utc(date(2026, 3, 9)), False)
    with pytest.raises(ValueError):
        deadline_for(datetime(2026, 3, 9, 10, 0, tzinfo=CST), -1)


def test_zero_limit_that_must_end_on_a_working_day() -> None:
    # 即办 (seed 002 十二): begun on a rest day, it runs to the end of the next working day.
    def immediate(start: datetime) -> Deadline:
        return deadline_for(start, 0, ends_on_working_day=True)

    monday = immediate(datetime(2026, 9, 28, 9, 0, tzinfo=CST))
    assert monday == Deadline(date(2026, 9, 28), end_of_day_utc(date(2026, 9, 28)), False)
    holiday = datetime(2026, 10, 3, 10, 0, tzinfo=CST)
    assert immediate(holiday) == deadline_for(holiday, 1)
    assert immediate(holiday).date == date(2026, 10, 8)
    assert immediate(datetime(2026, 10, 10, 10, 0, tzinfo=CST)).date == date(2026, 10, 10)  # 调休
    # 16:30 UTC on Friday 10-09 is already Saturday 10-10 (a make-up working day) in Shanghai.
    assert immediate(datetime(2026, 10, 9, 16, 30, tzinfo=UTC)).date == date(2026, 10, 10)
    # Without the flag a 0-day limit still ends with the day itself (the bundle's 送达).
    assert deadline_for(holiday, 0).date == date(2026, 10, 3)
    # A year not loaded yet: the weekends-only guess, flagged provisional.
    weekday = date(GAP_YEAR, 3, 2)
    while weekday.weekday() >= 5:
        weekday += ONE_DAY
    guessed = immediate(datetime.combine(weekday, datetime.min.time(), tzinfo=CST))
    assert (guessed.date, guessed.provisional) == (weekday, True)
    saturday = weekday + timedelta(days=5 - weekday.weekday())
    rolled = immediate(datetime.combine(saturday, datetime.min.time(), tzinfo=CST))
    assert (rolled.date, rolled.provisional) == (saturday + 2 * ONE_DAY, True)


def test_deadline_rejects_naive_datetimes() -> None:
    with pytest.raises(ValueError):
        deadline_for(datetime(2026, 9, 28, 9, 0), 9)
    with pytest.raises(ValueError):
        local_date(datetime(2026, 9, 28, 9, 0))


def test_end_of_day_and_local_date() -> None:
    end = end_of_day_utc(date(2026, 1, 1))
    assert end == datetime(2026, 1, 1, 15, 59, 59, 999999, tzinfo=UTC)
    assert end.tzinfo is UTC
    assert local_date(end) == date(2026, 1, 1)
    assert local_date(end + timedelta(microseconds=1)) == date(2026, 1, 2)
    assert local_date(datetime(2026, 1, 1, 16, 0, tzinfo=UTC)) == date(2026, 1, 2)
    assert workdays.TZ.key == "Asia/Shanghai"


# -- periods in months: 民法典 第二百零一条至第二百零三条 (contracts §1 add_months) ---------------


@pytest.mark.parametrize(
    ("start", "n", "end"),
    [
        ("2026-01-31", 1, "2026-02-28"),  # February has no 31st: its last day (第二百零二条)
        ("2028-01-31", 1, "2028-02-29"),  # leap year
        ("2026-10-31", 1, "2026-11-30"),
        ("2026-12-31", 2, "2027-02-28"),  # across the year end
        ("2027-12-31", 2, "2028-02-29"),
        ("2026-03-15", 12, "2027-03-15"),
        ("2026-01-31", 12, "2027-01-31"),
        ("2026-09-01", 1, "2026-10-01"),  # the day of the same number, not "+30 days"
        ("2026-02-28", 1, "2026-03-28"),  # not the month end: the corresponding day
        ("2026-05-10", 0, "2026-05-10"),
    ],
)
def test_add_months_ends_on_the_corresponding_day_or_the_month_end(
    start: str, n: int, end: str
) -> None:
    assert workdays.add_months(date.fromisoformat(start), n) == date.fromisoformat(end)


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=date(1901, 1, 1), max_value=date(2999, 12, 31)), st.integers(0, 48))
def test_add_months_property(day: date, n: int) -> None:
    result = workdays.add_months(day, n)
    months = (result.year - day.year) * 12 + result.month - day.month
    assert months == n  # lands in the n-th month after
    if result.day != day.day:  # only when that month is too short: then its last day
        assert result.day < day.day
        assert (result + timedelta(days=1)).month != result.month


def test_month_deadline_ends_on_the_corresponding_day_at_midnight_beijing() -> None:
    cst = timezone(timedelta(hours=8))
    # Saturday 2026-10-31 + 1 month: Monday 2026-11-30, a working day, to its end (Beijing).
    result = workdays.month_deadline_for(datetime(2026, 10, 31, 10, 0, tzinfo=cst), 1)
    assert (result.date, result.provisional) == (date(2026, 11, 30), False)
    assert result.due_at == datetime(2026, 11, 30, 16, 0, tzinfo=UTC) - timedelta(microseconds=1)
    # The start is read as a Beijing day: 16:30 UTC on 08-31 is already 09-01 in Beijing.
    late = workdays.month_deadline_for(datetime(2026, 8, 31, 16, 30, tzinfo=UTC), 1)
    assert late.date == date(2026, 10, 8)


def test_month_deadline_on_a_holiday_moves_to_the_next_working_day() -> None:
    cst = timezone(timedelta(hours=8))
    # 2026-09-01 + 1 month = 10-01, National Day: 第二百零三条 -> the day after the holiday, 10-08.
    result = workdays.month_deadline_for(datetime(2026, 9, 1, 10, 0, tzinfo=cst), 1)
    assert result.date == date(2026, 10, 8)
    # A Sunday end moves to Monday: 2026-04-30 + 1 month = 05-30 (Saturday) ... May Day rest
    # runs to 05-05, 05-30/31 is a weekend -> Monday 06-01.
    may = workdays.month_deadline_for(datetime(2026, 4, 30, 9, 0, tzinfo=cst), 1)
    assert may.date == date(2026, 6, 1)
    # A make-up Saturday (调休) is a working day: 2026-01-28 + 1 month = 02-28, worked.
    assert workdays.month_deadline_for(datetime(2026, 1, 28, 9, tzinfo=cst), 1).date == date(
        2026, 2, 28
    )
