"""Throttling of failed sign-ins per account and per client address, counted in the database.

ASVS 2.2.1: after `max_failures` failures for one account (or `max_per_address` from one
address) within `lock` minutes, sign-in is refused for `lock` minutes from the failure that
reached the limit. The counts are rows, not process memory, so every web worker agrees."""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from app.kernel.config import Settings
from app.kernel.errors import AppError
from app.store.db import Database
from app.store.models import LoginFailure

ADDRESS_MAX = 64


class SignInThrottled(AppError):
    """Too many failed sign-ins: refused without looking at the password."""

    code = "throttled"
    status = 429

    def __init__(self, minutes: int, scope: str) -> None:
        super().__init__(f"登录失败次数过多，请 {minutes} 分钟后再试")
        self.minutes = minutes
        self.scope = scope  # "account" | "address", for the audit event


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int = 5
    max_per_address: int = 20
    lock: timedelta = timedelta(minutes=15)


def locked_until(times: Sequence[datetime], limit: int, lock: timedelta) -> datetime | None:
    """The end of the latest lock these failure times (ascending) impose: `limit` failures
    within `lock` lock from the last of them for `lock`."""
    if limit <= 0:
        return None  # 0 switches this limit off
    until: datetime | None = None
    for first in range(len(times) - limit + 1):
        last = times[first + limit - 1]
        if last - times[first] <= lock and (until is None or last + lock > until):
            until = last + lock
    return until


class LoginThrottle:
    def __init__(
        self,
        db: Database,
        secret: str,
        now: Callable[[], datetime],
        policy: ThrottlePolicy | None = None,
    ) -> None:
        self.db = db
        self.secret = secret.encode()
        self.now = now
        self.policy = policy or ThrottlePolicy()

    def account_key(self, username: str) -> str:
        # Keyed: the table never holds what was typed (people type passwords into the username).
        name = username.strip().lower().encode("utf-8", "replace")
        return hmac.new(self.secret, name, hashlib.sha256).hexdigest()

    def check(self, username: str, address: str) -> None:
        """Raise SignInThrottled while the account or the address is locked."""
        now = self.now()
        since = now - 2 * self.policy.lock  # a lock begun within one window may last another
        key, address = self.account_key(username), address[:ADDRESS_MAX]
        with self.db.sessions() as session:
            by_account = _times(session, LoginFailure.account_key == key, since)
            by_address = _times(session, LoginFailure.address == address, since)
        for scope, times, limit in (
            ("account", by_account, self.policy.max_failures),
            ("address", by_address, self.policy.max_per_address),
        ):
            until = locked_until(times, limit, self.policy.lock)
            if until is not None and until > now:
                minutes = max(1, math.ceil((until - now).total_seconds() / 60))
                raise SignInThrottled(minutes, scope)

    def record_failure(self, session: Session, username: str, address: str) -> None:
        """In the caller's transaction: one more failure; rows too old to matter are dropped."""
        now = self.now()
        session.execute(
            insert(LoginFailure).values(
                account_key=self.account_key(username), address=address[:ADDRESS_MAX], at=now
            )
        )
        session.execute(delete(LoginFailure).where(LoginFailure.at < now - 2 * self.policy.lock))

    def clear_account(self, session: Session, username: str) -> None:
        """A successful sign-in (or a password reset) starts the account's count afresh; the
        address keeps its count, so one good password does not reopen guessing on others."""
        session.execute(
            delete(LoginFailure).where(LoginFailure.account_key == self.account_key(username))
        )


def _times(session: Session, condition: object, since: datetime) -> list[datetime]:
    query = (
        select(LoginFailure.at)
        .where(condition, LoginFailure.at >= since)  # type: ignore[arg-type]
        .order_by(LoginFailure.at)
    )
    return list(session.execute(query).scalars())


def login_throttle(settings: Settings, db: Database) -> LoginThrottle:
    """The runtime's throttle, from LOGIN_MAX_FAILURES, LOGIN_MAX_FAILURES_PER_ADDRESS and
    LOGIN_LOCK_MINUTES."""
    policy = ThrottlePolicy(
        settings.login_max_failures,
        settings.login_max_failures_per_address,
        timedelta(minutes=settings.login_lock_minutes),
    )
    # Wall-clock time, not the app clock: a simulated clock stands still until moved, and a
    # lock-out must end 15 real minutes later on a training server too.
    return LoginThrottle(db, settings.secret_key, wall_clock, policy)


def wall_clock() -> datetime:
    return datetime.now(UTC)
