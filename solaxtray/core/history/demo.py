"""A plausible history for the demo: today so far, the past month and the year before it. Qt-free.

Why from the simulator itself: the demo's live uploads come from the same plant model
(``core.simulator.plant``), so the history must join them without a jump. Today so far is what each
simulated inverter lived through before the simulator started (``warm_up_readings``, every 15
minutes, ending with the upload the demo answers first); the days before are one upload an hour,
computed by the same model with lifetime counters that end exactly where the day before starts.
The eleven months before that, which only the twelve-month bars show, are cheaper still: the model
steps every three hours and each day keeps one upload, its last (stored as a day's resolution, as
thinned rows are), so a year at a glance looks real without slowing the demo's start.
Everything goes into the demo's own throwaway database, never the user's.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
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
DEMO_PAST_MONTHS = 11
"""Months before the past days, so the twelve-month bars show a year."""
OLD_STEP_S = 3 * 3600
"""The model's step over those months: coarse, but its seasons and clouds show."""
OLD_RESOLUTION_S = 86_400
"""Those months keep one upload a day."""


def seed_demo_history(
    store: HistoryStore,
    cloud: SimulatedCloud,
    *,
    days: int = DEMO_PAST_DAYS,
    months: int = DEMO_PAST_MONTHS,
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
        begin = start - days * 86400.0
        past, at_begin = _past(inv, begin, start)
        if months > 0:
            old = _old_days(at_begin, begin - months * 30.5 * 86400.0, begin)
            added += store.add_many(
                (snapshot_of_reading(inv, r, name(inv)) for r in old),
                resolution_s=OLD_RESOLUTION_S,
            )
        added += store.add_many(
            (snapshot_of_reading(inv, r, name(inv)) for r in past), resolution_s=PAST_STEP_S
        )
        added += store.add_many(snapshot_of_reading(inv, r, name(inv)) for r in live)
    return added


def seed_months_before(
    store: HistoryStore,
    inverters: Sequence[SimInverter],
    before: float,
    *,
    months: int = DEMO_PAST_MONTHS,
    serial_of: Callable[[SimInverter], str] | None = None,
) -> int:
    """Add ``months`` cheap months (one upload a day, see the module docstring) ending at the
    epoch ``before``, whose lifetime counters end at each inverter's configured totals: the
    months before a simulator that starts at ``before`` (the README's pictures use it); returns
    the rows added."""
    name = serial_of if serial_of is not None else (lambda inv: inv.sn)
    added = 0
    for inv in inverters:
        old = _old_days(inv, before - months * 30.5 * 86400.0, before)
        added += store.add_many(
            (snapshot_of_reading(inv, r, name(inv)) for r in old), resolution_s=OLD_RESOLUTION_S
        )
    return added


def _run(
    inv: SimInverter, begin: float, end: float, step: float = PAST_STEP_S
) -> tuple[list[Reading], PlantState]:
    state = PlantState.fresh(inv)
    readings = []
    t, previous = begin, begin - step
    while t < end:
        # The model integrates the present power over the time since the last upload: for a
        # dongle that slept through the night that would be a night of sunshine, so none then.
        since = t - previous
        reading = state.upload(t, None, since if since <= step else 0.0)
        if reading is not None:
            readings.append(reading)
            previous = t
        t += step
    return readings, state


def _past(inv: SimInverter, begin: float, end: float) -> tuple[list[Reading], SimInverter]:
    """Hourly uploads in [begin, end) whose lifetime counters end at the inverter's start values:
    run once to learn what the month adds, then again from that much less. Also the inverter
    as it was at ``begin`` (its counters then)."""
    _, trial = _run(inv, begin, end)
    shifted = dataclasses.replace(
        inv,
        yield_total_kwh=max(0.0, 2 * inv.yield_total_kwh - trial.yield_total),
        feedin_total_kwh=max(0.0, 2 * inv.feedin_total_kwh - trial.feedin_total),
        consume_total_kwh=max(0.0, 2 * inv.consume_total_kwh - trial.consume_total),
    )
    readings, _ = _run(shifted, begin, end)
    return readings, shifted


def _old_days(inv: SimInverter, begin: float, end: float) -> list[Reading]:
    """The last upload of each plant day in [begin, end), the model stepping every
    ``OLD_STEP_S``, with lifetime counters moved to end where ``inv``'s begin (one run: the
    counters are shifted afterwards instead of running twice)."""
    readings, state = _run(inv, begin, end, OLD_STEP_S)
    last_of_day: dict[str, Reading] = {}
    for reading in readings:
        last_of_day[reading.upload_time_local(inv.utc_offset_hours)[:10]] = reading

    def moved(value: float, end_state: float, end_wanted: float, digits: int) -> float:
        # Rounded down and never above where the next stretch begins: a counter that steps
        # back by a rounding at the seam would read as a reset and mark that day partial.
        scale = 10.0**digits
        shifted = math.floor((value + end_wanted - end_state) * scale) / scale
        return max(0.0, min(shifted, math.floor(end_wanted * scale) / scale))

    out = []
    for reading in last_of_day.values():
        feedin, consume = reading.feedin_energy, reading.consume_energy
        out.append(
            dataclasses.replace(
                reading,
                yield_total=moved(reading.yield_total, state.yield_total, inv.yield_total_kwh, 1),
                feedin_energy=None
                if feedin is None
                else moved(feedin, state.feedin_total, inv.feedin_total_kwh, 2),
                consume_energy=None
                if consume is None
                else moved(consume, state.consume_total, inv.consume_total_kwh, 2),
            )
        )
    return out


def snapshot_of_reading(inv: SimInverter, reading: Reading, sn: str) -> Snapshot:
    """The reading as the demo's client would have parsed it (the tokenId API, v2), fetched ten
    seconds after it, under the serial ``sn``."""
    body = wire.success(wire.result_object(inv, reading, v2=True), v2=True)
    fetched = datetime.fromtimestamp(reading.upload_epoch + 10.0, tz=UTC)
    snapshot = parse_realtime(body, sn=inv.sn, fetched_at=fetched)
    return snapshot if sn == inv.sn else dataclasses.replace(snapshot, sn=sn)
