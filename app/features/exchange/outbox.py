"""The transactional outbox: a letter is signed and written in the caller's transaction, so a
case step and the letter it sends commit (or roll back) together."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.kernel.errors import Conflict, FieldError, ValidationFailed
from app.store.db import Tx
from app.store.exchange_rows import PENDING, OutboxMessage, insert_outbox

from .directory import Directory
from .envelope import Envelope, from_dict


class Outbox:
    def __init__(
        self,
        directory: Directory,
        key: Ed25519PrivateKey | None,
        now: Callable[[], datetime],
        wall: Callable[[], datetime],
        max_bytes: int,
    ) -> None:
        self.directory = directory
        self.key = key
        self.now = now  # the app clock: sent_at is the instant of the step that sends
        self.wall = wall  # real time: when the sender may first try
        self.max_bytes = max_bytes

    def queue(
        self,
        session: Tx,
        *,
        type: str,
        transfer_key: str,
        from_region: str,
        to_region: str,
        payload: dict[str, Any],
        id: str | None = None,
    ) -> Envelope:
        """Sign a letter with this deployment's key and add it to the outbox in `session`'s
        transaction; the sender delivers it after that transaction commits."""
        if self.key is None:
            raise Conflict(
                "本部署未配置交换密钥（EXCHANGE_PRIVATE_KEY），不能发出函件", code="no_key"
            )
        fields = {
            "id": id or str(uuid.uuid4()),
            "type": type,
            "transfer_key": transfer_key,
            "from_region": from_region,
            "to_region": to_region,
            "sent_at": self.now().astimezone(UTC).isoformat(),
            "payload": payload,
        }
        envelope = from_dict(fields, require_signature=False).signed_with(self.key)
        self.add(session, envelope)
        return envelope

    def add(self, session: Tx, envelope: Envelope) -> OutboxMessage:
        """Queue an already signed envelope unchanged (a hub relaying another's letter)."""
        body = envelope.body()
        if len(body) > self.max_bytes:
            raise ValidationFailed(
                "函件过大", [FieldError("/payload", f"信封超过大小上限 {self.max_bytes} 字节")]
            )
        peer = self.directory.route(envelope.to_region)
        if peer is None:
            raise ValidationFailed(
                "无法投递",
                [FieldError("/to_region", f"交换目录中没有服务 {envelope.to_region} 的部署")],
            )
        values = dict(
            id=envelope.id,
            type=envelope.type,
            transfer_key=envelope.transfer_key,
            from_region=envelope.from_region,
            to_region=envelope.to_region,
            envelope=body.decode("utf-8"),
            endpoint=peer.messages_url,
            peer=peer.name,
            status=PENDING,
            attempts=0,
            next_attempt_at=self.wall(),
            last_error="",
            created_at=self.wall(),
        )
        # Core, so that a use case holding only the connection of its unit of work (a case
        # step's letters) queues in the same transaction as an ORM session does.
        insert_outbox(session, values)
        return OutboxMessage(**values)
