"""A runtime's clock: real time, or a simulated time held by a time source (memory or database)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Protocol


class TimeSource(Protocol):
    """Where a simulated "now" is kept; None means real time."""

    def read(self) -> datetime | None: ...

    def write(self, at: datetime | None) -> None: ...


class HeldTime:
    """A simulated time held in this object (tests, benchmarks, sandboxes, demo loading)."""

    def __init__(self, at: datetime | None = None) -> None:
        self._at = at

    def read(self) -> datetime | None:
        return self._at

    def write(self, at: datetime | None) -> None:
        self._at = at


class Clock:
    """Returns tz-aware UTC instants. Each runtime owns one; nothing about it is process-wide.

    With a database time source every process of a deployment reads the same simulated "now"
    (contracts §6); with `HeldTime` it is this runtime's own."""

    def __init__(self, source: TimeSource | None = None) -> None:
        self.source: TimeSource = source if source is not None else HeldTime()
        self._listeners: list[Callable[[datetime], None]] = []
        # A use case pins "now" for its own thread, so every timestamp it writes (rows, audit,
        # script calls to now()) is the same instant and a replay can reproduce it exactly.
        self._local = threading.local()

    @property
    def simulated(self) -> bool:
        return self.source.read() is not None

    def now(self) -> datetime:
        pinned: datetime | None = getattr(self._local, "at", None)
        if pinned is not None:
            return pinned
        held = self.source.read()
        return held if held is not None else datetime.now(UTC)

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
        self.source.write(at.astimezone(UTC))
        self._notify()
        return self.now()

    def advance(self, delta: timedelta) -> datetime:
        return self.freeze(self.now() + delta)

    def unfreeze(self) -> None:
        self.source.write(None)
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
