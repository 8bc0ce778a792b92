"""A plausible plant written into a real history database, for the dashboard's tests.

Every five minutes: PV on a sine from 06:00 to 18:00, a 400 W house, a 10 kWh battery that takes
the surplus by day and carries the house at night, the rest to or from the grid; the day and
lifetime counters follow, so the history's daily figures have real counters to work from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from solaxtray.core.clock import FakeClock
from solaxtray.core.history import HistoryStore
from solaxtray.core.models import Snapshot
from tests.core.history.helpers import snap

OFFSET_H = 1.0
"""The plant's zone (the history test helper's default): one hour ahead of UTC."""
STEP_MIN = 5


@dataclass
class Counters:
    feedin_kwh: float = 1000.0
    consume_kwh: float = 2000.0
    yield_total_kwh: float = 5000.0
    soc: float = 50.0


def plant_day(
    sn: str,
    day: date,
    *,
    counters: Counters,
    until: str = "23:55",
    peak_w: float = 5000.0,
    skip: tuple[str, str] | None = None,
) -> list[Snapshot]:
    """Uploads of ``day`` from 00:00 to ``until`` (plant time), leaving out ``skip`` (a gap)."""
    out: list[Snapshot] = []
    end_h, end_m = (int(part) for part in until.split(":"))
    yield_today = 0.0
    dt_h = STEP_MIN / 60.0
    for step in range((end_h * 60 + end_m) // STEP_MIN + 1):
        minutes = step * STEP_MIN
        clock = f"{minutes // 60:02d}:{minutes % 60:02d}"
        h = minutes / 60.0
        pv = peak_w * math.sin(math.pi * (h - 6) / 12) if 6 < h < 18 else 0.0
        load = 400.0
        if pv > load:
            bat = min(pv - load, 2000.0) if counters.soc < 100 else 0.0
        else:
            bat = -min(300.0, load) if counters.soc > 10 else 0.0
        feedin = pv - load - bat
        yield_today += pv * dt_h / 1000
        counters.yield_total_kwh += pv * dt_h / 1000
        counters.feedin_kwh += max(0.0, feedin) * dt_h / 1000
        counters.consume_kwh += max(0.0, -feedin) * dt_h / 1000
        counters.soc = min(100.0, max(10.0, counters.soc + bat * dt_h / 100))
        if skip is not None and skip[0] <= clock < skip[1]:
            continue
        values: dict[str, Any] = {
            "ac_power": round(pv - max(0.0, bat), 1),
            "pv_power": (round(pv * 0.6, 1), round(pv * 0.4, 1), None, None),
            "feedin_power": round(feedin, 1),
            "bat_power": round(bat, 1),
            "soc": round(counters.soc, 1),
            "yield_today": round(yield_today, 2),
            "yield_total": round(counters.yield_total_kwh, 1),
            "feedin_energy": round(counters.feedin_kwh, 2),
            "consume_energy": round(counters.consume_kwh, 2),
        }
        out.append(snap(sn, f"{day.isoformat()} {clock}:00", offset_h=OFFSET_H, **values))
    return out


def plant_moment(day: date, clock: str) -> float:
    """The epoch of plant wall time ``clock`` on ``day``."""
    wall = datetime.fromisoformat(f"{day.isoformat()} {clock}").replace(tzinfo=UTC)
    return (wall - timedelta(hours=OFFSET_H)).timestamp()


def filled_history(
    path: Path,
    sns: tuple[str, ...],
    today: date,
    *,
    days: int,
    now: str = "14:00",
    gap_day: date | None = None,
) -> tuple[HistoryStore, dict[str, Snapshot]]:
    """A history file with ``days`` whole days before ``today`` and today until ``now``, for
    each serial; returns the open store and each serial's newest snapshot."""
    store = HistoryStore.open(path, clock=FakeClock(plant_moment(today, now) + 30.0))
    newest: dict[str, Snapshot] = {}
    for i, sn in enumerate(sns):
        counters = Counters()
        for back in range(days, -1, -1):
            day = today - timedelta(days=back)
            rows = plant_day(
                sn,
                day,
                counters=counters,
                until=now if back == 0 else "23:55",
                peak_w=5000.0 - 1500.0 * i,
                skip=("10:00", "12:00") if day == gap_day else None,
            )
            store.add_many(rows)
            newest[sn] = rows[-1]
    return store, newest
