"""The quota at the minute's edge: several processes sharing one ledger file never put more than
the budget into any 60 s of the cloud's (as the simulator counts it, at each request's arrival),
and none of them is starved.

The processes are threads here, each with its own ``RequestLedger`` on one real file (what a
process looks like to the file), real HTTP to the simulator, and a clock that runs
``SCALE`` times faster than real time for the ledgers, the simulator and ``run_watch``: six
minutes of contention take under 20 seconds. ``benchmarks/quota_edge.py`` runs the same with real
``solaxtray fetch`` and ``watch`` processes on the real clock.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from solaxtray.core.api.backend import make_backend
from solaxtray.core.ledger import RequestLedger
from solaxtray.core.quota import MAX_PER_MINUTE
from solaxtray.core.simulator import DEMO_TOKEN, CloudSimulator, Outcome, SimInverter
from solaxtray.core.watch import run_watch

SCALE = 20.0
MINUTES = 6.0
FETCH_LOOPS = 5
WATCHES = 2


class ScaledClock:
    """Wall and monotonic time running ``scale`` times faster than real time, the same in every
    thread; ``sleep`` waits the matching real time."""

    def __init__(self, scale: float, start: float = 1_780_000_000.0) -> None:
        self.scale = scale
        self._start = start
        self._real0 = time.monotonic()

    def monotonic(self) -> float:
        return (time.monotonic() - self._real0) * self.scale

    def now(self) -> float:
        return self._start + self.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds) / self.scale)


def _inverter(sn: str) -> SimInverter:
    return SimInverter(sn=sn, inverter_sn="H" + sn, type_code=14, pv_peak_w=8000)


# --- processes on one ledger against the simulator ---------------------------------------------------


@pytest.fixture
def scaled() -> ScaledClock:
    return ScaledClock(SCALE)


@pytest.fixture
def cloud(scaled: ScaledClock) -> Iterator[CloudSimulator]:
    serials = [f"QEDGE{i:05d}" for i in range(FETCH_LOOPS + WATCHES)]
    with CloudSimulator(
        inverters=[_inverter(sn) for sn in serials], clock=scaled, upload_interval=60.0
    ) as sim:
        yield sim


def test_processes_on_one_ledger_stay_in_the_clouds_window_and_none_starves(
    cloud: CloudSimulator, scaled: ScaledClock, tmp_path: Path
) -> None:
    """Five ``fetch`` loops and two ``watch`` processes on one token for six minutes: every
    waiter wakes when a slot frees, and the requests still reach the cloud at most the budget
    in any 60 s, and each process gets its turn (a watch when its poll is due, after those
    queued before it)."""
    path = tmp_path / "shared" / "request-ledger.json"
    stop = threading.Event()
    failures: list[BaseException] = []
    snapshots: Counter[str] = Counter()
    serials = cloud.serials

    def fetch_loop(sn: str) -> None:
        """``while true; do solaxtray fetch --sn SN; done``: a new process (ledger) per run,
        waiting for the budget as ``fetch`` does (the wait it is told, at least 0.1 s)."""
        while not stop.is_set():
            ledger = RequestLedger(path, clock=scaled)
            backend = make_backend("token", api_url=cloud.v1_url, token=DEMO_TOKEN)
            try:
                while not ledger.try_acquire(sn):
                    if stop.is_set():
                        return
                    scaled.sleep(max(ledger.wait_time(), 0.1))
                try:
                    backend.fetch_many([sn])
                finally:
                    ledger.finish(sn)
            finally:
                backend.close()

    def watch(sn: str) -> None:
        backend = make_backend("token", api_url=cloud.v1_url, token=DEMO_TOKEN)
        try:
            run_watch(
                serials=[sn],
                backend=backend,
                ledger=RequestLedger(path, clock=scaled),
                clock=scaled,
                sleep=lambda s: scaled.sleep(min(s, 5.0)) if not stop.is_set() else None,
                emit=lambda line: snapshots.update([sn] if line.get("type") == "snapshot" else []),
                should_stop=stop.is_set,
            )
        finally:
            backend.close()

    def guarded(target: Any, sn: str) -> threading.Thread:
        def run() -> None:
            try:
                target(sn)
            except BaseException as exc:  # reported by the test
                failures.append(exc)

        return threading.Thread(target=run, name=f"process-{sn}", daemon=True)

    threads = [guarded(fetch_loop, sn) for sn in serials[:FETCH_LOOPS]]
    threads += [guarded(watch, sn) for sn in serials[FETCH_LOOPS:]]
    for thread in threads:
        thread.start()
    time.sleep(MINUTES * 60 / SCALE)
    stop.set()
    for thread in threads:
        thread.join(30)
    assert not failures, failures
    assert not any(thread.is_alive() for thread in threads)

    seen = cloud.requests
    answered = Counter(r.sn for r in seen if r.result == Outcome.OK)
    assert not [r for r in seen if r.result != Outcome.OK], Counter(r.result for r in seen)
    assert cloud.peak_minute() <= MAX_PER_MINUTE
    # About nine requests a minute shared by seven. Before the queue, a watch got one answer or
    # none while fetch loops took every slot the moment it freed.
    assert all(answered[sn] >= 2 for sn in serials), answered
    assert all(snapshots[sn] >= 2 for sn in serials[FETCH_LOOPS:]), snapshots
