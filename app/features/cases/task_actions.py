"""Claim, release and reassign a task row: one audited transaction each; a lost race is a Conflict.

These change who works a task, not the workflow: the case row and its workflow stay untouched,
so a claim never competes with a completion for the case's optimistic lock."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Table, select, update

from app.features.accounts.accounts import user_named
from app.features.cases.service import Actor
from app.kernel.clock import Clock
from app.kernel.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from app.store.audit_log import AuditBuffer
from app.store.db import Database
from app.store.models import HumanTask, User

REASON_MAX = 500
POOL = "__pool__"  # 退回待办池: the reassignment target that makes a claimed task unclaimed
_T = cast(Table, HumanTask.__table__)


class TaskActions:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def claim(self, task_id: int, actor: Actor) -> None:
        """Take an unclaimed task of one's own role and region."""
        now = self.clock.now()
        with self.db.transaction() as session:
            task = _read(session, task_id)
            _same_lane(task, actor)
            if task.state == "claimed" and task.assignee == actor.name:
                return  # claiming twice (a double click) changes nothing
            changed = _changed(
                session,
                update(_T)
                .where(_T.c.id == task_id, _T.c.state == "open")
                .values(state="claimed", assignee=actor.name, claimed_at=now),
            )
            if changed != 1:
                raise Conflict(_taken_message(session, task))
            _audit(session, "task_claimed", actor, task, now)

    def release(self, task_id: int, actor: Actor) -> None:
        """Give a claimed task back to the unclaimed list (only its assignee can)."""
        now = self.clock.now()
        with self.db.transaction() as session:
            task = _read(session, task_id)
            _same_lane(task, actor)
            if task.state == "open":
                return  # already back in the list
            if task.state == "claimed" and task.assignee != actor.name:
                raise Conflict(
                    f"该任务由 {_display(session, task.assignee)} 认领，只有认领人可以退回"
                )
            changed = _changed(
                session,
                update(_T)
                .where(_T.c.id == task_id, _T.c.state == "claimed", _T.c.assignee == actor.name)
                .values(state="open", assignee=None, claimed_at=None),
            )
            if changed != 1:
                raise Conflict(_taken_message(session, task))
            _audit(session, "task_released", actor, task, now)

    def reassign(self, task_id: int, to_username: str, reason: str, actor: Actor) -> None:
        """督办改派: a supervisor of the task's region gives it to another clerk of its lane, or
        (to POOL) returns a claimed task to the pool, unclaimed, for the lane to claim again."""
        now = self.clock.now()
        reason = (reason or "").strip()
        errors = []
        if not reason:
            errors.append(FieldError("reason", "改派理由：必填，请说明改派原因"))
        elif len(reason) > REASON_MAX:
            errors.append(FieldError("reason", f"改派理由：不得超过 {REASON_MAX} 个字"))
        if not to_username:
            errors.append(FieldError("assignee", "改派给：请选择经办人或退回待办池"))
        with self.db.transaction() as session:
            task = _read(session, task_id)
            if actor.role != "supervisor" or actor.region != task.region:
                raise Forbidden("只有该任务所在地区的督办人员可以改派")
            if task.state not in ("open", "claimed"):
                raise Conflict(_taken_message(session, task))
            if to_username == POOL:
                if task.state != "claimed":
                    errors.append(FieldError("assignee", "改派给：该任务无人认领，已在待办池中"))
                if errors:
                    raise ValidationFailed("改派信息填写有误，请按提示修改", errors)
                self._to_pool(session, task, reason, actor, now)
                return
            target = None
            if to_username:
                target = user_named(session, to_username)
                if target is None or not target.active:
                    errors.append(FieldError("assignee", "改派给：该用户不存在或已停用"))
                elif target.role != task.role or target.region != task.region:
                    errors.append(
                        FieldError("assignee", "改派给：只能改派给本任务岗位和地区的经办人")
                    )
            if errors:
                raise ValidationFailed("改派信息填写有误，请按提示修改", errors)
            assert target is not None
            if task.assignee == target.username:
                raise Conflict(f"该任务已由 {target.display_name} 认领，无需改派")
            _move_claim(session, task, state="claimed", assignee=target.username, claimed_at=now)
            _audit(
                session,
                "task_reassigned",
                actor,
                task,
                now,
                from_assignee=task.assignee,
                to_assignee=target.username,
                reason=reason,
            )

    def _to_pool(self, session: Any, task: Any, reason: str, actor: Actor, now: Any) -> None:
        _move_claim(session, task, state="open", assignee=None, claimed_at=None)
        _audit(
            session,
            "task_reassigned",
            actor,
            task,
            now,
            from_assignee=task.assignee,
            to_assignee=None,
            to_pool=True,
            reason=reason,
        )

    def assignable_users(self, task_id: int) -> list[tuple[str, str]]:
        """(username, display name) of the other active clerks of the task's role and region
        (its current assignee left out), by name."""
        with self.db.sessions() as session:
            task = _read(session, task_id)
            rows = session.execute(
                select(User.username, User.display_name)
                .where(User.role == task.role, User.region == task.region, User.active.is_(True))
                .order_by(User.display_name, User.username)
            ).all()
        return [(r.username, r.display_name) for r in rows if r.username != task.assignee]


def _move_claim(session: Any, task: Any, **values: Any) -> None:
    """Changes who holds a task only if nobody claimed, released or completed it meanwhile."""
    changed = _changed(
        session,
        update(_T)
        .where(_T.c.id == task.id, _T.c.state == task.state, _assignee_is(task.assignee))
        .values(**values),
    )
    if changed != 1:
        raise Conflict("该任务刚被他人认领或办理，请刷新后查看最新状态")


def _changed(session: Any, statement: Any) -> int:
    """Rows an UPDATE changed: 0 means someone else changed the row first."""
    result = cast(CursorResult[Any], session.execute(statement))
    return int(result.rowcount)


def _read(session: Any, task_id: int) -> Any:
    row = session.execute(select(_T).where(_T.c.id == task_id)).first()
    if row is None:
        raise NotFound("任务不存在")
    return row


def _same_lane(task: Any, actor: Actor) -> None:
    if actor.role != task.role or actor.region != task.region:
        raise Forbidden("无权办理该任务（岗位或地区不符）")


def _assignee_is(assignee: str | None) -> Any:
    return _T.c.assignee.is_(None) if assignee is None else _T.c.assignee == assignee


def _display(session: Any, username: str | None) -> str:
    if not username:
        return "他人"
    name = session.execute(
        select(User.display_name).where(User.username == username)
    ).scalar_one_or_none()
    return name or username  # people are named, never shown by their login


def _taken_message(session: Any, task: Any) -> str:
    fresh = session.execute(select(_T).where(_T.c.id == task.id)).first()
    if fresh is None:
        return "任务不存在"
    if fresh.state == "claimed":
        return f"该任务已由 {_display(session, fresh.assignee)} 认领"
    if fresh.state == "completed":
        return f"该任务已由 {_display(session, fresh.completed_by)} 办理完成"
    if fresh.state == "cancelled":
        return "该任务已撤销（流程已不再需要这一步）"
    return "该任务状态已变化，请刷新后查看最新状态"


def _audit(session: Any, kind: str, actor: Actor, task: Any, now: Any, **extra: Any) -> None:
    audit = AuditBuffer()
    audit.add(
        kind,
        actor.name,
        now,
        task.case_id,
        task=task.task_uuid,
        spec=task.task_spec,
        process=task.process_id,
        **extra,
    )
    audit.flush(session)
