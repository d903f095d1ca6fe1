"""Tables and SQL of the letters between deployments: the outbox (claimed with leases by any
number of senders), the inbox (one row per message id received) and the hub's receipts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Index,
    Integer,
    String,
    Text,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import Tx, connection_of
from .models import Base
from .types import UTCDateTime

PENDING, SENT, FAILED = "pending", "sent", "failed"


class OutboxMessage(Base):
    """A letter to another deployment, written in the transaction of the step that sends it."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the envelope's id
    type: Mapped[str] = mapped_column(String(40))
    transfer_key: Mapped[str] = mapped_column(String(100), index=True)
    from_region: Mapped[str] = mapped_column(String(6))
    to_region: Mapped[str] = mapped_column(String(6))
    envelope: Mapped[str] = mapped_column(Text)  # the exact body sent (signed; never rewritten)
    endpoint: Mapped[str] = mapped_column(String(300))
    peer: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The sender holding it (real time, like the timer leases): another sender takes the row
    # over only once lease_until has passed.
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class InboxMessage(Base):
    """A letter received (or relayed): the id is what makes receiving idempotent."""

    __tablename__ = "inbox_message"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    from_region: Mapped[str] = mapped_column(String(6))
    to_region: Mapped[str] = mapped_column(String(6))
    type: Mapped[str] = mapped_column(String(40))
    transfer_key: Mapped[str] = mapped_column(String(100), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RelayReceipt(Base):
    """What a hub relayed, signed with the hub's key (GET /exchange/receipts/<id>)."""

    __tablename__ = "relay_receipt"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    body: Mapped[str] = mapped_column(Text)  # the signed receipt as JSON


@dataclass(frozen=True)
class Claimed:
    id: str
    envelope: str
    endpoint: str
    attempts: int


def _claimable(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """Due, pending, and not held by a live claim (the lease, on real time)."""
    return (
        OutboxMessage.status == PENDING,
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now),
    )


def claim_due(
    session: Session, now: datetime, holder: str, lease_until: datetime, batch: int
) -> list[Claimed]:
    """Claim up to `batch` due letters. Rows another sender holds are skipped, not waited for
    (PostgreSQL `FOR UPDATE SKIP LOCKED`; SQLite serialises writers), and a claim is a lease:
    a second sender sees the row again only after lease_until."""
    rows = session.execute(
        select(
            OutboxMessage.id, OutboxMessage.envelope, OutboxMessage.endpoint, OutboxMessage.attempts
        )
        .where(*_claimable(now))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.created_at)
        .limit(batch)
        .with_for_update(skip_locked=True)
    ).all()
    if rows:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_([r.id for r in rows]))
            .values(claimed_by=holder, lease_until=lease_until)
        )
    return [Claimed(r.id, r.envelope, r.endpoint, r.attempts) for r in rows]


def any_due(session: Session, now: datetime) -> bool:
    """A read first, so an idle poll never takes SQLite's write lock."""
    return (
        session.execute(select(OutboxMessage.id).where(*_claimable(now)).limit(1)).first()
        is not None
    )


def finish(session: Session, message_id: str, holder: str, **values: object) -> bool:
    """Record a delivery's outcome, only while the claim is still ours (a sender whose lease
    ran out must not overwrite what the one that took over did)."""
    result = session.connection().execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.claimed_by == holder,
            OutboxMessage.status == PENDING,
        )
        .values(claimed_by=None, lease_until=None, **values)
    )
    return bool(result.rowcount)


def reset_failed(session: Session, message_id: str, now: datetime) -> OutboxMessage | None:
    row = session.get(OutboxMessage, message_id, with_for_update=True)
    if row is None or row.status != FAILED:
        return None
    row.status, row.attempts, row.next_attempt_at = PENDING, 0, now
    row.claimed_by = row.lease_until = None
    return row


def failed_messages(session: Session, limit: int = 200) -> Sequence[OutboxMessage]:
    return (
        session.execute(
            select(OutboxMessage)
            .where(OutboxMessage.status == FAILED)
            .order_by(OutboxMessage.created_at.desc())
            .limit(limit)
        )
        .scalars()
        .all()
    )


def outbox_counts(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    ).all()
    return {status: count for status, count in rows}


def stale_pending(session: Session, before: datetime) -> tuple[int, datetime | None]:
    count, oldest = session.execute(
        select(func.count(), func.min(OutboxMessage.created_at)).where(
            OutboxMessage.status == PENDING, OutboxMessage.created_at < before
        )
    ).one()
    return int(count), oldest


def received(session: Session, message_id: str) -> InboxMessage | None:
    return session.get(InboxMessage, message_id)


def receipt(session: Session, message_id: str) -> str | None:
    row = session.get(RelayReceipt, message_id)
    return row.body if row else None


def insert_outbox(tx: Tx, values: dict[str, object]) -> None:
    """Queue one outbox row in the caller's transaction (an ORM session or its connection)."""
    connection_of(tx).execute(insert(OutboxMessage).values(**values))
