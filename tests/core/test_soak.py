"""A simulated week: the real scheduler and alert rules against the project's cloud simulator
(``SimulatedCloud``, the part behind the HTTP server) on a fake clock, through the real parser.

Checks the quota (never a throttle, never more than the budget in any minute or day) and the exact
alerts: one per scripted fault or EPS episode and one recovery each, one offline and one "back" per
daytime outage, and nothing for the nights in between.
"""

from __future__ import annotations

import bisect
import math
import random
from datetime import UTC, datetime
from typing import Any

from solaxtray.core.api.backend import TokenBackend
from solaxtray.core.api.tokenid.parsing import parse_realtime
from solaxtray.core.clock import FakeClock
from solaxtray.core.models import Snapshot
from solaxtray.core.simulator import DEMO_TOKEN, Outcome, SimInverter, SimulatedCloud
from solaxtray.core.watch import run_watch

START = 1_780_000_000.0
DAY = 86_400.0
HYBRID = "SWSOAKHYB1"
GRIDTIE = "SWSOAKGRD1"
OFFSET_H = 2.0


def max_in_window(times: list[float], window: float) -> int:
    return max(
        (bisect.bisect_right(times, t + window - 1e-6) - i for i, t in enumerate(times)),
        default=0,
    )


def test_a_week_of_polling_stays_in_quota_and_alerts_exactly() -> None:
    clock = FakeClock(START)
    fleet = [
        SimInverter(
            sn=HYBRID,
            inverter_sn="H34SOAK00001",
            type_code=14,
            pv_peak_w=10_000,
            phases=3,
            battery_wh=15_000,
            utc_offset_hours=OFFSET_H,
        ),
        SimInverter(
            sn=GRIDTIE,
            inverter_sn="X1SOAK000001",
            type_code=4,
            pv_peak_w=6_000,
            has_meter=True,
            sleeps_at_night=True,
            utc_offset_hours=OFFSET_H,
        ),
    ]
    cloud = SimulatedCloud(inverters=fleet, clock=clock)

    # Random fault and EPS episodes on the hybrid, at least a day apart, 20-60 minutes each.
    rng = random.Random(20_260_528)
    steps: list[tuple[float, int]] = []
    episodes = {"fault": 0, "eps": 0}
    for day in range(6):
        start = day * DAY + rng.uniform(2 * 3600, 20 * 3600)
        code = rng.choice([103, 104, 106, 107])
        episodes["fault" if code in (103, 104) else "eps"] += 1
        steps += [(start, code), (start + rng.uniform(1200, 3600), 102)]
    cloud.script_status(HYBRID, [(0.0, 102), *steps])

    # Two daytime outages of the grid-tie inverter's dongle, at the plant's local noon.
    local_midnight = math.floor((START + OFFSET_H * 3600) / DAY) * DAY - OFFSET_H * 3600
    outages = [local_midnight + d * DAY + 11 * 3600 for d in (2, 5)]
    for begin in outages:
        cloud.script_offline(GRIDTIE, begin - START, begin - START + 90 * 60)

    def fetch(sn: str) -> Snapshot:
        body, outcome = cloud.answer(DEMO_TOKEN, sn, v2=False)
        cloud.record("v1", sn, True, outcome)  # what the HTTP layer does for each request
        return parse_realtime(body, sn=sn, fetched_at=datetime.fromtimestamp(clock.now(), tz=UTC))

    lines: list[dict[str, Any]] = []
    end = START + 7 * DAY
    status = run_watch(
        serials=[HYBRID, GRIDTIE],
        backend=TokenBackend.from_fetch(fetch),
        clock=clock,
        sleep=clock.sleep,
        emit=lines.append,
        should_stop=lambda: clock.now() >= end,
    )
    assert status == 0

    # The quota: nothing refused, and our own budget (9 a minute, 9,000 a day) held.
    requests = cloud.requests
    assert {r.result for r in requests} == {Outcome.OK}
    times = sorted(r.time for r in requests)
    assert max_in_window(times, 60.0) <= 9
    assert max_in_window(times, DAY) <= 9000
    # About one request per upload: far under the 2 x 1,440 a fixed 60 s poller would make.
    assert len(times) / 7 < 2 * 288 * 1.3

    alerts = [(line["sn"], line["kind"]) for line in lines if line["type"] == "alert"]
    hybrid = [kind for sn, kind in alerts if sn == HYBRID]
    gridtie = [kind for sn, kind in alerts if sn == GRIDTIE]
    assert hybrid.count("fault") == episodes["fault"]
    assert hybrid.count("eps") == episodes["eps"]
    assert hybrid.count("recovery") == sum(episodes.values())
    assert set(hybrid) <= {"fault", "eps", "recovery"}
    # Seven nights asleep, no alarm; each outage in full sun, one alarm and one all-clear.
    assert gridtie == ["offline", "back_online"] * len(outages)
    assert not [a for a in alerts if a[0] is None]

    snapshots = [line for line in lines if line["type"] == "snapshot"]
    assert len({(s["sn"], s["uploadTime"]) for s in snapshots}) == len(snapshots)
