"""Run a blocking call off the GUI thread and get its result back on the GUI thread.

Why a plain daemon thread and not a QThread: a request to SolaX Cloud can hang for its whole timeout
and a locked keyring can block forever. A QThread still running when the app quits aborts the
process, and waiting for it freezes Quit; a daemon thread is simply abandoned. The result crosses
back through a signal of a QObject that lives on the GUI thread, so Qt queues it there.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar, cast

from PySide6.QtCore import QObject, QTimer, Signal, Slot

logger = logging.getLogger(__name__)

T = TypeVar("T")


class CallTimedOut(Exception):
    """The background call did not finish within its time limit (its late result is dropped)."""


class _Bridge(QObject):
    finished = Signal(int, object, object)


class BackgroundCaller(QObject):
    """Starts calls on worker threads; each result arrives as a callback on this object's thread.

    ``call(fn, on_done, timeout_s=...)`` returns at once. ``on_done(result, error)`` runs exactly
    once: with the result, with the exception the call raised, or with :class:`CallTimedOut`.
    Typed: ``on_done`` receives what ``fn`` returns (``None`` when there is an error).
    A result that arrives after the time-out goes to ``discard`` (on this object's thread), so
    what it holds (an open database, a connection) is released rather than leaked.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._bridge = _Bridge(self)
        self._bridge.finished.connect(self._deliver)
        self._pending: dict[int, Callable[[Any, BaseException | None], None]] = {}
        self._timers: dict[int, QTimer] = {}
        self._discards: dict[int, Callable[[Any], None]] = {}
        self._next_id = 0

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def call(
        self,
        fn: Callable[[], T],
        on_done: Callable[[T | None, BaseException | None], None],
        *,
        timeout_s: float | None = None,
        name: str = "solaxtray-worker",
        discard: Callable[[T], None] | None = None,
    ) -> int:
        self._next_id += 1
        call_id = self._next_id
        self._pending[call_id] = cast(Callable[[Any, BaseException | None], None], on_done)
        if discard is not None:
            self._discards[call_id] = cast(Callable[[Any], None], discard)
        bridge = self._bridge

        def run() -> None:
            try:
                result = fn()
            except BaseException as exc:  # delivered to the GUI thread, which decides
                bridge.finished.emit(call_id, None, exc)
            else:
                bridge.finished.emit(call_id, result, None)

        if timeout_s is not None:
            timer = QTimer(self)
            timer.setSingleShot(True)
            timer.timeout.connect(lambda: self._expire(call_id, timeout_s))
            timer.start(max(1, round(timeout_s * 1000)))
            self._timers[call_id] = timer
        threading.Thread(target=run, name=name, daemon=True).start()
        return call_id

    def _expire(self, call_id: int, timeout_s: float) -> None:
        on_done = self._pending.pop(call_id, None)
        self._timers.pop(call_id, None)
        if on_done is not None:
            logger.warning("a background call took longer than %.0f s; giving up on it", timeout_s)
            on_done(None, CallTimedOut(f"no answer within {timeout_s:.0f} seconds"))

    @Slot(int, object, object)
    def _deliver(self, call_id: int, result: Any, error: BaseException | None) -> None:
        timer = self._timers.pop(call_id, None)
        if timer is not None:
            timer.stop()
            timer.deleteLater()
        on_done = self._pending.pop(call_id, None)
        discard = self._discards.pop(call_id, None)
        if on_done is None:
            # Timed out earlier: the caller has moved on; what the call made is released.
            if discard is not None and error is None and result is not None:
                discard(result)
            return
        on_done(result, error)
