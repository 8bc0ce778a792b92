"""The Qt face of the polling core: when to ask is decided by the scheduler; this module only waits
for that moment, runs the blocking request off the GUI thread and hands the answer back as signals.

Rules kept here (issue 3, item 4; Home Assistant's update coordinator):
- one single-shot QTimer, re-armed after every result from the scheduler's next decision, never a
  free-running timer (so an idle app wakes only when a poll is due);
- one request in flight per token: the poller owns one token, so at most one fetch at a time;
- the ledger is asked before every request, so a second instance or a CLI ``fetch`` next to us
  cannot push the token over its quota;
- "refresh now" is debounced and still goes through the ledger;
- a jump of the wall clock against the monotonic clock (suspend and resume) is reported to the
  scheduler, which shows cached values and holds back "offline" alerts for a grace period.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from solaxtray.core.clock import Clock
from solaxtray.core.errors import ApiError, NetworkError
from solaxtray.core.models import Snapshot
from solaxtray.ui.background import BackgroundCaller, CallTimedOut, emit

logger = logging.getLogger(__name__)

MAX_TIMER_S = 300.0
"""The longest single wait: a wake-up at least this often notices a suspend within 5 minutes."""
GAP_THRESHOLD_S = 30.0
"""A difference this large between wall and monotonic time elapsed is a suspend, not jitter."""
REFRESH_DEBOUNCE_MS = 400
"""Clicks on "Refresh now" closer than this are one request."""
FETCH_TIMEOUT_S = 60.0
"""A worker that has not answered by now is given up on (the client's own timeouts are shorter)."""


class Planner(Protocol):
    """What the poller needs from the polling core (``core.watch.FleetWatch`` provides it)."""

    def next_poll(self) -> tuple[str, float] | None:
        """The serial to ask next and the wall time (epoch s) it is due; ``None``: nothing to do
        (no serials, or a rejected token)."""
        ...

    def on_snapshot(self, sn: str, snapshot: Snapshot) -> list[Any]:
        """Record a fresh answer; returns the alerts it raises."""
        ...

    def on_error(self, sn: str, error: ApiError) -> list[Any]:
        """Record a failed request; returns the alerts it raises."""
        ...

    def on_wall_gap(self, seconds: float) -> list[Any]:
        """The machine slept for about ``seconds``; returns any alerts."""
        ...

    def refresh_now(self) -> None:
        """Make every serial due at once (the ledger still has the last word)."""
        ...

    def flush(self) -> list[Any]:
        """Alerts held back (a "while you were away" summary) whose time has come."""
        ...


class Ledger(Protocol):
    def try_acquire(self, sn: str) -> bool: ...

    def wait_time(self) -> float: ...


FetchFn = Callable[[str], Snapshot]


class Poller(QObject):
    """Polls one token's serials. Signals arrive on the GUI thread.

    - ``snapshot(sn, Snapshot)``: a successful answer;
    - ``failed(sn, ApiError)``: a failed request, the error carries title and message for the user;
    - ``alerts(list)``: alerts raised by the scheduler/alert rules;
    - ``state_changed()``: anything shown may have changed (in flight, next poll, ...);
    - ``resumed(float)``: a suspend of about this many seconds ended.
    """

    snapshot = Signal(str, object)
    failed = Signal(str, object)
    alerts = Signal(list)
    state_changed = Signal()
    resumed = Signal(float)

    def __init__(
        self,
        fetch: FetchFn,
        planner: Planner,
        *,
        clock: Clock,
        ledger: Ledger | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._fetch = fetch
        self._planner = planner
        self._ledger = ledger
        self._clock = clock
        self._caller = BackgroundCaller(self)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timer)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(REFRESH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self._do_refresh)
        self._in_flight: str | None = None
        self._running = False
        self._refresh_pending = False
        self._next: tuple[str, float] | None = None
        self._offset = self._wall_minus_mono()

    # --- public ----------------------------------------------------------------------------------

    @property
    def in_flight(self) -> str | None:
        """The serial being fetched right now, if any."""
        return self._in_flight

    @property
    def next_poll(self) -> tuple[str, float] | None:
        """The next planned request (serial, epoch seconds), for the popup."""
        return self._next

    @property
    def running(self) -> bool:
        return self._running

    def start(self) -> None:
        self._running = True
        self._offset = self._wall_minus_mono()
        self._arm()

    def stop(self) -> None:
        """Stop planning new requests; a request in flight is abandoned (its answer dropped)."""
        self._running = False
        self._timer.stop()
        self._debounce.stop()
        self._next = None

    def refresh_now(self) -> None:
        """Ask for fresh data soon; repeated calls within the debounce interval are one request."""
        self._debounce.start()

    def replan(self) -> None:
        """The planner changed (settings, token): ask it again when to poll."""
        if self._running and self._in_flight is None:
            self._arm()

    # --- internals --------------------------------------------------------------------------------

    def _wall_minus_mono(self) -> float:
        return self._clock.now() - self._clock.monotonic()

    def _check_gap(self) -> None:
        offset = self._wall_minus_mono()
        gap = offset - self._offset
        self._offset = offset
        if gap >= GAP_THRESHOLD_S:
            logger.info("the wall clock jumped %.0f s ahead (suspend and resume?)", gap)
            self._emit_alerts(self._planner.on_wall_gap(gap))
            emit(self.resumed, gap)

    def _do_refresh(self) -> None:
        if not self._running:
            return
        logger.info("refresh requested")
        self._planner.refresh_now()
        if self._in_flight is None:
            self._arm()
        else:
            self._refresh_pending = True

    def _arm(self) -> None:
        self._timer.stop()
        if not self._running:
            return
        self._next = self._planner.next_poll()
        emit(self.state_changed)
        if self._next is None:
            logger.debug("nothing to poll")
            return
        wait = max(0.0, self._next[1] - self._clock.now())
        wait = min(wait, MAX_TIMER_S)
        self._timer.setTimerType(
            Qt.TimerType.PreciseTimer if wait < 10 else Qt.TimerType.CoarseTimer
        )
        self._timer.start(round(wait * 1000))

    def _on_timer(self) -> None:
        if not self._running or self._in_flight is not None:
            return
        self._check_gap()
        self._emit_alerts(self._planner.flush())
        self._next = self._planner.next_poll()
        if self._next is None:
            emit(self.state_changed)
            return
        sn, due = self._next
        if due > self._clock.now() + 0.05:
            self._arm()  # a capped wait ended early, or the plan moved
            return
        if self._ledger is not None and not self._ledger.try_acquire(sn):
            wait = max(1.0, self._ledger.wait_time())
            logger.info("request budget used up; next request in %.0f s", wait)
            self._timer.start(round(min(wait, MAX_TIMER_S) * 1000))
            emit(self.state_changed)
            return
        self._start_fetch(sn)

    def _start_fetch(self, sn: str) -> None:
        self._in_flight = sn
        emit(self.state_changed)
        fetch = self._fetch
        self._caller.call(
            lambda: fetch(sn),
            lambda result, error: self._on_done(sn, result, error),
            timeout_s=FETCH_TIMEOUT_S,
            name=f"solaxtray-fetch-{sn}",
        )

    def _on_done(self, sn: str, result: Any, error: BaseException | None) -> None:
        self._in_flight = None
        if not self._running:
            return
        self._check_gap()
        if error is None and isinstance(result, Snapshot):
            self._emit_alerts(self._planner.on_snapshot(sn, result))
            emit(self.snapshot, sn, result)
        else:
            api_error = _as_api_error(sn, error)
            self._emit_alerts(self._planner.on_error(sn, api_error))
            emit(self.failed, sn, api_error)
        if self._refresh_pending:
            self._refresh_pending = False
            self._planner.refresh_now()
        self._arm()

    def _emit_alerts(self, alerts: Sequence[Any]) -> None:
        if alerts:
            emit(self.alerts, list(alerts))


def _as_api_error(sn: str, error: BaseException | None) -> ApiError:
    """Every failure becomes an ApiError with words for the user; a bug is logged with its
    traceback but still shown as a sentence, and polling goes on."""
    if isinstance(error, ApiError):
        if error.sn is None:
            error.sn = sn
        return error
    if isinstance(error, CallTimedOut):
        return NetworkError("SolaX Cloud did not answer in time. Trying again later.", sn=sn)
    logger.error("unexpected error while fetching %s", sn, exc_info=error)
    return ApiError(
        "An unexpected problem stopped this request; it is in the log. Trying again later.",
        sn=sn,
        title="Internal error",
    )
