"""The working-day overrides in force at each recorded event, for a replay's own calendar."""

from __future__ import annotations

from datetime import date

CALENDAR_KIND = "calendar_override_changed"


class CalendarHistory:
    """Working-day overrides over time: today's table, and every recorded change to it."""

    def __init__(self, current: dict[date, bool], changes: list[tuple[int, date, bool | None]]):
        self.current = current
        self.changes = changes  # (event seq, day, value before the change), oldest first

    def changes_after(self, seq: int) -> bool:
        return any(change[0] > seq for change in self.changes)

    def before(self, seq: int) -> dict[date, bool] | None:
        """The overrides in force when event `seq` was recorded (None: the same as today's)."""
        later = [change for change in self.changes if change[0] > seq]
        if not later:
            return None
        mapping = dict(self.current)
        for _seq, day, old in reversed(later):
            if old is None:
                mapping.pop(day, None)
            else:
                mapping[day] = old
        return None if mapping == self.current else mapping


class _ReplayOverrides:
    """The overrides one replay's calendar reads; set to those in force at each step."""

    def __init__(self, days: dict[date, bool]) -> None:
        self.days = days

    def use(self, days: dict[date, bool]) -> bool:
        """Switch to `days`; True when that changed anything (the calendar must forget)."""
        if days == self.days:
            return False
        self.days = days
        return True

    def overrides(self) -> dict[date, bool]:
        return self.days
