"""EPS mode with numbers: the time-left estimate on scripted SOC curves, and the episode's
follow-up and recovery through the real ``FleetWatch`` on a fake clock."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from solaxtray.core.alerts import Alert, AlertKind
from solaxtray.core.clock import FakeClock
from solaxtray.core.models import InverterStatus, InverterType, Snapshot
from solaxtray.core.outage import (
    OutageView,
    SocPoint,
    Trend,
    estimate_time_left,
    minutes_words,
    outage_lines,
    outage_short,
)
from solaxtray.core.watch import FleetWatch

STEP = 300.0
START = 1_780_000_000.0
SN = "SWTEST0001"


def curve(socs: list[float], *, bat_power: float | None = None) -> list[SocPoint]:
    return [SocPoint(i * STEP, soc, bat_power) for i, soc in enumerate(socs)]


def test_one_upload_gives_no_estimate() -> None:
    estimate = estimate_time_left(curve([60.0]))
    assert estimate.trend == Trend.UNKNOWN
    assert estimate.minutes_left is None


def test_the_same_upload_twice_is_still_one_upload() -> None:
    assert estimate_time_left([SocPoint(0, 60), SocPoint(0, 59)]).trend == Trend.UNKNOWN


def test_a_steady_fall_gives_the_time_to_empty() -> None:
    # 60 % to 50 % in an hour: 10 points an hour, 50 points left: 5 hours.
    estimate = estimate_time_left(curve([60 - i * 10 / 12 for i in range(13)]))
    assert estimate.trend == Trend.FALLING
    assert estimate.basis == "slope"
    assert estimate.minutes_left == pytest.approx(300, rel=0.01)
    assert estimate.slope_pct_per_h == pytest.approx(-10, rel=0.01)


def test_two_uploads_are_enough() -> None:
    estimate = estimate_time_left(curve([30, 29]))  # 12 points an hour: 145 min from 29 %
    assert estimate.minutes_left == pytest.approx(145, rel=0.01)


def test_a_charging_battery_has_no_time_left() -> None:
    estimate = estimate_time_left(curve([40, 41, 43, 44, 46]), capacity_kwh=10)
    assert estimate.trend == Trend.RISING
    assert estimate.minutes_left is None


def test_a_flat_soc_has_no_time_left() -> None:
    estimate = estimate_time_left(curve([55.0] * 8))
    assert estimate.trend == Trend.STEADY
    assert estimate.minutes_left is None


def test_noisy_whole_percent_steps_average_out() -> None:
    rng = random.Random(7)
    true_rate = 6.0  # points an hour
    socs = [round(70 - true_rate * i * STEP / 3600 + rng.uniform(-1, 1)) for i in range(12)]
    estimate = estimate_time_left(curve([float(s) for s in socs]))
    assert estimate.trend == Trend.FALLING
    assert estimate.slope_pct_per_h is not None
    assert -estimate.slope_pct_per_h == pytest.approx(true_rate, rel=0.3)
    expected = socs[-1] / true_rate * 60
    assert estimate.minutes_left == pytest.approx(expected, rel=0.3)


def test_noise_on_a_flat_soc_is_not_a_fall() -> None:
    estimate = estimate_time_left(curve([50, 51, 50, 49, 50, 51, 50, 50, 49, 50]))
    assert estimate.trend == Trend.STEADY


def test_the_capacity_turns_the_measured_discharge_into_minutes() -> None:
    # 10 kWh at 40 %: 4 kWh; 2 kW out of the battery: 2 hours, whatever the slope says.
    points = curve([44, 43, 42, 41, 40], bat_power=-2000.0)
    estimate = estimate_time_left(points, capacity_kwh=10)
    assert estimate.basis == "capacity"
    assert estimate.minutes_left == pytest.approx(120, rel=0.01)


def test_the_capacity_without_a_measured_discharge_falls_back_on_the_slope() -> None:
    estimate = estimate_time_left(curve([44, 43, 42, 41, 40]), capacity_kwh=10)
    assert estimate.basis == "slope"


def test_minutes_words() -> None:
    assert minutes_words(40.2) == "40 min"
    assert minutes_words(130) == "2 h 10 min"
    assert minutes_words(0.2) == "1 min"
    assert minutes_words(10_000) == "more than 3 days"


def test_the_lines_of_a_charging_battery_do_not_say_it_runs_down() -> None:
    view = OutageView(
        SN,
        datetime(2026, 6, 1, 10, 0),
        1800,
        650.0,
        46.0,
        estimate_time_left(curve([40, 43, 46])),
        None,
    )
    lines = outage_lines(view)
    assert lines == [
        "EPS mode since 10:00 (30 min).",
        "The EPS outputs deliver 650 W.",
        "Battery 46 %, rising.",
    ]
    assert outage_short(view) == "EPS 46 %"


# -- the episode through FleetWatch -------------------------------------------------------------


def snap(k: int, status: int, soc: float, *, bat: float = -1500.0, eps: float = 1400.0) -> Snapshot:
    upload = datetime(2026, 6, 1, 10, 0) + timedelta(seconds=k * STEP)
    return Snapshot(
        sn=SN,
        fetched_at=datetime.fromtimestamp(START + k * STEP, tz=UTC),
        inverter_type=InverterType.X1_HYBRID_G4,
        inverter_status=InverterStatus(status),
        upload_time=upload,
        soc=soc,
        bat_power=bat,
        eps_power=(eps if status == 107 else 0.0, None, None),
        pv_power=(0.0, 0.0, None, None),
        ac_power=0.0,
    )


class Settings:
    poll_interval_s = 60
    stale_minutes = 60
    low_soc_percent = 20
    latitude = None
    longitude = None
    per_minute = 9
    per_day = 9000
    battery_capacity_kwh = None


def test_an_episode_is_told_with_its_numbers_then_once_more_when_the_battery_is_low() -> None:
    clock = FakeClock(START)
    watch = FleetWatch([SN], clock=clock, settings=Settings())
    socs = [60, 55, 50, 45, 40, 35, 30, 25, 20, 15, 12]
    told = []
    for k, soc in enumerate(socs):
        clock.advance(STEP)
        told.extend(watch.on_snapshot(SN, snap(k, 107 if k else 102, soc)))
        if k == 2:
            view = watch.outage(SN)
            assert view is not None
            assert view.soc == 50
            assert view.eps_load_w == 1400
            assert view.estimate.minutes_left == pytest.approx(50 / 60 * 60, rel=0.01)
            assert outage_short(view) == "EPS 50 %, ~50 min left"
    kinds = [a.kind for a in told]
    assert kinds == [AlertKind.EPS, AlertKind.LOW_SOC]  # the rules' own low-battery alert merged
    eps, low = told
    assert eps.details is not None
    assert json_of(eps)["details"]["eps"]["soc"] == 55
    assert low.details is not None
    assert low.details["eps"] is True
    assert "is at 20 % in EPS mode, about 20 min left at this rate" in low.body
    assert low.title.startswith("Battery 20 % in EPS mode")
    # Back to normal: two Normal uploads make the recovery, with the charge it used.
    for k in (11, 12):
        clock.advance(STEP)
        told = watch.on_snapshot(SN, snap(k, 102, 13, bat=800))
    assert [a.kind for a in told] == [AlertKind.RECOVERY]
    recovery = told[0]
    assert "During EPS mode the battery went from 55 % to 13 %." in recovery.body
    assert recovery.details is not None
    facts = json_of(recovery)["details"]["eps"]
    assert facts["soc_used"] == 42
    assert facts["duration_s"] == 10 * STEP  # to the first Normal upload
    assert watch.outage(SN) is None


def test_a_low_battery_before_the_threshold_is_set_raises_no_follow_up() -> None:
    class NoThreshold(Settings):
        low_soc_percent = None  # type: ignore[assignment]

    clock = FakeClock(START)
    watch = FleetWatch([SN], clock=clock, settings=NoThreshold())
    told = []
    for k, soc in enumerate([30, 20, 10, 5]):
        clock.advance(STEP)
        told.extend(watch.on_snapshot(SN, snap(k, 107, soc)))
    assert [a.kind for a in told] == [AlertKind.EPS]


def test_a_charging_battery_in_eps_mode_gets_no_time_left() -> None:
    clock = FakeClock(START)
    watch = FleetWatch([SN], clock=clock, settings=Settings())
    for k, soc in enumerate([40, 42, 44]):
        clock.advance(STEP)
        watch.on_snapshot(SN, snap(k, 107, soc, bat=900))
    view = watch.outage(SN)
    assert view is not None
    assert view.estimate.minutes_left is None
    assert "Battery 44 %, rising." in outage_lines(view)
    assert not any("left" in line for line in outage_lines(view))


def json_of(alert: Alert) -> Any:
    """The alert's ``watch`` line, read back as JSON: what a script gets."""
    return json.loads(json.dumps(alert.to_json()))


def test_an_episode_after_a_recovery_held_for_a_summary_starts_afresh() -> None:
    clock = FakeClock(START)
    watch = FleetWatch([SN, "SWTEST0002"], clock=clock, settings=Settings())
    clock.advance(STEP)
    watch.on_snapshot(SN, snap(0, 107, 60))
    watch.on_wall_gap(3600)  # the machine slept: what comes next is merged into a summary
    told = []
    for k in (1, 2):
        clock.advance(30)  # within the merge window, the other inverter not heard yet
        told.extend(watch.on_snapshot(SN, snap(k, 102, 58)))
    assert told == []  # the recovery is held for the summary
    clock.advance(STEP)
    told = watch.flush()
    assert [a.kind for a in told] == [AlertKind.RECOVERY]  # released by flush, later
    assert "During EPS mode the battery went from 60 % to 58 %." in told[0].body
    for k in (3, 4):
        clock.advance(STEP)
        watch.on_snapshot(SN, snap(k, 107, 50 - k))
    view = watch.outage(SN)
    assert view is not None
    assert view.since == datetime(2026, 6, 1, 10, 15)
