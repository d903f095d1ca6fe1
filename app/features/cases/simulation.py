"""The simulation clock use case (contracts §6): move the one clock forward, fire what fell due."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from app.kernel.clock import clock
from app.kernel.errors import FieldError, ValidationFailed
from app.store.models import Timer

if TYPE_CHECKING:
    from app.bootstrap import Backoffice

MAX_TIMER_ROUNDS = 100  # a fired timer may arm another that is already due


def move_clock(backoffice: Backoffice, target: datetime) -> int:
    """Freeze the clock at `target` (never backwards) and fire every timer due by then.

    Returns how many timers fired at the new time — by this call or by the scheduler, which
    listens to the clock and may get there first (firing is idempotent either way)."""
    if target.tzinfo is None or target.utcoffset() is None:
        raise ValidationFailed("模拟时钟参数有误", [FieldError("/now", "时刻必须带时区偏移")])
    if target < clock.now():
        raise ValidationFailed(
            "模拟时钟参数有误",
            [FieldError("/now", "模拟时钟只能向前拨动（已触发的时限无法撤回）")],
        )
    moved_to = clock.freeze(target)
    for _ in range(MAX_TIMER_ROUNDS):
        if backoffice.cases.fire_due_timers() == 0:
            break
    with backoffice.db.sessions() as session:
        fired: int = session.execute(
            select(func.count()).select_from(Timer).where(Timer.fired_at >= moved_to)
        ).scalar_one()
    return fired
