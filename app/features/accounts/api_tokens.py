"""Bearer tokens of integration clients: create, revoke, verify; only their sha256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from app.kernel.clock import Clock
from app.kernel.errors import Conflict, FieldError, NotFound, ValidationFailed
from app.store.audit_log import AuditBuffer
from app.store.db import Database
from app.store.models import ApiToken

# Recognisable in logs and secret scanners; the random part carries 256 bits.
TOKEN_PREFIX = "sit_"
NAME_MAX = 100
# Writing last_used_at on every request would turn each API read into a write.
LAST_USED_GRANULARITY = timedelta(minutes=5)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ApiClient:
    """The integration client behind a request."""

    token_id: int
    name: str


@dataclass(frozen=True)
class TokenInfo:
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def _check_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned or len(cleaned) > NAME_MAX or not cleaned.isprintable():
        raise ValidationFailed(
            "客户端名称无效",
            [FieldError("name", f"名称应为1至{NAME_MAX}个可见字符")],
        )
    return cleaned


class ApiTokenService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def create(self, name: str, actor: str) -> str:
        """A new token for client `name`; returned once, never stored in clear."""
        name = _check_name(name)
        now = self.clock.now()
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        audit = AuditBuffer()
        with self.db.transaction() as session:
            active = session.execute(
                select(ApiToken.id).where(ApiToken.name == name, ApiToken.revoked_at.is_(None))
            ).first()
            if active is not None:
                # One live token per client keeps "revoke NAME" unambiguous.
                raise Conflict(
                    f"客户端 {name} 已有有效令牌；请先吊销（api-token revoke）或换一个名称"
                )
            row = ApiToken(name=name, token_hash=token_digest(token), created_at=now)
            session.add(row)
            session.flush()
            audit.add("api_token_created", actor, now, None, name=name, token_id=row.id)
            audit.flush(session)
        return token

    def revoke(self, name: str, actor: str) -> int:
        """Revoke the live token(s) of client `name`; NotFound when it has none."""
        now = self.clock.now()
        audit = AuditBuffer()
        with self.db.transaction() as session:
            ids = list(
                session.execute(
                    select(ApiToken.id).where(
                        ApiToken.name == name.strip(), ApiToken.revoked_at.is_(None)
                    )
                ).scalars()
            )
            if not ids:
                raise NotFound(f"客户端 {name} 没有有效令牌")
            session.execute(update(ApiToken).where(ApiToken.id.in_(ids)).values(revoked_at=now))
            for token_id in ids:
                audit.add("api_token_revoked", actor, now, None, name=name, token_id=token_id)
            audit.flush(session)
        return len(ids)

    def verify(self, token: str | None) -> ApiClient | None:
        """The client of a live token, or None. Notes the use at most every few minutes."""
        if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        digest = token_digest(token)
        with self.db.sessions() as session:
            row = session.execute(
                select(ApiToken.id, ApiToken.name, ApiToken.last_used_at).where(
                    ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None)
                )
            ).first()
        if row is None:
            return None
        now = self.clock.now()
        if row.last_used_at is None or now - row.last_used_at >= LAST_USED_GRANULARITY:
            with self.db.transaction() as session:
                session.execute(
                    update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now)
                )
        return ApiClient(row.id, row.name)

    def list(self) -> list[TokenInfo]:
        with self.db.sessions() as session:
            rows = session.execute(
                select(
                    ApiToken.name, ApiToken.created_at, ApiToken.last_used_at, ApiToken.revoked_at
                ).order_by(ApiToken.id)
            ).all()
        return [TokenInfo(*row) for row in rows]
