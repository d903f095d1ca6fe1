"""The exchange of one runtime: directory, key, outbox, sender and receiver wired together,
plus the supervisor's view of failed letters and the retry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from app.features.cases.timer_leases import wall_now
from app.kernel.clock import Clock
from app.kernel.config import ExchangeSettings
from app.kernel.errors import NotFound
from app.store.audit_log import AuditBuffer
from app.store.db import Database
from app.store.exchange_rows import failed_messages, reset_failed

from .directory import Directory
from .keys import load_private
from .outbox import Outbox
from .receiver import MessageHandler, Receiver, RefuseAll
from .sender import Sender


@dataclass(frozen=True)
class FailedLetter:
    id: str
    type: str
    transfer_key: str
    from_region: str
    to_region: str
    peer: str
    attempts: int
    last_error: str
    created_at: datetime


class Exchange:
    def __init__(
        self,
        settings: ExchangeSettings,
        db: Database,
        clock: Clock,
        handler: MessageHandler | None = None,
        *,
        wall: Callable[[], datetime] = wall_now,
    ) -> None:
        self.settings = settings
        self.db = db
        self.clock = clock
        self.wall = wall
        self.directory = (
            Directory.load(settings.directory) if settings.directory else Directory.empty()
        )
        self.key = load_private(settings.private_key) if settings.private_key else None
        self.outbox = Outbox(self.directory, self.key, clock.now, wall, settings.max_bytes)
        self.sender = Sender(db, settings, clock.now, wall=wall)
        self.receiver = Receiver(
            db, settings, self.directory, handler or RefuseAll(), self.outbox, self.key, clock.now
        )

    @property
    def sends(self) -> bool:
        """Whether this deployment has anywhere to send letters (the scheduler's job runs)."""
        return bool(self.directory.peers or self.directory.hub)

    def failed(self) -> list[FailedLetter]:
        with self.db.sessions() as session:
            return [
                FailedLetter(
                    r.id,
                    r.type,
                    r.transfer_key,
                    r.from_region,
                    r.to_region,
                    r.peer,
                    r.attempts,
                    r.last_error,
                    r.created_at,
                )
                for r in failed_messages(session)
            ]

    def resend(self, message_id: str, actor: str) -> None:
        """A failed letter goes back to pending with a fresh count of tries (audited)."""
        with self.db.transaction() as session:
            row = reset_failed(session, message_id, self.wall())
            if row is None:
                raise NotFound(f"没有编号为 {message_id} 的发送失败函件")
            audit = AuditBuffer()
            audit.add(
                "message_resent",
                actor,
                self.clock.now(),
                None,
                id=row.id,
                type=row.type,
                transfer_key=row.transfer_key,
                to=row.to_region,
                last_error=row.last_error,
            )
            audit.flush(session)
