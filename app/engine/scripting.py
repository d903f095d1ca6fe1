"""The short, explicit list of functions BPMN expressions may call (deadline, limit, has_limit,
limit_deadline, month_deadline, now)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.kernel import workdays
from app.kernel.clock import Clock


@dataclass(frozen=True)
class DeadlineCall:
    """How a deadline instant was computed, so a provisional one can be recomputed later."""

    start: datetime
    working_days: int
    provisional: bool


class DeadlineLedger:
    """Remembers recent deadline() results by their ISO value (one per runtime)."""

    def __init__(self, capacity: int = 50_000) -> None:
        self._calls: dict[str, DeadlineCall] = {}
        self._capacity = capacity

    def record(self, value: str, call: DeadlineCall) -> None:
        if len(self._calls) >= self._capacity:
            self._calls.clear()
        self._calls[value] = call

    def lookup(self, value: str) -> DeadlineCall | None:
        return self._calls.get(value)


def parse_instant(value: str | datetime) -> datetime:
    instant = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if instant.tzinfo is None:
        raise ValueError(f"instant without time zone: {value!r}")
    return instant


class LimitTable:
    """Working-day limits by key, with per-region overrides (processes/limits.json)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # Read once per table (each runtime has its own); a racing first read loads it twice.
        self._loaded: dict[str, Any] | None = None

    def _data(self) -> dict[str, Any]:
        data = self._loaded
        if data is None:
            with self.path.open(encoding="utf-8") as fh:
                data = json.load(fh)
            self._loaded = data
        return data

    def reload(self) -> None:
        self._loaded = None

    def _value(self, key: str, region: str | None) -> int | None:
        data = self._data()
        regional = data.get("regions", {}).get(region or "", {})
        if key in regional:
            value = regional[key]
        elif key in data.get("default", {}):
            value = data["default"][key]
        else:
            raise KeyError(f"no working-day limit named {key!r}")
        return None if value is None else int(value)

    def get(self, key: str, region: str | None = None) -> int:
        value = self._value(key, region)
        if value is None:
            raise LookupError(f"working-day limit {key!r} does not apply in region {region!r}")
        return value

    def binding(self, key: str) -> str:
        """Which agency's steps the limit times: transfer_out, transfer_in or bundle (the
        bundle's window at the transfer-in place); "legacy" for keys only old versions call."""
        data = self._data()
        if key in data.get("binds", {}):
            return str(data["binds"][key])
        if key in data.get("legacy", {}):
            return "legacy"
        raise KeyError(f"no working-day limit named {key!r}")

    def has(self, key: str, region: str | None = None) -> bool:
        """False when the table sets the key to null for the region (or by default): no limit.
        0 is a limit ("immediate", 即办), not its absence."""
        return self._value(key, region) is not None


# The deployment's processes/limits.json unless the app configures another folder.
DEFAULT_LIMITS = Path(__file__).resolve().parents[2] / "processes" / "limits.json"

# The instant a timer gets when its limit does not apply in the bound region: long past, so the
# timer expires at once and the path after it (guarded by has_limit) ends without a warning.
NOT_APPLICABLE = datetime(1970, 1, 1, tzinfo=UTC).isoformat()


class ScriptFunctions:
    """The functions diagrams call, bound to one runtime's calendar, limits table and clock.

    Each runtime (Backoffice) and each replay builds its own: nothing here is process-wide,
    so a replay computing deadlines with the calendar of the time never moves a live one.
    The ledger remembers how this runtime computed each deadline instant."""

    def __init__(
        self,
        calendar: workdays.WorkingCalendar,
        limits: LimitTable,
        clock: Clock,
        ledger: DeadlineLedger | None = None,
    ) -> None:
        self.calendar = calendar
        self.limits = limits
        self.clock = clock
        self.ledger = ledger if ledger is not None else DeadlineLedger()

    def deadline(self, start: str | datetime, n: int, ends_on_working_day: bool = False) -> str:
        """End of the n-th Chinese working day after start's date (Asia/Shanghai), as ISO UTC.

        ends_on_working_day: a 0-day limit (即办) begun on a rest day ends with the next
        working day.
        """
        begin = parse_instant(start)
        result = self.calendar.deadline_for(begin, int(n), ends_on_working_day=ends_on_working_day)
        value = result.due_at.isoformat()
        days = int(n)
        if days == 0 and result.date != workdays.local_date(begin):
            # Rolled over a rest day: recorded as the plain 1-day limit it equals, so
            # recomputing a provisional timer (CaseService.recompute_provisional) lands on the
            # same day.
            days = 1
        self.ledger.record(value, DeadlineCall(begin, days, result.provisional))
        return value

    def now(self) -> str:
        """The runtime's now (pinned to the use case's instant while one runs)."""
        return self.clock.now().isoformat()

    def limit(self, key: str, region: str | None = None) -> int:
        return self.limits.get(key, region)

    def has_limit(self, key: str, region: str | None = None) -> bool:
        return self.limits.has(key, region)

    def limit_binding(self, key: str) -> str:
        """The side whose region a limit is looked up by (processes/limits.json "binds")."""
        return self.limits.binding(key)

    def limit_deadline(
        self,
        start: str | datetime,
        key: str,
        region: str | None,
        ends_on_working_day: bool = False,
    ) -> str:
        """deadline(start, limit(key, region)) when `region` (the side the limit binds) has
        that limit; otherwise NOT_APPLICABLE. For step timers that exist only in some regions."""
        if not self.has_limit(key, region):
            return NOT_APPLICABLE
        return self.deadline(
            start, self.limit(key, region), ends_on_working_day=ends_on_working_day
        )

    def month_deadline(self, start: str | datetime, n: int) -> str:
        """End of a period of n months begun at start, as ISO UTC: the end (Beijing time) of
        the corresponding day n months later or that month's last day, moved to the next
        working day when it is a statutory holiday or rest day (民法典 第二百零一至二百零三条)."""
        return self.calendar.month_deadline_for(parse_instant(start), int(n)).due_at.isoformat()

    def environment(self) -> dict[str, Any]:
        """What a diagram's expressions and scripts can see besides the task data."""
        return {
            "deadline": self.deadline,
            "limit": self.limit,
            "has_limit": self.has_limit,
            "limit_deadline": self.limit_deadline,
            "month_deadline": self.month_deadline,
            "now": self.now,
        }
