"""Receives one envelope (POST /exchange/messages): verify, de-duplicate by id, check the
region, then apply it through the injected handler inside the transaction that records it.
In hub mode the verified letter is queued, unchanged, to the peer serving its to_region."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.kernel.config import ExchangeSettings
from app.kernel.errors import ValidationFailed
from app.store.audit_log import AuditBuffer
from app.store.db import Database
from app.store.exchange_rows import InboxMessage, RelayReceipt, receipt, received

from .directory import Directory
from .envelope import Envelope, canonical_bytes, parse
from .outbox import Outbox


class MessageDoesNotFit(Exception):
    """Raised by a handler: the letter does not fit the case's state (answered 409)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class MessageHandler(Protocol):
    """What a received letter does to this deployment's cases (the lead's case service).
    `apply` runs inside the transaction that records the inbox row and `message_received`:
    raising MessageDoesNotFit (or anything) rolls all of it back."""

    def apply(self, session: Session, envelope: Envelope) -> None: ...


class RefuseAll:
    """The default handler: no case service is wired to letters yet."""

    def apply(self, session: Session, envelope: Envelope) -> None:
        raise MessageDoesNotFit("本部署尚未配置函件处理（no handler）")


@dataclass(frozen=True)
class Answer:
    status: int
    code: str
    message: str
    errors: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.errors:
            body["errors"] = self.errors
        return body


class Refused(Exception):
    def __init__(self, answer: Answer) -> None:
        super().__init__(answer.message)
        self.answer = answer


class Receiver:
    def __init__(
        self,
        db: Database,
        settings: ExchangeSettings,
        directory: Directory,
        handler: MessageHandler,
        outbox: Outbox,
        hub_key: Ed25519PrivateKey | None,
        now: Callable[[], datetime],
    ) -> None:
        self.db = db
        self.settings = settings
        self.directory = directory
        self.handler = handler
        self.outbox = outbox
        self.hub_key = hub_key
        self.now = now

    @property
    def is_hub(self) -> bool:
        return self.settings.mode == "hub"

    def receive(self, raw: bytes) -> Answer:
        envelope: Envelope | None = None
        try:
            envelope = self._verified(raw)
            return self._record(envelope)
        except Refused as refused:
            self._audit_refusal(refused.answer, envelope, raw)
            return refused.answer

    def _verified(self, raw: bytes) -> Envelope:
        try:
            envelope = parse(raw, max_bytes=self.settings.max_bytes)
        except ValidationFailed as exc:
            errors = [e.as_dict() for e in exc.errors]
            raise Refused(Answer(422, "malformed", "信封格式不正确", errors)) from None
        sender = self.directory.sender(envelope.from_region)
        if sender is None:
            raise Refused(
                Answer(401, "unknown_sender", f"交换目录中没有 {envelope.from_region} 的发件机构")
            )
        if not envelope.verifies_with(sender.public_key):
            raise Refused(Answer(401, "bad_signature", f"签名与 {sender.name} 的公钥不符"))
        return envelope

    def _serves(self, region: str) -> bool:
        regions = self.settings.regions
        return not regions or any(region.startswith(prefix) for prefix in regions)

    def _record(self, envelope: Envelope) -> Answer:
        digest = envelope.digest()
        try:
            with self.db.transaction() as session:
                before = received(session, envelope.id)
                if before is not None:
                    return self._again(before, digest)
                self._check_region(envelope)
                session.add(
                    InboxMessage(
                        id=envelope.id,
                        sha256=digest,
                        from_region=envelope.from_region,
                        to_region=envelope.to_region,
                        type=envelope.type,
                        transfer_key=envelope.transfer_key,
                        received_at=self.now(),
                    )
                )
                session.flush()  # a concurrent twin with the same id stops here
                audit = AuditBuffer()
                audit.add(
                    "message_received",
                    f"peer:{envelope.from_region}",
                    self.now(),
                    None,
                    **_about(envelope),
                    sha256=digest,
                )
                if self.is_hub:
                    self._relay(session, envelope, digest, audit)
                else:
                    try:
                        self.handler.apply(session, envelope)
                    except MessageDoesNotFit as exc:
                        raise Refused(Answer(409, "does_not_fit", exc.reason)) from None
                audit.flush(session)
        except IntegrityError:
            with self.db.sessions() as session:
                before = received(session, envelope.id)
            if before is None:
                raise
            return self._again(before, digest)
        return Answer(202, "accepted", "函件已接收")

    def _again(self, before: InboxMessage, digest: str) -> Answer:
        if before.sha256 == digest:
            return Answer(202, "duplicate", "该函件此前已接收，未重复处理")
        raise Refused(Answer(409, "id_reused", "该编号的函件此前已接收，但内容不同"))

    def _check_region(self, envelope: Envelope) -> None:
        if self.is_hub:
            peer = self.directory.route(envelope.to_region)
            if peer is None or peer.is_hub:
                raise Refused(
                    Answer(409, "no_route", f"交换目录中没有服务 {envelope.to_region} 的部署")
                )
        elif not self._serves(envelope.to_region):
            raise Refused(
                Answer(409, "region_not_served", f"本部署不办理 {envelope.to_region} 的业务")
            )

    def _relay(self, session: Session, envelope: Envelope, digest: str, audit: AuditBuffer) -> None:
        """Queue the same envelope (its sender's signature untouched) and sign a receipt."""
        if self.hub_key is None:
            raise Refused(Answer(409, "no_key", "枢纽未配置签名密钥，不能转发"))
        row = self.outbox.add(session, envelope)
        body = {
            "id": envelope.id,
            "sha256": digest,
            "from_region": envelope.from_region,
            "to_region": envelope.to_region,
            "relayed_at": self.now().astimezone(UTC).isoformat(),
            "hub": self.settings.name,
        }
        signature = base64.b64encode(self.hub_key.sign(canonical_bytes(body))).decode("ascii")
        session.add(
            RelayReceipt(
                id=envelope.id,
                body=canonical_bytes({**body, "signature": signature}).decode("utf-8"),
            )
        )
        audit.add(
            "message_relayed", "exchange", self.now(), None, **_about(envelope), peer=row.peer
        )

    def _audit_refusal(self, answer: Answer, envelope: Envelope | None, raw: bytes) -> None:
        data: dict[str, Any] = {"code": answer.code, "reason": answer.message}
        if envelope is not None:
            data.update(_about(envelope))
        else:
            data["sha256"] = hashlib.sha256(raw).hexdigest()
            data.update(_loose_head(raw))
        audit = AuditBuffer()
        audit.add("message_rejected", "exchange", self.now(), None, **data)
        with self.db.transaction() as session:
            audit.flush(session)

    def receipt(self, message_id: str) -> dict[str, Any] | None:
        with self.db.sessions() as session:
            body = receipt(session, message_id)
        return json.loads(body) if body else None


def _about(envelope: Envelope) -> dict[str, str]:
    return {
        "id": envelope.id,
        "type": envelope.type,
        "transfer_key": envelope.transfer_key,
        "from": envelope.from_region,
        "to": envelope.to_region,
    }


def _loose_head(raw: bytes) -> dict[str, str]:
    """What can be told of a malformed letter (short strings only) for the audit record."""
    try:
        data = json.loads(raw[:65536])
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    out = {}
    for key, name in (("id", "id"), ("type", "type"), ("from_region", "from"), ("to_region", "to")):
        value = data.get(key)
        if isinstance(value, str):
            out[name] = value[:64]
    return out
