"""The aim at each serial's next upload, where requests are held back by the minute's budget or
gathered into fleet rounds: being asked late must not move the aim."""

from __future__ import annotations

import statistics

from solaxtray.core.clock import FakeClock
from solaxtray.core.scheduler import PollScheduler
from tests.core.test_scheduler import START, lags
from tests.core.test_scheduler_batch import drive_rounds, fleet

HOUR = 3600.0


def test_fleet_rounds_keep_the_aim_where_the_uploads_are() -> None:
    """In fleet rounds a serial is asked at the round's time, later than its own aim by design;
    its aim still walks towards its uploads, so the lag stays that of a round, not growing."""
    until = START + 12 * HOUR
    plants = fleet([27.0 * i for i in range(10)], until)
    clock = FakeClock(START)
    sched = PollScheduler(plants, clock=clock, batch_size=10)
    rounds = drive_rounds(sched, plants, clock, until)
    since = START + 6 * HOUR
    every = [
        lag
        for sn, plant in plants.items()
        for lag in lags(plant, [t for t, batch in rounds if sn in batch], since)
    ]
    # About 10 s; an aim that only ever moves later (each miss) drifts to about 25 s.
    assert statistics.median(every) < 18.0
