"""Start-up time: from process start to the tray icon shown, solaxtray --demo against a bare tray.

"Shown" is measured from outside, the way a panel sees it: the moment the fake StatusNotifierWatcher
receives the app's RegisterStatusNotifierItem call on a private bus, with the app on its own Xvfb.
Both programs are started the same way (``python ...`` with the same environment), alternately, each
run on a fresh display, bus and home directory, so a warm cache favours neither. The baseline is
measured in the same run; the figure to watch is the ratio (the project aims at 1.3x or less).

    python benchmarks/startup.py [--runs 5]

Prints numbers only: speed is not a test assertion (it depends on the machine).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.e2e.desktop import Desktop, missing_tools, open_desktop  # noqa: E402

BARE_TRAY = REPO_ROOT / "benchmarks" / "bare_tray.py"


def time_to_tray(workdir: Path, cmd: list[str], timeout: float = 30.0) -> float:
    """Seconds from Popen to the SNI registration seen by the fake watcher (both wall clock, since
    the watcher is another process and stamps its events with time.time())."""
    desktop: Desktop = open_desktop(workdir)
    try:
        started = time.time()
        app = desktop.spawn(cmd, name="bench")
        event = desktop.wait_registered(app, timeout)
        return float(event["t"]) - started
    finally:
        desktop.close()


def describe(label: str, samples: list[float]) -> str:
    med = statistics.median(samples)
    return (
        f"{label:<18} median {med * 1000:7.0f} ms  "
        f"(min {min(samples) * 1000:.0f}, max {max(samples) * 1000:.0f}, n={len(samples)})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5, help="runs of each program (default 5)")
    args = parser.parse_args(argv)
    missing = missing_tools("Xvfb", "dbus-daemon")
    if missing:
        print(f"startup benchmark needs {', '.join(missing)}; nothing measured")
        return 2

    app_cmd = [sys.executable, "-m", "solaxtray", "--demo"]
    bare_cmd = [sys.executable, str(BARE_TRAY)]
    app_times: list[float] = []
    bare_times: list[float] = []
    with tempfile.TemporaryDirectory(prefix="solaxtray-bench-") as tmp:
        base = Path(tmp)
        # One unmeasured run of each first: the first Python/Qt start after boot reads from disk.
        time_to_tray(base / "warm-app", app_cmd)
        time_to_tray(base / "warm-bare", bare_cmd)
        for i in range(args.runs):
            bare_times.append(time_to_tray(base / f"bare-{i}", bare_cmd))
            app_times.append(time_to_tray(base / f"app-{i}", app_cmd))

    print("time from process start to the tray icon registered (SNI, Xvfb + private bus)")
    print(describe("bare PySide6 tray", bare_times))
    print(describe("solaxtray --demo", app_times))
    ratio = statistics.median(app_times) / statistics.median(bare_times)
    print(f"ratio (medians)    {ratio:.2f}x   (aim: at most 1.3x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
