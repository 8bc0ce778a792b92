"""How much memory and time does a large history export take?

Run: ``python benchmarks/history_export.py`` (about a minute; ``--rows N`` for another size).

``--rows`` uploads (default 100,000: about a year of one inverter at the cloud's five-minute
cadence, or a fifth of a year of five) are written into a real SQLite file in a throwaway XDG home.
Then, each in its own process, the peak memory (max RSS) and the wall time of:

- the baseline: every row read at once (``HistoryStore.rows``) and turned into one CSV / JSON text
  (``rows_csv`` / ``rows_json``), which is what ``solaxtray history`` did before it streamed;
- ``python -m solaxtray history --format csv`` and ``--format json`` as they are now (rows read in
  chunks and written as they come), output to /dev/null;
- an empty database through the same command, for the cost of starting the interpreter;
- ``history --monthly`` for the twelve months of the filled year: the first run (every month's
  days computed, the file of past months' figures beside the history deleted before) and the
  next run (the past months from that file).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BASELINE = """
import json, sys
from datetime import date
from solaxtray.core.history import HistoryStore, default_history_path
from solaxtray.core.history.export import rows_csv, rows_json
with HistoryStore.open(default_history_path()) as store:
    rows = store.rows(None, first=date(2000, 1, 1), last=date(2100, 1, 1))
    if sys.argv[1] == "csv":
        sys.stdout.write(rows_csv(rows))
    else:
        json.dump(rows_json(rows), sys.stdout, indent=2, ensure_ascii=False)
"""


def _fill(rows: int) -> None:
    from solaxtray.core.history import HistoryStore, default_history_path
    from solaxtray.core.models import Snapshot

    start = datetime(2026, 1, 1)
    batch: list[Snapshot] = []
    with HistoryStore.open(default_history_path()) as store:
        for i in range(rows):
            local = start + timedelta(minutes=5 * i)
            moment = local.replace(tzinfo=UTC)
            batch.append(
                Snapshot(
                    sn=f"SWBENCH{i % 5:03d}",
                    fetched_at=moment + timedelta(seconds=20),
                    upload_time=local,
                    utc_time=moment,
                    inverter_sn="H34A10I9012345",
                    ac_power=float(i % 3000),
                    yield_today=float(i % 288) / 10,
                    yield_total=10000.0 + i / 100,
                    feedin_power=float(i % 500) - 250,
                    soc=float(i % 100),
                    bat_power=float(i % 400) - 200,
                    pv_power=(1000.0, 900.0, None, None),
                )
            )
            if len(batch) == 10_000:
                store.add_many(batch)
                batch.clear()
        store.add_many(batch)


def _measure(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and max RSS (MB) of one child process (``wait4``: that child's own figure)."""
    started = time.perf_counter()
    with open(os.devnull, "w") as null:
        child = subprocess.Popen(argv, env=env, stdout=null)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    if child.returncode != 0:
        raise SystemExit(f"{argv[:4]} failed with status {child.returncode}")
    return elapsed, usage.ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "XDG_DATA_HOME": str(Path(home) / "data"),
            "XDG_STATE_HOME": str(Path(home) / "state"),
            "XDG_CONFIG_HOME": str(Path(home) / "config"),
            "XDG_CACHE_HOME": str(Path(home) / "cache"),
        }
        os.environ.update({k: v for k, v in env.items() if k.startswith("XDG_")})
        wide = ["--from", "2000-01-01", "--to", "2100-01-01"]
        command = [sys.executable, "-m", "solaxtray", "history", *wide]
        empty_s, empty_mb = _measure([*command, "--format", "csv"], env)
        started = time.perf_counter()
        _fill(args.rows)
        print(f"{args.rows:,} rows written in {time.perf_counter() - started:.1f} s")
        print(f"{'':34}{'time':>8}{'max RSS':>11}")
        print(f"{'empty database, csv':34}{empty_s:7.2f}s{empty_mb:8.0f} MB")
        results = []
        for fmt in ("csv", "json"):
            results.append((f"streamed ({fmt})", *_measure([*command, "--format", fmt], env)))
        for fmt in ("csv", "json"):
            baseline = [sys.executable, "-c", BASELINE, fmt]
            results.append((f"baseline: all rows at once ({fmt})", *_measure(baseline, env)))
        from solaxtray.core.history import default_history_path
        from solaxtray.core.history.month_file import month_file_path

        year = ["--from", "2026-01-01", "--to", "2026-12-31"]
        monthly = [sys.executable, "-m", "solaxtray", "history", "--monthly", *year]
        month_file_path(default_history_path()).unlink(missing_ok=True)
        results.append(("history --monthly, first run", *_measure(monthly, env)))
        results.append(("history --monthly, next run", *_measure(monthly, env)))
        for name, seconds, megabytes in results:
            print(f"{name:34}{seconds:7.2f}s{megabytes:8.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
