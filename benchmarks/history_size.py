"""How large does the history grow, and how fast are the figures the popup asks for?

Run: ``python benchmarks/history_size.py`` (about a minute; ``--days N`` for a shorter run).

A year of one inverter's uploads every five minutes (the cloud's cadence: 105,120 rows), made by
the simulator's plant model (a hybrid with a battery and a meter, so every field has a value), is
written into a real SQLite file the way the app writes it (one transaction per answer for the last
day, per day before that, to keep the run short: the row format is the same). Printed:

- the file size per inverter-year at full resolution, and after the retention thins the same year to
  one row an hour (what a year older than the retention period costs);
- the time to open the file (the integrity check the app does at start), to add one upload, and to
  compute 30 days of daily figures and today's curve, next to the same calls on an empty database
  in the same run (the baseline).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from solaxtray.core.clock import FakeClock
from solaxtray.core.history import HistoryStore, daily_figures, day_curve
from solaxtray.core.history.demo import snapshot_of_reading
from solaxtray.core.models import Snapshot
from solaxtray.core.simulator.plant import PlantState, SimInverter

STEP_S = 300.0
START = datetime(2025, 11, 1, tzinfo=UTC).timestamp()
INVERTER = SimInverter(
    sn="SWBENCH001",
    inverter_sn="H34A10I9012345",
    type_code=14,
    pv_peak_w=10_000,
    phases=3,
    battery_wh=11_600,
    utc_offset_hours=1.0,
)


def year_of_uploads(days: int) -> list[list[Snapshot]]:
    """One list of snapshots per day, from the plant model."""
    state = PlantState.fresh(INVERTER)
    out: list[list[Snapshot]] = []
    t = START
    for _ in range(days):
        day = []
        for _ in range(int(86_400 / STEP_S)):
            reading = state.upload(t, None, STEP_S)
            if reading is not None:
                day.append(snapshot_of_reading(INVERTER, reading, INVERTER.sn))
            t += STEP_S
        out.append(day)
    return out


def size_of(path: Path) -> int:
    """The database file after a checkpoint (the WAL folded in), in bytes."""
    import sqlite3

    db = sqlite3.connect(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute("VACUUM")
    db.close()
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def open_and_close(path: Path, clock: FakeClock) -> None:
    HistoryStore.open(path, clock=clock).close()


def best_of(runs: int, call: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    days = max(31, args.days)

    t0 = time.perf_counter()
    uploads = year_of_uploads(days)
    rows = sum(len(d) for d in uploads)
    print(
        f"{rows:,} uploads of one inverter over {days} days, made in {time.perf_counter() - t0:.1f} s"
    )

    end = START + days * 86_400
    clock = FakeClock(end)
    last_day = datetime.fromtimestamp(end - 3600, tz=UTC).date() + timedelta(days=0)
    first_day = last_day - timedelta(days=29)
    with tempfile.TemporaryDirectory() as folder:
        full = Path(folder) / "year.sqlite3"
        empty = Path(folder) / "empty.sqlite3"
        HistoryStore.open(empty, clock=clock).close()
        t0 = time.perf_counter()
        with HistoryStore.open(full, clock=clock) as store:
            for day in uploads[:-1]:
                store.add_many(day)
            for snapshot in uploads[-1]:
                store.add(snapshot)
            assert store.count() == rows
        write_s = time.perf_counter() - t0
        full_bytes = size_of(full)
        per_year = full_bytes * 365 / days
        print(
            f"written in {write_s:.1f} s ({write_s / rows * 1e6:.0f} µs a row, mostly per-day transactions)"
        )
        print(
            f"size per inverter-year, every upload:      {per_year / 1e6:6.1f} MB "
            f"({full_bytes / rows:.0f} bytes a row)"
        )

        results: dict[str, tuple[float, float]] = {}
        for label, path in (("year", full), ("empty", empty)):
            with HistoryStore.open(path, clock=clock) as store:
                figures = best_of(5, partial(daily_figures, store, None, first_day, last_day))
                curve = best_of(5, partial(day_curve, store, None, last_day))
            opening = best_of(3, partial(open_and_close, path, clock))
            results[label] = (figures, curve)
            results[label + "-open"] = (opening, 0.0)
        later = uploads[-1][-1]
        assert later.upload_time is not None
        base: datetime = later.upload_time
        following = iter(range(1, 10**6))

        def add_next(store: HistoryStore) -> None:
            """The next upload, five minutes after the one before, as the app adds it."""
            upload = base + timedelta(seconds=STEP_S * next(following))
            store.add(Snapshot(sn=later.sn, fetched_at=later.fetched_at, upload_time=upload))

        with HistoryStore.open(full, clock=clock) as store:
            add_one = best_of(20, partial(add_next, store))
        print()
        print(f"{'':34}{'a year':>10}{'empty':>10}  (median, same run)")
        print(
            f"{'open (integrity check)':34}{results['year-open'][0] * 1e3:8.1f}ms"
            f"{results['empty-open'][0] * 1e3:8.1f}ms"
        )
        print(
            f"{'30 days of daily figures':34}{results['year'][0] * 1e3:8.1f}ms"
            f"{results['empty'][0] * 1e3:8.1f}ms"
        )
        print(
            f"{'the last day curve':34}{results['year'][1] * 1e3:8.1f}ms"
            f"{results['empty'][1] * 1e3:8.1f}ms"
        )
        print(f"{'add one upload (commit on disk)':34}{add_one * 1e3:8.1f}ms")

        # Retention: the same year thinned to one row an hour (what a year past the period costs).
        clock_later = FakeClock(end + 2 * 366 * 86_400)
        with HistoryStore.open(full, clock=clock_later) as store:
            removed = store.downsample()
            kept = store.count()
        thinned = size_of(full)
        print()
        print(
            f"size per inverter-year, thinned to hourly: {thinned * 365 / days / 1e6:6.1f} MB "
            f"({kept:,} rows kept, {removed:,} removed)"
        )
        print(
            "steady state with the default retention (a year in full, the years before hourly): "
            f"{(per_year + thinned * 365 / days) / 1e6:.1f} MB for two years of one inverter"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
