"""Package size and frozen start-up, against a default PyInstaller build of a bare PySide6 tray app.

    python benchmarks/package_size.py [--no-build [--dist DIR]] [--no-baseline] [--runs 5]
                                      [--compare-archive]

1. Builds solaxtray for Linux with ``packaging/build.py linux`` (into build/bench-dist; skipped
   with ``--no-build``, which measures ``dist/`` instead): onedir, .tar.gz and .deb sizes, and what
   the onedir holds by kind (Qt libraries, ICU, plugins, translations, Python modules, ...).
2. Builds the baseline in the same run: ``benchmarks/bare_tray.py`` frozen by PyInstaller with no
   options at all (onedir), and lists it the same way.
3. Start-up, frozen vs from source, each pair measured alternately in the same run: the time to the
   tray icon on a private Xvfb + D-Bus (the end-to-end harness; needs Xvfb and dbus-daemon), and
   the time for ``--version`` to exit. The baseline pair is the bare tray frozen by default
   PyInstaller against the same script from source (``--help`` stands in for ``--version``: it
   starts the interpreter and argparse, and no Qt).
4. ``--compare-archive`` also freezes the app with its modules in PyInstaller's PYZ archive inside
   the executable (``SOLAXTRAY_NOARCHIVE=0``) instead of as .pyc files beside it (the spec's
   default), and prints its size and start-up next to the default build's.

The summary prints each figure of the issue's table next to its target and the baseline. Takes
several minutes (two or three PyInstaller builds and xz compression): run by hand, not in CI.
Prints numbers only: timings are never a pass/fail test.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
BARE_TRAY = REPO_ROOT / "benchmarks" / "bare_tray.py"
MB = 1e6
# The targets (measured on this project's machine, 2026-11-29: 126.4 MB onedir, 36.6 MB
# .deb, 1.12x to the tray icon, 2.07x for --version).
TARGET_ONEDIR_MB = 110.0
TARGET_DEB_MB = 32.0
TARGET_TRAY_RATIO = 1.0
TARGET_VERSION_RATIO = 1.3

TrayTimer = Callable[[Path, list[str]], float]


def tree_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def category(rel: str) -> str:
    """The kind of one file of a onedir (path relative to it, with "/")."""
    name = rel.rsplit("/", 1)[-1]
    if "/" not in rel:
        return "executable (bootloader + PYZ archive)"
    if name.startswith("libicu"):
        return "ICU (libicudata, libicuuc, libicui18n)"
    if re.match(r"libQt6\w*\.so", name):
        return "Qt libraries"
    if "/plugins/" in rel:
        return "Qt plugins"
    if "/translations/" in rel and name.endswith(".qm"):
        return "Qt translations (.qm)"
    if "/locale/" in rel and name.endswith(".mo"):
        return "app translations (.mo)"
    if re.match(r"_internal/(PySide6|shiboken6)/", rel):
        return "PySide6 + shiboken bindings"
    if name.startswith("libpython"):
        return "Python runtime (libpython)"
    if "lib-dynload/" in rel or re.search(r"\.(cpython-\d+\w*|abi3)\.so$", name):
        return "Python extension modules (.so)"
    if name == "base_library.zip" or name.endswith((".pyc", ".py")):
        return "Python modules outside the PYZ (.zip, .pyc)"
    if re.search(r"\.so(\.\d+)*$", name):
        return "other shared libraries"
    return "data (certificates, icons, metadata)"


def breakdown(onedir: Path) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for p in onedir.rglob("*"):
        if p.is_file() and not p.is_symlink():
            kind = category(p.relative_to(onedir).as_posix())
            sizes[kind] = sizes.get(kind, 0) + p.stat().st_size
    return sizes


def print_breakdown(app: Path, baseline: Path | None) -> None:
    ours = breakdown(app)
    theirs = breakdown(baseline) if baseline else {}
    kinds = sorted(set(ours) | set(theirs), key=lambda k: -max(ours.get(k, 0), theirs.get(k, 0)))
    print(f"\n  {'what the onedir holds (MB)':<46} {'solaxtray':>9} {'baseline':>9}")
    for kind in kinds:
        base = f"{theirs.get(kind, 0) / MB:9.1f}" if baseline else f"{'-':>9}"
        print(f"  {kind:<46} {ours.get(kind, 0) / MB:9.1f} {base}")
    print("largest files of solaxtray's onedir:")
    files = sorted(
        (p for p in app.rglob("*") if p.is_file() and not p.is_symlink()),
        key=lambda p: -p.stat().st_size,
    )
    for p in files[:12]:
        print(f"  {p.stat().st_size / MB:6.1f} MB  {p.relative_to(app)}")


def build_app(dist: Path, work: Path, env: dict[str, str] | None = None) -> float:
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
        env=env,
    )
    return time.perf_counter() - started


def freeze_only(dist: Path, work: Path, env: dict[str, str]) -> float:
    """PyInstaller on the spec alone (no installers): for variants that only need a onedir."""
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--log-level=WARN",
            "--distpath",
            str(dist),
            "--workpath",
            str(work),
            str(REPO_ROOT / "packaging" / "solaxtray.spec"),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        cwd=REPO_ROOT,
        env=env,
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


def time_exit(cmd: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - started


@dataclass
class Pair:
    """One start-up figure: frozen and source samples, taken alternately."""

    label: str
    frozen: list[float]
    source: list[float]

    @property
    def ratio(self) -> float:
        return statistics.median(self.frozen) / statistics.median(self.source)

    def show(self) -> None:
        print(f"{self.label}, frozen  {_median_ms(self.frozen)}")
        print(f"{self.label}, source  {_median_ms(self.source)}")
        print(f"  frozen/source ratio {self.ratio:.2f}")

    def cell(self) -> str:
        return (
            f"{statistics.median(self.frozen) * 1000:.0f} vs "
            f"{statistics.median(self.source) * 1000:.0f} ms ({self.ratio:.2f}x)"
        )


def exit_pair(label: str, frozen: list[str], source: list[str], runs: int) -> Pair:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    time_exit(frozen, env)  # one unmeasured start of each: the first reads from disk
    time_exit(source, env)
    pair = Pair(label, [], [])
    for _ in range(runs):
        pair.frozen.append(time_exit(frozen, env))
        pair.source.append(time_exit(source, env))
    return pair


def tray_pair(
    timer: TrayTimer, label: str, frozen: list[str], source: list[str], runs: int
) -> Pair:
    pair = Pair(label, [], [])
    with tempfile.TemporaryDirectory(prefix="pkg-bench-") as tmp:
        timer(Path(tmp) / "warm-f", frozen)
        timer(Path(tmp) / "warm-s", source)
        for i in range(runs):  # alternate, so a warm cache favours neither
            pair.frozen.append(timer(Path(tmp) / f"f{i}", frozen))
            pair.source.append(timer(Path(tmp) / f"s{i}", source))
            shutil.rmtree(Path(tmp) / f"f{i}", ignore_errors=True)
            shutil.rmtree(Path(tmp) / f"s{i}", ignore_errors=True)
    return pair


def tray_timer() -> TrayTimer | None:
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


def _row(figure: str, baseline: str, now: str, target: str, met: bool | None) -> None:
    verdict = "-" if met is None else ("met" if met else "NOT met")
    print(f"  {figure:<30} {baseline:<28} {now:<28} {target:<10} {verdict}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--no-build", action="store_true", help="measure an existing build")
    parser.add_argument(
        "--dist", type=Path, default=REPO_ROOT / "dist", help="where --no-build looks (dist/)"
    )
    parser.add_argument("--no-baseline", action="store_true", help="skip the baseline build")
    parser.add_argument(
        "--compare-archive",
        action="store_true",
        help="also measure a build with the modules in the PYZ archive",
    )
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    # "From source" means this checkout, whatever the virtualenv has installed.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(REPO_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    )

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
    debs = sorted(dist.glob("solaxtray_*_amd64.deb"))
    deb_mb = debs[-1].stat().st_size / MB if debs else None
    print(f"solaxtray onedir      {onedir_mb:7.1f} MB   (target <= {TARGET_ONEDIR_MB:.0f} MB)")
    if deb_mb is not None:
        print(f"solaxtray .deb        {deb_mb:7.1f} MB   (target <= {TARGET_DEB_MB:.0f} MB)")
    for path in sorted(dist.glob("solaxtray-*-linux-x86_64.tar.gz")):
        print(f"solaxtray .tar.gz     {path.stat().st_size / MB:7.1f} MB")

    frozen = [str(onedir / "solaxtray")]
    source = [sys.executable, "-m", "solaxtray"]
    timer = tray_timer()
    with tempfile.TemporaryDirectory(prefix="bare-tray-") as tmp:
        bare: Path | None = None
        if not args.no_baseline:
            bare, seconds = build_baseline(Path(tmp))
            print(
                f"baseline onedir       {tree_size(bare) / MB:7.1f} MB   (default PyInstaller "
                f"build of benchmarks/bare_tray.py, {seconds:.0f} s)"
            )
        print_breakdown(onedir, bare)

        print("\nstart-up (alternating frozen and source runs)")
        version = exit_pair("--version", [*frozen, "--version"], [*source, "--version"], args.runs)
        version.show()
        base_help: Pair | None = None
        if bare is not None:
            base_help = exit_pair(
                "baseline --help",
                [str(bare / "bare_tray"), "--help"],
                [sys.executable, str(BARE_TRAY), "--help"],
                args.runs,
            )
            base_help.show()
        tray: Pair | None = None
        base_tray: Pair | None = None
        if timer is None:
            print("time to tray: skipped (needs Xvfb, dbus-daemon and the e2e harness)")
        else:
            tray = tray_pair(
                timer, "time to tray", [*frozen, "--demo"], [*source, "--demo"], args.runs
            )
            tray.show()
            if bare is not None:
                base_tray = tray_pair(
                    timer,
                    "baseline time to tray",
                    [str(bare / "bare_tray")],
                    [sys.executable, str(BARE_TRAY)],
                    args.runs,
                )
                base_tray.show()
        baseline_mb = tree_size(bare) / MB if bare is not None else None

    if args.compare_archive:
        with tempfile.TemporaryDirectory(prefix="archive-") as tmp:
            env = dict(os.environ, SOLAXTRAY_NOARCHIVE="0")
            seconds = freeze_only(Path(tmp) / "dist", Path(tmp) / "work", env)
            variant = Path(tmp) / "dist" / "solaxtray"
            print(
                f"\nmodules in the PYZ archive (SOLAXTRAY_NOARCHIVE=0, {seconds:.0f} s): onedir "
                f"{tree_size(variant) / MB:.1f} MB vs {onedir_mb:.1f} MB with .pyc files "
                "(in each pair below 'frozen' is the archive build, 'source' the default build)"
            )
            exe = str(variant / "solaxtray")
            exit_pair(
                "--version, archive vs .pyc files",
                [exe, "--version"],
                [*frozen, "--version"],
                args.runs,
            ).show()
            if timer is not None:
                tray_pair(
                    timer,
                    "time to tray, archive vs .pyc files",
                    [exe, "--demo"],
                    [*frozen, "--demo"],
                    args.runs,
                ).show()

    print("\nsummary (baseline: bare tray, default PyInstaller onedir, this run)")
    print(f"  {'figure':<30} {'baseline':<28} {'solaxtray':<28} {'target':<10} verdict")
    _row(
        "onedir",
        f"{baseline_mb:.1f} MB" if baseline_mb is not None else "-",
        f"{onedir_mb:.1f} MB",
        f"<= {TARGET_ONEDIR_MB:.0f} MB",
        onedir_mb <= TARGET_ONEDIR_MB,
    )
    if deb_mb is not None:
        _row(
            "'.deb'", "-", f"{deb_mb:.1f} MB", f"<= {TARGET_DEB_MB:.0f} MB", deb_mb <= TARGET_DEB_MB
        )
    if tray is not None:
        _row(
            "time to tray, frozen vs source",
            base_tray.cell() if base_tray else "-",
            tray.cell(),
            f"<= {TARGET_TRAY_RATIO:.1f}x",
            tray.ratio <= TARGET_TRAY_RATIO,
        )
    _row(
        "--version, frozen vs source",
        f"{base_help.cell()} (--help)" if base_help else "-",
        version.cell(),
        f"<= {TARGET_VERSION_RATIO:.1f}x",
        version.ratio <= TARGET_VERSION_RATIO,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
