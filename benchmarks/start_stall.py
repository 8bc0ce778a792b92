"""How long the tray app's start holds the GUI thread: the longest pause of the event loop from
``TrayApp.start()`` until the first answer is shown, with a year of history against none.

While the GUI thread works, the icon does not answer a click, its menu does not open and nothing
repaints. Opening the history store runs SQLite's integrity check (its cost grows with the file),
and the demo seeds its throwaway history with a day and a month of uploads: what of that runs on
the GUI thread shows up here as the longest pause. A 1 ms heartbeat timer runs beside the app;
the longest gap between two beats is the longest stall. Cases, each on a fresh app (alternately,
several times; the medians are printed):

- no history: the user's history file does not exist yet (the baseline);
- a year of history: three inverters, every five minutes, 365 days (about 315,000 rows);
- demo: ``--demo``, which seeds its own history.

The real app polls a local simulator with a token; time to the first answer shown is printed too.

    python benchmarks/start_stall.py [--runs 5] [--days 365]

Offscreen, so it needs no display. Prints numbers only: speed is not a test assertion.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QElapsedTimer, QEventLoop, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from solaxtray.core.settings import MemorySettingsStore  # noqa: E402
from solaxtray.core.simulator import DEMO_SERIALS, DEMO_TOKEN, CloudSimulator  # noqa: E402
from solaxtray.ui.options import AppOptions  # noqa: E402
from solaxtray.ui.tray_app import TrayApp  # noqa: E402
from tests.dashboard_history import filled_history  # noqa: E402

TIMEOUT_MS = 30_000


def run_once(options: AppOptions, **kwargs: object) -> tuple[float, float]:
    """(longest stall, time to the first answer shown), both in ms, for one fresh app."""
    app = TrayApp(options, tray_available=lambda: False, **kwargs)  # type: ignore[arg-type]
    beats: list[int] = []
    clock = QElapsedTimer()
    heartbeat = QTimer()
    heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
    heartbeat.setInterval(1)
    heartbeat.timeout.connect(lambda: beats.append(clock.nsecsElapsed()))
    loop = QEventLoop()
    first: list[int] = []

    def check() -> None:
        if app.model.snapshots and not first:
            first.append(clock.nsecsElapsed())
            QTimer.singleShot(200, loop.quit)  # a little longer: what follows the first answer

    poll = QTimer()
    poll.setInterval(1)
    poll.timeout.connect(check)
    QTimer.singleShot(TIMEOUT_MS, loop.quit)
    clock.start()
    beats.append(0)
    heartbeat.start()
    poll.start()
    app.start()
    loop.exec()
    heartbeat.stop()
    poll.stop()
    app.shutdown()
    if app.popup is not None:
        app.popup.close()
    app.deleteLater()
    QApplication.processEvents()
    if not first:
        raise SystemExit("no answer was shown within 30 s")
    gaps = [b - a for a, b in itertools.pairwise(beats)]
    return max(gaps) / 1e6, first[0] / 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--days", type=int, default=365, help="days in the year-long history")
    args = parser.parse_args(argv)
    qapp = QApplication.instance() or QApplication(sys.argv[:1])
    del qapp
    with tempfile.TemporaryDirectory(prefix="solaxtray-bench-stall-") as tmp:
        homes = {name: Path(tmp) / name for name in ("none", "year", "demo")}
        for home in homes.values():
            (home / "data" / "solaxtray").mkdir(parents=True)
        began = time.perf_counter()
        store, _newest = filled_history(
            homes["year"] / "data" / "solaxtray" / "history.sqlite3",
            ("SWBENCH0001", "SWBENCH0002", "SWBENCH0003"),
            date.today(),
            days=args.days,
        )
        rows = store.count()
        store.close()
        print(f"year of history: {rows:,} rows, made in {time.perf_counter() - began:.1f} s")
        results: dict[str, list[tuple[float, float]]] = {name: [] for name in homes}
        with CloudSimulator(per_minute=10_000) as sim:
            real = AppOptions(serials=[DEMO_SERIALS[0]], api_url=sim.v1_url, tray_wait_s=60.0)
            for run in range(args.runs + 1):  # the first round warms caches, unmeasured
                for name, home in homes.items():
                    os.environ["XDG_DATA_HOME"] = str(home / "data")
                    os.environ["XDG_STATE_HOME"] = str(home / "state")
                    os.environ["XDG_CACHE_HOME"] = str(home / "cache")
                    if name == "none":
                        for leftover in (home / "data" / "solaxtray").glob("history*"):
                            leftover.unlink()
                    if name == "demo":
                        figures = run_once(AppOptions(demo=True, tray_wait_s=60.0))
                    else:
                        figures = run_once(
                            real,
                            settings_store=MemorySettingsStore(),
                            token_loader=lambda: DEMO_TOKEN,
                        )
                    if run:
                        results[name].append(figures)
    print(f"median of {args.runs} runs, ms      longest GUI stall   first answer shown")
    for name, label in (("none", "no history"), ("year", "a year of history"), ("demo", "demo")):
        stall = statistics.median(r[0] for r in results[name])
        shown = statistics.median(r[1] for r in results[name])
        print(f"  {label:<28}{stall:>18.1f}{shown:>21.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
