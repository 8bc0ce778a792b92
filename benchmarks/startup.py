"""Start-up time: from process start to the tray icon shown, solaxtray --demo against a bare tray.

"Shown" is measured from outside, the way a panel sees it: the moment the fake StatusNotifierWatcher
receives the app's RegisterStatusNotifierItem call on a private bus, with the app on its own Xvfb.
Both programs are started the same way (``python ...`` with the same environment), alternately, each
run on a fresh display, bus and home directory, so a warm cache favours neither. The baseline is
measured in the same run; the figure to watch is the ratio (the project aims at 1.3x or less).

Two rounds, because of Python's bytecode cache:

- cold: the environment as inherited. Where ``PYTHONDONTWRITEBYTECODE=1`` is set (as on this
  project's machines) and the checkout has no ``__pycache__``, every start of solaxtray compiles
  its ~30 modules from source again, while the bare app is one small file: an unequal contest.
- warm (the fair comparison): ``PYTHONPYCACHEPREFIX`` points at a fresh temporary directory and
  one unmeasured run of each program fills it, so both start from cached bytecode, as an installed
  app does (pip and the packaged build both ship or write compiled bytecode).

    python benchmarks/startup.py [--runs 5] [--warm-only]

With ``SOLAXTRAY_E2E_APP`` set (tests/e2e/desktop.py), the packaged binary is measured instead of
``python -m solaxtray``; the bytecode rounds then only concern the bare app and the ratio compares
the installed app with a bare Python tray.

Prints numbers only: speed is not a test assertion (it depends on the machine).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.e2e.desktop import (  # noqa: E402
    APP_ENV,
    Desktop,
    app_command,
    missing_tools,
    open_desktop,
)

BARE_TRAY = REPO_ROOT / "benchmarks" / "bare_tray.py"


def time_to_tray(
    workdir: Path, cmd: list[str], env: dict[str, str | None] | None = None, timeout: float = 30.0
) -> float:
    """Seconds from Popen to the SNI registration seen by the fake watcher (both wall clock, since
    the watcher is another process and stamps its events with time.time()). ``env`` changes the
    desktop's environment (a value of None removes the variable)."""
    desktop: Desktop = open_desktop(workdir)
    try:
        run_env = dict(desktop.env)
        for key, value in (env or {}).items():
            if value is None:
                run_env.pop(key, None)
            else:
                run_env[key] = value
        started = time.time()
        app = desktop.spawn(cmd, name="bench", env=run_env)
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


def measure(
    base: Path, runs: int, env: dict[str, str | None] | None = None
) -> tuple[list[float], list[float]]:
    """Times of the bare app and of solaxtray, alternately, after one unmeasured run of each (the
    first Python/Qt start after boot reads from disk; with a cache prefix it also fills it)."""
    app_cmd = app_command("--demo")
    bare_cmd = [sys.executable, str(BARE_TRAY)]
    time_to_tray(base / "warm-app", app_cmd, env)
    time_to_tray(base / "warm-bare", bare_cmd, env)
    app_times: list[float] = []
    bare_times: list[float] = []
    for i in range(runs):
        bare_times.append(time_to_tray(base / f"bare-{i}", bare_cmd, env))
        app_times.append(time_to_tray(base / f"app-{i}", app_cmd, env))
    return bare_times, app_times


def report(title: str, bare_times: list[float], app_times: list[float]) -> float:
    print(title)
    print(describe("  bare PySide6 tray", bare_times))
    print(describe("  solaxtray --demo", app_times))
    ratio = statistics.median(app_times) / statistics.median(bare_times)
    print(f"  ratio (medians)    {ratio:.2f}x   (aim: at most 1.3x)")
    return ratio


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5, help="runs of each program (default 5)")
    parser.add_argument(
        "--warm-only", action="store_true", help="skip the cold round (inherited environment)"
    )
    args = parser.parse_args(argv)
    missing = missing_tools("Xvfb", "dbus-daemon")
    if missing:
        print(f"startup benchmark needs {', '.join(missing)}; nothing measured")
        return 2

    print("time from process start to the tray icon registered (SNI, Xvfb + private bus)")
    if os.environ.get(APP_ENV, "").strip():
        print(f"solaxtray: the binary {app_command()[0]} ({APP_ENV})")
    cold_note = (
        "PYTHONDONTWRITEBYTECODE=1: solaxtray recompiles its modules on every start"
        if os.environ.get("PYTHONDONTWRITEBYTECODE")
        else "bytecode cache as inherited"
    )
    with tempfile.TemporaryDirectory(prefix="solaxtray-bench-") as tmp:
        base = Path(tmp)
        cold: float | None = None
        if not args.warm_only:
            cold_times = measure(base / "cold", args.runs)
            cold = report(f"cold ({cold_note}):", *cold_times)
        cache = base / "pycache"
        cache.mkdir()
        warm_env: dict[str, str | None] = {
            "PYTHONPYCACHEPREFIX": str(cache),
            "PYTHONDONTWRITEBYTECODE": None,
        }
        warm = report(
            "warm (bytecode cached for both, as installed; the fair comparison):",
            *measure(base / "warm", args.runs, warm_env),
        )
    if cold is not None:
        print(f"ratios: cold {cold:.2f}x, warm {warm:.2f}x; judge by the warm one")
    return 0


if __name__ == "__main__":
    sys.exit(main())
