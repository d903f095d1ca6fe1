"""The one application clock: real time, or a frozen simulated time moved on request."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta


class Clock:
    """Returns tz-aware UTC instants; in simulation it stands still until moved."""

    def __init__(self) -> None:
        self._frozen: datetime | None = None
        self._lock = threading.Lock()
        self._listeners: list[Callable[[datetime], None]] = []
        # A use case pins "now" for its own thread, so every timestamp it writes (rows, audit,
        # script calls to now()) is the same instant and a replay can reproduce it exactly.
        self._local = threading.local()

    @property
    def simulated(self) -> bool:
        return self._frozen is not None

    def now(self) -> datetime:
        pinned: datetime | None = getattr(self._local, "at", None)
        if pinned is not None:
            return pinned
        frozen = self._frozen
        return frozen if frozen is not None else datetime.now(UTC)

    def pin(self, at: datetime | None) -> None:
        """Pin (or with None unpin) this thread's now; listeners are not told (nothing moved)."""
        self._local.at = at

    @contextmanager
    def pinned(self, at: datetime) -> Iterator[datetime]:
        previous = getattr(self._local, "at", None)
        self._local.at = at
        try:
            yield at
        finally:
            self._local.at = previous

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
