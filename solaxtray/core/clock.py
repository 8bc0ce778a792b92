"""Time as an injected dependency. Qt-free.

Why: the scheduler, the alert rules and the simulator all reason about minutes, hours and days. With
the clock passed in, a test or a benchmark runs a simulated week in a second, and a wall-clock jump
(sleep and resume) can be produced on demand.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Wall-clock time in epoch seconds (may jump: suspend, NTP) and a monotonic counter."""

    def now(self) -> float: ...

    def monotonic(self) -> float: ...


class SystemClock:
    """The real clocks of the machine."""

    def now(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()


class FakeClock:
    """A clock that moves only when told. ``jump`` moves the wall clock alone, as a suspend does."""

    def __init__(self, start: float = 1_780_000_000.0) -> None:
        self._wall = start
        self._mono = 0.0

    def now(self) -> float:
        return self._wall

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        self._wall += seconds
        self._mono += seconds

    def jump(self, seconds: float) -> None:
        """Move the wall clock only: what a machine sees after it slept for ``seconds``."""
        self._wall += seconds

    def sleep(self, seconds: float) -> None:
        """A drop-in for ``time.sleep`` that advances this clock instead of waiting."""
        self.advance(max(0.0, seconds))


def to_datetime(epoch: float) -> datetime:
    """Epoch seconds as an aware UTC datetime."""
    return datetime.fromtimestamp(epoch, tz=UTC)
