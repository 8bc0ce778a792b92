"""How each serial's aim walks towards its uploads on the tokenId API (one serial a request):
a late first aim comes down within hours, a settled aim keeps close to the uploads, and an aim
held back by the budget still comes down when it is surely late."""

from __future__ import annotations

import random
import statistics

from solaxtray.core.clock import FakeClock
from solaxtray.core.scheduler import PollScheduler
from tests.core.test_scheduler import START, Plant, drive, lags, snap

HOUR = 3600.0


def test_an_aim_that_never_misses_comes_down_within_hours() -> None:
    """Asked every five minutes while learning, always some 45 s after its uploads, an
    inverter learns an aim that late and, finding its upload at every poll, never misses. An
    aim that has not missed for a while speeds up until it first misses, instead of coming
    down half a second an upload (most of a day for this one)."""
    until = START + 6 * HOUR
    plant = Plant("A", phase=250.0, jitter=1.0).build(until)
    clock = FakeClock(START)
    sched = PollScheduler(["A"], clock=clock, poll_interval_s=300.0)
    log = drive(sched, {"A": plant}, clock, until)
    polls = [t for t, _, _ in log]
    # About 15 s with the plain step only.
    assert statistics.median(lags(plant, polls, START + 3 * HOUR)) < 9.0


def test_a_settled_aim_walks_by_smaller_steps() -> None:
    """Once settled, the aim's steps shrink: the saw-tooth of the walk (a step up at each miss,
    small steps down until the next) spreads the lag about half as much, at the same share of
    misses."""
    until = START + 16 * HOUR
    plant = Plant("A", jitter=0.0, delay=3.0).build(until)
    clock = FakeClock(START)
    sched = PollScheduler(["A"], clock=clock)
    log = drive(sched, {"A": plant}, clock, until)
    since = START + 10 * HOUR
    found = lags(plant, [t for t, _, _ in log], since)
    # 3.0 s with the first steps kept.
    assert statistics.median(found) < 2.2
    misses = sum(1 for t, _, fresh in log if t > since and not fresh)
    assert misses <= len(found) / 10


def test_an_aim_held_back_by_the_budget_still_comes_down_when_surely_late() -> None:
    """Two inverters uploading in the same second, one request a minute: the second is always
    asked a minute after the first, held back by the budget, so its polls never say when its
    upload came. Its aim, learned most of a minute late and never once missed, still walks down
    slowly; before, it stayed where it was learned, and once the other inverter was gone the
    lone one was still asked a minute after its uploads."""
    until = START + 10 * HOUR
    plants = {
        sn: Plant(sn, phase=250.0 + i / 2, seed=i, jitter=1.0).build(until)
        for i, sn in enumerate(("A", "B"))
    }
    clock = FakeClock(START)
    sched = PollScheduler(
        plants, clock=clock, per_minute=1, poll_interval_s=300.0, rng=random.Random(1)
    )
    drive(sched, plants, clock, START + 8 * HOUR)
    sched.set_serials(["B"])
    log = drive(sched, plants, clock, until)
    alone = lags(plants["B"], [t for t, _, _ in log], START + 8 * HOUR)
    # 62 s when held polls never walk the aim, and about 55 s an hour later.
    assert alone[0] < 52.0
    assert statistics.median(alone) < 30.0


def test_a_view_keeps_the_planned_time_apart_from_the_budgets() -> None:
    """``planned`` is when the serial's own plan asks it, ``next_poll`` and ``next_due`` when
    the budget lets it go: the polling benchmark's lag breakdown reads the difference."""
    clock = FakeClock(START)
    sched = PollScheduler(["A", "B"], clock=clock, per_minute=1)
    assert sched.next_due() == ("A", START)
    sched.record_result("A", snap("A", START - 100.0, START))
    view = sched.view("B")
    assert view is not None
    assert view.planned == START
    plan = sched.next_due()
    assert plan is not None
    assert plan[0] == "B"
    assert plan[1] >= START + 30.0
