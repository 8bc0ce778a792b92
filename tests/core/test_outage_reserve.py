"""The EPS time left counts down to the battery's reserve (SolaX's minimum SOC, where the inverter
stops discharging), not to empty; at the reserve the words say so instead of counting minutes.
Pure estimate on scripted curves, then the real ``FleetWatch`` with the real ``Settings``."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from solaxtray.core import i18n
from solaxtray.core.alerts import Alert, AlertKind
from solaxtray.core.clock import FakeClock
from solaxtray.core.models import InverterStatus, InverterType, Snapshot
from solaxtray.core.outage import (
    OutageView,
    SocPoint,
    Trend,
    estimate_time_left,
    outage_lines,
    outage_short,
)
from solaxtray.core.settings import Settings
from solaxtray.core.watch import FleetWatch

STEP = 300.0
START = 1_780_000_000.0
SN = "SWTEST0001"
AT_RESERVE = (
    "The battery has reached its 10 % reserve: the inverter may stop supplying the EPS outputs."
)


def curve(socs: list[float], *, bat_power: float | None = None) -> list[SocPoint]:
    return [SocPoint(i * STEP, soc, bat_power) for i, soc in enumerate(socs)]


# -- the estimate -----------------------------------------------------------------------------------


def test_the_reserve_takes_its_share_of_the_energy_off_the_capacity_estimate() -> None:
    # 10 kWh at 40 %, 1 kW out of the battery: 4 h to empty, 3 h to a 10 % reserve.
    points = curve([44, 43, 42, 41, 40], bat_power=-1000.0)
    to_empty = estimate_time_left(points, capacity_kwh=10, reserve_pct=0)
    to_reserve = estimate_time_left(points, capacity_kwh=10, reserve_pct=10)
    assert to_empty.basis == to_reserve.basis == "capacity"
    assert to_empty.minutes_left == pytest.approx(240)
    assert to_reserve.minutes_left == pytest.approx(180)
    assert not to_reserve.at_reserve


def test_the_reserve_takes_its_points_off_the_slope_estimate() -> None:
    # 10 points an hour from 50 %: 5 h to empty, 4 h to a 10 % reserve.
    points = curve([60 - i * 10 / 12 for i in range(13)])
    to_empty = estimate_time_left(points, reserve_pct=0)
    to_reserve = estimate_time_left(points, reserve_pct=10)
    assert to_empty.basis == to_reserve.basis == "slope"
    assert to_empty.minutes_left == pytest.approx(300, rel=0.01)
    assert to_reserve.minutes_left == pytest.approx(240, rel=0.01)


@pytest.mark.parametrize("bat_power", [-1000.0, None], ids=["capacity", "slope"])
@pytest.mark.parametrize("socs", [[13, 12, 11, 10], [12, 10, 8]], ids=["at", "below"])
def test_a_falling_charge_at_or_below_the_reserve_counts_no_minutes(
    socs: list[float], bat_power: float | None
) -> None:
    estimate = estimate_time_left(curve(socs, bat_power=bat_power), capacity_kwh=10, reserve_pct=10)
    assert estimate.trend == Trend.FALLING
    assert estimate.at_reserve
    assert estimate.minutes_left is None


def test_a_charge_held_at_the_reserve_is_at_the_reserve() -> None:
    # The inverter stopped discharging: the charge holds there, and that is the news.
    estimate = estimate_time_left(curve([10, 10, 10, 10]), reserve_pct=10)
    assert estimate.trend == Trend.STEADY
    assert estimate.at_reserve


def test_a_charge_rising_from_the_reserve_is_not_at_it() -> None:
    estimate = estimate_time_left(curve([8, 9, 10]), reserve_pct=10)
    assert estimate.trend == Trend.RISING
    assert not estimate.at_reserve


def test_the_first_upload_already_tells_a_battery_at_its_reserve() -> None:
    assert estimate_time_left(curve([10]), reserve_pct=10).at_reserve
    first = estimate_time_left(curve([11]), reserve_pct=10)
    assert first.trend == Trend.UNKNOWN
    assert not first.at_reserve


def test_a_reserve_of_100_leaves_nothing_to_count() -> None:
    estimate = estimate_time_left(
        curve([90, 85, 80], bat_power=-2000.0), capacity_kwh=10, reserve_pct=100
    )
    assert estimate.at_reserve
    assert estimate.minutes_left is None


@pytest.mark.parametrize(("reserve", "minutes"), [(float("nan"), 240), (-5, 240), (150, None)])
def test_an_impossible_reserve_is_held_to_0_100(reserve: float, minutes: float | None) -> None:
    estimate = estimate_time_left(
        curve([44, 43, 42, 41, 40], bat_power=-1000.0), capacity_kwh=10, reserve_pct=reserve
    )
    assert estimate.minutes_left == (None if minutes is None else pytest.approx(minutes))


# -- the words ----------------------------------------------------------------------------------------


def _view(socs: list[float], *, reserve: float, capacity: float | None = None) -> OutageView:
    bat = -1000.0 if capacity is not None else None
    points = curve(socs, bat_power=bat)
    estimate = estimate_time_left(points, capacity_kwh=capacity, reserve_pct=reserve)
    return OutageView(
        SN, datetime(2026, 6, 1, 22, 0), 1200, 950.0, socs[-1], estimate, capacity, reserve
    )


def test_the_time_left_names_the_reserve_and_the_capacity() -> None:
    view = _view([44, 43, 42, 41, 40], reserve=10, capacity=10.0)
    assert outage_lines(view)[-1] == (
        "About 3 h left at this rate, down to the 10 % reserve (10.0 kWh battery)."
    )
    assert outage_short(view) == "EPS 40 %, ~3 h left"


def test_the_slope_estimate_names_the_reserve() -> None:
    view = _view([44, 43, 42, 41, 40], reserve=10)  # 12 points an hour, 30 above the reserve
    assert outage_lines(view)[-1] == "About 2 h 30 min left at this rate, down to the 10 % reserve."


def test_without_a_reserve_the_words_are_as_before() -> None:
    assert outage_lines(_view([44, 43, 42, 41, 40], reserve=0))[-1] == (
        "About 3 h 20 min left at this rate."
    )
    assert outage_lines(_view([44, 43, 42, 41, 40], reserve=0, capacity=10.0))[-1] == (
        "About 4 h left at this rate (10.0 kWh battery)."
    )


def test_at_the_reserve_the_words_say_so_instead_of_a_minute() -> None:
    view = _view([13, 12, 11, 10], reserve=10, capacity=10.0)
    lines = outage_lines(view)
    assert lines[-2:] == ["Battery 10 %, falling about 12 points an hour.", AT_RESERVE]
    assert not any("left" in line for line in lines)
    assert outage_short(view) == "EPS 10 %, reserve reached"
    assert view.details()["at_reserve"] is True
    assert view.details()["minutes_left"] is None


def test_an_empty_battery_without_a_reserve_is_called_empty() -> None:
    view = _view([2, 1, 0], reserve=0)
    assert outage_lines(view)[-1] == (
        "The battery has run empty: the inverter may stop supplying the EPS outputs."
    )
    assert outage_short(view) == "EPS 0 %"


def test_the_reserve_sentences_are_translated() -> None:
    i18n.set_language("de")
    counting = _view([44, 43, 42, 41, 40], reserve=10, capacity=10.0)
    assert outage_lines(counting)[-1].startswith(
        "Bei diesem Verbrauch noch etwa 3 h bis zur Reserve"
    )
    reached = _view([13, 12, 11, 10], reserve=10)
    assert outage_lines(reached)[-1].startswith("Die Batterie hat ihre Reserve von 10")
    assert outage_short(reached) == "EPS 10 %, Reserve erreicht"


# -- through FleetWatch and the settings --------------------------------------------------------------


def snap(k: int, soc: float) -> Snapshot:
    return Snapshot(
        sn=SN,
        fetched_at=datetime.fromtimestamp(START + k * STEP, tz=UTC),
        inverter_type=InverterType.X1_HYBRID_G4,
        inverter_status=InverterStatus(107),
        upload_time=datetime(2026, 6, 1, 10, 0) + timedelta(seconds=k * STEP),
        soc=soc,
        bat_power=-1500.0,
        eps_power=(1400.0, None, None),
        pv_power=(0.0, 0.0, None, None),
        ac_power=0.0,
    )


def _run(watch: FleetWatch, clock: FakeClock, socs: list[float]) -> list[Alert]:
    told: list[Alert] = []
    for k, soc in enumerate(socs):
        clock.advance(STEP)
        told.extend(watch.on_snapshot(SN, snap(k, soc)))
    return told


def test_the_low_battery_follow_up_counts_down_to_the_reserve() -> None:
    clock = FakeClock(START)
    watch = FleetWatch([SN], clock=clock, settings=Settings(low_soc_percent=20))
    told = _run(watch, clock, [40, 35, 30, 25, 20])  # 60 points an hour, 10 above the reserve
    low = [a for a in told if a.kind is AlertKind.LOW_SOC]
    assert len(low) == 1
    assert low[0].body.endswith(
        "is at 20 % in EPS mode, about 10 min left at this rate, down to the 10 % reserve "
        "(alert threshold 20 %)."
    )
    details = json.loads(json.dumps(low[0].to_json()))["details"]
    assert details["reserve_pct"] == 10
    assert details["minutes_left"] == 10


def test_a_follow_up_at_the_reserve_says_the_outputs_may_stop() -> None:
    clock = FakeClock(START)
    settings = Settings(low_soc_percent=10, battery_reserve_percent=10)
    watch = FleetWatch([SN], clock=clock, settings=settings)
    told = _run(watch, clock, [25, 20, 15, 10])
    low = [a for a in told if a.kind is AlertKind.LOW_SOC]
    assert len(low) == 1
    assert low[0].body.endswith(f"is at 10 % in EPS mode (alert threshold 10 %). {AT_RESERVE}")
    assert "left" not in low[0].body


def test_a_new_reserve_reaches_the_running_estimate_at_once() -> None:
    clock = FakeClock(START)
    settings = Settings(battery_reserve_percent=0)
    watch = FleetWatch([SN], clock=clock, settings=settings)
    _run(watch, clock, [44, 43, 42, 41, 40])  # 12 points an hour
    before = watch.outage(SN)
    assert before is not None
    assert before.estimate.minutes_left == pytest.approx(200)
    watch.retune_alerts(replace(settings, battery_reserve_percent=20))  # what the tray does
    after = watch.outage(SN)
    assert after is not None
    assert after.estimate.minutes_left == pytest.approx(100)
    assert "down to the 20 % reserve." in outage_lines(after)[-1]
