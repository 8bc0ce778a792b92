"""The Qt face of the polling core: when to ask is decided by the scheduler; this module only waits
for that moment, runs the blocking request off the GUI thread and hands the answers back as signals.

Rules kept here (after Home Assistant's update coordinator):
- one single-shot QTimer, re-armed after every result from the scheduler's next decision, never a
  free-running timer (so an idle app wakes only when a poll is due);
- one request round in flight per account: the poller owns one backend, so at most one
  ``fetch_many`` at a time. The Developer API names up to ten serials per request, so serials due
  together are asked together (the scheduler's ``batch``); the tokenId API one at a time;
- the ledger is asked before every round for what the round normally costs, and told when the
  round is over with whatever more it really sent (a token renewal, a batch split after a
  refusal): a request counts until its answer is back. So a second
  instance or a CLI ``fetch`` next to us cannot push the account over its quota. Both happen on
  the worker thread, in the same call as the request: the ledger takes a file lock and reads a
  file, which must never freeze the GUI (another process holding the lock, $HOME on NFS); the
  day's count comes back with the round's outcomes;
- every answer is stored in the history (``core.history``) on the worker thread, in the same call
  as the request: a write may wait for another process's, and must not freeze the GUI either;
- the weak-string rule's look at the history (a few thousand rows, every half hour per
  inverter) is read and judged there too, after the round is stored; its result comes back with
  the round, and the rule decides on the GUI thread whether it is the day's warning;
- "refresh now" is debounced and still goes through the ledger;
- a jump of the wall clock against the monotonic clock (suspend and resume) is reported to the
  scheduler, which shows cached values and holds back "offline" alerts for a grace period.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from solaxtray.core.alerts import Alert
from solaxtray.core.api.backend import TokenBackend
from solaxtray.core.clock import Clock
from solaxtray.core.errors import ApiError, NetworkError, SolaxTrayError
from solaxtray.core.i18n import _
from solaxtray.core.ledger import RequestBudget
from solaxtray.core.models import Snapshot
from solaxtray.ui.background import BackgroundCaller, CallTimedOut

logger = logging.getLogger(__name__)

MAX_TIMER_S = 300.0
"""The longest single wait: a wake-up at least this often notices a suspend within 5 minutes."""
GAP_THRESHOLD_S = 30.0
"""A difference this large between wall and monotonic time elapsed is a suspend, not jitter."""
REFRESH_DEBOUNCE_MS = 400
"""Clicks on "Refresh now" closer than this are one request."""
FETCH_TIMEOUT_S = 60.0
"""A worker that has not answered by now is given up on (the clients' own timeouts are shorter;
a Developer API round of several batches with a token renewal stays well inside it)."""


class Planner(Protocol):
    """What the poller needs from the polling core (``core.watch.FleetWatch`` provides it)."""

    def next_poll(self) -> tuple[str, float] | None:
        """The serial to ask next and the wall time (epoch s) it is due; ``None``: nothing to do
        (no serials, or a rejected token)."""
        ...

    def batch(self, sn: str, due: float, limit: int) -> list[str]:
        """The serials to ask together with ``sn`` when one request takes up to ``limit``."""
        ...

    def record_snapshot(
        self, sn: str, snapshot: Snapshot, *, cost: float = 1.0
    ) -> tuple[bool, list[Alert]]:
        """Record a fresh answer (``cost``: this serial's share of the requests spent); returns
        whether it brought a new upload and the alerts it raises."""
        ...

    def on_error(self, sn: str, error: ApiError, *, cost: float = 1.0) -> list[Alert]:
        """Record a failed request; returns the alerts it raises."""
        ...

    def on_wall_gap(self, seconds: float) -> list[Alert]:
        """The machine slept for about ``seconds``; returns any alerts."""
        ...

    def refresh_now(self) -> None:
        """Make every serial due at once (the ledger still has the last word)."""
        ...

    def flush(self) -> list[Alert]:
        """Alerts held back (a "while you were away" summary) whose time has come."""
        ...


Ledger = RequestBudget
"""The shared request ledger (``core.ledger.RequestLedger``): the one ledger protocol."""


class History(Protocol):
    """Where every answer is stored (``core.history.HistoryStore``): ``record`` never raises."""

    def record(self, snapshots: Iterable[Snapshot]) -> int: ...


class Source(Protocol):
    """Where the answers come from: a ``core.api.backend.RealtimeBackend`` (either SolaX API)."""

    @property
    def max_serials_per_request(self) -> int: ...

    @property
    def requests_made(self) -> int: ...

    def requests_for(self, count: int) -> int: ...

    def fetch_many(self, serials: Sequence[str]) -> Mapping[str, Snapshot | ApiError]: ...


FetchFn = Callable[[str], Snapshot]


@dataclass(frozen=True, slots=True)
class _Round:
    """What one ``fetch_many`` on the worker thread brought back."""

    outcomes: Mapping[str, Snapshot | ApiError]
    spent: int
    """Requests really sent during the round (the source's ``requests_made`` before and after)."""
    refused_wait: float | None = None
    """Set when the ledger refused the round: seconds until the budget allows it."""
    used_today: int | None = None
    """The ledger's count for today after the round (``None``: no ledger, or it failed)."""
    reasons: Mapping[str, Any] | None = None
    """Fault reasons looked up for this round (the planner's ``fault_lookups``)."""
    weak_checks: Mapping[str, Any] | None = None
    """The weak-string rule's history checks for this round (the planner's
    ``weak_string_checks``)."""


class Poller(QObject):
    """Polls one account's serials. Signals arrive on the GUI thread.

    - ``snapshot(sn, Snapshot)``: a successful answer;
    - ``failed(sn, ApiError)``: a failed request, the error carries title and message for the user;
    - ``alerts(list)``: alerts raised by the scheduler/alert rules;
    - ``state_changed()``: anything shown may have changed (in flight, next poll, ...);
    - ``resumed(float)``: a suspend of about this many seconds ended.

    ``source`` is a backend (``fetch_many`` with its batch size and request count) or, for tests
    and tools, a plain ``sn -> Snapshot`` function.
    """

    snapshot = Signal(str, object)
    failed = Signal(str, object)
    alerts = Signal(list)
    state_changed = Signal()
    resumed = Signal(float)

    def __init__(
        self,
        source: Source | FetchFn,
        planner: Planner,
        *,
        clock: Clock,
        ledger: Ledger | None = None,
        history: History | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._source = _as_source(source)
        self._history = history
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
        self._in_flight: tuple[str, ...] = ()
        self._running = False
        self._refresh_pending = False
        self._next: tuple[str, float] | None = None
        self._used_today: int | None = None
        self._budget_wait_until: float | None = None
        self._offset = self._wall_minus_mono()

    # --- public ----------------------------------------------------------------------------------

    @property
    def in_flight(self) -> str | None:
        """The serial whose round is being fetched right now (the first of its batch), if any."""
        return self._in_flight[0] if self._in_flight else None

    @property
    def in_flight_batch(self) -> tuple[str, ...]:
        """Every serial of the round in flight."""
        return self._in_flight

    @property
    def next_poll(self) -> tuple[str, float] | None:
        """The next planned request (serial, epoch seconds), for the popup."""
        return self._next

    @property
    def used_today(self) -> int | None:
        """Requests counted in the shared ledger today, as of the last round (read on the worker
        thread with the round; the GUI never opens the ledger file)."""
        return self._used_today

    @property
    def budget_wait_until(self) -> float | None:
        """Epoch seconds until which the request budget holds the next round back, if it does."""
        return self._budget_wait_until

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
        if self._running and not self._in_flight:
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
            self.resumed.emit(gap)

    def _do_refresh(self) -> None:
        if not self._running:
            return
        logger.info("refresh requested")
        self._planner.refresh_now()
        if not self._in_flight:
            self._arm()
        else:
            self._refresh_pending = True

    def _arm(self) -> None:
        self._timer.stop()
        if not self._running:
            return
        self._next = self._planner.next_poll()
        self.state_changed.emit()
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
        if not self._running or self._in_flight:
            return
        self._check_gap()
        self._emit_alerts(self._planner.flush())
        self._next = self._planner.next_poll()
        if self._next is None:
            self.state_changed.emit()
            return
        sn, due = self._next
        if due > self._clock.now() + 0.05:
            self._arm()  # a capped wait ended early, or the plan moved
            return
        batch = self._batch(sn, due)
        need = max(1, self._source.requests_for(len(batch)))
        self._start_fetch(batch, need)

    def _batch(self, sn: str, due: float) -> tuple[str, ...]:
        limit = max(1, self._source.max_serials_per_request)
        if limit == 1:
            return (sn,)
        others = [s for s in self._planner.batch(sn, due, limit) if s != sn]
        return (sn, *dict.fromkeys(others))[:limit]

    def _start_fetch(self, batch: tuple[str, ...], need: int) -> None:
        self._in_flight = batch
        self.state_changed.emit()
        source = self._source
        ledger = self._ledger
        history = self._history
        lookups = getattr(self._planner, "fault_lookups", None)
        weak_checks = getattr(self._planner, "weak_string_checks", None)

        def run() -> _Round:
            if ledger is not None and not ledger.try_acquire(batch[0], need):
                return _Round({}, 0, refused_wait=ledger.wait_time(need), used_today=_used(ledger))
            before = source.requests_made
            try:
                outcomes = source.fetch_many(list(batch))
            finally:
                spent = source.requests_made - before
                if ledger is not None:
                    # What really left counts; a reservation a round did not need (a battery
                    # request with nothing new, a batch cut short) goes back to the budget.
                    ledger.settle(batch[0], spent)
            if history is not None:  # here, off the GUI thread: a write may wait on a lock
                history.record(o for o in outcomes.values() if isinstance(o, Snapshot))
            # A fault beginning costs one alarm request (Developer API), here and not on the GUI
            # thread; the planner reads its own state only, which changes in _on_done alone.
            reasons = lookups(source, outcomes, ledger) if lookups is not None else None
            checks = weak_checks(outcomes) if weak_checks is not None else None
            return _Round(
                outcomes, spent, used_today=_used(ledger), reasons=reasons, weak_checks=checks
            )

        self._caller.call(
            run,
            lambda result, error: self._on_done(batch, need, result, error),
            timeout_s=FETCH_TIMEOUT_S,
            name=f"solaxtray-fetch-{batch[0]}",
        )

    def _on_done(
        self, batch: tuple[str, ...], need: int, result: Any, error: BaseException | None
    ) -> None:
        self._in_flight = ()
        if not self._running:
            return
        self._check_gap()
        outcomes: Mapping[str, Snapshot | ApiError] = {}
        spent = need
        self._budget_wait_until = None
        if error is None and isinstance(result, _Round):
            if result.used_today is not None:
                self._used_today = result.used_today
            if result.refused_wait is not None:
                self._on_refused(result.refused_wait)
                return
            outcomes = result.outcomes
            spent = result.spent
            note = getattr(self._planner, "note_fault_reasons", None)
            if result.reasons and note is not None:
                note(result.reasons)
            note_checks = getattr(self._planner, "note_weak_string_checks", None)
            if result.weak_checks is not None and note_checks is not None:
                note_checks(result.weak_checks)
        elif isinstance(error, SolaxTrayError) and not isinstance(error, ApiError):
            logger.warning("%s: %s", error.title, error.message)  # e.g. the ledger is unusable
        elif error is not None and not isinstance(error, ApiError | CallTimedOut):
            logger.error("unexpected error while fetching %s", ", ".join(batch), exc_info=error)
        cost = spent / len(batch)
        for sn in batch:
            outcome = outcomes.get(sn)
            if isinstance(outcome, Snapshot):
                _fresh, alerts = self._planner.record_snapshot(sn, outcome, cost=cost)
                self._emit_alerts(alerts)
                self.snapshot.emit(sn, outcome)
            else:
                api_error = _as_api_error(sn, outcome if outcome is not None else error)
                self._emit_alerts(self._planner.on_error(sn, api_error, cost=cost))
                self.failed.emit(sn, api_error)
        if self._refresh_pending:
            self._refresh_pending = False
            self._planner.refresh_now()
        self._arm()

    def _on_refused(self, wait: float) -> None:
        """The shared budget is spent (perhaps by another process): wait, without an error."""
        wait = max(1.0, wait)
        logger.info("request budget used up; next request in %.0f s", wait)
        self._budget_wait_until = self._clock.now() + wait
        if self._refresh_pending:
            self._refresh_pending = False
            self._planner.refresh_now()
        self._timer.start(round(min(wait, MAX_TIMER_S) * 1000))
        self.state_changed.emit()

    def _emit_alerts(self, alerts: Sequence[Alert]) -> None:
        if alerts:
            self.alerts.emit(list(alerts))


def _as_source(source: Source | FetchFn) -> Source:
    if hasattr(source, "fetch_many"):
        return cast(Source, source)
    return TokenBackend.from_fetch(source)


def _used(ledger: Ledger | None) -> int | None:
    if ledger is None:
        return None
    try:
        return ledger.used_today()
    except OSError:
        return None


def _as_api_error(sn: str, error: BaseException | None) -> ApiError:
    """Every failure becomes an ApiError with words for the user, one per serial; a bug is still
    shown as a sentence (its traceback is logged once, by the caller), and polling goes on."""
    if isinstance(error, ApiError):
        if error.sn is None:
            error.sn = sn
        return error if error.sn == sn else error.for_serial(sn)
    if isinstance(error, CallTimedOut):
        return NetworkError(_("SolaX Cloud did not answer in time. Trying again later."), sn=sn)
    if isinstance(error, SolaxTrayError):
        return ApiError(error.message, sn=sn, title=error.title)
    return ApiError(
        _("An unexpected problem stopped this request; it is in the log. Trying again later."),
        sn=sn,
        title=_("Internal error"),
    )
