"""Working-day calendar (工作日): statutory holidays, make-up days (调休) and stored overrides."""

from __future__ import annotations

import calendar
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Protocol
from zoneinfo import ZoneInfo

import chinese_calendar
from chinese_calendar import constants as _tables

__all__ = [
    "TZ",
    "WorkingCalendar",
    "CalendarGapError",
    "Deadline",
    "OverrideSource",
    "add_months",
    "add_working_days",
    "add_working_days_provisional",
    "deadline_for",
    "default_calendar",
    "end_of_day_utc",
    "is_working_day",
    "is_year_loaded",
    "loaded_years",
    "local_date",
    "month_deadline_for",
    "package_years",
    "working_days_between",
]

# Limits run to the end of the day in the agencies' own time zone (domain: 工作日).
TZ = ZoneInfo("Asia/Shanghai")


class CalendarGapError(Exception):
    """A day falls in a year whose official holiday schedule is not loaded."""

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(
            f"working-day schedule for {year} is not loaded "
            f"(load the State Council notice as calendar overrides)"
        )

    # Default pickling would call __init__ with the message instead of the year.
    def __reduce__(self) -> tuple[type[CalendarGapError], tuple[int]]:
        return (type(self), (self.year,))


class OverrideSource(Protocol):
    """Anything that can list stored overrides: date -> True (work) / False (rest)."""

    def overrides(self) -> dict[date, bool]: ...


@dataclass(frozen=True, slots=True)
class Deadline:
    """Last working day of a limit and the instant (UTC) at which it runs out."""

    date: date
    due_at: datetime
    provisional: bool


@dataclass(frozen=True, slots=True)
class _Year:
    """One year's schedule: a flag per day of year and the sorted working-day ordinals."""

    first_ordinal: int
    flags: bytes  # flags[ordinal - first_ordinal] == 1 when that day is worked
    work: tuple[int, ...]  # sorted ordinals of working days, for bisect


# --- bundled data -----------------------------------------------------------------------------


@cache
def package_years() -> frozenset[int]:
    """Years the installed `chinese_calendar` covers, as its own validity check accepts them."""
    # The tables name the candidate span; probing the public API confirms each year, so a
    # package upgrade widens (or narrows) the coverage without any change here.
    table_years = {d.year for d in _tables.holidays} | {d.year for d in _tables.workdays}
    if not table_years:
        return frozenset()
    covered = set()
    for year in range(min(table_years), max(table_years) + 1):
        try:
            chinese_calendar.is_workday(date(year, 1, 1))
        except NotImplementedError:
            continue
        covered.add(year)
    return frozenset(covered)


def _days_of(year: int) -> Iterable[date]:
    day, end = date(year, 1, 1), date(year, 12, 31)
    while day <= end:
        yield day
        day += timedelta(days=1)


# --- overrides and cache ----------------------------------------------------------------------


class _NoOverrides:
    def overrides(self) -> dict[date, bool]:
        return {}


@cache
def _weekend_year(year: int) -> _Year:
    """Weekends-only schedule (Mon–Fri work), used only for provisional dates (no overrides:
    the same for every calendar)."""
    return _build(year, (day.weekday() < 5 for day in _days_of(year)))


def _build(year: int, is_work: Iterable[bool]) -> _Year:
    first = date(year, 1, 1).toordinal()
    flags = bytes(1 if w else 0 for w in is_work)
    work = tuple(first + i for i, flag in enumerate(flags) if flag)
    return _Year(first_ordinal=first, flags=flags, work=work)


class WorkingCalendar:
    """The working-day calendar of one runtime: bundled schedule plus its own overrides.

    Owns its caches; two instances (a runtime and a replay, or two runtimes) never see each
    other's overrides."""

    def __init__(self, overrides: OverrideSource | None = None) -> None:
        self._lock = threading.Lock()
        self._source: OverrideSource = overrides if overrides is not None else _NoOverrides()
        # Per-year tables; readers use plain dict lookups (atomic in CPython), no lock.
        self._exact: dict[int, _Year] = {}
        self._overrides: dict[date, bool] | None = None
        self._override_years: frozenset[int] = frozenset()
        # Bumped on invalidation so a table built from stale overrides is never stored.
        self._generation = 0

    @property
    def source(self) -> OverrideSource:
        return self._source

    def use_source(self, source: OverrideSource | None) -> None:
        """Point this calendar at another store of overrides (at start-up only)."""
        with self._lock:
            self._source = source if source is not None else _NoOverrides()
        self.invalidate_cache()

    def invalidate_cache(self) -> None:
        """Forget every cached year; call after the overrides changed."""
        with self._lock:
            self._generation += 1
            self._overrides = None
            self._override_years = frozenset()
            self._exact.clear()

    def _load_overrides(self) -> tuple[dict[date, bool], frozenset[int], int]:
        with self._lock:
            if self._overrides is None:
                self._overrides = dict(self._source.overrides())
                self._override_years = frozenset(d.year for d in self._overrides)
            return self._overrides, self._override_years, self._generation

    def loaded_years(self) -> tuple[int, ...]:
        """Years whose schedule is known: bundled data or at least one override."""
        _, override_years, _ = self._load_overrides()
        return tuple(sorted(package_years() | override_years))

    def is_year_loaded(self, year: int) -> bool:
        if year in package_years():
            return True
        _, override_years, _ = self._load_overrides()
        return year in override_years

    def _exact_year(self, year: int) -> _Year:
        """The official schedule for `year`, or CalendarGapError."""
        table = self._exact.get(year)
        if table is not None:
            return table
        overrides, override_years, generation = self._load_overrides()
        in_package = year in package_years()
        if not in_package and year not in override_years:
            raise CalendarGapError(year)
        table = self._build_exact(year, overrides, in_package)
        # The overrides may have changed while we built (invalidate_cache): then this table
        # answers only the call that built it and is not kept.
        with self._lock:
            if generation == self._generation:
                self._exact[year] = table
        return table

    def _build_exact(self, year: int, overrides: dict[date, bool], in_package: bool) -> _Year:
        def worked(day: date) -> bool:
            if day in overrides:
                return overrides[day]
            if in_package:
                return bool(chinese_calendar.is_workday(day))
            # Override-only year: the table lists holidays and make-up days; the rest Mon–Fri.
            return day.weekday() < 5

        return _build(year, (worked(day) for day in _days_of(year)))

    def _year_table(self, year: int, provisional_ok: bool) -> tuple[_Year, bool]:
        try:
            return self._exact_year(year), False
        except CalendarGapError:
            if not provisional_ok:
                raise
            return _weekend_year(year), True

    # -- calendar functions (contracts §1) -----------------------------------------------

    def is_working_day(self, d: date) -> bool:
        table = self._exact_year(d.year)
        return table.flags[d.toordinal() - table.first_ordinal] == 1

    def _add(self, d: date, n: int, provisional_ok: bool) -> tuple[date, bool]:
        if n < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        # Start counting the day after d: d never counts, and a 31 December d must not
        # require its own year to be loaded.
        start = d.toordinal() + 1
        year = date.fromordinal(start).year
        table, provisional = self._year_table(year, provisional_ok)
        index = bisect_left(table.work, start)
        remaining = n
        while True:
            available = len(table.work) - index
            if remaining <= available:
                return date.fromordinal(table.work[index + remaining - 1]), provisional
            remaining -= available
            year += 1
            table, guessed = self._year_table(year, provisional_ok)
            provisional = provisional or guessed
            index = 0

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day strictly after d (n >= 1)."""
        return self._add(d, n, provisional_ok=False)[0]

    def add_working_days_provisional(self, d: date, n: int) -> tuple[date, bool]:
        """Like add_working_days, but unloaded years count Mon–Fri; the flag says so."""
        return self._add(d, n, provisional_ok=True)

    def working_days_between(self, a: date, b: date) -> int:
        """Working days in the half-open span (a, b]; 0 when b <= a."""
        if b <= a:
            return 0
        start, end = a.toordinal() + 1, b.toordinal()
        first_year = date.fromordinal(start).year
        total = 0
        for year in range(first_year, b.year + 1):
            work = self._exact_year(year).work
            low = bisect_left(work, start) if year == first_year else 0
            high = bisect_right(work, end) if year == b.year else len(work)
            total += high - low
        return total

    def deadline_for(
        self, start: datetime, n: int, *, ends_on_working_day: bool = False
    ) -> Deadline:
        """Limit of n working days from the acceptance instant `start`.

        The acceptance day (in Asia/Shanghai) is not counted; the limit runs to the end of the
        n-th working day after it. n == 0 ("immediate") ends with the acceptance day itself;
        with `ends_on_working_day` a 0-day limit that starts on a rest day runs to the end of
        the next working day instead, so that its last day is a working day (contracts §5).
        Years not yet loaded are counted Mon–Fri and the result is flagged provisional.
        """
        accepted = local_date(start)
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        if n == 0 and ends_on_working_day:
            try:
                worked, guessed = self.is_working_day(accepted), False
            except CalendarGapError:
                worked, guessed = accepted.weekday() < 5, True
            if not worked:
                # The next working day: 1 working day after a rest day.
                return self.deadline_for(start, 1)
            return Deadline(date=accepted, due_at=end_of_day_utc(accepted), provisional=guessed)
        if n == 0:
            return Deadline(date=accepted, due_at=end_of_day_utc(accepted), provisional=False)
        day, provisional = self.add_working_days_provisional(accepted, n)
        return Deadline(date=day, due_at=end_of_day_utc(day), provisional=provisional)

    def add_months(self, d: date, n: int) -> date:
        """The day that ends a period of n months begun on d (does not depend on holidays)."""
        return add_months(d, n)

    def month_deadline_for(self, start: datetime, n: int) -> Deadline:
        """Limit of n months from the instant `start`, as the law counts it.

        The last day is add_months(start's Beijing day, n) (民法典 第二百零二条); when that day
        is a statutory holiday or a weekly rest day the period ends with the next working day
        instead (第二百零三条: 以法定休假日结束的次日为期间的最后一日; 调休 make-up days count
        as working days, as they are actually worked). Unloaded years are counted Mon–Fri,
        flagged provisional.
        """
        last = add_months(local_date(start), n)
        try:
            worked, provisional = self.is_working_day(last), False
        except CalendarGapError:
            worked, provisional = last.weekday() < 5, True
        if not worked:
            last, guessed = self.add_working_days_provisional(last, 1)
            provisional = provisional or guessed
        return Deadline(date=last, due_at=end_of_day_utc(last), provisional=provisional)


# The default calendar: what the module-level functions answer with (contracts §1): the bundled
# State Council schedule, no overrides, never changed after import. A runtime or a replay that
# needs a database's overrides builds its own WorkingCalendar over them.
default_calendar = WorkingCalendar()


def loaded_years() -> tuple[int, ...]:
    """Years whose schedule is known: bundled data or at least one override."""
    return default_calendar.loaded_years()


def is_year_loaded(year: int) -> bool:
    return default_calendar.is_year_loaded(year)


# --- public calendar functions (default calendar) --------------------------------------------


def is_working_day(d: date) -> bool:
    return default_calendar.is_working_day(d)


def add_working_days(d: date, n: int) -> date:
    """The n-th working day strictly after d (n >= 1)."""
    return default_calendar.add_working_days(d, n)


def add_working_days_provisional(d: date, n: int) -> tuple[date, bool]:
    """Like add_working_days, but unloaded years count Mon–Fri; the flag says so."""
    return default_calendar.add_working_days_provisional(d, n)


def working_days_between(a: date, b: date) -> int:
    """Working days in the half-open span (a, b]; 0 when b <= a."""
    return default_calendar.working_days_between(a, b)


# --- deadlines --------------------------------------------------------------------------------


def _require_aware(dt: datetime) -> None:
    # A naive datetime would be read in the server's local zone: a silent guess.
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"time-zone-aware datetime required, got naive {dt.isoformat()}")


def local_date(dt: datetime) -> date:
    """The calendar day of an instant in Asia/Shanghai."""
    _require_aware(dt)
    return dt.astimezone(TZ).date()


def end_of_day_utc(d: date) -> datetime:
    """23:59:59.999999 of d in Asia/Shanghai, as a UTC datetime."""
    return datetime.combine(d, time.max, tzinfo=TZ).astimezone(UTC)


def deadline_for(start: datetime, n: int, *, ends_on_working_day: bool = False) -> Deadline:
    """Limit of n working days from the acceptance instant `start` (default calendar)."""
    return default_calendar.deadline_for(start, n, ends_on_working_day=ends_on_working_day)


# --- periods in months (民法典 第二百零一条至第二百零三条) --------------------------------------


def add_months(d: date, n: int) -> date:
    """The day that ends a period of n months begun on d (民法典 第二百零一、二百零二条).

    The start day itself is not counted (第二百零一条); the period ends on the day of the same
    number n months later, or on that month's last day when it has no such day (第二百零二条):
    2026-01-31 + 1 -> 2026-02-28. A limit of "n个月内" runs to the end of that day (Beijing time).
    """
    index = d.year * 12 + d.month - 1 + n
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def month_deadline_for(start: datetime, n: int) -> Deadline:
    """Limit of n months from the instant `start`, as the law counts it (default calendar;
    民法典 第二百零一至二百零三条, see WorkingCalendar.month_deadline_for)."""
    return default_calendar.month_deadline_for(start, n)
