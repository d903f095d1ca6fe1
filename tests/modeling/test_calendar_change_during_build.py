"""An administrator's calendar change that lands while a year's table is being built: the
stale table must not be cached (the generation guard in WorkingCalendar, fed by
DatabaseOverrides.refresh in app/features/cases/caches.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from app.bootstrap import Backoffice
from app.features.cases.caches import DatabaseOverrides
from app.features.modeling.calendar import CalendarService, DayEntry
from app.kernel.workdays import WorkingCalendar, _Year

MONDAY = date(2026, 12, 7)  # an ordinary working day in the bundled 2026 schedule


class OvertakenBuild(WorkingCalendar):
    """A calendar whose next build runs `during_build` first: the seam where a concurrent
    change would land, made deterministic."""

    def __init__(self, overrides: DatabaseOverrides) -> None:
        super().__init__(overrides)
        self.during_build: Callable[[], None] | None = None

    def _build_exact(self, year: int, overrides: dict[date, bool], in_package: bool) -> _Year:
        hook, self.during_build = self.during_build, None
        if hook is not None:
            hook()
        return super()._build_exact(year, overrides, in_package)


def test_a_year_built_from_overrides_changed_meanwhile_is_not_cached(
    backoffice: Backoffice,
) -> None:
    overrides = DatabaseOverrides(backoffice.db)
    calendar = OvertakenBuild(overrides)
    overrides.calendars.append(calendar)
    service = CalendarService(backoffice.db, overrides, backoffice.clock, calendar)
    calendar.during_build = lambda: service.set_days(
        [DayEntry(MONDAY, False, "临时调休")], "admin.test"
    )

    # This call's table was built from the overrides it loaded before the change.
    assert calendar.is_working_day(MONDAY)
    # Every later call sees the change: the table built meanwhile was not kept.
    assert not calendar.is_working_day(MONDAY)
    assert calendar.add_working_days(date(2026, 12, 4), 1) == date(2026, 12, 8)
