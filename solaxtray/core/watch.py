"""The polling core in one object (``FleetWatch``) and the headless loop of ``solaxtray watch``
(``run_watch``). Qt-free.

``FleetWatch`` joins the ``PollScheduler`` (when to ask) and the ``AlertEngine`` (what to tell) for
one token's serials. It is the planner the Qt poller drives (``ui/poller.py``'s ``Planner``
protocol: ``next_poll``, ``on_snapshot``, ``on_error``, ``on_wall_gap``, ``refresh_now``) and the
one ``run_watch`` drives, so the tray and the command line poll and alert alike.

``run_watch`` blocks: it waits for the next due serial, takes what the round costs from the shared
``RequestLedger``, fetches through a ``RealtimeBackend`` (the tokenId API one serial per request,
the Developer API up to ten: serials due together are asked together), and prints one JSON line
per fresh snapshot and one per alert. The ledger reserves the backend's ``requests_for(n)``
before a round and is told when the round is over (``finish``), with whatever more it really sent
(``requests_made``: a token renewal, a batch split after a refusal), so the backend's own quota is
never exceeded. It ends on its own only when polling cannot go on (a rejected token, every serial
unknown), with that error's exit status; Ctrl-C is the caller's to turn into exit 0.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from solaxtray.core.alerts import Alert, AlertEngine, Health
from solaxtray.core.clock import Clock, SystemClock
from solaxtray.core.errors import EXIT_STATUS, ApiError, ErrorKind
from solaxtray.core.models import Snapshot
from solaxtray.core.scheduler import PollScheduler, SerialView

if TYPE_CHECKING:
    from solaxtray.core.backend import RealtimeBackend

logger = logging.getLogger(__name__)

MAX_SLEEP_S = 30.0
"""The longest single sleep of ``run_watch``: a suspend is noticed within this."""


class WatchSettings(Protocol):
    """The knobs ``FleetWatch`` reads; ``core.settings.Settings`` has them all."""

    @property
    def poll_interval_s(self) -> int: ...

    @property
    def stale_minutes(self) -> int: ...

    @property
    def low_soc_percent(self) -> int | None: ...

    @property
    def latitude(self) -> float | None: ...

    @property
    def longitude(self) -> float | None: ...

    @property
    def per_minute(self) -> int: ...

    @property
    def per_day(self) -> int: ...


class LedgerLike(Protocol):
    """What ``run_watch`` needs of the ``RequestLedger``."""

    def try_acquire(self, sn: str, count: int = 1) -> bool: ...

    def wait_time(self, count: int = 1) -> float: ...

    def finish(self, sn: str, extra: int = 0) -> None: ...


class FleetWatch:
    """Scheduler and alert rules for one token's serials, behind the poller's ``Planner`` calls.

    Every ``on_*`` method returns the alerts the event raised (a list, often empty).

    Args:
        serials: Registration numbers to watch.
        clock: Shared by the scheduler and the alert rules.
        scheduler, alerts: Ready-made parts (tests, tuning); built from the knobs below if omitted.
        settings: Any object with the ``WatchSettings`` fields (the app's ``Settings``).
        per_minute, per_day: The backend's own budget (``RealtimeBackend.per_minute`` /
            ``.per_day``); the scheduler keeps the lower of these and the settings' budget.
    """

    def __init__(
        self,
        serials: Sequence[str],
        *,
        clock: Clock,
        settings: WatchSettings | None = None,
        scheduler: PollScheduler | None = None,
        alerts: AlertEngine | None = None,
        per_minute: int | None = None,
        per_day: int | None = None,
    ) -> None:
        self._clock = clock
        if scheduler is None:
            knobs = _scheduler_knobs(settings)
            if per_minute is not None:
                knobs["per_minute"] = min(per_minute, knobs.get("per_minute", per_minute))
            if per_day is not None:
                knobs["per_day"] = min(per_day, knobs.get("per_day", per_day))
            scheduler = PollScheduler(serials, clock=clock, **knobs)
        if alerts is None:
            alerts = AlertEngine(clock=clock, **_alert_knobs(settings))
        self.scheduler = scheduler
        self.alerts = alerts
        self.scheduler.set_serials(serials)
        self.alerts.set_serials(serials)

    # --- the poller's Planner protocol ------------------------------------------------------------

    def next_poll(self) -> tuple[str, float] | None:
        """The serial to ask next and when (epoch seconds); ``None``: nothing to poll."""
        gap = self.scheduler.check_wall_gap()
        if gap is not None and gap > 0:
            self.alerts.resumed(gap)
        return self.scheduler.next_due()

    def on_snapshot(self, sn: str, snapshot: Snapshot) -> list[Alert]:
        """Record a successful answer for ``sn``; returns its alerts."""
        return self.record_snapshot(sn, snapshot)[1]

    def record_snapshot(
        self, sn: str, snapshot: Snapshot, *, cost: float = 1.0
    ) -> tuple[bool, list[Alert]]:
        """``on_snapshot`` that also says whether the answer brought a new upload. ``cost``: this
        serial's share of the requests spent (see ``PollScheduler.record_result``)."""
        fresh = self.scheduler.record_result(sn, snapshot, cost=cost)
        return fresh, self.alerts.observe(snapshot)

    def on_error(self, sn: str, error: ApiError, *, cost: float = 1.0) -> list[Alert]:
        """Record a failed request for ``sn``; returns its alerts."""
        self.scheduler.record_result(sn, error, cost=cost)
        return self.alerts.observe_error(sn, error)

    def batch(self, sn: str, due: float, limit: int) -> list[str]:
        """The serials to ask in one request with ``sn`` (planned for ``due``) when the backend
        takes up to ``limit`` per request: ``sn`` first, then others due by then."""
        return self.scheduler.due_with(sn, due, limit)

    def on_wall_gap(self, seconds: float) -> list[Alert]:
        """The machine slept about ``seconds``: poll soon, hold offline alerts, merge the rest."""
        self.scheduler.note_wall_gap(seconds)
        if seconds > 0:
            return self.alerts.resumed(seconds)
        return []

    def refresh_now(self) -> None:
        """Every serial due now; the ledger and the request spacing still apply."""
        self.scheduler.refresh_now()

    # --- changes and views --------------------------------------------------------------------------

    def set_serials(self, serials: Sequence[str]) -> None:
        self.scheduler.set_serials(serials)
        self.alerts.set_serials(serials)

    def token_changed(self) -> None:
        self.scheduler.token_changed()
        self.alerts.token_changed()

    def flush(self) -> list[Alert]:
        """Alerts held for a "While you were away" summary whose window has closed."""
        return self.alerts.flush()

    def view(self, sn: str) -> SerialView | None:
        return self.scheduler.view(sn)

    def health(self, sn: str) -> Health:
        return self.alerts.health(sn)

    @property
    def stopped(self) -> ErrorKind | None:
        """Why nothing can be polled any more, if so: AUTH (token rejected) or DEVICE (every
        serial unknown)."""
        if self.scheduler.token_rejected:
            return ErrorKind.AUTH
        if self.scheduler.all_stopped:
            return ErrorKind.DEVICE
        return None


def _scheduler_knobs(settings: WatchSettings | None) -> dict[str, Any]:
    if settings is None:
        return {}
    return {
        "poll_interval_s": float(settings.poll_interval_s),
        "per_minute": settings.per_minute,
        "per_day": settings.per_day,
    }


def _alert_knobs(settings: WatchSettings | None) -> dict[str, Any]:
    if settings is None:
        return {}
    return {
        "stale_minutes": settings.stale_minutes,
        "low_soc_percent": settings.low_soc_percent,
        "latitude": settings.latitude,
        "longitude": settings.longitude,
    }


def snapshot_line(snapshot: Snapshot) -> dict[str, Any]:
    """The ``watch`` line for a fresh snapshot: ``type`` and the spec's field names."""
    from solaxtray.core.snapshot_json import snapshot_to_json

    return {"type": "snapshot", **snapshot_to_json(snapshot)}


def _printer(out: TextIO) -> Callable[[dict[str, Any]], None]:
    def emit(line: dict[str, Any]) -> None:
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
        out.flush()  # a script reading the pipe wants each line as it happens

    return emit


def run_watch(
    *,
    serials: Sequence[str],
    backend: RealtimeBackend,
    settings: WatchSettings | None = None,
    ledger: LedgerLike | None = None,
    out: TextIO | None = None,
    clock: Clock | None = None,
    sleep: Callable[[float], None] | None = None,
    emit: Callable[[dict[str, Any]], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    watch: FleetWatch | None = None,
) -> int:
    """Poll ``serials`` until interrupted, emitting a dict per fresh snapshot and per alert.

    Args:
        serials: The serials to watch, as ``backend`` names them.
        backend: The ``RealtimeBackend`` to poll through (the caller opens and closes it; a
            plain ``sn -> Snapshot`` function becomes one with ``TokenBackend.from_fetch``). Its
            budget caps the scheduler's, and its batch size decides how many serials one
            request asks.
        settings: The app's settings (poll interval, stale minutes, low SOC, location, budgets).
        ledger: The shared request ledger of this backend; ``None`` (demo mode) counts nothing.
        out: Where JSON lines go when ``emit`` is not given (default stdout).
        clock, sleep: Time and waiting (``FakeClock`` and its ``sleep`` in tests).
        emit: Receives each line as a dict instead of printing it.
        should_stop: Checked before each step; True ends the loop with status 0.
        watch: A ready ``FleetWatch`` (tests); built from ``settings`` otherwise.

    Returns:
        0 when stopped by ``should_stop``; the exit status of the error that made polling
        impossible (3 for a rejected token, 4 when every serial is unknown).
    """
    clock = clock if clock is not None else SystemClock()
    sleep = sleep if sleep is not None else time.sleep
    emit = emit if emit is not None else _printer(out if out is not None else sys.stdout)
    fleet = watch
    if fleet is None:
        fleet = FleetWatch(
            serials,
            clock=clock,
            settings=settings,
            per_minute=backend.per_minute,
            per_day=backend.per_day,
        )

    def tell(alerts: Sequence[Alert]) -> None:
        for alert in alerts:
            emit(alert.to_json())

    while should_stop is None or not should_stop():
        tell(fleet.flush())
        stopped = fleet.stopped
        if stopped is not None:
            logger.info("watch ends: nothing left to poll (%s)", stopped)
            return EXIT_STATUS[stopped]
        plan = fleet.next_poll()
        if plan is None:
            sleep(MAX_SLEEP_S)
            continue
        sn, due = plan
        wait = due - clock.now()
        if wait > 0:
            sleep(min(wait, MAX_SLEEP_S))
            continue
        batch = fleet.batch(sn, due, backend.max_serials_per_request)
        need = max(1, backend.requests_for(len(batch)))
        if ledger is not None and not ledger.try_acquire(sn, need):
            wait = max(1.0, ledger.wait_time(need))
            logger.info("request budget in use; waiting %.0f s", wait)
            sleep(min(wait, MAX_SLEEP_S))
            continue
        before = backend.requests_made
        try:
            outcomes = backend.fetch_many(batch)
        finally:
            spent = backend.requests_made - before
            if ledger is not None:
                ledger.finish(sn, max(0, spent - need))
        cost = spent / len(batch)
        for name in batch:
            outcome = outcomes.get(name.strip())
            if outcome is None:
                continue
            if isinstance(outcome, ApiError):
                logger.warning("%s: %s: %s", name, outcome.title, outcome.message)
                tell(fleet.on_error(name, outcome, cost=cost))
                continue
            fresh, alerts = fleet.record_snapshot(name, outcome, cost=cost)
            if fresh:
                emit(snapshot_line(outcome))
            tell(alerts)
    return 0
