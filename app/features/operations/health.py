"""Readiness checks (database, schema, scheduler heartbeat, overdue timers) and the figures
/metrics reads from the database at scrape time."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, func, select, text

from app.features.cases.timer_leases import wall_now
from app.kernel.config import Settings
from app.store.db import Database
from app.store.exchange_rows import FAILED, PENDING, OutboxMessage, outbox_counts
from app.store.migrate import alembic_config
from app.store.models import AuditHead, Case, HumanTask, SchedulerHeartbeat, Timer

log = logging.getLogger(__name__)
OK = "ok"


@dataclass
class Readiness:
    checks: dict[str, str] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.reasons

    def fail(self, check: str, reason: str) -> None:
        self.checks[check] = "failed"
        # "check: 说明": the prefix is stable for machines, the rest is for the operator.
        self.reasons.append(f"{check}: {reason}")

    def as_dict(self) -> dict[str, object]:
        if self.ready:
            return {"status": "ready", "checks": self.checks}
        return {"status": "unready", "reasons": self.reasons, "checks": self.checks}


@dataclass(frozen=True)
class Figures:
    """What /metrics computes from the database at scrape time (right from any worker)."""

    due_unfired: int
    cases_by_status: dict[str, int]
    audit_events: int
    task_completions: int
    newest_heartbeat_age: float | None
    outbox_by_status: dict[str, int] = field(default_factory=dict)


class HealthChecks:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        now: Callable[[], datetime],
        wall: Callable[[], datetime] = wall_now,
    ) -> None:
        self.db = db
        self.settings = settings
        self.now = now  # the app clock: timers are due by it
        self.wall = wall  # heartbeats are real time
        self._head: tuple[str, ...] | None = None
        self._last: Readiness | None = None

    def readiness(self) -> Readiness:
        result = Readiness()
        try:
            with self.db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
                result.checks["database"] = OK
                self._schema(conn, result)
                if "schema" in result.checks and result.checks["schema"] == OK:
                    self._scheduler(conn, result)
                    self._timers(conn, result)
                    if self.settings.exchange.directory is not None:  # exchanges letters
                        self._letters(conn, result)
        except Exception as exc:  # any failure to reach the database is the answer itself
            if "database" not in result.checks:
                result.fail("database", f"数据库无法连接（{type(exc).__name__}）")
            else:
                result.fail("database", f"数据库查询失败（{type(exc).__name__}）")
        self._log_change(result)
        return result

    def _log_change(self, result: Readiness) -> None:
        # A probe asks every few seconds: log when the answer changes, not every time.
        last, self._last = self._last, result
        if result.ready and last is not None and not last.ready:
            log.info("ready again")
        elif not result.ready and (last is None or last.reasons != result.reasons):
            log.warning("not ready: %s", "; ".join(result.reasons))

    def schema_head(self) -> tuple[str, ...]:
        if self._head is None:
            script = ScriptDirectory.from_config(alembic_config(self.db.url))
            self._head = tuple(sorted(script.get_heads()))
        return self._head

    def _schema(self, conn: Connection, result: Readiness) -> None:
        current = tuple(sorted(MigrationContext.configure(conn).get_current_heads()))
        head = self.schema_head()
        if current == head:
            result.checks["schema"] = OK
        else:
            result.fail(
                "schema",
                f"数据库结构版本 {','.join(current) or '无'}，应为 {','.join(head)}"
                "（请运行 flask --app app init-db）",
            )

    def _scheduler(self, conn: Connection, result: Readiness) -> None:
        if not self.settings.ready_expect_scheduler:
            result.checks["scheduler"] = "not expected"
            return
        now = self.wall()
        beats = conn.execute(
            select(SchedulerHeartbeat.beat_at, SchedulerHeartbeat.poll_seconds)
        ).all()
        # Each scheduler is judged by its own poll interval: alive if it beat within two.
        if any(now - b.beat_at < timedelta(seconds=2 * b.poll_seconds) for b in beats):
            result.checks["scheduler"] = OK
            return
        newest = max((b.beat_at for b in beats), default=None)
        since = f"最近一次在 {(now - newest).total_seconds():.0f} 秒前" if newest else "从未有过"
        result.fail("scheduler", f"没有运行中的定时调度器（心跳{since}）")

    def _timers(self, conn: Connection, result: Readiness) -> None:
        limit = self.now() - timedelta(seconds=self.settings.ready_timer_delay_seconds)
        count, oldest = conn.execute(
            select(func.count(), func.min(Timer.due_at)).where(
                Timer.fired_at.is_(None), Timer.cancelled_at.is_(None), Timer.due_at < limit
            )
        ).one()
        if not count:
            result.checks["timers"] = OK
            return
        result.fail(
            "timers",
            f"{count} 个时限已到期超过 {self.settings.ready_timer_delay_seconds:.0f} 秒仍未触发"
            f"（最早到期 {oldest.isoformat() if oldest else '?'}）",
        )

    def _letters(self, conn: Connection, result: Readiness) -> None:
        """Letters to other deployments that failed, or wait too long (a peer is down)."""
        limit = self.wall() - timedelta(seconds=self.settings.exchange.ready_pending_seconds)
        failed = conn.execute(
            select(func.count()).where(OutboxMessage.status == FAILED)
        ).scalar_one()
        waiting, oldest = conn.execute(
            select(func.count(), func.min(OutboxMessage.created_at)).where(
                OutboxMessage.status == PENDING, OutboxMessage.created_at < limit
            )
        ).one()
        if not failed and not waiting:
            result.checks["letters"] = OK
            return
        if failed:
            result.fail("letters", f"{failed} 封函件发送失败，请在“函件交换”页面处理")
        if waiting:
            result.fail(
                "letters",
                f"{waiting} 封函件等待发送超过 {self.settings.exchange.ready_pending_seconds:.0f} 秒"
                f"（最早生成于 {oldest.isoformat() if oldest else '?'}）",
            )

    # -- figures for /metrics ------------------------------------------------------------
    def figures(self) -> Figures:
        now, wall = self.now(), self.wall()
        with self.db.sessions() as session:
            due_unfired = session.execute(
                select(func.count()).where(
                    Timer.fired_at.is_(None), Timer.cancelled_at.is_(None), Timer.due_at < now
                )
            ).scalar_one()
            by_status = {
                status: count
                for status, count in session.execute(
                    select(Case.status, func.count()).group_by(Case.status)
                ).all()
            }
            audit = session.execute(select(func.max(AuditHead.seq))).scalar() or 0
            completions = session.execute(
                select(func.count()).where(HumanTask.state == "completed")
            ).scalar_one()
            newest = session.execute(select(func.max(SchedulerHeartbeat.beat_at))).scalar()
            outbox = outbox_counts(session)
        return Figures(
            due_unfired=due_unfired,
            cases_by_status=by_status,
            audit_events=audit,
            task_completions=completions,
            newest_heartbeat_age=(wall - newest).total_seconds() if newest else None,
            outbox_by_status=outbox,
        )
