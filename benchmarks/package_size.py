"""Package size and frozen start-up, against a default PyInstaller build of a bare PySide6 tray app.

    python benchmarks/package_size.py [--no-build [--dist DIR]] [--no-baseline] [--runs 5]

1. Builds solaxtray for Linux with ``packaging/build.py linux`` (into build/bench-dist; skipped
   with ``--no-build``, which measures ``dist/`` instead) and prints the onedir, .tar.gz and .deb
   sizes next to the issue's targets (onedir <= 130 MB, .deb <= 40 MB).
2. Builds the baseline in the same run: ``benchmarks/bare_tray.py`` frozen by PyInstaller with no
   options at all (onedir), the 171 MB figure the slim spec is measured against.
3. Start-up, frozen vs from source, measured in the same run: the time to the tray icon on a
   private Xvfb + D-Bus (the end-to-end harness, when Xvfb is installed) and the time for
   ``--version`` to exit (interpreter and import cost only; always).

Takes several minutes (two PyInstaller builds and xz compression): run by hand, not in CI. Prints
numbers only; nothing here is a pass/fail threshold except what the issue states as targets.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
BARE_TRAY = REPO_ROOT / "benchmarks" / "bare_tray.py"
TARGET_ONEDIR_MB = 130.0
TARGET_DEB_MB = 40.0
MB = 1e6


def tree_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def build_app(dist: Path, work: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            str(REPO_ROOT / "packaging" / "build.py"),
            "linux",
            "--dist",
            str(dist),
            "--work",
            str(work),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def build_baseline(work: Path) -> tuple[Path, float]:
    """A default PyInstaller onedir of the bare tray app: no spec, no exclusions."""
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--log-level=WARN",
            "--onedir",
            "--name",
            "bare_tray",
            "--distpath",
            str(work / "dist"),
            "--workpath",
            str(work / "build"),
            "--specpath",
            str(work),
            str(BARE_TRAY),
        ],
        check=True,
    )
    return work / "dist" / "bare_tray", time.perf_counter() - started


def _median_ms(samples: list[float]) -> str:
    return (
        f"median {statistics.median(samples) * 1000:6.0f} ms "
        f"(min {min(samples) * 1000:.0f}, max {max(samples) * 1000:.0f}, n={len(samples)})"
    )


def time_exit(cmd: list[str], runs: int, env: dict[str, str]) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
        samples.append(time.perf_counter() - started)
    return samples


def tray_timer() -> Callable[[Path, list[str]], float] | None:
    """The end-to-end harness's time-to-tray probe, when Xvfb and dbus-daemon are installed."""
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    try:
        from benchmarks.startup import time_to_tray
        from tests.e2e.desktop import missing_tools
    except ImportError:
        return None
    if missing_tools("Xvfb", "dbus-daemon"):
        return None
    return time_to_tray


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--no-build", action="store_true", help="measure an existing build")
    parser.add_argument(
        "--dist", type=Path, default=REPO_ROOT / "dist", help="where --no-build looks (dist/)"
    )
    parser.add_argument("--no-baseline", action="store_true", help="skip the baseline build")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)

    if args.no_build:
        dist = args.dist
    else:
        dist = REPO_ROOT / "build" / "bench-dist"
        seconds = build_app(dist, REPO_ROOT / "build" / "bench-work")
        print(f"build (packaging/build.py linux): {seconds:.0f} s")
    onedir = dist / "solaxtray"
    if not (onedir / "solaxtray").is_file():
        print(f"no frozen app in {onedir}: build it first (python packaging/build.py linux)")
        return 2
    onedir_mb = tree_size(onedir) / MB
    print(f"solaxtray onedir      {onedir_mb:7.1f} MB   (target <= {TARGET_ONEDIR_MB:.0f} MB)")
    for pattern, label, target in (
        ("solaxtray_*_amd64.deb", ".deb", TARGET_DEB_MB),
        ("solaxtray-*-linux-x86_64.tar.gz", ".tar.gz", None),
    ):
        for path in sorted(dist.glob(pattern)):
            note = f"   (target <= {target:.0f} MB)" if target else ""
            print(f"solaxtray {label:<11} {path.stat().st_size / MB:7.1f} MB{note}")

    if not args.no_baseline:
        with tempfile.TemporaryDirectory(prefix="bare-tray-") as tmp:
            bare, seconds = build_baseline(Path(tmp))
            bare_mb = tree_size(bare) / MB
            print(
                f"baseline onedir       {bare_mb:7.1f} MB   (default PyInstaller build of "
                f"benchmarks/bare_tray.py, {seconds:.0f} s); solaxtray is "
                f"{onedir_mb / bare_mb:.2f}x"
            )

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    frozen = [str(onedir / "solaxtray")]
    source = [sys.executable, "-m", "solaxtray"]
    frozen_exit = time_exit([*frozen, "--version"], args.runs, env)
    source_exit = time_exit([*source, "--version"], args.runs, env)
    print(f"--version, frozen     {_median_ms(frozen_exit)}")
    print(f"--version, source     {_median_ms(source_exit)}")
    print(
        f"  frozen/source ratio {statistics.median(frozen_exit) / statistics.median(source_exit):.2f}"
    )

    timer = tray_timer()
    if timer is None:
        print("time to tray: skipped (needs Xvfb, dbus-daemon and the e2e harness)")
        return 0
    with tempfile.TemporaryDirectory(prefix="pkg-bench-") as tmp:
        frozen_tray: list[float] = []
        source_tray: list[float] = []
        for i in range(args.runs):  # alternate, so a warm cache favours neither
            frozen_tray.append(timer(Path(tmp) / f"f{i}", [*frozen, "--demo"]))
            source_tray.append(timer(Path(tmp) / f"s{i}", [*source, "--demo"]))
            shutil.rmtree(Path(tmp) / f"f{i}", ignore_errors=True)
            shutil.rmtree(Path(tmp) / f"s{i}", ignore_errors=True)
    print(f"time to tray, frozen  {_median_ms(frozen_tray)}")
    print(f"time to tray, source  {_median_ms(source_tray)}")
    print(
        f"  frozen/source ratio {statistics.median(frozen_tray) / statistics.median(source_tray):.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
