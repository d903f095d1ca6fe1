"""Staff accounts for a real office: create, disable, enable, reset a password, list; audited."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from app.documents.regions import REGIONS
from app.features.accounts.login_throttle import LoginThrottle
from app.features.accounts.password_policy import password_problems
from app.kernel.errors import Conflict, FieldError, NotFound, ValidationFailed
from app.kernel.roles import ROLES
from app.store.audit_log import AuditBuffer
from app.store.db import Database
from app.store.models import User, WebSession

# Staff only: applicants never sign in to the back office (the portal has no accounts).
STAFF_ROLES = tuple(code for code in ROLES if code != "applicant")
USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{2,59}")
TEXT_MAX = 100


@dataclass(frozen=True)
class NewAccount:
    username: str
    display_name: str
    role: str
    region: str
    agency: str = ""  # empty: the region's name + the role's agency, as the demo users have


@dataclass(frozen=True)
class AccountInfo:
    username: str
    display_name: str
    role: str
    region: str
    agency: str
    active: bool


def account_problems(account: NewAccount) -> list[FieldError]:
    """Field errors (Chinese, naming the field) for a new account's details; [] when fine."""
    problems: list[FieldError] = []
    if not USERNAME.fullmatch(account.username):
        problems.append(
            FieldError(
                "username",
                "用户名应为 3–60 个字符：字母、数字及 _ . @ -，以字母或数字开头",
            )
        )
    name = account.display_name.strip()
    if not name or len(name) > TEXT_MAX or not name.isprintable():
        problems.append(FieldError("name", f"姓名应为 1–{TEXT_MAX} 个可见字符"))
    if account.role not in STAFF_ROLES:
        problems.append(
            FieldError(
                "role",
                f"未知角色 {account.role!r}；可选：{', '.join(STAFF_ROLES)}",
            )
        )
    if account.region not in REGIONS:
        known = "、".join(f"{code}（{r.name}）" for code, r in REGIONS.items())
        problems.append(
            FieldError("region", f"地区代码 {account.region!r} 不是本系统的地区；可选：{known}")
        )
    agency = account.agency.strip()
    if len(agency) > TEXT_MAX or (agency and not agency.isprintable()):
        problems.append(FieldError("agency", f"经办机构名称不能超过 {TEXT_MAX} 个可见字符"))
    return problems


def _info(user: User) -> AccountInfo:
    return AccountInfo(
        user.username, user.display_name, user.role, user.region, user.agency, user.active
    )


class AccountAdmin:
    """The administrator's use cases; every change is one transaction with its audit event."""

    def __init__(
        self, db: Database, now: Callable[[], datetime], throttle: LoginThrottle | None = None
    ) -> None:
        self.db = db
        self.now = now
        self.throttle = throttle

    def check_new(self, account: NewAccount) -> None:
        """Raise ValidationFailed for bad details or a taken username (before asking for a
        password, so nobody types one for a command that cannot succeed)."""
        problems = account_problems(account)
        if not problems:
            with self.db.sessions() as session:
                if _find(session, account.username, any_case=True) is not None:
                    problems.append(FieldError("username", f"用户名 {account.username} 已存在"))
        if problems:
            raise ValidationFailed("账号信息有误，未做任何更改", problems)

    def create(self, account: NewAccount, password: str, actor: str) -> AccountInfo:
        self.check_new(account)
        _check_password(password, account.username)
        agency = account.agency.strip() or (
            REGIONS[account.region].name + ROLES[account.role].agency
        )
        now = self.now()
        with self.db.transaction() as session:
            if _find(session, account.username, any_case=True) is not None:
                raise Conflict(f"用户名 {account.username} 已存在")  # created meanwhile
            user = User(
                username=account.username,
                password_hash=generate_password_hash(password),
                display_name=account.display_name.strip(),
                role=account.role,
                region=account.region,
                agency=agency,
                active=True,
            )
            session.add(user)
            session.flush()
            audit = AuditBuffer()
            audit.add(
                "user_created",
                actor,
                now,
                None,
                username=user.username,
                role=user.role,
                region=user.region,
                agency=user.agency,
            )
            audit.flush(session)
            return _info(user)

    def set_active(self, username: str, active: bool, actor: str) -> AccountInfo:
        """Disable (its sessions end at once) or enable an account."""
        now = self.now()
        with self.db.transaction() as session:
            user = _existing(session, username)
            if user.active == active:
                state = "已是启用状态" if active else "已是停用状态"
                raise Conflict(f"账号 {username} {state}，未做任何更改")
            user.active = active
            ended = 0 if active else _end_sessions(session, user.id, now)
            audit = AuditBuffer()
            kind = "user_enabled" if active else "user_disabled"
            audit.add(kind, actor, now, None, username=user.username, sessions_ended=ended)
            audit.flush(session)
            return _info(user)

    def reset_password(self, username: str, password: str, actor: str) -> None:
        """A new password, to be changed at the next password sign-in; the account's sessions
        end and its failed sign-ins are forgotten."""
        _check_password(password, username)
        now = self.now()
        with self.db.transaction() as session:
            user = _existing(session, username)
            user.password_hash = generate_password_hash(password)
            user.must_change_password = True  # the administrator knows it: the user changes it
            ended = _end_sessions(session, user.id, now)
            if self.throttle is not None:
                self.throttle.clear_account(session, user.username)
            audit = AuditBuffer()
            audit.add(
                "user_password_reset",
                actor,
                now,
                None,
                username=user.username,
                sessions_ended=ended,
            )
            audit.flush(session)

    def list(self) -> list[AccountInfo]:
        with self.db.sessions() as session:
            users = session.execute(select(User).order_by(User.region, User.role, User.username))
            return [_info(user) for user in users.scalars()]

    def exists(self, username: str) -> bool:
        with self.db.sessions() as session:
            return _find(session, username) is not None


def _check_password(password: str, username: str) -> None:
    problems = password_problems(password, username)
    if problems:
        raise ValidationFailed("密码不符合要求，未做任何更改", problems)


def _find(session: Session, username: str, any_case: bool = False) -> User | None:
    if "\x00" in username:
        return None  # names nobody (and PostgreSQL text cannot hold it)
    column = func.lower(User.username) if any_case else User.username
    wanted = username.lower() if any_case else username
    found: User | None = session.execute(select(User).where(column == wanted)).scalar_one_or_none()
    return found


def _existing(session: Session, username: str) -> User:
    user = _find(session, username)
    if user is None:
        raise NotFound(f"账号 {username} 不存在，未做任何更改")
    return user


def _end_sessions(session: Session, user_id: int, now: datetime) -> int:
    result = session.execute(
        update(WebSession)
        .where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
        .values(ended_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def first_admin_hint(db: Database) -> str | None:
    """What to do when no active administrator exists (a fresh installation); None otherwise."""
    with db.sessions() as session:
        found = session.execute(
            select(User.id).where(User.role == "admin", User.active.is_(True)).limit(1)
        ).first()
    if found is not None:
        return None
    region = next(iter(REGIONS))
    return (
        "尚无可用的系统管理员账号。请先创建第一个管理员（会提示输入密码）：\n"
        f"  flask --app app users create USERNAME --name 姓名 --role admin --region {region}\n"
        "No administrator account yet: create the first one with the command above "
        "(demo accounts come only from `flask --app app load-demo`)."
    )
