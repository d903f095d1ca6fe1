"""The simulation clock use case (contracts §6): move the deployment's clock forward, fire what fell due."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from app.kernel.errors import FieldError, ValidationFailed
from app.store.models import Timer
from app.store.simulation_time import ClockMovedBackwards

if TYPE_CHECKING:
    from app.features.cases.service import CaseService

MAX_TIMER_ROUNDS = 100  # a fired timer may arm another that is already due


def move_clock(cases: CaseService, target: datetime) -> int:
    """Freeze the clock at `target` (never backwards) and fire every timer due by then.

    Returns how many timers fired at the new time — by this call or by the scheduler, which
    listens to the clock and may get there first (firing is idempotent either way)."""
    if target.tzinfo is None or target.utcoffset() is None:
        raise ValidationFailed("模拟时钟参数有误", [FieldError("/now", "时刻必须带时区偏移")])
    clock = cases.clock
    backwards = ValidationFailed(
        "模拟时钟参数有误", [FieldError("/now", "模拟时钟只能向前拨动（已触发的时限无法撤回）")]
    )
    if target < clock.now():
        raise backwards
    try:
        moved_to = clock.freeze(target)
    except ClockMovedBackwards as exc:  # another process moved the shared clock further first
        raise backwards from exc
    for _ in range(MAX_TIMER_ROUNDS):
        if cases.fire_due_timers() == 0:
            break
    with cases.db.sessions() as session:
        fired: int = session.execute(
            select(func.count()).select_from(Timer).where(Timer.fired_at >= moved_to)
        ).scalar_one()
    return fired
