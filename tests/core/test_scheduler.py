"""The poll scheduler, driven on a fake clock against a small model of the cloud's uploads."""

from __future__ import annotations

import bisect
import itertools
import random
import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from solaxtray.core.clock import FakeClock
from solaxtray.core.errors import (
    ApiError,
    NetworkError,
    RateLimited,
    SerialUnknown,
    ServerError,
    TokenRejected,
)
from solaxtray.core.models import InverterStatus, Snapshot
from solaxtray.core.scheduler import (
    MAX_BACKOFF_S,
    RESUME_DELAY_S,
    SPACING_SHARE,
    PollScheduler,
    StopReason,
)

START = 1_780_000_000.0


def snap(sn: str, stamp: float, now: float) -> Snapshot:
    """A snapshot whose ``uploadTime`` is the plant clock ``stamp`` (epoch-like seconds)."""
    return Snapshot(
        sn=sn,
        fetched_at=datetime.fromtimestamp(now, tz=UTC),
        upload_time=datetime.fromtimestamp(stamp, tz=UTC).replace(tzinfo=None, microsecond=0),
        inverter_status=InverterStatus.NORMAL,
    )


@dataclass
class Plant:
    """Uploads every ``cadence`` s at ``phase``, stamped in a zone ``zone_h`` hours from UTC,
    visible ``delay`` s later, with Gaussian ``jitter``."""

    sn: str
    cadence: float = 300.0
    phase: float = 17.0
    zone_h: float = 2.0
    delay: float = 3.0
    jitter: float = 4.0
    seed: int = 1
    stops: list[tuple[float, float]] = field(default_factory=list)
    visible: list[float] = field(default_factory=list)
    stamps: list[float] = field(default_factory=list)

    def build(self, until: float) -> Plant:
        rng = random.Random(self.seed)
        t = START - self.cadence + self.phase
        while t < until:
            real = t + rng.gauss(0, self.jitter) if self.jitter else t
            if not any(a <= real < b for a, b in self.stops):
                self.visible.append(real + self.delay)
                self.stamps.append(round(real + self.zone_h * 3600))
            t += self.cadence
        return self

    def answer(self, now: float) -> Snapshot:
        i = max(0, bisect.bisect_right(self.visible, now) - 1)
        return snap(self.sn, self.stamps[i], now)


def drive(
    sched: PollScheduler,
    plants: dict[str, Plant],
    clock: FakeClock,
    until: float,
    fail: dict[str, ApiError] | None = None,
) -> list[tuple[float, str, bool]]:
    """Run the scheduler: wait for the next due time, ask, record. Returns (time, sn, fresh)."""
    log: list[tuple[float, str, bool]] = []
    while clock.now() < until:
        due = sched.next_due()
        if due is None:
            break
        sn, when = due
        if when > clock.now():
            clock.advance(min(when, until) - clock.now())
            continue
        outcome: Snapshot | ApiError = (fail or {}).get(sn) or plants[sn].answer(clock.now())
        log.append((clock.now(), sn, sched.record_result(sn, outcome)))
    return log


def lags(plant: Plant, polls: list[float], since: float) -> list[float]:
    out = []
    for v in plant.visible:
        if v < since:
            continue
        j = bisect.bisect_left(polls, v)
        if j < len(polls):
            out.append(polls[j] - v)
    return out


def test_learns_cadence_and_phase_with_jitter_and_unknown_zone() -> None:
    clock = FakeClock(START)
    plant = Plant("SN00000001", zone_h=5.5, delay=4.0).build(START + 6 * 3600)
    sched = PollScheduler([plant.sn], clock=clock, rng=random.Random(1))
    log = drive(sched, {plant.sn: plant}, clock, START + 6 * 3600)
    view = sched.view(plant.sn)
    assert view is not None
    assert view.cadence_s == pytest.approx(300.0, abs=2.0)
    late = [t for t, _, _ in log if t > START + 3 * 3600]
    uploads = [v for v in plant.visible if v > START + 3 * 3600]
    # About one request per upload once learned, and data within seconds of its arrival.
    assert len(late) <= 1.3 * len(uploads)
    assert statistics.median(lags(plant, late, START + 3 * 3600 + 300)) < 15.0


def test_polls_at_the_plain_interval_until_learned() -> None:
    clock = FakeClock(START)
    plant = Plant("SN00000001", jitter=0).build(START + 3600)
    sched = PollScheduler([plant.sn], clock=clock, poll_interval_s=45)
    log = drive(sched, {plant.sn: plant}, clock, START + 400)
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(log)]
    assert gaps
    assert all(g == pytest.approx(45.0) for g in gaps)


def test_retries_widen_then_slow_down_but_never_stop() -> None:
    clock = FakeClock(START)
    # The inverter goes quiet after two hours (night, or its dongle lost Wi-Fi) until hour 12.
    plant = Plant("SN00000001", stops=[(START + 7200, START + 12 * 3600)]).build(START + 13 * 3600)
    sched = PollScheduler([plant.sn], clock=clock, max_idle_s=900, rng=random.Random(2))
    log = drive(sched, {plant.sn: plant}, clock, START + 13 * 3600)
    quiet = [t for t, _, _ in log if START + 7200 < t < START + 12 * 3600]
    gaps = [b - a for a, b in itertools.pairwise(quiet)]
    assert gaps[:3] == sorted(gaps[:3])
    assert gaps[0] < 30  # the first retries come soon, then widen
    assert max(gaps) <= 900 + 1
    assert gaps[-5:] == pytest.approx([900.0] * 5, abs=1.0)
    assert len(quiet) < 55  # ten quiet hours cost ~50 requests, not 120 (every 5 min) or 600
    # When uploads come back, they are seen within one slow interval.
    back = next(v for v in plant.visible if v > START + 12 * 3600)
    first_fresh = next(t for t, _, fresh in log if fresh and t >= back)
    assert first_fresh - back <= 900


def test_many_inverters_are_spread_inside_the_budget() -> None:
    clock = FakeClock(START)
    end = START + 6 * 3600
    plants = {
        f"SN{i:08d}": Plant(f"SN{i:08d}", phase=(i * 7) % 300, seed=i).build(end) for i in range(25)
    }
    sched = PollScheduler(plants, clock=clock, per_minute=9, per_day=9000)
    log = drive(sched, plants, clock, end)
    times = sorted(t for t, _, _ in log)
    # Never more than 9 requests in any 60 s window, all serials served.
    assert max(bisect.bisect_right(times, t + 60 - 1e-9) - i for i, t in enumerate(times)) <= 9
    assert {sn for _, sn, _ in log} == set(plants)
    # The day's budget: six hours may use at most a quarter of 9000 plus the saved-up reserve.
    assert len(times) <= 9000 / 4 + 900
    for sn, plant in plants.items():
        polls = [t for t, s, _ in log if s == sn]
        assert statistics.median(lags(plant, polls, START + 3 * 3600)) < 60


def test_network_errors_back_off_exponentially_with_jitter_and_cap() -> None:
    clock = FakeClock(START)
    sched = PollScheduler(["SN00000001", "SN00000002"], clock=clock, rng=random.Random(3))
    failing = {sn: NetworkError("no route", sn=sn) for sn in ("SN00000001", "SN00000002")}
    log = drive(sched, {}, clock, START + 6 * 3600, fail=dict(failing))
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(log)]
    assert gaps[0] < gaps[2] < gaps[4]  # growing
    assert max(gaps) <= MAX_BACKOFF_S
    assert len(set(round(g, 3) for g in gaps[:6])) == 6  # jittered, not lock-step
    assert len(log) < 40


def test_server_errors_back_off_one_serial_only() -> None:
    clock = FakeClock(START)
    good = Plant("SN00000002").build(START + 3600)
    sched = PollScheduler(["SN00000001", good.sn], clock=clock, rng=random.Random(4))
    log = drive(
        sched,
        {good.sn: good},
        clock,
        START + 3600,
        fail={"SN00000001": ServerError("busy", sn="SN00000001")},
    )
    bad = [t for t, sn, _ in log if sn == "SN00000001"]
    ok = [t for t, sn, _ in log if sn == good.sn]
    assert len(bad) < len(ok) / 2
    view = sched.view("SN00000001")
    assert view is not None
    assert view.errors_in_row == len(bad)


@pytest.mark.parametrize(
    ("error", "least"),
    [
        (RateLimited("slow down", retry_after=120.0), 120.0),
        (RateLimited("banned", banned=True, retry_after=60.0), 3600.0),
    ],
)
def test_a_rate_limit_pauses_every_serial(error: RateLimited, least: float) -> None:
    clock = FakeClock(START)
    sched = PollScheduler(["SN00000001", "SN00000002"], clock=clock)
    sched.record_result("SN00000001", error)
    due = sched.next_due()
    assert due is not None
    assert least <= due[1] - START <= least * 1.1 + 1
    assert sched.paused_until == due[1]


def test_a_rejected_token_stops_everything_until_changed() -> None:
    clock = FakeClock(START)
    sched = PollScheduler(["SN00000001", "SN00000002"], clock=clock)
    sched.record_result("SN00000001", TokenRejected("no"))
    assert sched.next_due() is None
    clock.advance(86_400)
    assert sched.next_due() is None
    view = sched.view("SN00000002")
    assert view is not None
    assert view.stopped is StopReason.TOKEN_REJECTED
    sched.token_changed()
    due = sched.next_due()
    assert due is not None
    assert due[1] <= clock.now()


def test_an_unknown_serial_stops_until_the_serials_change() -> None:
    clock = FakeClock(START)
    good = Plant("SN00000002").build(START + 3 * 3600)
    sched = PollScheduler(["SN00000001", good.sn], clock=clock)
    log = drive(
        sched,
        {good.sn: good},
        clock,
        START + 3 * 3600,
        fail={"SN00000001": SerialUnknown("who?", sn="SN00000001")},
    )
    assert [sn for _, sn, _ in log].count("SN00000001") == 1
    assert sched.view("SN00000001").stopped is StopReason.SERIAL_UNKNOWN  # type: ignore[union-attr]
    sched.set_serials(["SN00000001", good.sn])
    due = sched.next_due()
    assert due is not None
    assert due[0] == "SN00000001"
    assert due[1] == pytest.approx(clock.now(), abs=10)


def test_a_resume_after_sleep_polls_again_shortly() -> None:
    clock = FakeClock(START)
    plant = Plant("SN00000001").build(START + 10 * 3600)
    sched = PollScheduler([plant.sn], clock=clock)
    drive(sched, {plant.sn: plant}, clock, START + 3600)
    clock.jump(3 * 3600)  # suspended for three hours
    due = sched.next_due()
    assert due is not None
    assert 0 < due[1] - clock.now() <= RESUME_DELAY_S


def test_a_clock_set_back_does_not_stall_polling() -> None:
    clock = FakeClock(START)
    plant = Plant("SN00000001", jitter=0).build(START + 10 * 3600)
    sched = PollScheduler([plant.sn], clock=clock)
    drive(sched, {plant.sn: plant}, clock, START + 3600)
    before = sched.next_due()
    assert before is not None
    wait_before = before[1] - clock.now()
    clock.jump(-3600)
    after = sched.next_due()
    assert after is not None
    assert after[1] - clock.now() == pytest.approx(wait_before, abs=1.0)


def test_refresh_now_is_immediate_but_spaced() -> None:
    clock = FakeClock(START)
    plants = {sn: Plant(sn).build(START + 3600) for sn in ("SN00000001", "SN00000002")}
    sched = PollScheduler(plants, clock=clock, per_minute=6)
    drive(sched, plants, clock, START + 1800)
    sched.refresh_now()
    first = sched.next_due()
    assert first is not None
    assert first[1] <= clock.now() + 10
    sched.record_result(first[0], plants[first[0]].answer(clock.now()))
    second = sched.next_due()
    assert second is not None
    assert second[0] != first[0]
    assert second[1] - clock.now() == pytest.approx(60 / 6 * SPACING_SHARE, abs=0.2)


def test_relearns_when_the_plant_clock_moves() -> None:
    """Summer time ends: every uploadTime is an hour earlier than before."""
    clock = FakeClock(START)
    plant = Plant("SN00000001", zone_h=2.0).build(START + 4 * 3600)
    later = Plant("SN00000001", zone_h=1.0).build(START + 8 * 3600)
    switch = START + 4 * 3600
    merged = Plant("SN00000001")
    cut = bisect.bisect_left(later.visible, switch)
    merged.visible = plant.visible + later.visible[cut:]
    merged.stamps = plant.stamps + later.stamps[cut:]
    sched = PollScheduler([plant.sn], clock=clock, rng=random.Random(5))
    log = drive(sched, {plant.sn: merged}, clock, START + 8 * 3600)
    polls = [t for t, _, _ in log if t > switch + 3600]
    assert statistics.median(lags(merged, polls, switch + 3600)) < 15
    assert len(polls) <= 1.3 * len([v for v in merged.visible if v > switch + 3600])


def test_serials_due_together_are_batched_and_share_the_cost() -> None:
    clock = FakeClock(START)
    # A day's budget of ten: the bucket holds one request, refilled at nine a day.
    sched = PollScheduler(["A", "B", "C"], clock=clock, per_minute=9, per_day=10)
    plan = sched.next_due()
    assert plan is not None
    sn, when = plan
    assert sched.due_with(sn, when, 10) == ["A", "B", "C"]
    assert sched.due_with(sn, when, 2) == ["A", "B"]
    assert sched.due_with(sn, when, 1) == ["A"]
    for name in ("A", "B", "C"):
        sched.record_result(name, snap(name, START - 30, clock.now()), cost=1 / 3)
    # One request for three serials took one request from the bucket, not three: the next
    # waits for one request's refill (86400 / 9 s), not three.
    plan = sched.next_due()
    assert plan is not None
    assert plan[1] - clock.now() == pytest.approx(86_400 / 9, rel=0.01)
    # Serials no longer due are not asked along.
    assert sched.due_with(plan[0], clock.now(), 10) == [plan[0]]


@pytest.mark.parametrize("phase", [float(p) for p in range(0, 40, 3)])
def test_uploads_faster_than_the_plain_interval_are_learned_at_their_own_cadence(
    phase: float,
) -> None:
    """The demo's 40 s uploads asked every 60 s until learned: the gaps seen are 40 and 80 s,
    and a cadence of 80 s would then see only every other upload for good."""
    clock = FakeClock(START)
    end = START + 900.0
    plant = Plant("SN00000040", cadence=40.0, phase=phase, delay=0.5, jitter=0.0).build(end)
    sched = PollScheduler([plant.sn], clock=clock, rng=random.Random(1))
    log = drive(sched, {plant.sn: plant}, clock, end)
    view = sched.view(plant.sn)
    assert view is not None
    assert view.cadence_s == pytest.approx(40.0, abs=2.0)
    since = START + 600.0
    polls = [t for t, _, _ in log]
    uploads = [v for v in plant.visible if since <= v < end - 40.0]
    seen = lags(plant, polls, since)
    assert len(seen) >= len(uploads)
    # Every upload of the last five minutes was fetched before the next one came.
    assert max(seen[: len(uploads)]) < 40.0


HOUR = 3600.0


def test_serials_due_together_are_asked_closer_than_a_whole_minute_share() -> None:
    """The minute's budget is a sliding window: three uploads visible at once are asked within
    seconds of each other, not 60/9 s apart each, and never more than 9 in any 60 s."""
    clock = FakeClock(START)
    end = START + 4 * HOUR
    plants = {
        f"SN{i:08d}": Plant(f"SN{i:08d}", phase=100.0 + i, jitter=0, seed=i).build(end)
        for i in range(3)
    }
    sched = PollScheduler(plants, clock=clock, per_minute=9, rng=random.Random(3))
    log = drive(sched, plants, clock, end)
    late = [t for t, _, fresh in log if fresh and t > START + 2 * HOUR]
    spreads = [max(g) - min(g) for g in _rounds(late)]
    assert statistics.median(spreads) < 2 * 60 / 9
    times = sorted(t for t, _, _ in log)
    assert max(bisect.bisect_right(times, t + 60 - 1e-9) - i for i, t in enumerate(times)) <= 9


def _rounds(times: list[float]) -> list[list[float]]:
    out: list[list[float]] = []
    for t in times:
        if out and t - out[-1][0] < 120:
            out[-1].append(t)
        else:
            out.append([t])
    return out


def _nights(first: float, count: int) -> list[tuple[float, float]]:
    """Nine-hour nights, the first starting at ``first`` after START, one a day."""
    return [
        (START + first + d * 24 * HOUR, START + first + d * 24 * HOUR + 9 * HOUR)
        for d in range(count)
    ]


def test_a_night_like_the_last_costs_fewer_requests_and_its_wake_up_is_still_seen_soon() -> None:
    clock = FakeClock(START)
    end = START + 2 * 24 * HOUR + 12 * HOUR
    plant = Plant("SN00000001", stops=_nights(4 * HOUR, 3)).build(end)
    sched = PollScheduler([plant.sn], clock=clock, max_idle_s=900, rng=random.Random(4))
    log = drive(sched, {plant.sn: plant}, clock, end)
    first, second = _nights(4 * HOUR, 2)
    quiet = [t for t, _, _ in log if second[0] < t < second[1]]
    learned_at = [t for t, _, _ in log if first[0] < t < first[1]]
    # The first night is learned at the plain idle step (about 40 requests in nine hours); the
    # next one costs far fewer.
    assert len(quiet) < 0.7 * len(learned_at)
    # The wake-up is seen within a cadence or so, as quickly as on the first night or quicker.
    for _, wake in (first, second):
        back = next(v for v in plant.visible if v > wake)
        seen = next(t for t, _, fresh in log if fresh and t >= back)
        assert seen - back <= 900
    back = next(v for v in plant.visible if v > second[1])
    assert next(t for t, _, fresh in log if fresh and t >= back) - back <= 300 + 30


def test_an_outage_in_the_day_keeps_the_plain_idle_step() -> None:
    clock = FakeClock(START)
    end = START + 40 * HOUR
    outage = (START + 4 * HOUR + 24 * HOUR - 9 * HOUR, START + 24 * HOUR)
    plant = Plant("SN00000001", stops=[*_nights(4 * HOUR, 1), outage]).build(end)
    sched = PollScheduler([plant.sn], clock=clock, max_idle_s=900, rng=random.Random(5))
    log = drive(sched, {plant.sn: plant}, clock, end)
    during = [t for t, _, _ in log if outage[0] + HOUR < t < outage[1]]
    assert max(b - a for a, b in itertools.pairwise(during)) <= 900 + 1


def test_uploads_at_night_after_a_quiet_night_are_polled_as_in_the_day() -> None:
    """A battery system that slept one night (battery empty) and runs the next (an EPS event,
    a fault): its night uploads are fetched as quickly as day ones, and a half-hour fault burst
    in a night like the last is still seen."""
    clock = FakeClock(START)
    end = START + 3 * 24 * HOUR
    nights = _nights(4 * HOUR, 3)
    burst = (nights[2][0] + 4 * HOUR, nights[2][0] + 4.5 * HOUR)
    stops = [nights[0], (nights[2][0], burst[0]), (burst[1], nights[2][1])]
    plant = Plant("SN00000001", stops=stops).build(end)
    sched = PollScheduler([plant.sn], clock=clock, max_idle_s=900, rng=random.Random(6))
    log = drive(sched, {plant.sn: plant}, clock, end)
    polls = [t for t, _, _ in log]
    awake_night = lags(plant, polls, nights[1][0])
    awake_night = [
        lag
        for v, lag in zip(
            [v for v in plant.visible if v >= nights[1][0]], awake_night, strict=False
        )
        if v < nights[1][1]
    ]
    assert statistics.median(awake_night) < 15
    first = next(v for v in plant.visible if v >= burst[0])
    assert next(t for t in polls if t >= first) - first < burst[1] - burst[0]


def test_a_crowded_minute_does_not_walk_the_aims_earlier() -> None:
    """Fourteen inverters uploading within seconds of each other, nine requests a minute: most
    are asked late, held back by the budget. Finding the upload then says nothing about the aim,
    so the aims stay put and the next crowded minute's first asks do not miss."""
    clock = FakeClock(START)
    end = START + 12 * HOUR
    plants = {
        f"SN{i:08d}": Plant(f"SN{i:08d}", phase=100.0 + i, seed=i).build(end) for i in range(14)
    }
    sched = PollScheduler(plants, clock=clock, per_minute=9, rng=random.Random(1))
    log = drive(sched, plants, clock, end)
    learned = [fresh for t, _, fresh in log if t > START + 3 * HOUR]
    uploads = sum(len([v for v in p.visible if v > START + 3 * HOUR]) for p in plants.values())
    assert learned.count(False) <= 0.04 * uploads
    times = sorted(t for t, _, _ in log)
    assert max(bisect.bisect_right(times, t + 60 - 1e-9) - i for i, t in enumerate(times)) <= 9


def test_an_idle_serial_yields_to_an_upload_due_within_the_minute() -> None:
    """Four offline inverters keep being asked, slowly; on a budget of two requests a minute their
    asks never push the working inverter's upload into the next minute."""
    clock = FakeClock(START)
    end = START + 12 * HOUR
    plants = {"BUSY0001": Plant("BUSY0001", phase=100.0, seed=1, jitter=0).build(end)}
    for i in range(4):
        sn = f"OFF{i:05d}"
        offline = [(START + 2 * HOUR, end)]
        plants[sn] = Plant(sn, phase=130.0 + 70 * i, seed=50 + i, stops=offline).build(end)
    sched = PollScheduler(plants, clock=clock, per_minute=2, rng=random.Random(1))
    log = drive(sched, plants, clock, end)
    busy = [t for t, sn, _ in log if sn == "BUSY0001"]
    assert max(lags(plants["BUSY0001"], busy, START + 4 * HOUR)) < 25.0
    assert {sn for t, sn, _ in log if t > START + 4 * HOUR} == set(plants)  # still asked
