"""The one-inverter cloud the tray's end-to-end tests watch: a hybrid inverter at noon, uploading
every few seconds, so a run at any hour sees production and the tests stay quick."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from solaxtray.core.simulator import DEMO_TOKEN, CloudSimulator, SimInverter

SN = "SWE2E00001"
UPLOAD_S = 10.0
"""Short uploads keep the tests quick, yet a request per upload stays within the app's budget."""


def noon_shift() -> float:
    """Moves the simulated sun so that it is about noon at the plant now, whatever the hour of
    the test run: a run at night must still see production."""
    now = datetime.now(tz=UTC)
    return (12.0 - (now.hour + now.minute / 60.0)) % 24.0


@contextmanager
def hybrid_cloud() -> Iterator[CloudSimulator]:
    inverter = SimInverter(
        sn=SN,
        inverter_sn="H34E2E0000000001",
        type_code=14,
        pv_peak_w=9000,
        mppt_count=2,
        phases=3,
        battery_wh=10_000,
        utc_offset_hours=0.0,
        solar_shift_hours=noon_shift(),
    )
    with CloudSimulator(
        inverters=[inverter],
        tokens=(DEMO_TOKEN,),
        upload_interval=UPLOAD_S,
        phases={SN: 0.5},
        jitter=0.0,
    ) as sim:
        yield sim
