"""Single sign-on (OIDC): the person the provider vouched for signs in to the staff account an
administrator linked to their subject; SSO never creates an account, and every sign-in and
refusal is an audit event, as password sign-ins are."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.features.accounts.accounts import SignedIn, open_session, signed_in, wall_clock
from app.kernel.clock import Clock
from app.kernel.errors import AppError, Conflict, FieldError, NotFound, ValidationFailed
from app.store.audit_log import AuditBuffer
from app.store.db import Database
from app.store.models import User

SUBJECT_MAX = 255

# Why a single sign-on was refused: the audit log records the code, the person reads the text.
REFUSALS: dict[str, tuple[int, str]] = {
    "state": (400, "登录请求已失效或不是从本系统发起，请重新点击“使用统一身份认证登录”。"),
    "provider_error": (403, "统一身份认证平台未完成登录（{detail}），请重试或使用密码登录。"),
    "provider_unreachable": (502, "暂时无法连接统一身份认证平台，请稍后再试或使用密码登录。"),
    "discovery": (502, "统一身份认证平台的配置与本系统不符（签发方不一致），已拒绝登录。"),
    "signature": (403, "统一身份认证令牌的签名无效，已拒绝登录。"),
    "issuer": (403, "统一身份认证令牌的签发方不是本系统配置的平台，已拒绝登录。"),
    "audience": (403, "统一身份认证令牌不是签发给本系统的，已拒绝登录。"),
    "expired": (403, "统一身份认证令牌已过期，请重新登录。"),
    "nonce": (403, "统一身份认证令牌与本次登录请求不匹配（nonce），已拒绝登录。"),
    "token": (403, "统一身份认证令牌无效（{detail}），已拒绝登录。"),
    "unknown_subject": (
        403,
        "统一身份认证账号“{detail}”尚未关联本系统的工作人员账号，"
        "请联系系统管理员在“账号管理”中关联后再登录。",
    ),
    "disabled": (403, "与该统一身份认证账号关联的工作人员账号已停用，请联系系统管理员。"),
}


class SsoRefused(AppError):
    """A single sign-on that did not sign anybody in; `reason` is a key of REFUSALS."""

    code = "sso_refused"

    def __init__(self, reason: str, detail: str = "") -> None:
        status, text = REFUSALS[reason]
        super().__init__(text.format(detail=detail or reason))
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class SsoLink:
    username: str
    subject: str | None


def printable(text: str, limit: int) -> str:
    """Text from outside (the provider, the callback's query) as the audit log may keep it:
    no control characters (PostgreSQL's JSON cannot hold NUL), bounded."""
    return "".join(c for c in text if c.isprintable())[:limit]


def subject_problems(subject: str) -> list[FieldError]:
    if (
        not subject
        or len(subject) > SUBJECT_MAX
        or not subject.isprintable()
        or subject.strip() != subject
    ):
        return [
            FieldError(
                "subject",
                f"统一身份认证标识（sub）应为 1–{SUBJECT_MAX} 个可见字符，首尾不能有空格",
            )
        ]
    return []


class SsoAccounts:
    """Sign-in by a verified subject, refusals, and the administrator's links."""

    def __init__(self, db: Database, clock: Clock, wall: Callable[[], datetime] = wall_clock):
        self.db = db
        self.clock = clock
        self.wall = wall  # sessions live on real time, as password sessions do

    def sign_in(self, subject: str, remote: str = "") -> tuple[str, SignedIn]:
        """A session for the active account linked to `subject` (already verified by the
        provider's signed ID token). Raises SsoRefused (audited) for an unknown subject or a
        disabled account."""
        now = self.clock.now()
        audit = AuditBuffer()
        refused: SsoRefused | None = None
        with self.db.transaction() as session:
            user = _linked(session, subject)
            if user is None or not user.active:
                reason = "unknown_subject" if user is None else "disabled"
                refused = SsoRefused(reason, printable(subject, 80))
                actor = user.username if user is not None else "-"
                audit.add(
                    "sign_in_failed",
                    actor,
                    now,
                    None,
                    remote=remote,
                    method="sso",
                    reason=reason,
                    subject=printable(subject, SUBJECT_MAX),
                )
            else:
                token = open_session(session, user, self.wall(), "sso")
                audit.add("user_signed_in", user.username, now, None, remote=remote, method="sso")
                result = token, signed_in(user, "sso")
            audit.flush(session)
        if refused is not None:
            raise refused  # after the commit: the refusal stays in the audit log
        return result

    def refuse(self, reason: str, remote: str = "", detail: str = "") -> SsoRefused:
        """Audit a sign-in the protocol refused (bad token, state, provider); the error to show."""
        now = self.clock.now()
        detail = printable(detail, 200)
        with self.db.transaction() as session:
            audit = AuditBuffer()
            audit.add(
                "sign_in_failed",
                "-",
                now,
                None,
                remote=remote,
                method="sso",
                reason=reason,
                detail=detail,
            )
            audit.flush(session)
        return SsoRefused(reason, detail)

    def link(self, username: str, subject: str, actor: str) -> SsoLink:
        """Let the person with this provider subject sign in to the account (one account per
        subject; replaces an earlier link of the account)."""
        problems = subject_problems(subject)
        if problems:
            raise ValidationFailed("统一身份认证标识有误，未做任何更改", problems)
        now = self.clock.now()
        with self.db.transaction() as session:
            user = _account(session, username)
            other = _linked(session, subject)
            if other is not None and other.id != user.id:
                raise Conflict(f"该统一身份认证标识已关联账号 {other.username}，未做任何更改")
            previous = user.sso_subject
            user.sso_subject = subject
            audit = AuditBuffer()
            audit.add(
                "user_sso_linked",
                actor,
                now,
                None,
                username=user.username,
                subject=subject,
                previous=previous,
            )
            audit.flush(session)
            return SsoLink(user.username, subject)

    def unlink(self, username: str, actor: str) -> SsoLink:
        now = self.clock.now()
        with self.db.transaction() as session:
            user = _account(session, username)
            if user.sso_subject is None:
                raise Conflict(f"账号 {username} 未关联统一身份认证，未做任何更改")
            audit = AuditBuffer()
            audit.add(
                "user_sso_unlinked",
                actor,
                now,
                None,
                username=user.username,
                subject=user.sso_subject,
            )
            user.sso_subject = None
            audit.flush(session)
            return SsoLink(user.username, None)

    def link_of(self, username: str) -> SsoLink:
        with self.db.sessions() as session:
            user = _account(session, username)
            return SsoLink(user.username, user.sso_subject)


def _linked(session: Session, subject: str) -> User | None:
    if "\x00" in subject:
        return None  # names nobody (PostgreSQL text cannot hold it)
    found: User | None = session.execute(
        select(User).where(User.sso_subject == subject)
    ).scalar_one_or_none()
    return found


def _account(session: Session, username: str) -> User:
    found: User | None = None
    if "\x00" not in username:
        found = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if found is None:
        raise NotFound(f"账号 {username} 不存在，未做任何更改")
    return found
