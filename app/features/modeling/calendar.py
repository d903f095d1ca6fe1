"""Calendar overrides: official schedule changes entered by staff, then deadlines recomputed."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import extract, select

from app.features.cases.caches import DatabaseOverrides
from app.kernel import workdays
from app.kernel.clock import Clock
from app.kernel.errors import FieldError, ValidationFailed
from app.store.audit_log import AuditBuffer
from app.store.db import Database
from app.store.models import CalendarOverride


@dataclass(frozen=True)
class DayEntry:
    day: date
    is_work: bool
    note: str


class CalendarService:
    def __init__(
        self,
        db: Database,
        overrides: DatabaseOverrides,
        clock: Clock,
        calendar: workdays.WorkingCalendar | None = None,
    ) -> None:
        self.db = db
        self.overrides = overrides
        self.clock = clock
        self.working_calendar = calendar or workdays.default_calendar

    def set_days(self, entries: list[DayEntry], actor: str) -> int:
        now = self.clock.now()
        audit = AuditBuffer()
        with self.db.transaction() as session:
            for entry in entries:
                row = session.get(CalendarOverride, entry.day)
                old = None if row is None else row.is_work
                if row is None:
                    session.add(
                        CalendarOverride(
                            day=entry.day,
                            is_work=entry.is_work,
                            note=entry.note,
                            entered_by=actor,
                            entered_at=now,
                        )
                    )
                else:
                    row.is_work, row.note, row.entered_by, row.entered_at = (
                        entry.is_work,
                        entry.note,
                        actor,
                        now,
                    )
                audit.add(
                    "calendar_override_changed",
                    actor,
                    now,
                    None,
                    day=entry.day.isoformat(),
                    old=old,
                    new="work" if entry.is_work else "rest",
                    note=entry.note,
                )
            session.flush()
            audit.flush(session)
        self.overrides.refresh()
        return len(entries)

    def year(self, year: int) -> list[tuple[date, bool, str, str]]:
        """Every non-ordinary day of a year: holidays, make-up working days and overrides."""
        with self.db.sessions() as session:
            rows = (
                session.execute(
                    select(CalendarOverride).where(extract("year", CalendarOverride.day) == year)
                )
                .scalars()
                .all()
            )
        overrides = {r.day: r for r in rows}
        result = []
        day = date(year, 1, 1)
        while day.year == year:
            weekday_work = day.weekday() < 5
            if day in overrides:
                r = overrides[day]
                result.append((day, r.is_work, "override", r.note))
            elif self.working_calendar.is_year_loaded(year):
                work = self.working_calendar.is_working_day(day)
                if work != weekday_work:
                    result.append((day, work, "official", ""))
            day = date.fromordinal(day.toordinal() + 1)
        return result


def parse_import(path: Path) -> list[DayEntry]:
    """CSV (date,kind,note) or JSON ([{"date","kind","note"}]); kind is work|rest."""
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        raw = json.loads(text)
        items = [
            (str(i.get("date", "")), str(i.get("kind", "")), str(i.get("note", ""))) for i in raw
        ]
    else:
        reader = csv.reader(io.StringIO(text))
        items = [(r[0], r[1], r[2] if len(r) > 2 else "") for r in reader if r and r[0] != "date"]
    entries, errors = [], []
    for index, (day, kind, note) in enumerate(items, start=1):
        try:
            parsed = date.fromisoformat(day.strip())
        except ValueError:
            errors.append(FieldError(f"第{index}行/date", f"日期格式不正确：{day!r}"))
            continue
        if kind.strip() not in ("work", "rest"):
            errors.append(FieldError(f"第{index}行/kind", "类型必须是 work 或 rest"))
            continue
        entries.append(DayEntry(parsed, kind.strip() == "work", note.strip()))
    if errors:
        raise ValidationFailed("导入文件有误，未做任何修改", errors)
    return entries
