"""The popup with a year of history against the same popup with an empty history, in one run.

Fills a real SQLite history file with a year of uploads (three inverters, one every five minutes:
about 315,000 rows, as the tray app would have written them), and makes a second, empty one. Then,
alternately for each, several times:

- open: build the popup, give it the fleet's view, place and show it, and draw it once (this reads
  today's rows and figures from the store);
- 7-day bars: the earlier six days, read just after that first paint, drawn;
- 30-day chart: switch the bar chart from 7 to 30 days (reading the earlier 29 days) and draw it;
- new upload: what each poll costs while the window is open (today re-read, the window redrawn);
- 12-month chart: switch to the twelve months and wait until the worker thread has computed them
  (every month read, as the very first time: the file of past months' figures beside the history
  is deleted before);
- 12 months again: the next upload while the twelve months are shown (the past months come from
  the cache, only the current month is read again);
- next session: the store opened again and a new popup (as after a restart of the tray), its
  first twelve-month chart: the past months come from the file the first session left.

    python benchmarks/popup.py [--runs 7] [--days 365]

``--days 730`` measures two years; rows older than a year are thinned to one an hour first, as
the store does.

Offscreen, so it needs no display. Prints numbers only: speed is not a test assertion.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QRect  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from solaxtray.core.clock import FakeClock  # noqa: E402
from solaxtray.core.history import HistoryStore  # noqa: E402
from solaxtray.core.history.month_file import month_file_path  # noqa: E402
from solaxtray.core.models import Snapshot  # noqa: E402
from solaxtray.core.presentation import FleetInput, InverterInput, TrayView, build_view  # noqa: E402
from solaxtray.ui.popup import PopupWindow  # noqa: E402
from tests.dashboard_history import filled_history, plant_moment  # noqa: E402

TODAY = date(2026, 6, 15)
SERIALS = ("SWBENCH0001", "SWBENCH0002", "SWBENCH0003")
NOW = plant_moment(TODAY, "14:02")


def view_for(newest: dict[str, Snapshot]) -> TrayView:
    inverters = []
    for sn, snap in newest.items():
        age = NOW - snap.fetched_at.timestamp() + 20.0
        inverters.append(InverterInput(sn=sn, snapshot=snap, upload_age_s=age))
    return build_view(FleetInput(inverters=inverters, now=NOW, local_offset=lambda _: 3600.0))


def _later(snap: Snapshot) -> Snapshot:
    assert snap.upload_time is not None
    return replace(snap, upload_time=snap.upload_time + timedelta(minutes=5))


def open_popup(store: HistoryStore, view: TrayView) -> PopupWindow:
    popup = PopupWindow(as_popup=True, history=store, local_offset=lambda _: 3600.0)
    popup.update_view(view)
    popup.show_near(QRect(1300, 0, 22, 22))
    popup.grab()  # one full paint, charts included
    return popup


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000.0


def _forget_months(store: HistoryStore) -> None:
    """Delete the file of past months' figures: the next twelve-month chart is a first one."""
    if store.path is not None:
        path = month_file_path(store.path)
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)


def next_session(store: HistoryStore, view: TrayView) -> float:
    """The first twelve-month chart of a new popup on the store opened again."""
    if store.path is None:
        return math.nan
    with HistoryStore.open(store.path, clock=FakeClock(NOW)) as again:
        popup = open_popup(again, view)
        while not popup.bars_ready():
            QApplication.processEvents()

        def year() -> None:
            popup.show_months()
            while not popup.bars_ready():
                QApplication.processEvents()
                time.sleep(0.001)
            popup.bars_chart.grab()

        took = timed(year)
        popup.close()
        popup.deleteLater()
        QApplication.processEvents()
    return took


def measure(
    store: HistoryStore, view: TrayView, later: TrayView, latest: TrayView
) -> tuple[float, ...]:
    _forget_months(store)
    popup: PopupWindow | None = None

    def opening() -> None:
        nonlocal popup
        popup = open_popup(store, view)

    open_ms = timed(opening)
    assert popup is not None
    shown = popup

    def week() -> None:
        while not shown.bars_ready():
            QApplication.processEvents()
        shown.bars_chart.grab()

    def month() -> None:
        shown.set_bar_days(30)
        week()

    def update() -> None:
        shown.update_view(later)
        shown.grab()

    def ready() -> None:
        while not shown.bars_ready():
            QApplication.processEvents()
            time.sleep(0.001)  # the worker thread computes; leave it the interpreter
        shown.bars_chart.grab()

    def year() -> None:
        shown.show_months()
        ready()

    def year_again() -> None:
        shown.update_view(latest)
        ready()

    figures = (
        open_ms,
        timed(week),
        timed(month),
        timed(update),
        timed(year),
        timed(year_again),
    )
    shown.close()
    shown.deleteLater()
    QApplication.processEvents()
    return (*figures, next_session(store, view))


COLUMNS = (
    "open popup",
    "7-day bars",
    "30-day chart",
    "new upload",
    "12-month chart",
    "12 months again",
    "next session",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--days", type=int, default=365, help="days of history before today")
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    del app
    with tempfile.TemporaryDirectory(prefix="solaxtray-bench-popup-") as tmp:
        began = time.perf_counter()
        full, newest = filled_history(
            Path(tmp) / "year.sqlite3", SERIALS, TODAY, days=args.days, now="14:00"
        )
        thinned = full.downsample()  # what the store does to rows older than a year
        fill_s = time.perf_counter() - began
        rows = full.count()
        size = (Path(tmp) / "year.sqlite3").stat().st_size
        empty = HistoryStore.open(Path(tmp) / "empty.sqlite3", clock=FakeClock(NOW))
        view = view_for(newest)
        # The poll after: another upload of each inverter (so the popup reads today again).
        later = view_for({sn: _later(snap) for sn, snap in newest.items()})
        latest = view_for({sn: _later(_later(snap)) for sn, snap in newest.items()})
        print(
            f"history: {rows:,} rows ({len(SERIALS)} inverters x {args.days + 1} days, every 5 min), "
            f"{size / 1e6:.1f} MB, filled in {fill_s:.1f} s"
            + (f", {thinned:,} rows older than a year thinned away" if thinned else "")
        )
        # One unmeasured round each: fonts, styles and SQLite's page cache warm up for both.
        measure(empty, view, later, latest)
        measure(full, view, later, latest)
        results: dict[str, list[tuple[float, ...]]] = {"empty": [], "year": []}
        for _ in range(args.runs):
            results["empty"].append(measure(empty, view, later, latest))
            results["year"].append(measure(full, view, later, latest))
        empty.close()
        full.close()

    print(f"median of {args.runs} runs, ms " + "".join(f"{c:>16}" for c in COLUMNS))
    medians: dict[str, list[float]] = {}
    for name, runs in results.items():
        medians[name] = [statistics.median(r[i] for r in runs) for i in range(len(COLUMNS))]
        print(f"  {name + ' history':<22}" + "".join(f"{m:>16.1f}" for m in medians[name]))
    ratios = [y / max(e, 1e-9) for e, y in zip(medians["empty"], medians["year"], strict=True)]
    print(f"  {'year / empty':<22}" + "".join(f"{r:>15.1f}x" for r in ratios))
    return 0


if __name__ == "__main__":
    sys.exit(main())
