"""The simulator's per-minute quota is a true sliding 60 s over the moments requests *arrived*:
what a client that bursts at the minute's edge is caught by."""

from __future__ import annotations

import threading
import time
from typing import Any

import requests

from solaxtray.core.clock import FakeClock
from solaxtray.core.simulator import DEMO_TOKEN, CloudSimulator, Fault, Outcome, SimInverter
from solaxtray.core.simulator.quota import TokenQuota, busiest_minute


def _inverter(sn: str) -> SimInverter:
    return SimInverter(sn=sn, inverter_sn="H" + sn, type_code=14, pv_peak_w=8000)


def test_an_eleven_in_sixty_seconds_burst_is_seen_and_refused() -> None:
    quota = TokenQuota(per_minute=10, per_day=10_000, ban_after=100, ban_seconds=3600)
    outcomes = [quota.admit(0.1 * i) for i in range(9)]
    outcomes += [quota.admit(59.95), quota.admit(59.99)]
    assert outcomes.count(Outcome.OK) == 10
    assert outcomes[-1] is Outcome.THROTTLED
    assert quota.peak_minute == 11
    # The refused ones count as well, as on the real service: room again only once nine of the
    # first ten are more than 60 s old.
    assert quota.admit(60.05) is Outcome.THROTTLED
    assert quota.admit(60.85) is Outcome.OK


def test_arrivals_admitted_out_of_order_are_counted_where_they_arrived() -> None:
    """Threads may admit a request after one that arrived later: it still counts in every window
    it arrived in, and the windows it did not arrive in do not count it."""
    quota = TokenQuota(per_minute=2, per_day=10_000, ban_after=100, ban_seconds=3600)
    assert quota.admit(61.0) is Outcome.OK
    assert quota.admit(0.5) is Outcome.OK  # arrived long before, answered late: alone in its 60 s
    assert quota.admit(1.0) is Outcome.OK
    assert quota.peak_minute == 2
    assert quota.admit(60.2) is Outcome.THROTTLED  # 0.5 and 1.0 are within 60 s of it
    assert quota.peak_minute == 3  # 1.0, 60.2 and 61.0: (1.0, 61.0] holds 60.2 and 61.0 only
    assert busiest_minute([0.5, 1.0, 60.2, 61.0]) == 3


def test_busiest_minute_is_a_true_sliding_window() -> None:
    assert busiest_minute([]) == 0
    assert busiest_minute([0.0, 60.0]) == 1  # (0, 60] does not hold 0
    assert busiest_minute([0.0, 59.999]) == 2
    assert busiest_minute([5.0, 0.0, 30.0, 64.0, 90.0]) == 3


def test_the_simulator_counts_a_request_when_it_arrived_not_when_it_was_answered() -> None:
    """A slow answer must not move the request into a later minute: the cloud's window is the
    one that decides, and it counts arrivals."""
    clock = FakeClock()
    slow, fast = "SLOW000001", "FAST000001"
    with CloudSimulator(
        inverters=[_inverter(slow), _inverter(fast)], clock=clock, per_minute=1, slow_delay=1.5
    ) as sim:
        sim.inject(Fault.SLOW, sn=slow)
        answers: list[Any] = []
        worker = threading.Thread(
            target=lambda: answers.append(
                requests.get(sim.v1_url + "getRealtimeInfo.do", params=_params(slow), timeout=10)
            )
        )
        worker.start()
        deadline = time.monotonic() + 5
        while not sim.requests and time.monotonic() < deadline:
            time.sleep(0.01)  # the slow request has arrived and is being held
        clock.advance(61)
        quick = requests.get(sim.v1_url + "getRealtimeInfo.do", params=_params(fast), timeout=10)
        worker.join(10)
        assert quick.json()["success"] is True
        # Arrived 61 s before the quick one: alone in its minute, although answered after it.
        assert answers[0].json()["success"] is True
        assert sim.peak_minute() == 1
        assert [r.time for r in sim.requests] == [clock.now() - 61, clock.now()]


def _params(sn: str) -> dict[str, str]:
    return {"tokenId": DEMO_TOKEN, "sn": sn}
