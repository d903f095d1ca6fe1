"""Helpers for the exchange tests: keys and directory files, a handler that writes what it
receives through the real session, and counts of what a deployment holds."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.features.exchange.envelope import Envelope
from app.features.exchange.keys import generate, load_private
from app.features.exchange.receiver import MessageDoesNotFit
from app.kernel.config import ExchangeSettings
from app.store.audit_log import AuditBuffer
from app.store.db import Database
from app.store.exchange_rows import InboxMessage, OutboxMessage
from app.store.models import AuditEvent

APPLIED = "letter_applied"  # the test handler's own audit kind: one per applied letter


class RecordingHandler:
    """Applies a letter by writing an event through the receiver's session (rolled back with
    it); refuses letters whose payload says so, after writing, to show the rollback."""

    def apply(self, session: Session, envelope: Envelope) -> None:
        audit = AuditBuffer()
        audit.add(APPLIED, "test", datetime.now(UTC), None, id=envelope.id)
        audit.flush(session)
        if envelope.payload.get("refuse"):
            raise MessageDoesNotFit("办件当前状态不能接收该函件")


@dataclass
class Party:
    """One deployment's identity: its regions and its key."""

    name: str
    regions: list[str]
    key_path: Path
    public: str

    @property
    def key(self) -> Ed25519PrivateKey:
        return load_private(self.key_path)


def party(tmp_path: Path, name: str, *regions: str) -> Party:
    path, public = generate(tmp_path / f"key-{name}")
    return Party(name, list(regions), path, public)


def directory_file(
    path: Path, entries: list[tuple[Party, str]], hub: tuple[Party, str] | None = None
) -> Path:
    """entries: (party, endpoint or "" for key only); hub: the "*" entry."""
    data: list[dict[str, Any]] = [
        {"regions": p.regions, "endpoint": endpoint, "public_key": p.public, "name": p.name}
        for p, endpoint in entries
    ]
    if hub is not None:
        data.append(
            {"regions": ["*"], "endpoint": hub[1], "public_key": hub[0].public, "name": hub[0].name}
        )
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def settings(me: Party, directory: Path, **changes: Any) -> ExchangeSettings:
    base: dict[str, Any] = {
        "regions": tuple(me.regions),
        "name": me.name,
        "directory": directory,
        "private_key": me.key_path,
        "backoff_seconds": 0.2,
        "backoff_max_seconds": 1.0,
        "timeout_seconds": 2.0,
        "poll_seconds": 0.2,
    }
    return ExchangeSettings(**{**base, **changes})


def letter(sender: Party, to_region: str, **changes: Any) -> Envelope:
    fields: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "type": "contact_letter",
        "transfer_key": "YC20260001/pension",
        "from_region": sender.regions[0].ljust(6, "1")[:6],
        "to_region": to_region,
        "sent_at": "2026-09-28T09:00:00+08:00",
        "payload": {"联系函编号": "HZ-001"},
    }
    fields.update(changes)
    return Envelope(**fields).signed_with(sender.key)


def counts(db: Database) -> dict[str, int]:
    """What a deployment holds, by table and audit kind."""
    with db.sessions() as session:
        kinds = dict(
            session.execute(select(AuditEvent.kind, func.count()).group_by(AuditEvent.kind)).all()
        )
        return {
            "inbox": session.execute(select(func.count()).select_from(InboxMessage)).scalar_one(),
            "outbox": session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one(),
            **{f"audit:{k}": v for k, v in kinds.items()},
        }


def applied_ids(db: Database) -> list[str]:
    with db.sessions() as session:
        rows = session.execute(select(AuditEvent.data).where(AuditEvent.kind == APPLIED)).scalars()
        return sorted(row["id"] for row in rows)
