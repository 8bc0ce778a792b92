"""Batches: a backend that names several serials per request is polled in rounds aligned to the
fleet's uploads, keeping the lag target and the request spacing."""

from __future__ import annotations

import statistics

from solaxtray.core.clock import FakeClock
from solaxtray.core.quota import MINUTE_S
from solaxtray.core.scheduler import BATCH_WINDOW_S, PollScheduler
from tests.core.test_scheduler import START, Plant, lags


def drive_rounds(
    sched: PollScheduler,
    plants: dict[str, Plant],
    clock: FakeClock,
    until: float,
    *,
    round_cost: float = 1.0,
) -> list[tuple[float, list[str]]]:
    """As a backend of ``sched.batch_size`` serials per request: each round asks the batch and
    spends ``round_cost`` requests. Returns (time, batch) per round."""
    rounds: list[tuple[float, list[str]]] = []
    while clock.now() < until:
        due = sched.next_due()
        if due is None:
            break
        sn, when = due
        if when > clock.now():
            clock.advance(min(when, until) - clock.now())
            continue
        batch = sched.due_with(sn, when, sched.batch_size)
        for name in batch:
            sched.record_result(
                name, plants[name].answer(clock.now()), cost=round_cost / len(batch)
            )
        rounds.append((clock.now(), batch))
    return rounds


def fleet(phases: list[float], until: float) -> dict[str, Plant]:
    return {
        f"S{i}": Plant(f"S{i}", phase=phase, seed=i, jitter=2.0).build(until)
        for i, phase in enumerate(phases)
    }


def run(
    phases: list[float], batch_size: int, hours: float = 6.0
) -> tuple[list[list[str]], int, dict[str, float]]:
    """Rounds after the first hour, uploads after it, and each serial's median lag."""
    until = START + hours * 3600
    plants = fleet(phases, until)
    clock = FakeClock(START)
    sched = PollScheduler(plants, clock=clock, batch_size=batch_size)
    rounds = drive_rounds(sched, plants, clock, until)
    since = START + 3600
    learned = [batch for t, batch in rounds if t > since]
    uploads = sum(1 for p in plants.values() for v in p.visible if v > since)
    median_lag = {
        sn: statistics.median(lags(plant, [t for t, b in rounds if sn in b], since))
        for sn, plant in plants.items()
    }
    return learned, uploads, median_lag


def test_uploads_close_together_share_one_request_per_round() -> None:
    phases = [20.0, 26.0, 33.0]
    alone, uploads, alone_lag = run(phases, 1)
    assert all(len(batch) == 1 for batch in alone)
    assert len(alone) >= uploads  # one request per upload at least
    rounds, uploads, lag = run(phases, 10)
    whole = [b for b in rounds if sorted(b) == ["S0", "S1", "S2"]]
    # Once learned, nearly every round asks the whole fleet (a miss is retried on its own).
    assert len(whole) >= 0.8 * len(rounds)
    assert len(rounds) < 0.5 * uploads
    for sn, median in lag.items():
        assert median <= alone_lag[sn] + BATCH_WINDOW_S


def test_uploads_far_apart_are_not_held_for_each_other() -> None:
    """Phases two minutes apart: waiting would break the lag target, so rounds stay apart."""
    phases = [20.0, 140.0]
    _, _, alone_lag = run(phases, 1)
    rounds, _, lag = run(phases, 10)
    assert all(len(batch) == 1 for batch in rounds)
    for sn, median in lag.items():
        assert median <= alone_lag[sn] + 2.0


def test_rounds_of_two_requests_never_bunch_past_the_minute_budget() -> None:
    """Refreshed again and again: four rounds of two requests fill a budget of nine, and the
    fifth waits for the first to leave the minute (the spacing alone would let ten in)."""
    clock = FakeClock(START)
    sched = PollScheduler(["S0", "S1"], clock=clock, per_minute=9, batch_size=10)
    plants = fleet([0.0, 0.0], START + 900)
    times: list[float] = []
    for _ in range(6):
        sched.refresh_now()
        plan = sched.next_due()
        assert plan is not None
        clock.advance(max(0.0, plan[1] - clock.now()))
        for name in sched.due_with(plan[0], plan[1], 10):
            sched.record_result(name, plants[name].answer(clock.now()), cost=1.0)
        times.append(clock.now())
    assert times[4] - times[0] >= MINUTE_S
    assert times[3] - times[0] < MINUTE_S  # not slower than the budget needs


def test_requests_per_minute_stay_inside_the_budget_with_costly_rounds() -> None:
    until = START + 4 * 3600
    plants = fleet([float(p) for p in range(0, 300, 12)], until)  # 25 inverters
    clock = FakeClock(START)
    sched = PollScheduler(plants, clock=clock, per_minute=9, batch_size=10)
    rounds = drive_rounds(sched, plants, clock, until, round_cost=2.0)
    spent = sorted(t for t, _ in rounds for _ in range(2))
    j = 0
    for i, t in enumerate(spent):
        while spent[j] <= t - MINUTE_S:
            j += 1
        assert i - j + 1 <= 9


def test_an_idle_inverter_rides_along_with_the_fleet_rounds() -> None:
    """An inverter that stopped uploading (asleep, offline) is asked only with the others' rounds,
    early if need be: a request of its own would cost one more."""
    until = START + 8 * 3600
    plants = fleet([20.0, 150.0], until)
    silent = START + 2 * 3600
    plants["S1"] = Plant("S1", phase=150.0, seed=1, jitter=2.0, stops=[(silent, until)]).build(
        until
    )
    clock = FakeClock(START)
    sched = PollScheduler(plants, clock=clock, batch_size=10)
    rounds = drive_rounds(sched, plants, clock, until)
    idle = [batch for t, batch in rounds if t > silent + 3600 and "S1" in batch]
    assert idle  # still asked: slower, never stopped
    assert all("S0" in batch for batch in idle)
    alone = PollScheduler(plants, clock=FakeClock(START), batch_size=1)
    assert alone.due_with("S0", START, 10) == ["S0", "S1"]  # per-inverter: only the due ones
