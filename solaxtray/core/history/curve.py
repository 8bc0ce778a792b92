"""Today's curve for the popup: the fleet's powers through one plant day. Qt-free.

Inverters upload on their own rhythm, so the fleet's curve is built on fixed slots of
``SLOT_S`` seconds: in each slot every inverter contributes its latest upload, or its previous one
when it is at most ``CARRY_S`` old (one missed upload must not make the fleet's PV dip). An
inverter with nothing that recent contributes nothing to that slot: no value is invented for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from solaxtray.core.history.store import HistoryStore, StoredRow

SLOT_S = 300
"""Five minutes: the cloud's upload rhythm."""
CARRY_S = 600.0
"""How long an inverter's last upload stands in for it in later slots."""


@dataclass(frozen=True)
class CurvePoint:
    """The fleet at one slot. Powers in W; ``None`` where no inverter reports that value."""

    at: datetime
    """The slot's start, aware UTC."""
    pv_w: float | None
    home_w: float | None
    """House consumption (``Snapshot.house_load``)."""
    grid_w: float | None
    """Positive: import from the grid; negative: export."""
    battery_w: float | None
    """Positive: charging; negative: discharging."""
    soc_pct: float | None
    """Mean charge of the batteries that report one (capacity-blind)."""


def day_curve(store: HistoryStore, sns: Sequence[str] | None, day: date) -> list[CurvePoint]:
    """The fleet's curve for the plant-local ``day``, ordered by time."""
    return curve_of_rows(store.rows(sns, first=day, last=day))


def curve_of_rows(rows: Sequence[StoredRow]) -> list[CurvePoint]:
    """``day_curve`` for rows already read (any serials, any span)."""
    if not rows:
        return []
    by_sn: dict[str, list[StoredRow]] = {}
    for row in sorted(rows, key=lambda r: r.at_utc):
        by_sn.setdefault(row.snapshot.sn, []).append(row)
    slots = sorted({int(r.at_utc // SLOT_S) for r in rows})
    cursors = dict.fromkeys(by_sn, 0)
    points = []
    for slot in slots:
        end = (slot + 1) * SLOT_S
        current: list[StoredRow] = []
        for sn, series in by_sn.items():
            i = cursors[sn]
            while i < len(series) and series[i].at_utc < end:
                i += 1
            cursors[sn] = i
            if i and end - series[i - 1].at_utc <= CARRY_S + SLOT_S:
                current.append(series[i - 1])
        points.append(_point(slot * SLOT_S, current))
    return points


def _total(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return float(sum(present)) if present else None


def _point(start: float, rows: list[StoredRow]) -> CurvePoint:
    snaps = [r.snapshot for r in rows]
    socs = [s.soc for s in snaps if s.has_battery and s.soc is not None]
    return CurvePoint(
        at=datetime.fromtimestamp(start, tz=UTC),
        pv_w=_total([s.pv_total for s in snaps]),
        home_w=_total([s.house_load for s in snaps]),
        grid_w=_total([-s.feedin_power if s.feedin_power is not None else None for s in snaps]),
        battery_w=_total([s.bat_power for s in snaps]),
        soc_pct=sum(socs) / len(socs) if socs else None,
    )
