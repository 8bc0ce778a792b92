"""Peak memory after a spell of polling: solaxtray --demo against a bare PySide6 tray app.

Three run at the same time, each on its own Xvfb and private bus with the fake panel (so Qt uses its
D-Bus tray, as on a real desktop): the bare app, ``solaxtray --demo`` (whose simulator runs inside
the app), and solaxtray polling the demo simulator running in this benchmark's process (the shape
of a real user's run), for ``--seconds`` (20 by default, ``--minute`` for the 60 s the project's
goal names). Then the peak resident set size (VmHWM) and the current one (VmRSS) of each
process are read from /proc before it is stopped. The baseline is measured in the same run; the
figure to watch is the ratio of the peaks (the project aims at 1.3x or less).

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

    bare_label, demo_label, live_label = "bare PySide6 tray", "solaxtray --demo", "solaxtray"
    with (
        tempfile.TemporaryDirectory(prefix="solaxtray-bench-") as tmp,
        CloudSimulator.demo() as sim,
    ):
        base = Path(tmp)
        extra: dict[str, str] = {}
        remove: tuple[str, ...] = ()
        if not args.cold:
            (base / "pycache").mkdir()
            extra = {"PYTHONPYCACHEPREFIX": str(base / "pycache")}
            remove = ("PYTHONDONTWRITEBYTECODE",)
            print("warming a bytecode cache for both programs (--cold skips this) ...", flush=True)
            warm_bytecode_cache(base, extra)
        desktops: list[Desktop] = []
        try:
            for name in ("bare", "demo", "live"):
                desktops.append(open_desktop(base / name))
            bare_desk, demo_desk, live_desk = desktops
            bare = bare_desk.spawn(
                [sys.executable, str(BARE_TRAY)],
                name="bare",
                env=with_env(bare_desk, extra, remove),
            )
            demo = demo_desk.start_app("--demo", env=with_env(demo_desk, extra, remove))
            # As a user runs it: the cloud (here the simulator, in this process) is elsewhere.
            serials = [arg for sn in DEMO_SERIALS for arg in ("--sn", sn)]
            live = live_desk.start_app(
                "--api-url",
                sim.v1_url,
                *serials,
                env=dict(with_env(live_desk, extra, remove), SOLAXTRAY_TOKEN=DEMO_TOKEN),
            )
            procs = {bare_label: bare, demo_label: demo, live_label: live}
            for desk, proc in zip(desktops, procs.values(), strict=True):
                desk.wait_registered(proc, 30)
            print(f"all tray icons registered; polling for {seconds:.0f} s ...", flush=True)
            time.sleep(seconds)
            figures: dict[str, dict[str, int]] = {}
            for label, proc in procs.items():
                if proc.proc.poll() is not None:
                    print(f"{label} exited early (status {proc.proc.returncode})")
                    print(proc.output())
                    return 1
                status = proc_status_kb(proc.proc.pid)
                figures[label] = status
                print(
                    f"{label:<18} peak RSS {status['VmHWM'] / 1024:6.1f} MB   "
                    f"now {status['VmRSS'] / 1024:6.1f} MB   threads {thread_count(proc.proc.pid)}"
                )
            answered = sum(1 for r in sim.requests if r.result == "ok")
            print(f"(solaxtray fetched {answered} answers from the simulator meanwhile)")
        finally:
            for desk in desktops:
                desk.close()
    for label in (demo_label, live_label):
        ratio = figures[label]["VmHWM"] / figures[bare_label]["VmHWM"]
        print(
            f"ratio of peaks     {ratio:.2f}x  {label}   (aim: at most 1.3x; after {seconds:.0f} s)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
