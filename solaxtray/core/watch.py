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
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from solaxtray.core.alarms import (
    BudgetGate,
    FaultReason,
    FaultReasons,
    alarm_source,
    display_reason,
    faults_beginning,
    look_up_faults,
    with_reasons,
)
from solaxtray.core.alerts import Alert, AlertEngine, AlertKind, Health
from solaxtray.core.clock import Clock, SystemClock
from solaxtray.core.errors import EXIT_STATUS, ApiError, ErrorKind
from solaxtray.core.ledger import RequestBudget
from solaxtray.core.models import Snapshot
from solaxtray.core.outage import OutageTracker, OutageView
from solaxtray.core.scheduler import PollScheduler, SerialView
from solaxtray.core.weak_string import RowsFn, WeakString, WeakStringCheck, WeakStringMonitor

if TYPE_CHECKING:
    from solaxtray.core.api.backend import RealtimeBackend

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


LedgerLike = RequestBudget
"""What ``run_watch`` needs of the ``RequestLedger``: the one ledger protocol."""


class HistoryLike(Protocol):
    """What ``run_watch`` needs of the ``HistoryStore``: a write that never raises."""

    def record(self, snapshots: Iterable[Snapshot]) -> int: ...


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
        batch_size: How many serials one request of the backend names
            (``RealtimeBackend.max_serials_per_request``): above one, the fleet is polled in rounds.
        history_rows: Reads one serial's stored uploads of a range of days (the history
            store), for the weak-string rule; ``None``: that rule is off.
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
        batch_size: int = 1,
        history_rows: RowsFn | None = None,
    ) -> None:
        self._clock = clock
        if scheduler is None:
            knobs = _scheduler_knobs(settings)
            knobs["batch_size"] = batch_size
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
        self.outages = OutageTracker(
            low_soc_percent=alerts.low_soc_percent,
            capacity_kwh=getattr(settings, "battery_capacity_kwh", None),
            reserve_percent=getattr(settings, "battery_reserve_percent", 0),
            recovery_uploads=alerts.recovery_uploads,
        )
        self.fault_reasons = FaultReasons()
        self._pending_reasons: dict[str, FaultReason] = {}
        self._alarms_asked = False
        # Reasons go on as the engine raises its alerts, before a resume may hold them for a
        # summary: by the time the summary is released, this answer's reason is gone.
        self.alerts.annotate = self._explained
        self.weak_strings = WeakStringMonitor(history_rows) if history_rows is not None else None
        self._weak_checks: dict[str, WeakStringCheck] = {}
        self._weak_checks_ahead = False

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
        now = self._clock.now()
        fresh = self.scheduler.record_result(sn, snapshot, cost=cost)
        follow_up = self.outages.observe(snapshot, now, fresh=fresh)
        alerts = self.outages.with_outage([*self.alerts.observe(snapshot), *follow_up], now)
        checked = self._weak_checks.pop(sn, None)
        if fresh and self.weak_strings is not None:
            if checked is not None:
                alerts.extend(self.weak_strings.apply(snapshot, now, checked))
            elif not self._weak_checks_ahead:
                alerts.extend(self.weak_strings.check(snapshot, now))
        # A reason looked up for this answer belongs to it alone: never to a later fault.
        self._pending_reasons.pop(sn, None)
        return fresh, alerts

    # --- the weak-string rule, read ahead -----------------------------------------------------------

    def weak_string_checks(
        self, outcomes: Mapping[str, Snapshot | ApiError]
    ) -> dict[str, WeakStringCheck]:
        """Before a round's answers are recorded: read and judge the history of each answered
        inverter due a weak-string look. Blocking (a few thousand rows each): the tray calls it on
        its worker thread, after the round is stored, then ``note_weak_string_checks``."""
        monitor = self.weak_strings
        if monitor is None:
            return {}
        now = self._clock.now()
        return {
            sn: monitor.evaluate(snap)
            for sn, snap in outcomes.items()
            if isinstance(snap, Snapshot) and monitor.wants(snap, now)
        }

    def note_weak_string_checks(self, checks: Mapping[str, WeakStringCheck]) -> None:
        """What ``weak_string_checks`` found, for the answers about to be recorded. From then
        on, the history is read only that way: never again where the answers are recorded."""
        self._weak_checks_ahead = True
        self._weak_checks.update(checks)

    # --- fault reasons ------------------------------------------------------------------------------

    def fault_lookups(
        self,
        backend: object,
        outcomes: Mapping[str, Snapshot | ApiError],
        ledger: BudgetGate | None,
    ) -> dict[str, FaultReason]:
        """Before a round's answers are recorded: one alarm request (through ``ledger``) per
        inverter whose answer begins a fault, when ``backend`` has an alarm list. Blocking: the
        tray calls it on its worker thread, then ``note_fault_reasons`` with the result."""
        self._alarms_asked = self._alarms_asked or alarm_source(backend) is not None
        serials = faults_beginning(outcomes, self.alerts.in_fault)
        return look_up_faults(backend, serials, ledger) if serials else {}

    def note_fault_reasons(self, reasons: Mapping[str, FaultReason]) -> None:
        """The reasons ``fault_lookups`` found, for the fault alerts the answers will raise."""
        self._pending_reasons.update(reasons)
        if any(r.requested for r in reasons.values()):
            self._alarms_asked = True

    def _explained(self, alerts: list[Alert]) -> list[Alert]:
        if not alerts:
            return alerts
        out = with_reasons(alerts, self._pending_reasons, supports_alarms=self._alarms_asked)
        for alert in out:
            if alert.kind is AlertKind.FAULT and alert.sn is not None:
                reason = self._pending_reasons.pop(alert.sn, None)
                if reason is None and not self._alarms_asked:
                    reason = display_reason(alert.sn)
                if reason is not None:
                    self.fault_reasons.note({alert.sn: reason})
        self.fault_reasons.note_alerts(out)
        return out

    # --- what the detail window shows ---------------------------------------------------------------

    def fault_reason(self, sn: str) -> FaultReason | None:
        """Why ``sn`` is in fault, as far as SolaX said (or where to read it)."""
        return self.fault_reasons.get(sn)

    def outage(self, sn: str) -> OutageView | None:
        """The EPS episode of ``sn`` now, with its numbers, if it is in EPS mode."""
        return self.outages.view(sn, self._clock.now())

    def weak_string(self, sn: str) -> WeakString | None:
        """Today's weak-string evidence for ``sn``, if any."""
        return None if self.weak_strings is None else self.weak_strings.finding(sn)

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
        self.outages.forget_others(serials)
        self.fault_reasons.forget_others(serials)

    def retune(self, settings: WatchSettings, *, per_minute: int, per_day: int) -> None:
        """The settings changed: the running scheduler and alert rules take the new interval,
        budget and thresholds, keeping the learned rhythms and what the alerts announced."""
        self.scheduler.retune(
            poll_interval_s=float(settings.poll_interval_s),
            per_minute=per_minute,
            per_day=per_day,
        )
        self.retune_alerts(settings)

    def retune_alerts(self, settings: WatchSettings) -> None:
        """New alert thresholds, applied to the running rules at once."""
        self.alerts.stale_s = settings.stale_minutes * 60.0
        self.alerts.low_soc_percent = settings.low_soc_percent
        # The outage numbers follow the same thresholds, and the capacity and reserve the user gave.
        self.outages.low_soc_percent = settings.low_soc_percent
        self.outages.capacity_kwh = getattr(settings, "battery_capacity_kwh", None)
        self.outages.reserve_percent = getattr(settings, "battery_reserve_percent", 0)

    def token_changed(self) -> None:
        self.scheduler.token_changed()
        self.alerts.token_changed()

    def flush(self) -> list[Alert]:
        """Alerts held for a "While you were away" summary whose window has closed."""
        held = self.alerts.flush()
        if not held:
            return held
        return self.outages.with_outage(held, self._clock.now())

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


def rows_reader(history: object) -> RowsFn | None:
    """One serial's stored uploads of a range of days, when ``history`` can read them."""
    read = getattr(history, "snapshots_between_days", None)
    if read is None:
        return None

    def rows(sn: str, first: date, last: date) -> Sequence[Snapshot]:
        result: Sequence[Snapshot] = read([sn], first, last)
        return result

    return rows


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
    history: HistoryLike | None = None,
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
        history: Where every answer is stored (one row per upload; repeats are ignored there),
            before its line is printed, so a reader of the line finds it in the history.

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
            batch_size=backend.max_serials_per_request,
            history_rows=rows_reader(history),
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
                # What really left counts; a reserved battery request the round did not need
                # (nothing uploaded since) goes back to the budget.
                ledger.settle(sn, spent)
        cost = spent / len(batch)
        if history is not None:
            history.record(o for o in outcomes.values() if isinstance(o, Snapshot))
        fleet.note_fault_reasons(fleet.fault_lookups(backend, outcomes, ledger))
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
