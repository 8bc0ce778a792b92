"""The Qt poller against the real simulator over real HTTP on 127.0.0.1."""

from __future__ import annotations

import random
import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer

from solaxtray.core.api.backend import make_backend
from solaxtray.core.api.tokenid.client import SolaxClient
from solaxtray.core.clock import FakeClock, SystemClock
from solaxtray.core.errors import ApiError, NetworkError, RateLimited, ServerError, TokenRejected
from solaxtray.core.ledger import RequestLedger
from solaxtray.core.models import Snapshot
from solaxtray.core.scheduler import PollScheduler
from solaxtray.core.simulator import DEMO_SERIALS, DEMO_TOKEN, CloudSimulator, Fault
from solaxtray.core.simulator.developer import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_DEVICE_SERIALS,
    DEV_REALTIME_ENDPOINT,
    DeveloperSimulator,
)
from solaxtray.core.watch import FleetWatch
from solaxtray.ui.poller import Poller

pytestmark = pytest.mark.gui

WAIT_MS = 10_000


class IntervalPlanner:
    """A test stand-in for the core's scheduler: every serial every ``interval_s``, all due at
    start, stopped by a rejected token. (The real scheduler spaces requests 6.7 s apart, which
    would make these tests slow without testing the poller any better.)"""

    def __init__(self, serials: Any, interval_s: float, *, clock: SystemClock) -> None:
        self._clock = clock
        self._interval = interval_s
        self._due = dict.fromkeys(serials, clock.now())
        self._stopped = False

    def next_poll(self) -> tuple[str, float] | None:
        if self._stopped or not self._due:
            return None
        sn = min(self._due, key=lambda s: self._due[s])
        return sn, self._due[sn]

    def batch(self, sn: str, due: float, limit: int) -> list[str]:
        others = [s for s, when in self._due.items() if s != sn and when <= due]
        return [sn, *others][:limit]

    def record_snapshot(
        self, sn: str, snapshot: Snapshot, *, cost: float = 1.0
    ) -> tuple[bool, list[Any]]:
        self._due[sn] = self._clock.now() + self._interval
        return True, []

    def on_error(self, sn: str, error: ApiError, *, cost: float = 1.0) -> list[Any]:
        if isinstance(error, TokenRejected):
            self._stopped = True
        else:
            self._due[sn] = self._clock.now() + self._interval
        return []

    def on_wall_gap(self, seconds: float) -> list[Any]:
        return []

    def refresh_now(self) -> None:
        now = self._clock.now()
        for sn in self._due:
            self._due[sn] = min(self._due[sn], now)

    def flush(self) -> list[Any]:
        return []


class RecordingPlanner:
    """Wraps the interval planner and records what the poller reported to it."""

    def __init__(self, inner: IntervalPlanner) -> None:
        self.inner = inner
        self.snapshots: list[str] = []
        self.errors: list[ApiError] = []
        self.gaps: list[float] = []
        self.refreshes = 0
        self.costs: list[float] = []

    def next_poll(self) -> tuple[str, float] | None:
        return self.inner.next_poll()

    def batch(self, sn: str, due: float, limit: int) -> list[str]:
        return self.inner.batch(sn, due, limit)

    def record_snapshot(
        self, sn: str, snapshot: Snapshot, *, cost: float = 1.0
    ) -> tuple[bool, list[Any]]:
        self.snapshots.append(sn)
        self.costs.append(cost)
        self.inner.record_snapshot(sn, snapshot, cost=cost)
        return True, [f"alert-for-{sn}"]

    def on_error(self, sn: str, error: ApiError, *, cost: float = 1.0) -> list[Any]:
        self.errors.append(error)
        self.costs.append(cost)
        return self.inner.on_error(sn, error, cost=cost)

    def on_wall_gap(self, seconds: float) -> list[Any]:
        self.gaps.append(seconds)
        return self.inner.on_wall_gap(seconds)

    def refresh_now(self) -> None:
        self.refreshes += 1
        self.inner.refresh_now()

    def flush(self) -> list[Any]:
        return []


class JumpingClock(SystemClock):
    """The system clock whose wall time can jump ahead, as after a suspend."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return super().now() + self.offset


class DenyingLedger:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def try_acquire(self, sn: str, count: int = 1) -> bool:
        self.asked.append(sn)
        return False

    def wait_time(self, count: int = 1) -> float:
        return 3600.0

    def finish(self, sn: str, extra: int = 0) -> None:
        raise AssertionError("nothing was sent, so nothing to finish")

    def settle(self, sn: str, spent: int) -> None:
        raise AssertionError("nothing was sent, so nothing to settle")

    def used_today(self) -> int:
        return 42


class ThreadRecordingLedger(RequestLedger):
    """The real ledger, noting which thread opened its file lock for every call."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, clock=SystemClock())
        self.threads: list[str] = []

    def try_acquire(self, sn: str, count: int = 1) -> bool:
        self.threads.append(threading.current_thread().name)
        return super().try_acquire(sn, count)

    def wait_time(self, count: int = 1) -> float:
        self.threads.append(threading.current_thread().name)
        return super().wait_time(count)

    def finish(self, sn: str, extra: int = 0) -> None:
        self.threads.append(threading.current_thread().name)
        super().finish(sn, extra)

    def settle(self, sn: str, spent: int) -> None:
        self.threads.append(threading.current_thread().name)
        super().settle(sn, spent)

    def used_today(self) -> int:
        self.threads.append(threading.current_thread().name)
        return super().used_today()


def _poller(
    sim: CloudSimulator,
    *,
    token: str = DEMO_TOKEN,
    serials: tuple[str, ...] = DEMO_SERIALS[:1],
    interval: float = 3600.0,
    clock: SystemClock | None = None,
    ledger: Any = None,
) -> tuple[Poller, RecordingPlanner, SolaxClient]:
    clock = clock or SystemClock()
    client = SolaxClient(token, api_url=sim.v1_url, timeout=(2.0, 10.0))
    planner = RecordingPlanner(IntervalPlanner(serials, interval, clock=clock))
    return Poller(client.fetch, planner, clock=clock, ledger=ledger), planner, client


def test_snapshot_and_alerts_arrive_as_signals(qtbot: Any, simulator: CloudSimulator) -> None:
    poller, planner, client = _poller(simulator)
    with (
        qtbot.waitSignal(poller.snapshot, timeout=WAIT_MS) as got,
        qtbot.waitSignal(poller.alerts, timeout=WAIT_MS) as alerts,
    ):
        poller.start()
    sn, snap = got.args
    assert sn == DEMO_SERIALS[0]
    assert isinstance(snap, Snapshot)
    assert snap.sn == sn
    assert alerts.args == [[f"alert-for-{sn}"]]
    assert planner.snapshots == [sn]
    # The next request waits for the scheduler's next decision: one request so far.
    assert poller.in_flight is None
    assert poller.next_poll is not None
    assert poller.next_poll[0] == sn
    assert len(list(simulator.requests)) == 1
    poller.stop()
    client.close()


def test_gui_thread_keeps_running_while_the_server_is_slow(
    qtbot: Any, simulator: CloudSimulator
) -> None:
    simulator.inject(Fault.SLOW, count=1)
    poller, _planner, client = _poller(simulator)
    ticks: list[str | None] = []
    ticker = QTimer()
    ticker.setInterval(20)
    ticker.timeout.connect(lambda: ticks.append(poller.in_flight))
    ticker.start()
    with qtbot.waitSignal(poller.snapshot, timeout=WAIT_MS):
        poller.start()
    ticker.stop()
    # The GUI thread's timer kept firing while the request was in flight on the worker thread.
    in_flight_ticks = [t for t in ticks if t == DEMO_SERIALS[0]]
    assert len(in_flight_ticks) >= 5
    poller.stop()
    client.close()


def test_rejected_token_is_reported_and_polling_stops(
    qtbot: Any, simulator: CloudSimulator
) -> None:
    poller, planner, client = _poller(simulator, token="1" * 24)
    with qtbot.waitSignal(poller.failed, timeout=WAIT_MS) as got:
        poller.start()
    sn, error = got.args
    assert sn == DEMO_SERIALS[0]
    assert isinstance(error, TokenRejected)
    assert error.title
    assert error.message
    assert "1" * 24 not in error.message
    assert planner.errors == [error]
    assert poller.next_poll is None  # no retry loop on a rejected token
    poller.refresh_now()
    qtbot.wait(600)
    assert len(list(simulator.requests)) == 1
    client.close()


def test_ledger_refusal_sends_nothing(qtbot: Any, simulator: CloudSimulator) -> None:
    ledger = DenyingLedger()
    poller, _planner, client = _poller(simulator, ledger=ledger)
    with qtbot.waitSignal(poller.state_changed, timeout=WAIT_MS):
        poller.start()
    qtbot.waitUntil(lambda: bool(ledger.asked), timeout=WAIT_MS)
    assert ledger.asked == [DEMO_SERIALS[0]]
    assert simulator.requests == ()
    assert poller.in_flight is None
    client.close()


def test_an_unusable_ledger_is_shown_in_words_and_sends_nothing(
    qtbot: Any, simulator: CloudSimulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Something that is not a file where the ledger should be: the tray says so per inverter,
    in the ledger's own sentence (not "Internal error" with a traceback), and asks nothing."""
    path = tmp_path / "ledger"
    path.mkdir()
    poller, _planner, client = _poller(simulator, ledger=RequestLedger(path, clock=SystemClock()))
    with qtbot.waitSignal(poller.failed, timeout=WAIT_MS) as failed:
        poller.start()
    sn, error = failed.args
    assert sn == DEMO_SERIALS[0]
    assert error.title == "Request ledger unusable"
    assert error.message.startswith(f"The request ledger {path} is a directory")
    assert simulator.requests == ()
    assert "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    poller.stop()
    client.close()


def test_the_ledger_file_is_never_touched_on_the_gui_thread(
    qtbot: Any, simulator: CloudSimulator, tmp_path: Path
) -> None:
    ledger = ThreadRecordingLedger(tmp_path / "ledger")
    poller, _planner, client = _poller(simulator, ledger=ledger)
    with qtbot.waitSignal(poller.snapshot, timeout=WAIT_MS):
        poller.start()
    qtbot.waitUntil(lambda: poller.used_today == 1, timeout=WAIT_MS)
    assert ledger.threads, "the ledger was asked"
    gui = threading.main_thread().name
    assert gui not in ledger.threads
    poller.stop()
    client.close()


def test_a_refusal_reports_the_day_count_and_when_it_tries_again(
    qtbot: Any, simulator: CloudSimulator
) -> None:
    poller, _planner, client = _poller(simulator, ledger=DenyingLedger())
    poller.start()
    qtbot.waitUntil(lambda: poller.budget_wait_until is not None, timeout=WAIT_MS)
    assert poller.used_today == 42
    wait_until = poller.budget_wait_until
    assert wait_until is not None
    assert wait_until > SystemClock().now() + 3000
    poller.stop()
    client.close()


def test_refresh_now_is_debounced(qtbot: Any, simulator: CloudSimulator) -> None:
    poller, planner, client = _poller(simulator)
    with qtbot.waitSignal(poller.snapshot, timeout=WAIT_MS):
        poller.start()
    assert len(list(simulator.requests)) == 1
    with qtbot.waitSignal(poller.snapshot, timeout=WAIT_MS):
        for _ in range(5):
            poller.refresh_now()
    qtbot.wait(600)  # longer than the debounce interval: no late second request
    assert planner.refreshes == 1
    assert len(list(simulator.requests)) == 2
    poller.stop()
    client.close()


def test_wall_clock_jump_is_reported_as_resume(qtbot: Any, simulator: CloudSimulator) -> None:
    clock = JumpingClock()
    poller, planner, client = _poller(simulator, clock=clock)
    with qtbot.waitSignal(poller.snapshot, timeout=WAIT_MS):
        poller.start()
    clock.offset = 7200.0  # the machine slept two hours
    with qtbot.waitSignal(poller.resumed, timeout=WAIT_MS) as resumed:
        poller.refresh_now()
    assert resumed.args[0] == pytest.approx(7200.0, abs=5.0)
    assert planner.gaps
    assert planner.gaps[0] == pytest.approx(7200.0, abs=5.0)
    poller.stop()
    client.close()


def test_unexpected_exception_becomes_a_sentence(qtbot: Any) -> None:
    clock = SystemClock()

    def broken_fetch(sn: str) -> Snapshot:
        raise ValueError("bug")

    planner = RecordingPlanner(IntervalPlanner(["ABCDEFGHIJ"], 3600.0, clock=clock))
    poller = Poller(broken_fetch, planner, clock=clock)
    with qtbot.waitSignal(poller.failed, timeout=WAIT_MS) as got:
        poller.start()
    _sn, error = got.args
    assert isinstance(error, ApiError)
    assert error.sn == "ABCDEFGHIJ"
    assert error.title == "Internal error"
    assert "log" in error.message
    poller.stop()


def test_with_the_core_fleet_watch_a_scripted_fault_raises_one_alert(
    qtbot: Any, simulator: CloudSimulator
) -> None:
    """The real planner: the first answer finds the inverter in Fault Mode and alerts once."""
    sn = DEMO_SERIALS[0]
    simulator.script_status(sn, [(0.0, 103)])
    simulator.upload_now(sn)
    clock = SystemClock()
    client = SolaxClient(DEMO_TOKEN, api_url=simulator.v2_url, timeout=(2.0, 10.0))
    poller = Poller(client.fetch, FleetWatch([sn], clock=clock), clock=clock)
    with qtbot.waitSignal(poller.alerts, timeout=WAIT_MS) as got:
        poller.start()
    (alert,) = got.args[0]
    assert str(alert.kind) == "fault"
    assert str(alert.severity) == "critical"
    assert alert.sn == sn
    assert "Fault Mode" in alert.title
    assert poller.next_poll is not None  # polling goes on after a fault
    poller.stop()
    client.close()


def _developer_poller(
    dev: DeveloperSimulator, clock: SystemClock, tmp_path: Path
) -> tuple[Any, RequestLedger, RecordingPlanner, Poller]:
    """A poller of the demo fleet on the Developer API, its ledger a real file, hourly plans."""
    backend = make_backend(
        "developer",
        api_url=dev.base_url,
        client_id=DEMO_CLIENT_ID,
        client_secret=DEMO_CLIENT_SECRET,
        timeout=(2.0, 10.0),
    )
    ledger = RequestLedger(tmp_path / "ledger", clock=clock)
    planner = RecordingPlanner(IntervalPlanner(DEMO_DEVICE_SERIALS, 3600.0, clock=clock))
    return backend, ledger, planner, Poller(backend, planner, clock=clock, ledger=ledger)


def test_developer_api_asks_due_serials_together_and_charges_what_was_sent(
    qtbot: Any, tmp_path: Path
) -> None:
    """One round for the whole fleet on the Developer API: the token request, the inverters and
    their batteries; the ledger is charged exactly what the simulator received."""
    clock = SystemClock()
    with DeveloperSimulator.demo(clock=clock) as dev:
        backend, ledger, planner, poller = _developer_poller(dev, clock, tmp_path)
        serials = DEMO_DEVICE_SERIALS
        try:
            with qtbot.waitSignal(poller.state_changed, timeout=WAIT_MS):
                poller.start()
            qtbot.waitUntil(lambda: len(planner.snapshots) == len(serials), timeout=WAIT_MS)
            assert sorted(planner.snapshots) == sorted(serials)
            sent = list(dev.requests)
            assert backend.requests_made == len(sent)
            assert ledger.used_today() == len(sent)
            realtime = [r for r in sent if r.endpoint == DEV_REALTIME_ENDPOINT]
            assert len(realtime) < len(serials)  # together, not one request per inverter
            assert planner.costs == [pytest.approx(len(sent) / len(serials))] * len(serials)
        finally:
            poller.stop()
            backend.close()


def test_a_developer_round_without_a_battery_request_gives_the_reservation_back(
    qtbot: Any, tmp_path: Path
) -> None:
    """A round reserves a realtime and a battery request; asked again before the next upload,
    the client sends only the realtime one (the batteries cannot have changed). The ledger then
    holds what the simulator received, not what was reserved: a reservation never sent would
    have cost the budget a request the cloud never counted."""
    clock = SystemClock()
    # The cloud's time stands still, so no upload can fall between the two rounds.
    with DeveloperSimulator.demo(clock=FakeClock(clock.now())) as dev:
        backend, ledger, planner, poller = _developer_poller(dev, clock, tmp_path)
        serials = DEMO_DEVICE_SERIALS
        try:
            poller.start()
            qtbot.waitUntil(lambda: len(planner.snapshots) >= len(serials), timeout=WAIT_MS)
            qtbot.waitUntil(lambda: poller.in_flight is None, timeout=WAIT_MS)
            first = len(dev.requests)
            poller.refresh_now()
            qtbot.waitUntil(lambda: len(dev.requests) > first, timeout=WAIT_MS)
            qtbot.waitUntil(lambda: poller.in_flight is None, timeout=WAIT_MS)
            second = [r.endpoint for r in list(dev.requests)[first:]]
            assert second == [DEV_REALTIME_ENDPOINT]  # no battery request: nothing new
            assert ledger.used_today() == len(dev.requests)
        finally:
            poller.stop()
            backend.close()


def test_a_developer_round_that_fails_reports_every_serial(qtbot: Any) -> None:
    clock = SystemClock()
    with DeveloperSimulator.demo(clock=clock) as dev:
        backend = make_backend(
            "developer",
            api_url=dev.base_url,
            client_id=DEMO_CLIENT_ID,
            client_secret="wrong-secret-1234",
            timeout=(2.0, 10.0),
        )
        serials = DEMO_DEVICE_SERIALS[:2]
        planner = RecordingPlanner(IntervalPlanner(serials, 3600.0, clock=clock))
        poller = Poller(backend, planner, clock=clock)
        try:
            poller.start()
            qtbot.waitUntil(lambda: len(planner.errors) == len(serials), timeout=WAIT_MS)
            assert {e.sn for e in planner.errors} == set(serials)
            assert all(isinstance(e, TokenRejected) for e in planner.errors)
            assert all("wrong-secret-1234" not in e.message for e in planner.errors)
            assert len(list(dev.requests)) == 1  # one refused sign-in, nothing more
            assert poller.next_poll is None
        finally:
            poller.stop()
            backend.close()


# --- "Refresh now" against the core scheduler's pauses (no Qt needed; kept beside the poller,
# whose refresh button they serve) -----------------------------------------------------------


def _failed_once(error: ApiError) -> tuple[PollScheduler, FakeClock, str]:
    clock = FakeClock(1_780_000_000.0)
    sn = "SN00000001"
    sched = PollScheduler([sn], clock=clock, rng=random.Random(5))
    first = sched.next_due()
    assert first is not None
    clock.advance(max(0.0, first[1] - clock.now()))
    error.sn = sn
    sched.record_result(sn, error)
    clock.advance(5.0)
    return sched, clock, sn


def test_refresh_after_a_network_error_asks_again_at_once() -> None:
    sched, clock, sn = _failed_once(NetworkError("no route"))
    before = sched.next_due()
    assert before is not None
    assert before[1] > clock.now() + 10
    view = sched.view(sn)
    assert view is not None
    assert view.retrying
    sched.refresh_now()
    after = sched.next_due()
    assert after is not None
    assert after[1] <= clock.now() + 7  # only the request spacing is left


@pytest.mark.parametrize(
    "error",
    [ServerError("busy"), RateLimited("slow down", retry_after=120.0)],
    ids=["server error", "rate limit"],
)
def test_refresh_keeps_a_server_backoff_and_a_rate_limit_pause(error: ApiError) -> None:
    sched, clock, sn = _failed_once(error)
    before = sched.next_due()
    assert before is not None
    assert before[1] > clock.now() + 10
    for _ in range(5):
        sched.refresh_now()
    after = sched.next_due()
    assert after == before
    view = sched.view(sn)
    assert view is not None
    assert view.retrying
    assert view.next_poll == before[1]
