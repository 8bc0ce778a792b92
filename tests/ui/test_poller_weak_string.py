"""The weak-string rule in the tray: its look at the history (a few thousand rows) is read and
judged on the poller's worker thread, never on the GUI thread, and the warning still arrives."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from solaxtray.core.alerts import Alert, AlertKind
from solaxtray.core.clock import SystemClock
from solaxtray.core.history import HistoryStore
from solaxtray.core.models import Snapshot
from solaxtray.core.watch import FleetWatch, rows_reader
from solaxtray.ui.poller import Poller
from tests.core.test_weak_string import SN, TODAY, day_rows, history

pytestmark = pytest.mark.gui

WAIT_MS = 15_000


class ThreadRecordingStore(HistoryStore):
    """A real SQLite history store that notes on which thread the rule read it."""

    read_threads: list[threading.Thread]

    def snapshots_between_days(
        self, sns: Sequence[str] | None, first: date, last: date
    ) -> list[Snapshot]:
        self.read_threads.append(threading.current_thread())
        return super().snapshots_between_days(sns, first, last)


def _weak(alerts: list[Alert]) -> bool:
    return any(a.kind is AlertKind.WEAK_STRING for a in alerts)


def test_the_history_is_judged_off_the_gui_thread_and_the_warning_arrives(
    qtbot: Any, tmp_path: Path
) -> None:
    today = day_rows(TODAY, weak=(2, 0.5, 9, 16))
    cut = today.index(next(s for s in today if s.upload_time == datetime(2026, 6, 10, 16, 0)))
    latest = today[cut]
    store = ThreadRecordingStore.open(tmp_path / "history.sqlite3")
    assert isinstance(store, ThreadRecordingStore)
    store.read_threads = []
    store.add_many(history(today[:cut], past=4))  # the answer to come is stored by the poller
    clock = SystemClock()
    watch = FleetWatch([SN], clock=clock, history_rows=rows_reader(store))
    poller = Poller(lambda _sn: latest, watch, clock=clock, history=store)
    try:
        with qtbot.waitSignal(poller.alerts, timeout=WAIT_MS, check_params_cb=_weak) as got:
            poller.start()
    finally:
        poller.stop()
    (alert,) = [a for a in got.args[0] if a.kind is AlertKind.WEAK_STRING]
    assert alert.title.startswith("PV input 2 weaker than usual")
    assert store.read_threads, "the rule never read the history"
    assert threading.main_thread() not in store.read_threads
    finding = watch.weak_string(SN)
    assert finding is not None
    assert finding.mppt == 2
    store.close()
