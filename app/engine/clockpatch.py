"""Routes SpiffWorkflow's notion of "now" through the application clock."""

from __future__ import annotations

from datetime import datetime, tzinfo

from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer

from app.kernel.clock import clock


class _ClockDatetime(datetime):
    """A datetime whose now() is the app clock; everything else is the real datetime."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        current = clock.now()
        return current.astimezone(tz) if tz is not None else current.replace(tzinfo=None)


def install() -> None:
    """Idempotent: SpiffWorkflow's timer module reads `datetime.now(timezone.utc)` at module level."""
    spiff_timer.datetime = _ClockDatetime  # type: ignore[misc]
