"""The one application clock: real time, or a frozen simulated time moved on request."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class Clock:
    """Returns tz-aware UTC instants; in simulation it stands still until moved."""

    def __init__(self) -> None:
        self._frozen: datetime | None = None
        self._lock = threading.Lock()
        self._listeners: list[Callable[[datetime], None]] = []

    @property
    def simulated(self) -> bool:
        return self._frozen is not None

    def now(self) -> datetime:
        frozen = self._frozen
        return frozen if frozen is not None else datetime.now(UTC)

    def freeze(self, at: datetime) -> datetime:
        if at.tzinfo is None:
            raise ValueError("clock needs a time-zone-aware instant")
        with self._lock:
            self._frozen = at.astimezone(UTC)
        self._notify()
        return self.now()

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._frozen = self.now() + delta
        self._notify()
        return self.now()

    def unfreeze(self) -> None:
        with self._lock:
            self._frozen = None
        self._notify()

    def on_change(self, listener: Callable[[datetime], None]) -> None:
        """The scheduler listens so that moving a simulated clock re-arms its wake-up."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[datetime], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener(self.now())


clock = Clock()
