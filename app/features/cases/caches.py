"""Shared run-time pieces of the services: spec cache, hot workflow cache, calendar source."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app.engine.collaboration import compose
from app.engine.collaboration import out_only as out_only_spec
from app.engine.host import SpecSet, load_spec_payload
from app.engine.release import release
from app.engine.state import TaskDicts
from app.kernel import workdays
from app.store.db import Database
from app.store.models import CalendarOverride, ProcessVersion


class SpecCache:
    """Restored specs per pinned version set: parsed once per process lifetime, shared read-only."""

    def __init__(self) -> None:
        self._by_version: dict[int, tuple[Any, dict[str, Any]]] = {}
        self._sets: dict[tuple[int, ...], SpecSet] = {}
        self._lock = threading.Lock()

    def spec_set(
        self, db_session: Any, top_version_id: int, pinned: dict[str, int], out_only: bool = False
    ) -> SpecSet:
        """`out_only`: the set of a transfer-out case a letter opened (only the transfer-out
        participants of the version run, each started by its letter)."""
        key = (top_version_id, *sorted(pinned.values()), -1 if out_only else 0)
        cached = self._sets.get(key)
        if cached is not None:
            return cached
        top, embedded = self._version(db_session, top_version_id)
        subprocess_specs = dict(embedded)
        for version_id in pinned.values():
            spec, sub_embedded = self._version(db_session, version_id)
            subprocess_specs[spec.name] = spec
            subprocess_specs.update(sub_embedded)
        composed = out_only_spec(subprocess_specs) if out_only else compose(top, subprocess_specs)
        result = SpecSet(composed, subprocess_specs)
        with self._lock:
            self._sets[key] = result
        return result

    def _version(self, db_session: Any, version_id: int) -> tuple[Any, dict[str, Any]]:
        found = self._by_version.get(version_id)
        if found is None:
            raw = db_session.execute(
                select(ProcessVersion.spec_json).where(ProcessVersion.id == version_id)
            ).scalar_one()
            found = load_spec_payload(raw)
            with self._lock:
                self._by_version[version_id] = found
        return found


@dataclass
class CachedWorkflow:
    version: int
    workflow: Any
    prints: dict[str, Any] = field(default_factory=dict)
    ready: dict[str, list[Any]] = field(default_factory=dict)  # ready user tasks per part
    logical: dict[str, list[Any]] = field(default_factory=dict)  # logical_state items per part
    # What the rows said at the last save; None = unknown (restored), ask the database.
    open_tasks: set[str] | None = None
    armed_timers: dict[str, tuple[str, Any]] | None = None  # task uuid -> (kind, due_at)
    stamp: float = 0.0  # newest task state change already reflected in the case row
    task_dicts: TaskDicts = field(default_factory=TaskDicts)  # serialized tasks, reused


class WorkflowCache:
    """Hot workflows by case id. A use case *takes* its entry (so no two threads share one) and
    puts it back only after commit; the row's version tells whether an entry is still current.

    The cache owns what it holds: a workflow it evicts, replaces or refuses (completed) is
    released (app.engine.release), so reference counting frees it at once instead of a full
    collection that the app's collector thresholds make rare."""

    def __init__(self, capacity: int = 1000) -> None:
        self._items: OrderedDict[int, CachedWorkflow] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()
        self._evicted = 0
        self._released = 0

    def take(self, case_id: int) -> CachedWorkflow | None:
        with self._lock:
            return self._items.pop(case_id, None)

    def put(self, case_id: int, entry: CachedWorkflow) -> None:
        if entry.workflow.completed:
            # A completed case never runs again: keep the heap (and GC passes) small
            self._release([entry])
            return
        dropped: list[CachedWorkflow] = []
        with self._lock:
            replaced = self._items.get(case_id)
            if replaced is not None and replaced is not entry:
                # Two loads of one case (a page and a use case) put back: keep the newer.
                if replaced.version > entry.version:
                    replaced, entry = entry, replaced
                dropped.append(replaced)
            self._items[case_id] = entry
            self._items.move_to_end(case_id)
            while len(self._items) > self._capacity:
                dropped.append(self._items.popitem(last=False)[1])
                self._evicted += 1
        self._release(dropped)

    def discard(self, case_id: int) -> None:
        """Drop and release the case's entry (e.g. built on specs a migration replaces)."""
        entry = self.take(case_id)
        if entry is not None:
            self._release([entry])

    def clear(self) -> None:
        with self._lock:
            dropped = list(self._items.values())
            self._items.clear()
        self._release(dropped)

    def size(self) -> int:
        """Workflows held now (for /metrics)."""
        return len(self._items)

    def stats(self) -> dict[str, int]:
        """Size, capacity, and how many entries were evicted and released since start."""
        with self._lock:
            return {
                "size": len(self._items),
                "capacity": self._capacity,
                "evicted": self._evicted,
                "released": self._released,
            }

    def _release(self, entries: list[CachedWorkflow]) -> None:
        # Outside the lock: nobody else holds these entries any more.
        for entry in entries:
            release(entry.workflow)
        if entries:
            with self._lock:
                self._released += len(entries)

    def __len__(self) -> int:
        return len(self._items)


class DatabaseOverrides:
    """The calendar override table as a source for the runtime's WorkingCalendar.

    Held in memory and refreshed when overrides change: the engine computes deadlines inside
    write transactions, where a second connection to the database must not be needed."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._days: dict[date, bool] | None = None
        # The calendars that read this table and must forget their years when it changes.
        self.calendars: list[workdays.WorkingCalendar] = []

    def overrides(self) -> dict[date, bool]:
        if self._days is None:
            try:
                with self.db.sessions() as session:
                    rows = session.execute(
                        select(CalendarOverride.day, CalendarOverride.is_work)
                    ).all()
            except SQLAlchemyError:
                return {}  # no schema yet (before init-db)
            self._days = {row.day: bool(row.is_work) for row in rows}
        return self._days

    def refresh(self) -> None:
        self._days = None
        for calendar in self.calendars:
            calendar.invalidate_cache()
        self.overrides()
