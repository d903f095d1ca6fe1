"""Staff accounts and server-side sessions: sign in, check a session, sign out."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from app.features.accounts.login_throttle import LoginThrottle, SignInThrottled
from app.kernel.clock import Clock
from app.store.audit_log import AuditBuffer
from app.store.db import Database
from app.store.models import User, WebSession
from app.store.prepared import Prepared

_SESSIONS = cast(Table, WebSession.__table__)
_USERS = cast(Table, User.__table__)
# Every request asks this: one prebuilt Core statement (app.store.prepared), not an ORM join.
_LIVE_SESSION = Prepared(
    select(
        _SESSIONS.c.last_seen_at,
        _USERS.c.active,
        _USERS.c.id,
        _USERS.c.username,
        _USERS.c.display_name,
        _USERS.c.role,
        _USERS.c.region,
        _USERS.c.agency,
        _USERS.c.must_change_password,
        _SESSIONS.c.method,
    )
    .join(_USERS, _USERS.c.id == _SESSIONS.c.user_id)
    .where(_SESSIONS.c.id == bindparam("digest"), _SESSIONS.c.ended_at.is_(None))
)
# Checked against when the username is unknown, so both paths take the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


@dataclass(frozen=True)
class SignedIn:
    """The user behind a request: what authorization decisions need."""

    id: int
    username: str
    display_name: str
    role: str
    region: str
    agency: str
    # A password session of an account whose password an administrator reset: only the
    # change-password page until it is changed (an SSO session never carries it).
    must_change_password: bool = False


def user_named(session: Any, username: str) -> User | None:
    """The user with that username, or None; a name with a NUL byte names nobody (usernames
    never hold one, and PostgreSQL text cannot: asking would be a driver error, not an answer)."""
    if "\x00" in username:
        return None
    found: User | None = session.execute(
        select(User).where(User.username == username)
    ).scalar_one_or_none()
    return found


def wall_clock() -> datetime:
    return datetime.now(UTC)


def session_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AccountService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        idle_timeout: timedelta = timedelta(minutes=30),
        throttle: LoginThrottle | None = None,
        wall: Callable[[], datetime] = wall_clock,
    ) -> None:
        self.db = db
        self.clock = clock
        # Sessions idle out on real time, not the app clock: moving a simulated clock forward
        # must not sign every clerk out (audit events still carry the app clock's instant).
        self.wall = wall
        self.idle_timeout = idle_timeout
        self.throttle = throttle

    def sign_in(
        self, username: str, password: str, remote: str = ""
    ) -> tuple[str, SignedIn] | None:
        """A new session token for valid credentials; None (and an audit event) otherwise.
        Raises SignInThrottled (audited) while the account or the address is locked."""
        now = self.clock.now()
        audit = AuditBuffer()
        if self.throttle is not None:
            try:
                self.throttle.check(username, remote)
            except SignInThrottled as exc:
                self._audit_throttled(username, remote, exc.scope)
                raise
        with self.db.transaction() as session:
            user = user_named(session, username)
            valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
            if user is None or not valid or not user.active:
                # Only a known username is logged: people type ID numbers or passwords there.
                actor = user.username if user is not None else "-"
                audit.add(
                    "sign_in_failed", actor, now, None, remote=remote, known_user=user is not None
                )
                audit.flush(session)
                if self.throttle is not None:
                    self.throttle.record_failure(session, username, remote)
                return None
            if self.throttle is not None:
                self.throttle.clear_account(session, username)
            token = open_session(session, user, self.wall(), "password")
            audit.add("user_signed_in", user.username, now, None, remote=remote)
            audit.flush(session)
            return token, signed_in(user, "password")

    def _audit_throttled(self, username: str, remote: str, scope: str) -> None:
        now = self.clock.now()
        audit = AuditBuffer()
        with self.db.transaction() as session:
            user = user_named(session, username)
            actor = user.username if user is not None else "-"
            audit.add("sign_in_throttled", actor, now, None, remote=remote, scope=scope)
            audit.flush(session)

    def current(self, token: str | None) -> SignedIn | None:
        """The user of a live session; sessions idle longer than the timeout are ended."""
        if not token:
            return None
        now = self.wall()
        digest = session_digest(token)
        with self.db.engine.connect() as conn:
            found = _LIVE_SESSION.execute(conn, {"digest": digest}).rows
        if not found:
            return None
        last_seen_at, active, *user = found[0]
        if now - last_seen_at > self.idle_timeout or not active:
            self.sign_out(token, reason="idle")
            return None
        if now - last_seen_at > timedelta(minutes=1):
            # Touch at most once a minute: a write per request would serialise every page view.
            with self.db.transaction() as session:
                session.execute(
                    update(WebSession).where(WebSession.id == digest).values(last_seen_at=now)
                )
        user_id, username, display_name, role, region, agency, must_change, method = user
        return SignedIn(
            user_id,
            username,
            display_name,
            role,
            region,
            agency,
            must_change_password=bool(must_change) and method == "password",
        )

    def sign_out(self, token: str | None, reason: str = "sign_out") -> None:
        if not token:
            return
        now = self.clock.now()
        with self.db.transaction() as session:
            row = session.execute(
                select(WebSession, User)
                .join(User, User.id == WebSession.user_id)
                .where(WebSession.id == session_digest(token), WebSession.ended_at.is_(None))
            ).first()
            if row is None:
                return
            web_session, user = row
            web_session.ended_at = self.wall()
            audit = AuditBuffer()
            audit.add("user_signed_out", user.username, now, None, reason=reason)
            audit.flush(session)

    def record_denied(self, user: SignedIn | None, path: str, reason: str) -> None:
        """Failed access is an audit event (who tried what), not only a 403."""
        now = self.clock.now()
        with self.db.transaction() as session:
            audit = AuditBuffer()
            audit.add(
                "access_denied",
                user.username if user else "-",
                now,
                None,
                path=path[:300],
                reason=reason,
            )
            audit.flush(session)


def open_session(session: Any, user: User, started: datetime, method: str) -> str:
    """A new server-side session for the user (signed in by "password" or "sso"): its token."""
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            id=session_digest(token),
            user_id=user.id,
            created_at=started,
            last_seen_at=started,
            method=method,
        )
    )
    return token


def signed_in(user: User, method: str) -> SignedIn:
    return SignedIn(
        user.id,
        user.username,
        user.display_name,
        user.role,
        user.region,
        user.agency,
        must_change_password=bool(user.must_change_password) and method == "password",
    )
