"""One process of ``benchmarks/quota_edge.py --scale N``: a ``fetch`` loop or a ``watch``, on a
clock that runs N times faster than real time.

It imports ``solaxtray`` from ``PYTHONPATH`` (the code under test: this checkout or the
baseline), shares the request ledger file with the other processes and the scaled clock with the
simulator (``time.monotonic`` is the same in every process), and prints one JSON object: how many
snapshots it got. The fetch loop waits for the budget as ``solaxtray fetch`` does (the wait it is
told, at least 0.1 s) with a new ledger per run, as a new process would have.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any


class ScaledClock:
    """Wall and monotonic time running ``scale`` times faster than real time from ``real0``."""

    def __init__(self, scale: float, real0: float, start: float) -> None:
        self.scale, self.real0, self.start = scale, real0, start

    def monotonic(self) -> float:
        return (time.monotonic() - self.real0) * self.scale

    def now(self) -> float:
        return self.start + self.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds) / self.scale)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=["fetch", "watch"])
    parser.add_argument("--url", required=True)
    parser.add_argument("--sn", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--ledger", type=Path, required=True)
    parser.add_argument("--scale", type=float, required=True)
    parser.add_argument("--real0", type=float, required=True)
    parser.add_argument("--start", type=float, required=True)
    parser.add_argument("--until", type=float, required=True, help="scaled epoch to stop at")
    args = parser.parse_args()

    from solaxtray.core.api.backend import make_backend
    from solaxtray.core.ledger import RequestLedger
    from solaxtray.core.models import Snapshot
    from solaxtray.core.watch import run_watch

    clock = ScaledClock(args.scale, args.real0, args.start)
    snapshots = 0

    def over() -> bool:
        return bool(clock.now() >= float(args.until))

    if args.role == "fetch":
        while not over():
            ledger = RequestLedger(args.ledger, clock=clock)
            backend = make_backend("token", api_url=args.url, token=args.token)
            try:
                granted = True
                while not ledger.try_acquire(args.sn):
                    if over():
                        granted = False
                        break
                    clock.sleep(max(ledger.wait_time(), 0.1))
                if not granted:
                    break
                try:
                    outcome = backend.fetch_many([args.sn])[args.sn]
                finally:
                    finish = getattr(ledger, "finish", None)  # the baseline has none
                    if finish is not None:
                        finish(args.sn)
                snapshots += isinstance(outcome, Snapshot)
            finally:
                backend.close()
    else:

        def emit(line: dict[str, Any]) -> None:
            nonlocal snapshots
            snapshots += line.get("type") == "snapshot"

        backend = make_backend("token", api_url=args.url, token=args.token)
        try:
            run_watch(
                serials=[args.sn],
                backend=backend,
                ledger=RequestLedger(args.ledger, clock=clock),
                clock=clock,
                sleep=lambda s: clock.sleep(min(s, 5.0)),
                emit=emit,
                should_stop=over,
            )
        finally:
            backend.close()
    print(json.dumps({"snapshots": snapshots}))


if __name__ == "__main__":
    main()
