"""The rows a task or case page shows, read by prebuilt Core statements on one connection.

A task page ran about ten ORM queries and is two of a completion's three requests; the ORM's
work per query (identity map, instances, cache keys) cost several times what SQLite needs to
answer it, so these reads go through `app.store.prepared` like the use cases' hot path."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import BindParameter, Connection, Table, bindparam, literal_column, select, union

from app.features.cases.read_models import TaskInfo, _task_info
from app.store.case_rows import TASKS, TIMERS
from app.store.models import AuditEvent, User
from app.store.prepared import Prepared

EVENTS = cast(Table, AuditEvent.__table__)
USERS = cast(Table, User.__table__)
# The audit events a page lists as the case's steps (办理经过).
STEP_EVENTS = (
    "case_created",
    "task_completed",
    "task_claimed",
    "task_released",
    "task_reassigned",
    "timer_fired",
    "case_completed",
    "certificate_reissued",
)
_CASE: BindParameter[int] = bindparam("case_id")
# Literal lists: an expanding IN is rendered per execution (see app.store.prepared).
_IS_STEP = EVENTS.c.kind.in_([literal_column(f"'{kind}'") for kind in STEP_EVENTS])

_TASK = Prepared(select(TASKS).where(TASKS.c.id == bindparam("task_id")))
_TASKS = Prepared(select(TASKS).where(TASKS.c.case_id == _CASE).order_by(TASKS.c.id))
_EVENTS = Prepared(
    select(EVENTS.c.at, EVENTS.c.actor, EVENTS.c.kind, EVENTS.c.data)
    .where(EVENTS.c.case_id == _CASE, _IS_STEP)
    .order_by(EVENTS.c.seq)
)
_TIMER_LABELS = Prepared(
    select(TIMERS.c.task_uuid, TIMERS.c.label).where(TIMERS.c.case_id == _CASE)
)
_PEOPLE = union(
    select(TASKS.c.assignee.label("who")).where(TASKS.c.case_id == _CASE),
    select(TASKS.c.completed_by).where(TASKS.c.case_id == _CASE),
    select(EVENTS.c.actor).where(EVENTS.c.case_id == _CASE, _IS_STEP),
).subquery()
# Everyone a case's page names (assignees, completers, the steps' actors), in one query.
_NAMES = Prepared(
    select(USERS.c.username, USERS.c.display_name).where(
        USERS.c.username.in_(select(_PEOPLE.c.who))
    )
)


def task(conn: Connection, task_id: int) -> TaskInfo | None:
    found = _TASK.execute(conn, {"task_id": task_id}).mappings()
    return _task_info(cast(Any, SimpleNamespace(**found[0]))) if found else None


def tasks(conn: Connection, case_id: int) -> list[TaskInfo]:
    found = _TASKS.execute(conn, {"case_id": case_id}).mappings()
    return [_task_info(cast(Any, SimpleNamespace(**row))) for row in found]


def step_events(conn: Connection, case_id: int) -> list[Any]:
    """The case's step events (at, actor, kind, data), oldest first."""
    return [
        SimpleNamespace(**row) for row in _EVENTS.execute(conn, {"case_id": case_id}).mappings()
    ]


def timer_labels(conn: Connection, case_id: int) -> dict[str, str]:
    return dict(_TIMER_LABELS.execute(conn, {"case_id": case_id}).rows)


def names(conn: Connection, case_id: int) -> dict[str, str]:
    """Display names by username of everyone the case's page names."""
    return dict(_NAMES.execute(conn, {"case_id": case_id}).rows)


def names_of(conn: Connection, usernames: set[str]) -> dict[str, str]:
    """Display names of other people a page names (a reassignment's target): rare, not prepared."""
    if not usernames:
        return {}
    query = select(USERS.c.username, USERS.c.display_name).where(USERS.c.username.in_(usernames))
    return {username: name for username, name in conn.execute(query)}
