"""What a chaos run must leave behind, read from the tables: nothing lost, duplicated or stuck,
every due timer fired once, and how late (wall time) each fired."""

from __future__ import annotations

import bisect
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, text

# An open case (its workflow not completed: completed_at is null) must be waiting for someone:
# an open or claimed user task, or an armed timer (neither fired nor cancelled).
STUCK = """
SELECT c.number FROM "case" c
WHERE c.completed_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM human_task t
                  WHERE t.case_id = c.id AND t.state IN ('open', 'claimed'))
  AND NOT EXISTS (SELECT 1 FROM timer m
                  WHERE m.case_id = c.id AND m.fired_at IS NULL AND m.cancelled_at IS NULL)
ORDER BY c.number
"""


def event_task(conn: Connection, kind: str) -> list[str]:
    """The `task` (a task's or timer's uuid) of every audit event of that kind."""
    rows = conn.execute(text("SELECT data FROM audit_event WHERE kind = :k"), {"k": kind})
    found = []
    for (data,) in rows:
        if isinstance(data, str):  # SQLite hands JSON back as text to a plain query
            data = json.loads(data)
        found.append(str(data.get("task")))
    return found


def _twice(items: Sequence[str]) -> list[str]:
    seen: dict[str, int] = {}
    for item in items:
        seen[item] = seen.get(item, 0) + 1
    return sorted(k for k, n in seen.items() if n > 1)


def integrity(
    conn: Connection, acknowledged_cases: list[str], acknowledged_tasks: list[int]
) -> dict[str, Any]:
    """Lost, duplicated and stuck, each from the rows and the audit log."""
    completions = event_task(conn, "task_completed")
    completed_rows = {
        r.task_uuid: r.id
        for r in conn.execute(
            text("SELECT id, task_uuid FROM human_task WHERE state = 'completed'")
        )
    }
    states: dict[int, str] = {
        r.id: r.state for r in conn.execute(text("SELECT id, state FROM human_task"))
    }
    numbers = set(conn.execute(text('SELECT number FROM "case"')).scalars())
    lost_cases = [n for n in acknowledged_cases if n not in numbers]
    lost_tasks = [t for t in acknowledged_tasks if states.get(t) != "completed"]
    # a completed row without its event, or an event whose row is not completed
    unrecorded = sorted(set(completed_rows) ^ set(completions))
    fired_events = event_task(conn, "timer_fired")
    fired_rows = set(
        conn.execute(text("SELECT task_uuid FROM timer WHERE fired_at IS NOT NULL")).scalars()
    )
    stuck = list(conn.execute(text(STUCK)).scalars())
    return {
        "lost_cases": lost_cases,
        "lost_tasks": lost_tasks,
        "completions_without_event": unrecorded,
        "tasks_completed_twice": _twice(completions),
        "timers_fired_twice": _twice(fired_events),
        "timer_rows_events_differ": sorted(fired_rows ^ set(fired_events)),
        "stuck": stuck,
    }


def missed_timers(conn: Connection) -> list[int]:
    """Armed timers already due by the deployment's simulated now: none may be left."""
    return list(
        conn.execute(
            text(
                "SELECT m.id FROM timer m, simulation_time s WHERE s.id = 1"
                " AND m.fired_at IS NULL AND m.cancelled_at IS NULL AND m.due_at < s.now_at"
            )
        ).scalars()
    )


@dataclass(frozen=True)
class Move:
    """A clock move: the simulated instant it reached and the wall time it was made."""

    now_at: datetime
    moved_at: datetime
    how: str  # "api": POST /api/simulation/clock; "row": the row moved by a process that died


@dataclass(frozen=True)
class Fire:
    timer_id: int
    due_at: datetime
    fired_wall: datetime  # commit time of the transaction that fired it
    holder_pid: int | None


def fires(conn: Connection) -> list[Fire]:
    """Fired timers with the wall time their firing committed (track_commit_timestamp: the fire
    is the last write to a timer row, so its row version's commit time is the fire's)."""
    rows = conn.execute(
        text(
            "SELECT id, due_at, claimed_by, pg_xact_commit_timestamp(xmin) AS wall"
            " FROM timer WHERE fired_at IS NOT NULL"
        )
    ).all()
    out = []
    for r in rows:
        if r.wall is None:
            continue
        pid = None
        if r.claimed_by and r.claimed_by.count(":") >= 2:
            pid = int(r.claimed_by.split(":")[-2])
        out.append(Fire(r.id, _utc(r.due_at), r.wall.astimezone(UTC), pid))
    return out


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def lateness(moves: list[Move], fired: list[Fire]) -> list[tuple[Fire, Move, float]]:
    """Each fire against the first clock move that took the simulated now past its due time:
    lateness = fire commit (wall) - that move (wall). Timers due before the first recorded move
    (demo data fired at load) are left out."""
    moves = sorted(moves, key=lambda m: m.now_at)
    reached = [m.now_at for m in moves]
    out = []
    for fire in fired:
        i = bisect.bisect_right(reached, fire.due_at)  # first move with now_at > due_at
        if i == 0 or i == len(moves):
            continue
        move = moves[i]
        out.append((fire, move, (fire.fired_wall - move.moved_at).total_seconds()))
    return out


def percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return round(ordered[index], 3)
