"""Helpers for the audit tests: a busy demo database, and tampering with audit rows directly.

The audit tables refuse UPDATE and DELETE (migration 0003). To prove that verification catches
what a database owner could still do, `tampering` drops those triggers on its own connection
first, exactly as someone with owner rights would."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, create_engine, delete, select, text, update

from app.bootstrap import Backoffice
from app.entrypoints.demo import load
from app.store.audit_log import GENESIS, canonical, chain_hash
from app.store.models import AuditEvent, AuditHead
from tests.conftest import current_clock

EVENTS = AuditEvent.__table__
HEAD = AuditHead.__table__
CHAINED = ("kind", "actor", "at", "case_id", "data", "prev_hash", "hash")
TRIGGERS = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS audit_event_no_update",
        "DROP TRIGGER IF EXISTS audit_event_no_delete",
        "DROP TRIGGER IF EXISTS audit_anchor_no_update",
        "DROP TRIGGER IF EXISTS audit_anchor_no_delete",
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event",
        "DROP TRIGGER IF EXISTS audit_anchor_append_only ON audit_anchor",
    ],
}


def load_demo(office: Backoffice, at: str = "2026-11-20T09:00:00+08:00") -> list[str]:
    """Demo users and cases with the clock frozen (the demo loader moves it step by step)."""
    current_clock().freeze(datetime.fromisoformat(at))
    return load(office)


@contextmanager
def tampering(url: str) -> Iterator[Connection]:
    """A connection of the database owner with the append-only triggers dropped."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            for statement in TRIGGERS[engine.dialect.name]:
                conn.execute(text(statement))
            yield conn
    finally:
        engine.dispose()


def row(conn: Connection, seq: int) -> dict[str, Any]:
    found = conn.execute(select(EVENTS).where(EVENTS.c.seq == seq)).mappings().one()
    return dict(found)


def alter(conn: Connection, seq: int, **values: Any) -> None:
    conn.execute(update(EVENTS).where(EVENTS.c.seq == seq).values(**values))


def remove(conn: Connection, seq: int) -> None:
    conn.execute(delete(EVENTS).where(EVENTS.c.seq == seq))


def swap(conn: Connection, a: int, b: int) -> None:
    """Exchange two events' places in the chain (their contents trade sequence numbers)."""
    first, second = row(conn, a), row(conn, b)
    alter(conn, a, **{k: second[k] for k in CHAINED})
    alter(conn, b, **{k: first[k] for k in CHAINED})


def rewrite_from(conn: Connection, seq: int) -> None:
    """Recompute every hash from `seq` on and move the head: a consistent forged chain."""
    prev = GENESIS if seq == 1 else row(conn, seq - 1)["hash"]
    last = seq - 1
    rows = conn.execute(select(EVENTS).where(EVENTS.c.seq >= seq).order_by(EVENTS.c.seq))
    for event in rows.mappings().all():
        content = canonical(
            event["seq"],
            event["kind"],
            event["actor"],
            event["at"],
            event["case_id"],
            event["data"],
        )
        digest = chain_hash(prev, content)
        alter(conn, event["seq"], prev_hash=prev, hash=digest)
        prev, last = digest, event["seq"]
    conn.execute(update(HEAD).where(HEAD.c.id == 1).values(seq=last, hash=prev))


def head_seq(office: Backoffice) -> int:
    with office.db.sessions() as session:
        return int(session.execute(select(AuditHead.seq)).scalar_one())
