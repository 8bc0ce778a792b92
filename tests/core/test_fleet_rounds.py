"""Fleet rounds keep each upload's lag budget: counted from where the upload was expected, kept
through a miss's retries, with serials due soon after a round riding along for free, and the
aims of serials asked late at others' rounds kept where their uploads are."""

from __future__ import annotations

import statistics

from solaxtray.core.clock import FakeClock
from solaxtray.core.scheduler import BATCH_WINDOW_S, PollScheduler
from tests.core.test_scheduler import START, Plant, lags
from tests.core.test_scheduler_batch import drive_rounds

HOUR = 3600.0


def step(sched: PollScheduler, plants: dict[str, Plant], clock: FakeClock) -> list[str]:
    """One round: wait for it, ask its batch, record every answer. Returns the batch."""
    while True:
        plan = sched.next_due()
        assert plan is not None
        sn, when = plan
        if when <= clock.now():
            break
        clock.advance(when - clock.now())
    batch = sched.due_with(sn, when, sched.batch_size)
    for name in batch:
        sched.record_result(name, plants[name].answer(clock.now()), cost=1 / len(batch))
    return batch


def test_jittery_uploads_keep_the_lag_target_in_fleet_rounds() -> None:
    """Ten inverters 27 s apart whose uploads stray by seconds: a round waits for the next
    inverter only while the first one's upload, counted from where it really is (its aim less
    how late an aim can be), stays within the budget."""
    until = START + 12 * HOUR
    plants = {
        f"S{i}": Plant(f"S{i}", phase=27.0 * i, seed=i, jitter=4.0).build(until) for i in range(10)
    }
    clock = FakeClock(START)
    sched = PollScheduler(plants, clock=clock, batch_size=10)
    rounds = drive_rounds(sched, plants, clock, until, round_cost=2.0)
    since = START + 4 * HOUR
    every = [
        lag
        for sn, plant in plants.items()
        for lag in lags(plant, [t for t, batch in rounds if sn in batch], since)
    ]
    # The aim's allowance covers most of the jitter, not all of it: about the budget. Waiting a
    # whole window from the aim, however late the aim, made it about 42 s.
    assert statistics.quantiles(every, n=20)[18] <= 1.1 * BATCH_WINDOW_S


def test_a_retry_keeps_the_budget_of_its_first_aim() -> None:
    """One upload comes 15 s late: its retries must not start a new wait for the next inverter
    (55 s later), which would fetch it 40 s after it came."""
    until = START + 3 * HOUR
    plants = {
        "A": Plant("A", phase=0.0, jitter=0.0).build(until),
        "B": Plant("B", phase=55.0, jitter=0.0, seed=2).build(until),
    }
    late = next(i for i, v in enumerate(plants["A"].visible) if v > START + 2 * HOUR)
    plants["A"].visible[late] += 15.0
    clock = FakeClock(START)
    sched = PollScheduler(plants, clock=clock, batch_size=10)
    rounds = drive_rounds(sched, plants, clock, until)
    polls = [t for t, batch in rounds if "A" in batch]
    v = plants["A"].visible[late]
    (lag,) = lags(plants["A"], polls, v - 0.001)[:1]
    assert lag <= BATCH_WINDOW_S


def test_a_serial_due_soon_after_a_round_rides_along_and_keeps_its_plan() -> None:
    """B is due 25 s after A (too far to wait for, with uploads straying by seconds): it is
    asked along with A's round; its upload is not there yet, so nothing counts as a miss and it
    is asked again at its own time, not at a retry step."""
    until = START + 6 * HOUR
    plants = {
        "A": Plant("A", phase=0.0, jitter=2.0).build(until),
        "B": Plant("B", phase=25.0, jitter=2.0, seed=2).build(until),
    }
    clock = FakeClock(START)
    sched = PollScheduler(plants, clock=clock, batch_size=10)
    drive_rounds(sched, plants, clock, START + 2 * HOUR)
    for _ in range(100):
        plan = sched.next_due()
        assert plan is not None
        sn, when = plan
        clock.advance(max(0.0, when - clock.now()))
        view = sched.view("B")
        assert view is not None
        assert view.next_poll is not None
        assert view.last_fresh_at is not None
        planned = view.next_poll
        coming = min((v for v in plants["B"].visible if v > view.last_fresh_at), default=until)
        soon = clock.now() + 2.0 < planned <= clock.now() + 28.0
        if sn == "A" and soon and coming > clock.now():
            break
        step(sched, plants, clock)
    else:
        raise AssertionError("no round of A with B due soon after")
    batch = sched.due_with(sn, when, sched.batch_size)
    assert batch == ["A", "B"]
    for name in batch:
        fresh = sched.record_result(name, plants[name].answer(clock.now()), cost=0.5)
        assert fresh is (name == "A")
    after = sched.view("B")
    assert after is not None
    assert after.next_poll == planned
    assert after.last_result == "unchanged"


def test_a_serial_asked_at_others_rounds_keeps_its_aim_above_its_last_miss() -> None:
    """A's upload comes 20 s before B's, so A is asked at B's rounds. Walking A's aim earlier
    at every such round, with nothing to stop it, split the rounds again and again, and A, then
    asked alone at an aim too early, missed."""
    until = START + 24 * HOUR
    plants = {
        "A": Plant("A", phase=0.0, jitter=1.0).build(until),
        "B": Plant("B", phase=20.0, jitter=1.0).build(until),
    }
    clock = FakeClock(START)
    sched = PollScheduler(plants, clock=clock, batch_size=10)
    misses = 0
    while clock.now() < until:
        for name in step(sched, plants, clock):
            view = sched.view(name)
            assert view is not None
            if name == "A" and clock.now() > START + 2 * HOUR:
                misses += view.last_result == "unchanged"
    uploads = sum(1 for v in plants["A"].visible if v > START + 2 * HOUR)
    # 13 misses before (one in twenty uploads); 8 now.
    assert misses <= uploads / 25


def test_an_aim_far_above_its_last_miss_comes_down_quickly() -> None:
    """Polled every minute while learning, an inverter's first aim is often most of a minute
    after its uploads. In fleet rounds, where a late aim also holds the rest of the fleet, it
    comes halfway down to its last miss at once instead of half a second per upload."""
    until = START + 3 * HOUR
    plants = {"A": Plant("A", phase=0.0, jitter=1.0).build(until)}
    clock = FakeClock(START)
    sched = PollScheduler(plants, clock=clock, batch_size=10)
    rounds = drive_rounds(sched, plants, clock, until)
    since = START + HOUR
    polls = [t for t, _ in rounds]
    # Half a second per upload left it about 40 s late after the first hour.
    assert statistics.median(lags(plants["A"], polls, since)) < 15.0


def test_a_steady_inverter_in_fleet_rounds_misses_rarely() -> None:
    """Uploads that keep their rhythm to within a second walk the aim by the smaller step: a
    miss costs a round of its own there."""
    until = START + 24 * HOUR
    plants = {"A": Plant("A", phase=0.0, jitter=0.3, delay=1.0).build(until)}
    clock = FakeClock(START)
    sched = PollScheduler(plants, clock=clock, batch_size=10)
    since = START + 2 * HOUR
    misses = 0
    while clock.now() < until:
        step(sched, plants, clock)
        view = sched.view("A")
        assert view is not None
        misses += clock.now() > since and view.last_result == "unchanged"
    uploads = sum(1 for v in plants["A"].visible if v > since)
    # One in thirteen with the plain step.
    assert misses <= uploads / 20


def test_a_round_of_many_waits_longer_than_a_round_of_two() -> None:
    """With uploads straying by seconds, the first of two inverters 25 s apart is not held for
    the second (its upload would wait too long), while six inverters 5 s apart share one round:
    the wait of one upload then saves the requests of five."""
    until = START + 4 * HOUR
    since = START + 2 * HOUR
    pair = {
        f"P{i}": Plant(f"P{i}", phase=25.0 * i, seed=i, jitter=3.0).build(until) for i in range(2)
    }
    clock = FakeClock(START)
    rounds = drive_rounds(PollScheduler(pair, clock=clock, batch_size=10), pair, clock, until)
    first = lags(pair["P0"], [t for t, batch in rounds if "P0" in batch], since)
    assert statistics.median(first) < 15.0  # not held for P1 (25 s and more)
    six = {
        f"S{i}": Plant(f"S{i}", phase=5.0 * i, seed=i, jitter=3.0).build(until) for i in range(6)
    }
    clock = FakeClock(START)
    rounds = drive_rounds(PollScheduler(six, clock=clock, batch_size=10), six, clock, until)
    whole = [batch for t, batch in rounds if t > since and len(batch) == 6]
    uploads = sum(1 for v in six["S0"].visible if v > since)
    assert len(whole) >= 0.8 * uploads
