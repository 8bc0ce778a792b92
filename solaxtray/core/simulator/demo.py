"""The built-in demo: a token, three inverters and a story that shows itself in two minutes.

Qt-free. Used by ``solaxtray --demo``, ``fetch --demo``, ``watch --demo`` and ``simulate``. The
story (relative to the simulator's start, repeating every ``DEMO_STORY_PERIOD`` seconds):

- ``SWDEMOHYB3`` (X3-Hybrid-G4 with an 11.6 kWh battery): normal, a Fault Mode upload, then normal;
- ``SWDEMOHYB1`` (X1-Hybrid-G4 with a 5.8 kWh battery): normal, EPS Mode (grid gone, the battery
  carries the house on the EPS output, nothing fed in), then normal;
- ``SWDEMOMIC1`` (X1-Boost/Mini-G4 grid-tie, no meter): production only, every grid and battery
  field null.

Uploads come every ``DEMO_UPLOAD_INTERVAL`` seconds per inverter, so a client that polls once per
upload sends 4.5 requests a minute for all three, far under the 9 a minute the app allows itself.
"""

from __future__ import annotations

import math
import time

from solaxtray.core.simulator.plant import SimInverter

DEMO_TOKEN = "202001010000000000000042"  # noqa: S105 - fake, for the simulator only
"""24 digits like a real tokenId; accepted only by the simulator."""

DEMO_UPLOAD_INTERVAL = 40.0
"""Seconds between uploads in the demo: the cadence the demo's scheduler should learn."""

DEMO_STORY_PERIOD = 8 * DEMO_UPLOAD_INTERVAL
"""The story repeats every eight uploads (a little over five minutes): a whole number of upload
intervals, so each scripted state meets the same uploads in every round."""

DEMO_FAULT_SN = "SWDEMOHYB3"
DEMO_EPS_SN = "SWDEMOHYB1"
DEMO_MICRO_SN = "SWDEMOMIC1"
DEMO_SERIALS: tuple[str, ...] = (DEMO_FAULT_SN, DEMO_EPS_SN, DEMO_MICRO_SN)

# (seconds after start, status) per serial; uploads of the fault inverter come about 2 s after
# each 40 s boundary, those of the EPS inverter about 12 s after, so each scripted state is seen by
# exactly one upload, all within the first two minutes.
DEMO_SCRIPTS: dict[str, tuple[tuple[float, int], ...]] = {
    DEMO_FAULT_SN: ((30.0, 103), (70.0, 102)),
    DEMO_EPS_SN: ((40.0, 107), (80.0, 102)),
}
DEMO_PHASES: dict[str, float] = {DEMO_FAULT_SN: 2.0, DEMO_EPS_SN: 12.0, DEMO_MICRO_SN: 25.0}


def _local_offset_hours() -> float:
    """This machine's UTC offset, so the demo's ``uploadTime`` reads like the user's clock."""
    return round(time.localtime().tm_gmtoff / 3600.0, 2)


DEMO_DAY_HOURS = (9.0, 21.0)
"""The plant-time hours between which a demo's day so far has enough to show: a curve, totals."""


def demo_offset_hours(now: float, machine_offset_hours: float) -> float:
    """The demo plant's UTC offset: the machine's, so plant times read like the user's clock,
    unless the plant's day would then be only hours old (a demo started at half past midnight
    would open on an empty curve). Then the plant sits in the nearest zone, by whole hours,
    where it is between nine in the morning and nine at night: a plant elsewhere in the world,
    as real fleets are, rather than an empty first look."""
    first, last = DEMO_DAY_HOURS
    local_hour = ((now / 3600.0) + machine_offset_hours) % 24.0
    if first <= local_hour <= last:
        return machine_offset_hours
    ahead = math.ceil(first - local_hour) % 24  # hours forward to reach the morning
    behind = math.ceil(local_hour - last) % 24  # hours back to reach the evening
    shift = ahead if ahead <= behind else -behind
    offset = machine_offset_hours + shift
    # Real zones run from UTC-12 to UTC+14: wrap into that range (a day apart is the same hour).
    if offset > 14.0:
        offset -= 24.0
    elif offset < -12.0:
        offset += 24.0
    return offset


def _daylight_shift(now: float, offset_hours: float) -> float:
    """How far to move the demo's sun so that it is late morning at the plant when the demo
    starts: a demo at 10 pm should still show production."""
    local_hour = ((now / 3600.0) + offset_hours) % 24.0
    return (11.0 - local_hour) % 24.0


def demo_fleet(now: float) -> tuple[SimInverter, ...]:
    offset = demo_offset_hours(now, _local_offset_hours())
    shift = _daylight_shift(now, offset)
    return (
        SimInverter(
            sn=DEMO_FAULT_SN,
            inverter_sn="H34A10I9012345",
            type_code=14,
            pv_peak_w=10_000,
            mppt_count=2,
            phases=3,
            battery_wh=11_600,
            battery_max_w=3_000,
            initial_soc=55.0,
            utc_offset_hours=offset,
            base_load_w=450,
            yield_total_kwh=18_342.7,
            feedin_total_kwh=9_876.54,
            consume_total_kwh=3_210.98,
            solar_shift_hours=shift,
        ),
        SimInverter(
            sn=DEMO_EPS_SN,
            inverter_sn="H1E5020A123456",
            type_code=15,
            pv_peak_w=5_000,
            mppt_count=2,
            phases=1,
            battery_wh=5_800,
            battery_max_w=2_000,
            initial_soc=78.0,
            utc_offset_hours=offset,
            base_load_w=300,
            yield_total_kwh=7_654.3,
            feedin_total_kwh=3_456.78,
            consume_total_kwh=1_987.65,
            solar_shift_hours=shift,
        ),
        SimInverter(
            sn=DEMO_MICRO_SN,
            inverter_sn="XB3602G4567890",
            type_code=18,
            pv_peak_w=800,
            mppt_count=1,
            phases=1,
            has_meter=False,
            utc_offset_hours=offset,
            base_load_w=200,
            yield_total_kwh=1_234.5,
            solar_shift_hours=shift,
            sleeps_at_night=True,
        ),
    )
