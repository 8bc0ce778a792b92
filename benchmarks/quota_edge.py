"""Does the shared request budget hold at the minute's edge, with many processes on one token?

Run: ``python benchmarks/quota_edge.py`` (four minutes: five ``solaxtray fetch`` loops and two
``solaxtray watch`` processes; ``--minutes``, ``--fetch-loops`` and ``--watches`` change that).
``--scale 15`` runs the same minutes fifteen times faster (16 s per run): the processes are then
``quota_edge_worker.py``, which drives the library as ``fetch`` and ``watch`` do on a clock shared
with the simulator, and every real delay (process start, sending, the network) is magnified as
much, so edges are hit harder than on the real clock.

Real processes on the real clock, against the simulated cloud on 127.0.0.1 (``CloudSimulator``,
the real quota of 10 a minute) with one inverter per process, sharing one request ledger
(``XDG_DATA_HOME`` of the run). Each inverter uploads every ``--upload-interval`` seconds (60 by
default, so that a ``watch`` served every minute prints a snapshot every minute), and each request
reaches the cloud after a random 1 to 26 ms (``--latency-ms``), the spread of send delays seen
against the real cloud; on 127.0.0.1 alone every request would take about as long, and a
request sent the moment a slot freed would rarely overtake the one it replaces. A fetch loop is ``while true; do solaxtray fetch --sn SN; done``;
a watch process runs until the end and is then stopped with Ctrl-C.

Printed per run: the most requests the cloud saw in any sliding 60 s (counted when each arrived;
the budget is 9, the cloud's limit 10), refused requests, and per process the answered requests
and the snapshots it printed. The baseline in the same run (at the same time, on its own
simulator and ledger) is the code before requests were counted until their answers and waiters
were queued: the package as of ``--baseline`` (a git revision), unpacked into a temporary
directory; ``--baseline none`` skips it, and the figures are then printed against the limit only.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.quota_edge_worker import ScaledClock
from solaxtray.core.quota import MAX_PER_MINUTE, PUBLISHED_PER_MINUTE
from solaxtray.core.simulator import DEMO_TOKEN, CloudSimulator, Outcome, SimInverter

ROOT = Path(__file__).resolve().parent.parent
WORKER = Path(__file__).resolve().parent / "quota_edge_worker.py"

BASELINE_REV = "34bb21d"
"""The last commit before the ledger counted requests until their answers, queued its waiters
and spread them with jitter."""


@dataclass
class Run:
    label: str
    package_root: Path
    fetch_loops: int
    watches: int
    seconds: float
    upload_interval: float
    latency: tuple[float, float]
    scale: float = 1.0
    sim: CloudSimulator | None = None
    snapshots: Counter[str] = field(default_factory=Counter)
    fetch_runs: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


def _inverter(sn: str) -> SimInverter:
    return SimInverter(sn=sn, inverter_sn="H" + sn, type_code=14, pv_peak_w=8000)


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _env(run: Run, home: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("SOLAXTRAY_API_URL", "SOLAXTRAY_CLIENT_ID", "SOLAXTRAY_CLIENT_SECRET"):
        env.pop(name, None)
    env.update(
        SOLAXTRAY_TOKEN=DEMO_TOKEN,
        PYTHONPATH=str(run.package_root),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_STATE_HOME=str(home / "state"),
        XDG_CACHE_HOME=str(home / "cache"),
    )
    return env


def execute(run: Run) -> None:
    if run.scale > 1:
        execute_scaled(run)
        return
    serials = [f"QEDGE{i:05d}" for i in range(run.fetch_loops + run.watches)]
    with (
        tempfile.TemporaryDirectory(prefix="quota-edge-") as tmp,
        CloudSimulator(
            inverters=[_inverter(sn) for sn in serials],
            upload_interval=run.upload_interval,
            latency=run.latency,
        ) as sim,
    ):
        run.sim = sim
        env = _env(run, Path(tmp))
        base = [sys.executable, "-m", "solaxtray"]
        url = ["--api-url", sim.v1_url]
        end = time.monotonic() + run.seconds

        def fetch_loop(sn: str) -> None:
            while time.monotonic() < end:
                try:
                    proc = subprocess.run(
                        [*base, "fetch", "--json", *url, "--sn", sn],
                        check=False,
                        env=env,
                        capture_output=True,
                        text=True,
                        timeout=max(1.0, end - time.monotonic()),
                    )
                except subprocess.TimeoutExpired:
                    return  # the run ended while it waited for the budget
                run.fetch_runs[sn] += 1
                if proc.returncode == 0:
                    run.snapshots[sn] += 1
                elif proc.stderr.strip():
                    run.failures.append(f"{sn}: {proc.stderr.strip().splitlines()[-1]}")

        def watch(sn: str) -> None:
            proc = subprocess.Popen(
                [*base, "watch", *url, "--sn", sn],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                # Ctrl-C ends watch; a shell's background job would otherwise ignore it.
                preexec_fn=_default_sigint if os.name == "posix" else None,  # noqa: PLW1509
            )
            timer = threading.Timer(
                max(0.0, end - time.monotonic()), lambda: proc.send_signal(signal.SIGINT)
            )
            timer.start()
            assert proc.stdout is not None
            for line in proc.stdout:
                if line.startswith('{"type": "snapshot"'):
                    run.snapshots[sn] += 1
            timer.cancel()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

        threads = [
            threading.Thread(target=fetch_loop, args=(sn,)) for sn in serials[: run.fetch_loops]
        ]
        threads += [threading.Thread(target=watch, args=(sn,)) for sn in serials[run.fetch_loops :]]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def execute_scaled(run: Run) -> None:
    """The same contention on a clock ``run.scale`` times faster, with worker processes."""
    serials = [f"QEDGE{i:05d}" for i in range(run.fetch_loops + run.watches)]
    real0, start = time.monotonic(), 1_780_000_000.0
    clock = ScaledClock(run.scale, real0, start)
    with (
        tempfile.TemporaryDirectory(prefix="quota-edge-") as tmp,
        CloudSimulator(
            inverters=[_inverter(sn) for sn in serials],
            clock=clock,
            upload_interval=run.upload_interval,
            latency=run.latency,
        ) as sim,
    ):
        run.sim = sim
        env = _env(run, Path(tmp))
        ledger = Path(tmp, "data", "request-ledger.json")
        ledger.parent.mkdir(parents=True)
        common = ["--url", sim.v1_url, "--token", DEMO_TOKEN, "--ledger", str(ledger)]
        common += ["--scale", str(run.scale), "--real0", repr(real0), "--start", repr(start)]
        common += ["--until", repr(start + run.seconds)]
        procs = {
            sn: subprocess.Popen(
                [sys.executable, str(WORKER), _role(run, i), "--sn", sn, *common],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for i, sn in enumerate(serials)
        }
        for sn, proc in procs.items():
            out, err = proc.communicate(timeout=run.seconds / run.scale + 120)
            if proc.returncode != 0:
                run.failures.append(f"{sn}: {err.strip().splitlines()[-1] if err else '?'}")
                continue
            run.snapshots[sn] = int(json.loads(out.strip().splitlines()[-1])["snapshots"])


def _role(run: Run, index: int) -> str:
    return "fetch" if index < run.fetch_loops else "watch"


def report(run: Run) -> None:
    sim = run.sim
    assert sim is not None
    seen = sim.requests
    results = Counter(str(r.result) for r in seen)
    answered = Counter(r.sn for r in seen if r.result == Outcome.OK)
    refused = sum(n for name, n in results.items() if name != Outcome.OK)
    print(f"\n{run.label}")
    print(
        f"  most requests in any sliding 60 s: {sim.peak_minute()} "
        f"(the budget is {MAX_PER_MINUTE}; the cloud refuses beyond {PUBLISHED_PER_MINUTE})"
    )
    print(f"  requests: {len(seen)}, refused by the cloud: {refused} {dict(results)}")
    print(f"  {'process':<22}{'answered':>9}{'snapshots':>10}")
    serials = sim.serials
    for index, sn in enumerate(serials):
        kind = "fetch loop" if index < run.fetch_loops else "watch"
        name = f"{kind} {sn[-2:]}"
        print(f"  {name:<22}{answered[sn]:>9}{run.snapshots[sn]:>10}")
    if run.failures:
        print(f"  fetch failures: {len(run.failures)}, e.g. {run.failures[0][:160]}")


def unpack(rev: str, into: Path) -> Path | None:
    """The package as of ``rev``, from this checkout's git history; None when git cannot."""
    try:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", rev, "solaxtray"],
            capture_output=True,
            check=True,
        )
        subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"(no baseline: cannot unpack {rev} with git: {exc})")
        return None
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=4.0)
    parser.add_argument("--fetch-loops", type=int, default=5)
    parser.add_argument("--watches", type=int, default=2)
    parser.add_argument("--upload-interval", type=float, default=60.0)
    parser.add_argument(
        "--scale", type=float, default=1.0, help="run the clock this many times faster"
    )
    parser.add_argument(
        "--latency-ms",
        default="1,26",
        help="the lowest and highest way to the cloud, in ms (default: %(default)s)",
    )
    parser.add_argument(
        "--baseline",
        default=BASELINE_REV,
        help="git revision of the code to compare with, or 'none' (default: %(default)s)",
    )
    args = parser.parse_args()
    seconds = args.minutes * 60
    print(
        f"{args.fetch_loops} fetch loops + {args.watches} watch processes on one token, "
        f"{args.minutes:g} minutes, "
        f"{'real clock' if args.scale <= 1 else f'clock {args.scale:g}x faster'}, "
        f"{args.latency_ms} ms to the cloud"
    )
    with tempfile.TemporaryDirectory(prefix="quota-edge-base-") as tmp:
        low, high = (float(part) / 1000 for part in args.latency_ms.split(","))
        shape = (
            args.fetch_loops,
            args.watches,
            seconds,
            args.upload_interval,
            (low, high),
            args.scale,
        )
        runs = [Run("this code", ROOT, *shape)]
        if args.baseline != "none":
            old = unpack(args.baseline, Path(tmp))
            if old is not None:
                runs.append(Run(f"baseline ({args.baseline})", old, *shape))
        if args.scale > 1:  # one at a time: contention would be magnified as well
            for run in runs:
                execute(run)
        else:  # side by side, each on its own simulator and ledger
            threads = [threading.Thread(target=execute, args=(run,)) for run in runs]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        for run in runs:
            report(run)


if __name__ == "__main__":
    main()
