"""Core SQL for the case hot path: statements built once and executed with parameters.

Building a SQLAlchemy statement costs more than running it on SQLite, and a task completion
runs about ten of them, so the statements live here, prebuilt, with bind parameters."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any, NamedTuple, cast

import orjson
from sqlalchemy import (
    Connection,
    Table,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .models import Case, CaseCounter, CaseInput, CasePart, HumanTask, ProcessVersion, Timer
from .prepared import Prepared

OPEN_STATES = ("open", "claimed")
CASES = cast(Table, Case.__table__)
TASKS = cast(Table, HumanTask.__table__)
TIMERS = cast(Table, Timer.__table__)
PARTS = cast(Table, CasePart.__table__)
CASE_COLUMNS = list(CASES.c)
# Literal lists and one row per parameter set: an expanding IN is re-rendered on every execution.
_TASK_IS_OPEN = TASKS.c.state.in_([literal_column(f"'{state}'") for state in OPEN_STATES])

_SELECT_CASE = Prepared(select(*CASE_COLUMNS).where(CASES.c.id == bindparam("case_id")))
_SELECT_TASK_AND_CASE = Prepared(
    select(TASKS, *CASE_COLUMNS)
    .join(CASES, CASES.c.id == TASKS.c.case_id)
    .where(TASKS.c.id == bindparam("task_id"))
)
_SELECT_PARTS = Prepared(
    select(PARTS.c.part_key, PARTS.c.state).where(PARTS.c.case_id == bindparam("case_id"))
)
_INSERT_CASE = Prepared(insert(CASES).returning(CASES.c.id))
_INSERT_PARTS = Prepared(insert(PARTS))
_UPDATE_PART = Prepared(
    update(PARTS)
    .where(PARTS.c.case_id == bindparam("c_id"), PARTS.c.part_key == bindparam("p_key"))
    .values(state=bindparam("p_state"))
)
_DELETE_PART = Prepared(
    delete(PARTS).where(
        PARTS.c.case_id == bindparam("c_id"), PARTS.c.part_key == bindparam("p_key")
    )
)
_SELECT_OPEN_TASKS = Prepared(
    select(TASKS.c.task_uuid).where(TASKS.c.case_id == bindparam("case_id"), _TASK_IS_OPEN)
)
_COMPLETE_TASK = Prepared(
    update(TASKS)
    .where(TASKS.c.id == bindparam("task_id"), _TASK_IS_OPEN)
    .values(state="completed", completed_at=bindparam("now"), completed_by=bindparam("by"))
)
_CLOSE_TASK = Prepared(
    update(TASKS)
    .where(TASKS.c.task_uuid == bindparam("uuid"), _TASK_IS_OPEN)
    .values(state="cancelled")
)
_INSERT_TASKS = Prepared(insert(TASKS).returning(TASKS.c.id, sort_by_parameter_order=True))
_SELECT_ARMED = Prepared(
    select(TIMERS.c.task_uuid, TIMERS.c.kind, TIMERS.c.due_at).where(
        TIMERS.c.case_id == bindparam("case_id"),
        TIMERS.c.fired_at.is_(None),
        TIMERS.c.cancelled_at.is_(None),
    )
)
_PENDING = (
    TIMERS.c.task_uuid == bindparam("uuid"),
    TIMERS.c.fired_at.is_(None),
    TIMERS.c.cancelled_at.is_(None),
)
_FIRE_TIMER = Prepared(update(TIMERS).where(*_PENDING).values(fired_at=bindparam("now")))
_CANCEL_TIMER = Prepared(update(TIMERS).where(*_PENDING).values(cancelled_at=bindparam("now")))
_INSERT_TIMERS = Prepared(insert(TIMERS))
_VERSIONS = cast(Table, ProcessVersion.__table__)
_NEWEST = (
    select(_VERSIONS.c.process_id, func.max(_VERSIONS.c.version).label("version"))
    .group_by(_VERSIONS.c.process_id)
    .subquery()
)
_LATEST_VERSIONS = Prepared(
    select(_VERSIONS.c.id, _VERSIONS.c.process_id, _VERSIONS.c.version, _VERSIONS.c.calls).join(
        _NEWEST,
        (_NEWEST.c.process_id == _VERSIONS.c.process_id)
        & (_NEWEST.c.version == _VERSIONS.c.version),
    )
)


class LatestVersion(NamedTuple):
    id: int
    process_id: str
    version: int
    calls: list[str]


_OPEN_TASK_OF_CASE = (
    select(TASKS.c.id, TASKS.c.role, TASKS.c.region, TASKS.c.process_id)
    .join(CASES, CASES.c.id == TASKS.c.case_id)
    .where(
        CASES.c.number == bindparam("number"),
        TASKS.c.task_spec == bindparam("spec"),
        _TASK_IS_OPEN,
    )
    .order_by(TASKS.c.id)
)


_TASK_NAMES = tuple(c.name for c in TASKS.c)
_CASE_NAMES = tuple(c.name for c in CASE_COLUMNS)


def read_case(conn: Connection, case_id: int) -> dict[str, Any] | None:
    found = _SELECT_CASE.execute(conn, {"case_id": case_id}).rows
    return dict(zip(_CASE_NAMES, found[0], strict=True)) if found else None


def read_task_and_case(
    conn: Connection, task_id: int
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    found = _SELECT_TASK_AND_CASE.execute(conn, {"task_id": task_id}).rows
    if not found:
        return None
    row, split = found[0], len(_TASK_NAMES)
    task = dict(zip(_TASK_NAMES, row[:split], strict=True))
    case = dict(zip(_CASE_NAMES, row[split:], strict=True))
    return task, case


def read_state(conn: Connection, case_id: int) -> dict[str, bytes]:
    """A case's stored parts by key ('top' and one per subprocess)."""
    return dict(_SELECT_PARTS.execute(conn, {"case_id": case_id}).rows)


def insert_case(conn: Connection, values: dict[str, Any]) -> int:
    case_id: int = _INSERT_CASE.execute(conn, values).scalar()
    return case_id


def write_parts(
    conn: Connection,
    case_id: int,
    new: dict[str, bytes],
    changed: dict[str, bytes],
    removed: list[str],
) -> None:
    if new:
        _INSERT_PARTS.execute(
            conn, [{"case_id": case_id, "part_key": k, "state": v} for k, v in new.items()]
        )
    if changed:
        _UPDATE_PART.execute(
            conn, [{"c_id": case_id, "p_key": k, "p_state": v} for k, v in changed.items()]
        )
    if removed:
        _DELETE_PART.execute(conn, [{"c_id": case_id, "p_key": k} for k in removed])


@lru_cache(maxsize=64)
def _case_update(columns: tuple[str, ...]) -> Prepared:
    return Prepared(
        update(CASES)
        .where(CASES.c.id == bindparam("_case_id"), CASES.c.version == bindparam("_expected"))
        .values({name: bindparam(name) for name in columns})
    )


def update_case(
    conn: Connection, case_id: int, expected_version: int, values: dict[str, Any]
) -> bool:
    """Write the changed columns if nobody else wrote the case since we read it."""
    statement = _case_update(tuple(sorted(values)))
    params = {**values, "_case_id": case_id, "_expected": expected_version}
    return statement.execute(conn, params).rowcount == 1


def open_task_uuids(conn: Connection, case_id: int) -> set[str]:
    return {row[0] for row in _SELECT_OPEN_TASKS.execute(conn, {"case_id": case_id}).rows}


def complete_task(conn: Connection, task_id: int, now: Any, by: str) -> bool:
    params = {"task_id": task_id, "now": now, "by": by}
    return _COMPLETE_TASK.execute(conn, params).rowcount == 1


def close_tasks(conn: Connection, uuids: list[str]) -> None:
    _CLOSE_TASK.execute(conn, [{"uuid": uuid} for uuid in uuids])


def insert_tasks(conn: Connection, rows: list[dict[str, Any]]) -> list[int]:
    """Insert task rows; their ids in the order given."""
    return [row[0] for row in _INSERT_TASKS.execute(conn, rows).rows]


def armed_timers(conn: Connection, case_id: int) -> dict[str, tuple[str, Any]]:
    """Pending timers of a case: task uuid -> (kind, due_at)."""
    found = _SELECT_ARMED.execute(conn, {"case_id": case_id}).rows
    return {uuid: (kind, due_at) for uuid, kind, due_at in found}


def end_timers(conn: Connection, uuids: list[str], now: Any, fired: bool) -> None:
    """Mark pending timers fired or cancelled (the case's version lock makes us the only writer)."""
    if uuids:
        statement = _FIRE_TIMER if fired else _CANCEL_TIMER
        statement.execute(conn, [{"uuid": uuid, "now": now} for uuid in uuids])


def insert_timers(conn: Connection, rows: list[dict[str, Any]]) -> None:
    _INSERT_TIMERS.execute(conn, rows)


def latest_versions(conn: Connection) -> list[LatestVersion]:
    """The newest deployed version of every process."""
    return [LatestVersion(*row) for row in _LATEST_VERSIONS.execute(conn).rows]


def open_tasks_named(conn: Connection, number: str, spec: str) -> list[Any]:
    """Open tasks of a case with a given task id, oldest first: (id, role, region, process_id)."""
    return list(conn.execute(_OPEN_TASK_OF_CASE, {"number": number, "spec": spec}))


_INPUTS = cast(Table, CaseInput.__table__)
_INSERT_INPUT = Prepared(insert(_INPUTS))


def insert_input(conn: Connection, case_id: int, kind: str, data: dict[str, Any], now: Any) -> str:
    """Keep a case's start data once; the returned sha256 goes into the audit event instead
    of the data itself (which holds the full ID number)."""
    digest = hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()
    _INSERT_INPUT.execute(
        conn, {"case_id": case_id, "kind": kind, "data": data, "sha256": digest, "created_at": now}
    )
    return digest


_COUNTERS = cast(Table, CaseCounter.__table__)
_ADD_COUNTER = {
    "postgresql": Prepared(
        pg_insert(_COUNTERS).values(prefix=bindparam("prefix"), last=0).on_conflict_do_nothing()
    ),
    "sqlite": Prepared(
        sqlite_insert(_COUNTERS).values(prefix=bindparam("prefix"), last=0).on_conflict_do_nothing()
    ),
}
_NEXT_IN_COUNTER = Prepared(
    update(_COUNTERS)
    .where(_COUNTERS.c.prefix == bindparam("name"))
    .values(last=_COUNTERS.c.last + 1)
    .returning(_COUNTERS.c.last)
)


def next_in_sequence(conn: Connection, prefix: str) -> int:
    """The next number of a named sequence (created at 1); the row lock serialises callers."""
    _ADD_COUNTER[conn.dialect.name].execute(conn, {"prefix": prefix})
    last: int = _NEXT_IN_COUNTER.execute(conn, {"name": prefix}).scalar()
    return last
