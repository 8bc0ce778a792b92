"""The tray app stores every answer in the history, off the GUI thread; the demo opens on a
plausible day so far in its own throwaway database."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer

from solaxtray.core.api.tokenid.client import SolaxClient
from solaxtray.core.clock import SystemClock
from solaxtray.core.history import HistoryStore, daily_figures, day_curve, default_history_path
from solaxtray.core.models import Snapshot
from solaxtray.core.settings import MemorySettingsStore
from solaxtray.core.simulator import DEMO_SERIALS, DEMO_TOKEN, CloudSimulator
from solaxtray.core.watch import FleetWatch
from solaxtray.ui.app import AppOptions
from solaxtray.ui.poller import Poller
from solaxtray.ui.tray import STARTING_TOOLTIP
from solaxtray.ui.tray_app import TrayApp

pytestmark = pytest.mark.gui

WAIT_MS = 15_000


class ThreadRecordingHistory:
    """A real store behind the poller's ``History`` seam, noting on which thread each write came."""

    def __init__(self, store: HistoryStore) -> None:
        self.store = store
        self.threads: list[str] = []

    def record(self, snapshots: Iterable[Snapshot]) -> int:
        self.threads.append(threading.current_thread().name)
        return self.store.record(snapshots)


def test_the_poller_stores_each_answer_off_the_gui_thread(
    qtbot: Any, simulator: CloudSimulator, tmp_path: Path
) -> None:
    store = ThreadRecordingHistory(HistoryStore.open(tmp_path / "h.sqlite3"))
    clock = SystemClock()
    sn = DEMO_SERIALS[0]
    client = SolaxClient(DEMO_TOKEN, api_url=simulator.v1_url, timeout=(2.0, 10.0))
    poller = Poller(client.fetch, FleetWatch([sn], clock=clock), clock=clock, history=store)
    with qtbot.waitSignal(poller.snapshot, timeout=WAIT_MS) as got:
        poller.start()
    poller.stop()
    client.close()
    fetched: Snapshot = got.args[1]
    assert store.threads
    assert threading.main_thread().name not in store.threads
    (row,) = store.store.rows([sn])
    assert row.snapshot.upload_time == fetched.upload_time
    assert row.snapshot.ac_power == fetched.ac_power
    store.store.close()


def test_the_demo_opens_on_a_day_so_far_in_its_own_database(qtbot: Any) -> None:
    app = TrayApp(AppOptions(demo=True, tray_wait_s=60.0), tray_available=lambda: False)
    try:
        app.start()
        qtbot.waitUntil(lambda: bool(app.model.snapshots), timeout=WAIT_MS)
        store = app.history
        assert store is not None
        assert store.path is not None
        assert store.path.parent != default_history_path().parent
        assert not default_history_path().exists()
        assert app.demo is not None
        sim = app.demo.simulator
        assert sim is not None
        offset = sim.inverters[0].utc_offset_hours
        today = (datetime.now(UTC) + timedelta(hours=offset)).date()
        curve = day_curve(store, None, today)
        assert len(curve) >= 4  # the day so far, every 15 minutes (more after midnight)
        assert any(p.pv_w for p in curve)
        days = [
            f
            for f in daily_figures(store, None, today - timedelta(days=30), today)
            if f.sn == "all"
        ]
        assert len(days) >= 30
        assert all(f.yield_kwh and f.yield_kwh > 0 for f in days)
        assert not any(f.partial for f in days[:-1])
        assert isinstance(days[-1].date, date)
        demo_file = store.path
    finally:
        app.shutdown()
    assert not demo_file.exists()  # thrown away at quit


def test_the_tray_runs_on_while_its_history_is_held_locked_and_fills_in_when_it_opens(
    qtbot: Any, simulator: CloudSimulator
) -> None:
    """Opening the history (the integrity check, a lock another program holds) happens off the
    GUI thread: while the file is locked the icon shows its "starting" look and the event loop
    answers; the details window opened meanwhile fills in once the store is open, and the
    answers polled are stored in the user's file, not in memory."""
    path = default_history_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    other_program = sqlite3.connect(path, isolation_level=None)
    other_program.execute("BEGIN EXCLUSIVE")  # the file exists and nobody else may read it
    sn = DEMO_SERIALS[0]
    app = TrayApp(
        AppOptions(serials=[sn], api_url=simulator.v1_url, tray_wait_s=60.0),
        settings_store=MemorySettingsStore(),
        token_loader=lambda: DEMO_TOKEN,
        tray_available=lambda: False,
    )
    ticks: list[int] = []
    ticker = QTimer()
    ticker.timeout.connect(lambda: ticks.append(1))
    try:
        app.start()
        ticker.start(20)
        qtbot.waitUntil(lambda: len(ticks) >= 10, timeout=WAIT_MS)
        assert opened(app) is None  # still waiting for the lock, on a worker thread
        assert app.tray.icon.toolTip() == STARTING_TOOLTIP
        app.show_details()
        popup = app.popup
        assert popup is not None
        assert popup.isVisible()
        assert popup.bars_chart.model is None  # no history to draw yet
        other_program.execute("ROLLBACK")
        other_program.close()
        qtbot.waitUntil(lambda: app.history is not None, timeout=WAIT_MS)
        store = opened(app)
        assert store is not None
        assert (store.path, store.warning) == (path, None)
        qtbot.waitUntil(lambda: sn in app.model.snapshots, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: popup.bars_chart.model is not None, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: bool(store.rows([sn])), timeout=WAIT_MS)
    finally:
        ticker.stop()
        other_program.close()
        app.shutdown()
        if app.popup is not None:
            app.popup.close()


def opened(app: TrayApp) -> HistoryStore | None:
    """The app's history store as it is now (a call, so that the type checker does not keep an
    earlier answer)."""
    return app.history
