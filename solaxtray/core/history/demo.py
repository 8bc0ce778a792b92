"""A plausible history for the demo: today so far and the past month. Qt-free.

Why from the simulator itself: the demo's live uploads come from the same plant model
(``core.simulator.plant``), so the history must join them without a jump. Today so far is what each
simulated inverter lived through before the simulator started (``warm_up_readings``, every 15
minutes, ending with the upload the demo answers first); the days before are one upload an hour,
computed by the same model with lifetime counters that end exactly where the day before starts.
Everything goes into the demo's own throwaway database, never the user's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime

from solaxtray.core.api.tokenid.parsing import parse_realtime
from solaxtray.core.history.store import HistoryStore
from solaxtray.core.models import Snapshot
from solaxtray.core.simulator import wire
from solaxtray.core.simulator.cloud import SimulatedCloud
from solaxtray.core.simulator.plant import PlantState, Reading, SimInverter

DEMO_PAST_DAYS = 30
PAST_STEP_S = 3600
"""One upload an hour for the past days: enough for their daily bars, small to make."""


def seed_demo_history(
    store: HistoryStore,
    cloud: SimulatedCloud,
    *,
    days: int = DEMO_PAST_DAYS,
    serial_of: Callable[[SimInverter], str] | None = None,
) -> int:
    """Fill ``store`` with the demo fleet's past (see the module docstring); returns the rows added.

    ``serial_of`` names an inverter as the demo's API does (the Developer API uses the inverter's
    own serial, ``inv.inverter_sn``); default the dongle's registration number.
    """
    name = serial_of if serial_of is not None else (lambda inv: inv.sn)
    added = 0
    for inv in cloud.inverters:
        live = cloud.warm_up_readings(inv.sn)
        if not live:
            continue
        start = live[0].upload_epoch
        past = _past(inv, start - days * 86400.0, start)
        added += store.add_many(
            (snapshot_of_reading(inv, r, name(inv)) for r in past), resolution_s=PAST_STEP_S
        )
        added += store.add_many(snapshot_of_reading(inv, r, name(inv)) for r in live)
    return added


def _run(inv: SimInverter, begin: float, end: float) -> tuple[list[Reading], PlantState]:
    state = PlantState.fresh(inv)
    readings = []
    t, previous = begin, begin - PAST_STEP_S
    while t < end:
        # The model integrates the present power over the time since the last upload: for a
        # dongle that slept through the night that would be a night of sunshine, so none then.
        since = t - previous
        reading = state.upload(t, None, since if since <= PAST_STEP_S else 0.0)
        if reading is not None:
            readings.append(reading)
            previous = t
        t += PAST_STEP_S
    return readings, state


def _past(inv: SimInverter, begin: float, end: float) -> list[Reading]:
    """Hourly uploads in [begin, end) whose lifetime counters end at the inverter's start values:
    run once to learn what the month adds, then again from that much less."""
    _, trial = _run(inv, begin, end)
    shifted = dataclasses.replace(
        inv,
        yield_total_kwh=max(0.0, 2 * inv.yield_total_kwh - trial.yield_total),
        feedin_total_kwh=max(0.0, 2 * inv.feedin_total_kwh - trial.feedin_total),
        consume_total_kwh=max(0.0, 2 * inv.consume_total_kwh - trial.consume_total),
    )
    readings, _ = _run(shifted, begin, end)
    return readings


def snapshot_of_reading(inv: SimInverter, reading: Reading, sn: str) -> Snapshot:
    """The reading as the demo's client would have parsed it (the tokenId API, v2), fetched ten
    seconds after it, under the serial ``sn``."""
    body = wire.success(wire.result_object(inv, reading, v2=True), v2=True)
    fetched = datetime.fromtimestamp(reading.upload_epoch + 10.0, tz=UTC)
    snapshot = parse_realtime(body, sn=inv.sn, fetched_at=fetched)
    return snapshot if sn == inv.sn else dataclasses.replace(snapshot, sn=sn)
