"""Peak memory after a spell of polling: solaxtray against two bare PySide6 tray apps.

Four run at the same time, each on its own Xvfb and private bus with the fake panel (so Qt uses its
D-Bus tray, as on a real desktop): the bare app; the bare app that also imports requests and keyring
and reads one secret from a real Secret Service (gnome-keyring on its bus; the second baseline:
what any tray app that polls a cloud with a stored token loads); ``solaxtray --demo`` (whose
simulator runs inside the app); and solaxtray polling the demo simulator running in this
benchmark's process with its token in the keyring (the shape of a real user's run), for
``--seconds`` (20 by default, ``--minute`` for the 60 s the project's goal names). Then the peak
resident set size (VmHWM) and the current one (VmRSS) of each process are read from /proc before
it is stopped. The baselines are measured in the same run; the figure to watch is the ratio of
the peaks to the second baseline (target 1.1x or less).

First, the import breakdown: in a fresh offscreen interpreter, the resident memory each dependency
adds when imported in the order of the tray app's start, then what the modules loaded only when
needed (popup, charts, history figures, settings dialog) would add, and how long the popup's
first open spends importing.

Bytecode: by default all three start from a warm bytecode cache (``PYTHONPYCACHEPREFIX`` in a
temporary directory, filled by one unmeasured start of each program first), as an installed app
does. With ``--cold`` they run in the inherited environment; where ``PYTHONDONTWRITEBYTECODE=1`` is
set, solaxtray then compiles its modules from source at every start, which costs time (see
startup.py) and some transient memory the bare one-file app never needs.

    python benchmarks/memory.py [--seconds 20 | --minute] [--cold]

Linux only (it reads /proc). Prints numbers, asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from solaxtray.core.simulator import DEMO_SERIALS, DEMO_TOKEN, CloudSimulator  # noqa: E402
from tests.e2e.desktop import Desktop, app_command, missing_tools, open_desktop  # noqa: E402

BARE_TRAY = REPO_ROOT / "benchmarks" / "bare_tray.py"
TARGET_RATIO = 1.1
SERVICE, USERNAME = "solaxtray", "tokenId"
"""Where the tray app looks for its token (``solaxtray.core.secrets``): both the app and the second
baseline read this entry."""

STARTUP_STEPS: list[tuple[str, str]] = [
    ("PySide6 widgets + QApplication", "qt"),
    ("requests", "import requests"),
    ("keyring (+ its backend, one secret read)", "secret"),
    ("solaxtray command line", "import solaxtray.cli, solaxtray.cli.tray"),
    ("tray app start (ui.app, tray_app)", "import solaxtray.ui.app, solaxtray.ui.tray_app"),
    ("poller, scheduler, ledger", "import solaxtray.ui.poller, solaxtray.core.planning"),
    ("history store (sqlite3)", "import solaxtray.core.history.store"),
]
"""What the tray app imports by the time its icon shows and it polls (in that order)."""

LATER_STEPS: list[tuple[str, str]] = [
    (
        "history figures (curve, daily, export)",
        "from solaxtray.core.history import day_curve, daily_figures, rows_csv",
    ),
    ("popup, charts and cards", "import solaxtray.ui.popup"),
    ("settings dialog", "import solaxtray.ui.settings"),
]
"""What the tray app loads only when a path needs it (the popup opens, the settings open)."""
POPUP_STEPS = ("history figures (curve, daily, export)", "popup, charts and cards")
"""What the popup's first open loads."""

_BREAKDOWN = r"""
import importlib, json, sys, time
def rss():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
steps = json.loads(sys.argv[1])
out = []
last = rss()
before = set(sys.modules)
app = None
for label, code in steps:
    started = time.perf_counter()
    if code == "qt":
        import solaxtray.ui  # as the tray app: its first Qt import, with the linecache fix
        from PySide6.QtWidgets import QApplication
        app = QApplication([])
    elif code == "secret":
        import keyring
        try:
            keyring.get_password("solaxtray-benchmark", "absent")
        except Exception:  # no backend on this bus: its import cost is still counted
            pass
    else:
        exec(code)
    took = time.perf_counter() - started
    now = rss()
    out.append((label, now - last, now, took * 1000))
    last = now
print(json.dumps(out))
"""


def import_breakdown(steps: list[tuple[str, str]]) -> list[tuple[str, float, float, float]]:
    """(label, MB added, MB resident after, ms taken) per step, in one fresh offscreen
    interpreter."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO_ROOT))
    proc = subprocess.run(
        [sys.executable, "-c", _BREAKDOWN, json.dumps(steps)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"import breakdown failed: {proc.stderr.strip()[-2000:]}")
    rows = json.loads(proc.stdout.strip().splitlines()[-1])
    return [(str(a), float(b), float(c), float(d)) for a, b, c, d in rows]


def print_breakdown() -> None:
    rows = import_breakdown(STARTUP_STEPS + LATER_STEPS)
    print("Resident memory added by each import (fresh offscreen interpreter, in this order):")
    for index, (label, added, total, took) in enumerate(rows):
        if index == len(STARTUP_STEPS):
            print("  -- loaded only when a path needs it --")
        print(f"  {label:<44} +{added:5.1f} MB   ({total:5.1f} MB)   {took:6.1f} ms")
    popup = sum(took for label, _, _, took in rows if label in POPUP_STEPS)
    print(
        f"  the popup's first open imports for {popup:.0f} ms (aim: a few tens of ms; the "
        "popup benchmark times the whole first open)"
    )
    print()


def start_secret_service(desk: Desktop, token: str | None) -> subprocess.Popen[bytes] | None:
    """gnome-keyring (secrets only, unlocked) on the desktop's bus, holding ``token`` for the
    tray app; ``None`` when gnome-keyring is not installed (the keyring figures then measure
    keyring finding no backend)."""
    if shutil.which("gnome-keyring-daemon") is None:
        return None
    gkd = subprocess.Popen(
        ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=desk.env,
    )
    assert gkd.stdin is not None
    gkd.stdin.write(b"benchmark-login-password")
    gkd.stdin.close()
    # Storing the entry also waits for the service to come up on the bus.
    store = (
        "import sys, time, keyring\n"
        "for _ in range(200):\n"
        "    try:\n"
        "        keyring.set_password(sys.argv[1], sys.argv[2], sys.stdin.read() or 'x'); break\n"
        "    except Exception:\n"
        "        time.sleep(0.05)\n"
    )
    env = {key: value for key, value in desk.env.items() if key != "PYTHON_KEYRING_BACKEND"}
    subprocess.run(
        [sys.executable, "-c", store, SERVICE, USERNAME],
        input=(token or "benchmark-secret").encode(),
        env=env,
        check=True,
        timeout=30,
    )
    return gkd


def proc_status_kb(pid: int) -> dict[str, int]:
    """The kB fields of /proc/PID/status (VmHWM, VmRSS, ...)."""
    values: dict[str, int] = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            key, _, rest = line.partition(":")
            parts = rest.split()
            if len(parts) == 2 and parts[1] == "kB":
                values[key] = int(parts[0])
    return values


def thread_count(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/task").iterdir()))


def warm_bytecode_cache(base: Path, env: dict[str, str]) -> None:
    """One unmeasured start of each program with ``env`` (a fresh PYTHONPYCACHEPREFIX), long
    enough for solaxtray to load everything it loads after its icon, so the cache holds it all."""
    for name, cmd in (("bare", [sys.executable, str(BARE_TRAY)]), ("app", app_command("--demo"))):
        desk = open_desktop(base / f"warm-{name}")
        try:
            proc = desk.spawn(cmd, name=name, env={**desk.env, **env})
            desk.wait_registered(proc, 30)
            time.sleep(3.0)
        finally:
            desk.close()


def with_env(desk: Desktop, extra: dict[str, str], remove: tuple[str, ...]) -> dict[str, str]:
    env = {key: value for key, value in desk.env.items() if key not in remove}
    env.update(extra)
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=20.0, help="polling time (default 20)")
    parser.add_argument("--minute", action="store_true", help="poll for 60 s")
    parser.add_argument(
        "--cold", action="store_true", help="no bytecode cache set up (inherited environment)"
    )
    args = parser.parse_args(argv)
    seconds = 60.0 if args.minute else args.seconds
    missing = missing_tools("Xvfb", "dbus-daemon")
    if missing:
        print(f"memory benchmark needs {', '.join(missing)}; nothing measured")
        return 2
    if not Path("/proc/self/status").exists():
        print("memory benchmark reads /proc (Linux only); nothing measured")
        return 2

    print_breakdown()
    labels = {
        "bare": "bare PySide6 tray",
        "deps": "bare + requests/keyring",
        "demo": "solaxtray --demo",
        "live": "solaxtray",
    }
    with (
        tempfile.TemporaryDirectory(prefix="solaxtray-bench-") as tmp,
        CloudSimulator.demo() as sim,
    ):
        base = Path(tmp)
        extra: dict[str, str] = {}
        remove: tuple[str, ...] = ("PYTHON_KEYRING_BACKEND",)
        if not args.cold:
            (base / "pycache").mkdir()
            extra = {"PYTHONPYCACHEPREFIX": str(base / "pycache")}
            remove = (*remove, "PYTHONDONTWRITEBYTECODE")
            print("warming a bytecode cache for both programs (--cold skips this) ...", flush=True)
            warm_bytecode_cache(base, extra)
        desktops: dict[str, Desktop] = {}
        keyrings: list[subprocess.Popen[bytes]] = []
        try:
            for name in labels:
                desktops[name] = open_desktop(base / name)
            for name, token in (("deps", None), ("live", DEMO_TOKEN)):
                gkd = start_secret_service(desktops[name], token)
                if gkd is not None:
                    keyrings.append(gkd)
            if len(keyrings) < 2:
                print("gnome-keyring-daemon missing: keyring finds no backend in this run")
            procs = {
                "bare": desktops["bare"].spawn(
                    [sys.executable, str(BARE_TRAY)],
                    name="bare",
                    env=with_env(desktops["bare"], extra, remove),
                ),
                "deps": desktops["deps"].spawn(
                    [sys.executable, str(BARE_TRAY), "--read-secret", SERVICE, USERNAME],
                    name="deps",
                    env=with_env(desktops["deps"], extra, remove),
                ),
                "demo": desktops["demo"].start_app(
                    "--demo", env=with_env(desktops["demo"], extra, remove)
                ),
                # As a user runs it: the cloud (here the simulator, in this process) is
                # elsewhere, and the token is read from the keyring.
                "live": desktops["live"].start_app(
                    "--api-url",
                    sim.v1_url,
                    *[arg for sn in DEMO_SERIALS for arg in ("--sn", sn)],
                    env=with_env(desktops["live"], extra, remove),
                ),
            }
            for name, proc in procs.items():
                desktops[name].wait_registered(proc, 30)
            print(f"all tray icons registered; polling for {seconds:.0f} s ...", flush=True)
            time.sleep(seconds)
            figures: dict[str, dict[str, int]] = {}
            for name, proc in procs.items():
                if proc.proc.poll() is not None:
                    print(f"{labels[name]} exited early (status {proc.proc.returncode})")
                    print(proc.output())
                    return 1
                status = proc_status_kb(proc.proc.pid)
                figures[name] = status
                print(
                    f"{labels[name]:<24} peak RSS {status['VmHWM'] / 1024:6.1f} MB   "
                    f"now {status['VmRSS'] / 1024:6.1f} MB   threads {thread_count(proc.proc.pid)}"
                )
            answered = sum(1 for r in sim.requests if r.result == "ok")
            print(f"(solaxtray fetched {answered} answers from the simulator meanwhile)")
            deps_out = procs["deps"].output()
            if "secret found: True" not in deps_out:
                print("note: the second baseline did not find its secret:", deps_out.strip()[:200])
        finally:
            for desk in desktops.values():
                desk.close()
            for gkd in keyrings:
                gkd.terminate()
                gkd.wait(timeout=10)
    bare = figures["bare"]["VmHWM"]
    deps = figures["deps"]["VmHWM"]
    print(f"\nafter {seconds:.0f} s, peak RSS ratios (target: at most {TARGET_RATIO}x the second):")
    for name in ("demo", "live"):
        peak = figures[name]["VmHWM"]
        verdict = "met" if peak / deps <= TARGET_RATIO else "not met"
        print(
            f"  {labels[name]:<18} {peak / bare:.2f}x bare tray   {peak / deps:.2f}x bare + "
            f"requests/keyring  ({verdict}; {(peak - TARGET_RATIO * deps) / 1024:+.1f} MB "
            "from the target)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
