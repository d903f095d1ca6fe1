"""Reading one case's letters between deployments: the ones its steps sent (audit `letter_sent`
→ outbox rows), the ones it received (case inputs of kind "letter", or the "start" of a case a
letter opened) and the task rows each received letter opened."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .exchange_rows import InboxMessage, OutboxMessage
from .models import AuditEvent, CaseInput, HumanTask

# What the saving of one step writes after the step's own event (features/cases/repository):
# the tasks a received letter opened are the task_created events among these, right after it.
CONSEQUENCES = frozenset(
    {
        "task_created",
        "task_closed",
        "timer_armed",
        "timer_cancelled",
        "case_status_changed",
        "case_completed",
        "result_delivered",
        "letter_sent",
    }
)


@dataclass(frozen=True)
class SentRow:
    envelope: str  # the exact signed body (JSON)
    status: str
    attempts: int
    last_error: str
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True)
class ReceivedRow:
    letter: dict[str, Any]  # id, type, message, transfer_key, from/to_region, sent_at, payload
    kind: str  # "letter" (delivered to a waiting case) or "start" (the letter opened the case)
    received_at: datetime  # when it was applied here (the tasks it opened share this instant)
    inbox_received_at: datetime | None
    opened_tasks: tuple[str, ...]  # uuids of the tasks its delivery opened


@dataclass(frozen=True)
class TaskRow:
    uuid: str
    title: str
    state: str
    created_at: datetime
    due_at: datetime | None
    due_provisional: bool


@dataclass(frozen=True)
class CaseLetterRows:
    sent: list[SentRow]
    received: list[ReceivedRow]
    tasks: list[TaskRow]


def _opened_by_letters(session: Session, case_id: int) -> dict[str, tuple[str, ...]]:
    """letter id -> the tasks opened by delivering it, from the case's audit events in order."""
    opened: dict[str, list[str]] = {}
    current: list[str] | None = None
    events = session.execute(
        select(AuditEvent.kind, AuditEvent.data)
        .where(AuditEvent.case_id == case_id)
        .order_by(AuditEvent.seq)
    ).all()
    for kind, data in events:
        data = data if isinstance(data, dict) else {}
        if kind == "letter_received" or (kind == "case_created" and data.get("letter")):
            current = opened.setdefault(str(data.get("id") or data.get("letter_id") or ""), [])
        elif current is not None and kind in CONSEQUENCES:
            if kind == "task_created":
                current.append(str(data.get("task", "")))
        else:
            current = None
    return {key: tuple(uuids) for key, uuids in opened.items()}


def case_letter_rows(session: Session, case_id: int) -> CaseLetterRows:
    ids = [
        str(data.get("id", ""))
        for data in session.execute(
            select(AuditEvent.data)
            .where(AuditEvent.case_id == case_id, AuditEvent.kind == "letter_sent")
            .order_by(AuditEvent.seq)
        ).scalars()
        if isinstance(data, dict)
    ]
    outbox = {
        row.id: row
        for row in session.execute(select(OutboxMessage).where(OutboxMessage.id.in_(ids))).scalars()
    }
    sent = [
        SentRow(o.envelope, o.status, o.attempts, o.last_error, o.created_at, o.sent_at)
        for o in (outbox.get(i) for i in ids)
        if o is not None
    ]
    inputs = [
        (row.kind, row.data, row.created_at)
        for row in session.execute(
            select(CaseInput)
            .where(CaseInput.case_id == case_id, CaseInput.kind.in_(("letter", "start")))
            .order_by(CaseInput.id)
        ).scalars()
    ]
    letters = [
        (kind, data["letter"] if kind == "start" else data, at)
        for kind, data, at in inputs
        if isinstance(data, dict) and (kind == "letter" or isinstance(data.get("letter"), dict))
    ]
    letter_ids = [str(letter.get("id", "")) for _kind, letter, _at in letters]
    # The audit scan only for a case that received letters (most cases received none).
    opened = _opened_by_letters(session, case_id) if letters else {}
    inbox: dict[str, datetime] = {
        row.id: row.received_at
        for row in session.execute(
            select(InboxMessage.id, InboxMessage.received_at).where(InboxMessage.id.in_(letter_ids))
        )
    }
    received = [
        ReceivedRow(
            letter,
            kind,
            at,
            inbox.get(str(letter.get("id", ""))),
            opened.get(str(letter.get("id", "")), ()),
        )
        for kind, letter, at in letters
    ]
    tasks = (
        [
            TaskRow(t.task_uuid, t.title, t.state, t.created_at, t.due_at, t.due_provisional)
            for t in session.execute(
                select(HumanTask).where(HumanTask.case_id == case_id).order_by(HumanTask.id)
            ).scalars()
        ]
        if letters
        else []
    )
    return CaseLetterRows(sent, received, tasks)
