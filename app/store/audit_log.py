"""The append-only, hash-chained audit log: buffer events in a unit of work, chain them at flush."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast
from weakref import WeakKeyDictionary

import orjson
from sqlalchemy import Engine, Table, bindparam, insert, select, update

from .db import Tx, connection_of
from .models import AuditEvent, AuditHead
from .prepared import Prepared

GENESIS = "0" * 64
# Events that are inputs to a case (what replay re-applies); each carries the state after it.
STEP_KINDS = (
    "case_created",
    "task_completed",
    "timer_fired",
    "timer_rescheduled",
    "letter_received",
)


def canonical(
    seq: int, kind: str, actor: str, at: datetime, case_id: int | None, data: Any
) -> bytes:
    """The exact bytes that are hashed: sorted keys, UTC instant, no whitespace."""
    body = {
        "seq": seq,
        "kind": kind,
        "actor": actor,
        "at": at.isoformat(),
        "case_id": case_id,
        "data": data,
    }
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)


def chain_hash(prev_hash: str, content: bytes) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + content).hexdigest()


@dataclass
class PendingEvent:
    kind: str
    actor: str
    at: datetime
    case_id: int | None
    data: dict[str, Any] = field(default_factory=dict)


class AuditBuffer:
    """Collects a use case's events; `flush` appends them to the chain inside the transaction."""

    def __init__(self) -> None:
        self.events: list[PendingEvent] = []

    def record_state(self, state_hash: str) -> None:
        """Attach the workflow's logical state after this use case to its step event (replay
        compares against it)."""
        for event in self.events:
            if event.kind in STEP_KINDS:
                event.data["state_hash"] = state_hash
                return

    def add(self, kind: str, actor: str, at: datetime, case_id: int | None, /, **data: Any) -> None:
        self.events.append(PendingEvent(kind, actor, at, case_id, data))

    def flush(self, session: Tx) -> None:
        if not self.events:
            return
        conn = connection_of(session)
        engine = conn.engine
        # Chain onto the head this process last wrote and claim it with one conditional UPDATE;
        # only when someone else moved it (another process, a rolled-back transaction) read it.
        cached = _last_heads.get(engine)
        if cached is not None:
            rows, head = self._chain(*cached)
            claimed = _ADVANCE_HEAD.execute(
                conn,
                {
                    "old_seq": cached[0],
                    "old_hash": cached[1],
                    "new_seq": head[0],
                    "new_hash": head[1],
                },
            )
            if claimed.rowcount != 1:
                cached = None
        if cached is None:
            # Locking the head row serialises appenders, so two transactions never chain onto
            # the same predecessor (SQLite already serialises writers; PostgreSQL needs FOR UPDATE).
            found = conn.execute(_SELECT_HEAD).first()
            if found is None:
                conn.execute(insert(_HEAD).values(id=1, seq=0, hash=GENESIS))
            rows, head = self._chain(*((found.seq, found.hash) if found else (0, GENESIS)))
            conn.execute(_UPDATE_HEAD, {"new_seq": head[0], "new_hash": head[1]})
        _INSERT_EVENT.execute(conn, rows)
        _last_heads[engine] = head
        self.events.clear()

    def _chain(self, seq: int, prev: str) -> tuple[list[dict[str, Any]], tuple[int, str]]:
        """The buffered events as rows chained after (seq, prev), and the new head."""
        rows = []
        for event in self.events:
            seq += 1
            content = canonical(seq, event.kind, event.actor, event.at, event.case_id, event.data)
            digest = chain_hash(prev, content)
            rows.append(
                {
                    "seq": seq,
                    "case_id": event.case_id,
                    "kind": event.kind,
                    "actor": event.actor,
                    "at": event.at,
                    "data": event.data,
                    "prev_hash": prev,
                    "hash": digest,
                }
            )
            prev = digest
        return rows, (seq, prev)


# The head each engine (database) last wrote; a stale entry only costs the fallback read.
_last_heads: WeakKeyDictionary[Engine, tuple[int, str]] = WeakKeyDictionary()
_EVENTS = cast(Table, AuditEvent.__table__)
_HEAD = cast(Table, AuditHead.__table__)
# Built once: constructing statements costs more than executing them on this hot path.
_SELECT_HEAD = select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == 1).with_for_update()
_INSERT_EVENT = Prepared(insert(_EVENTS))
_ADVANCE_HEAD = Prepared(
    update(_HEAD)
    .where(
        _HEAD.c.id == 1, _HEAD.c.seq == bindparam("old_seq"), _HEAD.c.hash == bindparam("old_hash")
    )
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)
_UPDATE_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)
