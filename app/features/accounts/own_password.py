"""A staff member changes their own password: required after an administrator's reset (the
administrator knew the password), possible at any time; audited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import update
from werkzeug.security import check_password_hash, generate_password_hash

from app.features.accounts.accounts import session_digest, wall_clock
from app.features.accounts.password_policy import password_problems
from app.kernel.clock import Clock
from app.kernel.errors import FieldError, NotFound, ValidationFailed
from app.store.audit_log import AuditBuffer
from app.store.db import Database
from app.store.models import User, WebSession


class OwnPassword:
    def __init__(self, db: Database, clock: Clock, wall: Callable[[], datetime] = wall_clock):
        self.db = db
        self.clock = clock
        self.wall = wall

    def change(
        self, user_id: int, session_token: str, current: str, new: str, new_again: str
    ) -> None:
        """Check the current password, the policy and the repetition; then store the new one,
        lift the must-change flag and end the account's other sessions (this one goes on).
        Raises ValidationFailed naming the fields; nothing changes then."""
        now = self.clock.now()
        with self.db.transaction() as session:
            user = session.get(User, user_id)
            if user is None or not user.active:
                raise NotFound("账号不存在或已停用")
            problems: list[FieldError] = []
            if not check_password_hash(user.password_hash, current):
                problems.append(FieldError("current_password", "当前密码不正确"))
            problems += password_problems(new, user.username)
            if new and new == current:
                problems.append(FieldError("password", "新密码不能与当前密码相同"))
            if new != new_again:
                problems.append(FieldError("password_again", "两次输入的新密码不一致"))
            if problems:
                raise ValidationFailed("密码未修改，请按提示更正", problems)
            required = bool(user.must_change_password)
            user.password_hash = generate_password_hash(new)
            user.must_change_password = False
            ended = session.execute(
                update(WebSession)
                .where(
                    WebSession.user_id == user.id,
                    WebSession.ended_at.is_(None),
                    WebSession.id != session_digest(session_token),
                )
                .values(ended_at=self.wall())
            )
            audit = AuditBuffer()
            audit.add(
                "user_password_changed",
                user.username,
                now,
                None,
                required=required,
                sessions_ended=int(getattr(ended, "rowcount", 0) or 0),
            )
            audit.flush(session)
