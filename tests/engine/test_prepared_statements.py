"""Prepared hot-path statements store and read values exactly as SQLAlchemy itself does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import bindparam, insert, select, update

from app.bootstrap import Backoffice
from app.store.case_rows import TIMERS
from app.store.models import Timer
from app.store.prepared import Prepared
from tests.helpers import case_row, scenario

SHANGHAI = timezone(timedelta(hours=8))
KIND = "prepared_test"


def _timer(case_id: int, uuid: str, due: datetime) -> dict[str, object]:
    return {
        "case_id": case_id,
        "task_uuid": uuid,
        "kind": KIND,
        "label": "承诺期限",
        "due_at": due,
        "start_at": None,
        "working_days": 9,
        "provisional": True,
        "armed_at": due - timedelta(days=12),
        "fired_at": None,
        "cancelled_at": None,
    }


def test_rows_written_by_prepared_and_by_sqlalchemy_read_back_the_same(
    backoffice: Backoffice,
) -> None:
    from app.features.cases.service import Actor

    number = backoffice.applications.submit(
        scenario("bundle_all_three_success")["application"], Actor("tests", "applicant")
    ).case_number
    case_id = case_row(backoffice, number).id
    due = datetime(2026, 10, 16, 0, 0, tzinfo=SHANGHAI)  # aware, not UTC
    db = backoffice.db
    with db.transaction() as uow:
        conn = uow.connection()
        Prepared(insert(TIMERS)).execute(
            conn, [_timer(case_id, "p-1", due), _timer(case_id, "p-2", due)]
        )
        conn.execute(insert(TIMERS), _timer(case_id, "s-1", due))
    read = Prepared(
        select(TIMERS.c.task_uuid, TIMERS.c.due_at, TIMERS.c.provisional, TIMERS.c.fired_at)
        .where(TIMERS.c.case_id == bindparam("c"), TIMERS.c.kind == KIND)
        .order_by(TIMERS.c.task_uuid)
    )
    with db.transaction() as uow:
        conn = uow.connection()
        mine = read.execute(conn, {"c": case_id})
        theirs = [tuple(row) for row in conn.execute(read.statement, {"c": case_id})]
    assert mine.rows == theirs
    assert [row[1] for row in mine.rows] == [due.astimezone(UTC)] * 3
    assert all(row[2] is True and row[3] is None for row in mine.rows)
    assert mine.mappings()[0]["task_uuid"] == "p-1"

    fire = Prepared(
        update(TIMERS)
        .where(TIMERS.c.task_uuid == bindparam("uuid"), TIMERS.c.fired_at.is_(None))
        .values(fired_at=bindparam("now"))
    )
    now = datetime(2026, 10, 16, 0, 0, 5, tzinfo=UTC)
    with db.transaction() as uow:
        conn = uow.connection()
        both = [{"uuid": "p-1", "now": now}, {"uuid": "s-1", "now": now}]
        assert fire.execute(conn, both).rowcount == 2
        assert fire.execute(conn, {"uuid": "p-1", "now": now}).rowcount == 0  # fired already
    with db.sessions() as session:
        fired = session.execute(
            select(Timer.task_uuid, Timer.fired_at).where(
                Timer.kind == KIND, Timer.fired_at.is_not(None)
            )
        ).all()
    assert sorted(fired) == [("p-1", now), ("s-1", now)]


def test_an_expanding_in_is_refused_rather_than_run_wrong(backoffice: Backoffice) -> None:
    statement = Prepared(select(TIMERS.c.id).where(TIMERS.c.task_uuid.in_(["a", "b"])))
    with backoffice.db.transaction() as uow:
        conn = uow.connection()
        if conn.dialect.name == "sqlite":
            with pytest.raises(ValueError, match="expanding"):
                statement.execute(conn)
        else:  # PostgreSQL runs statements through SQLAlchemy, which expands IN itself
            assert statement.execute(conn).rows == []


def test_a_statement_on_a_fresh_connection_joins_a_transaction_like_sqlalchemy_would(
    backoffice: Backoffice,
) -> None:
    from app.features.cases.service import Actor

    number = backoffice.applications.submit(
        scenario("bundle_all_three_success")["application"], Actor("tests", "applicant")
    ).case_number
    case_id = case_row(backoffice, number).id
    due = datetime(2026, 10, 16, tzinfo=UTC)
    with backoffice.db.write_engine.connect() as conn:
        Prepared(insert(TIMERS)).execute(conn, _timer(case_id, "rolled-back", due))
        assert conn.in_transaction()
        conn.rollback()
    with backoffice.db.sessions() as session:
        assert session.execute(select(Timer.id).where(Timer.kind == KIND)).first() is None


def test_a_constraint_violation_raises_sqlalchemys_integrity_error_on_every_database(
    backoffice: Backoffice,
) -> None:
    """The SQLite fast path raises what SQLAlchemy raises on PostgreSQL, not the driver's own."""
    from sqlalchemy.exc import IntegrityError

    from app.store.models import CaseCounter

    counter = Prepared(insert(CaseCounter))
    with backoffice.db.transaction() as uow:
        conn = uow.connection()
        counter.execute(conn, {"prefix": "prepared-test", "last": 1})
    with pytest.raises(IntegrityError), backoffice.db.transaction() as uow:
        conn = uow.connection()
        counter.execute(conn, {"prefix": "prepared-test", "last": 2})
    with backoffice.db.sessions() as session:
        assert session.get(CaseCounter, "prepared-test").last == 1
