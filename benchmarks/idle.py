"""Idle cost between polls: with a 5-minute poll, how often does the app wake up when nothing is due?

The app is pointed at the project's simulator (real HTTP on 127.0.0.1, 5-minute uploads) with a
300 s poll interval, on its own Xvfb and private bus with the fake panel. After its first fetch and
a few seconds to settle, it is watched for ``--seconds`` (30 by default): CPU ticks (utime + stime of
all threads, from /proc), context switches of all threads, requests the simulator received, and,
when strace is installed and allowed to attach, the system calls made. A bare PySide6 tray app is
watched the same way over the same time, as the baseline. The goal is no wake-ups between polls.

    python benchmarks/idle.py [--seconds 30]

Linux only. Prints numbers, asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from solaxtray import APP_NAME  # noqa: E402
from solaxtray.core.paths import SETTINGS_FILE  # noqa: E402
from solaxtray.core.settings import Settings, SettingsStore  # noqa: E402
from solaxtray.core.simulator import DEMO_SERIALS, DEMO_TOKEN, CloudSimulator  # noqa: E402
from tests.e2e.desktop import Desktop, missing_tools, open_desktop  # noqa: E402

BARE_TRAY = REPO_ROOT / "benchmarks" / "bare_tray.py"
POLL_S = 300


@dataclass
class Counters:
    cpu_ticks: int
    switches_by_thread: dict[int, int]
    """Voluntary + involuntary context switches per thread id."""

    def switches_since(self, before: Counters) -> tuple[int, int, int]:
        """Switches made since ``before`` by the threads alive now, and how many threads started
        and ended in between (an ended thread's last switches cannot be read any more)."""
        total = sum(
            n - before.switches_by_thread.get(tid, 0) for tid, n in self.switches_by_thread.items()
        )
        started = len(self.switches_by_thread.keys() - before.switches_by_thread.keys())
        ended = len(before.switches_by_thread.keys() - self.switches_by_thread.keys())
        return total, started, ended


def read_counters(pid: int) -> Counters:
    """utime + stime of the whole process (clock ticks) and context switches per thread (the
    process-level status file counts only the main thread's)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of stat(5)
    switches: dict[int, int] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            text = (task / "status").read_text(encoding="ascii")
        except OSError:
            continue  # a thread that ended meanwhile
        switches[int(task.name)] = sum(
            int(line.split()[1])
            for line in text.splitlines()
            if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches"))
        )
    return Counters(ticks, switches)


def strace_summary(out: Path) -> str:
    """Calls per system call from ``strace -c`` ("12: 10 poll, 2 read"), or why there are none."""
    errors = out.with_suffix(".err")
    if errors.exists() and "not permitted" in errors.read_text(encoding="utf-8", errors="replace"):
        return "strace: not permitted to attach (see /proc/sys/kernel/yama/ptrace_scope)"
    if not out.exists():
        return "strace: no output"
    rows: list[tuple[str, int]] = []
    total = 0
    for line in out.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        # data rows: % time, seconds, usecs/call, calls, [errors,] name
        if len(parts) < 5 or not parts[3].isdigit():
            continue
        if parts[-1] == "total":
            total = int(parts[3])
        else:
            rows.append((parts[-1], int(parts[3])))
    if not rows:
        return "strace: 0 system calls"
    top = sorted(rows, key=lambda r: -r[1])[:6]
    return f"strace: {total} system calls ({', '.join(f'{n} {name}' for name, n in top)})"


def traced(pids: dict[str, int], seconds: float, workdir: Path) -> dict[str, str]:
    """strace every process at once for ``seconds``; one summary line per label."""
    if shutil.which("strace") is None:
        return dict.fromkeys(pids, "strace: not installed")
    outputs = {label: workdir / f"strace-{i}.txt" for i, label in enumerate(pids)}
    strace = ["timeout", "-s", "INT", str(seconds), "strace", "-c", "-f"]
    with contextlib.ExitStack() as stack:
        tracers = []
        for label, pid in pids.items():
            err = stack.enter_context(outputs[label].with_suffix(".err").open("wb"))
            tracers.append(
                subprocess.Popen(
                    [*strace, "-p", str(pid), "-o", str(outputs[label])],
                    stdout=subprocess.DEVNULL,
                    stderr=err,
                )
            )
        for tracer in tracers:
            try:
                tracer.wait(seconds + 10)
            except subprocess.TimeoutExpired:
                tracer.kill()
                tracer.wait(5)
    return {label: strace_summary(path) for label, path in outputs.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=30.0, help="watching time (default 30)")
    args = parser.parse_args(argv)
    missing = missing_tools("Xvfb", "dbus-daemon")
    if missing or not Path("/proc/self/stat").exists():
        print(f"idle benchmark needs Linux with {', '.join(missing) or '/proc'}; nothing measured")
        return 2
    tick_hz = os.sysconf("SC_CLK_TCK")

    with (
        tempfile.TemporaryDirectory(prefix="solaxtray-bench-") as tmp,
        CloudSimulator(upload_interval=float(POLL_S)) as sim,
    ):
        base = Path(tmp)
        desktops: list[Desktop] = []
        try:
            app_desk = open_desktop(base / "app")
            desktops.append(app_desk)
            bare_desk = open_desktop(base / "bare")
            desktops.append(bare_desk)
            settings_file = Path(app_desk.env["XDG_CONFIG_HOME"]) / APP_NAME / SETTINGS_FILE
            SettingsStore(settings_file).save(Settings(poll_interval_s=POLL_S))
            sn = DEMO_SERIALS[0]
            env = dict(app_desk.env, SOLAXTRAY_TOKEN=DEMO_TOKEN)
            app = app_desk.start_app("--api-url", sim.v1_url, "--sn", sn, env=env)
            bare = bare_desk.spawn([sys.executable, str(BARE_TRAY)], name="bare")
            app_desk.wait_registered(app, 30)
            bare_desk.wait_registered(bare, 30)
            deadline = time.monotonic() + 30
            while not any(r.sn == sn for r in sim.requests):
                if time.monotonic() > deadline:
                    print("the app made no request within 30 s; nothing measured")
                    print(app.output())
                    return 1
                time.sleep(0.1)
            time.sleep(3.0)  # let the first answer be drawn and the icon settle
            requests_before = len(sim.requests)
            pids = {"bare PySide6 tray": bare.proc.pid, "solaxtray": app.proc.pid}
            # Counters first, strace after: attaching a tracer stops and resumes every thread,
            # which would count as context switches of its own.
            before = {label: read_counters(pid) for label, pid in pids.items()}
            time.sleep(args.seconds)
            after = {label: read_counters(pid) for label, pid in pids.items()}
            syscalls = traced(pids, args.seconds, base)
            requests = len(sim.requests) - requests_before
            print(
                f"idle with a {POLL_S} s poll, after the first fetch: /proc counters over "
                f"{args.seconds:.0f} s, then strace over another {args.seconds:.0f} s "
                f"(CPU ticks are 1/{tick_hz} s)"
            )
            for label in pids:
                ticks = after[label].cpu_ticks - before[label].cpu_ticks
                switches, started, ended = after[label].switches_since(before[label])
                print(
                    f"{label:<18} cpu ticks {ticks:4d}   context switches {switches:5d}   "
                    f"threads started {started}, ended {ended}"
                )
                print(f"{'':<18} {syscalls[label]}")
            print(f"requests the simulator received meanwhile: {requests}")
        finally:
            for desk in desktops:
                desk.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
