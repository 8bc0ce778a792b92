"""Daily energy figures from the stored uploads, per inverter and for the fleet. Qt-free.

A day is the plant's local day: the date of ``uploadTime``, which is the plant's wall clock. Within
a day, rows are ordered by their real moment (``utcDateTime`` where known), so the repeated hour of
autumn and the missing hour of spring neither reorder rows nor look like a gap.

How each figure is made, and why (never an invented number: a figure we cannot measure is None):

- **Yield** comes from ``yieldtoday``, the inverter's own counter since its midnight. The inverter's
  clock need not agree with the plant's day: the first uploads after midnight may still carry
  yesterday's total until the inverter resets. So the day's values are split where they fall (a
  reset); a leading run of values before 04:00 that a reset follows, or that equals yesterday's
  last value, is yesterday's carry-over and dropped; the yield is the sum of each remaining run's
  maximum (a run after a mid-day reset starts again from zero). A single low reading between two
  normal ones is a glitch, not a reset.
- **Export** and **import** are differences of the lifetime counters ``feedinenergy`` and
  ``consumeenergy`` between consecutive uploads. Each step is counted for the day of its later
  upload, including the step across midnight when the previous upload was at most
  ``GAP_S`` earlier. A step that goes down (a counter reset or replaced meter) or implies more than
  ``MAX_COUNTER_KW`` is not counted, and the day is partial. A step across a gap is still counted:
  a lifetime counter loses nothing while we are not looking.
- **Consumption** = yield + import − export: the energy the house took from the inverter and the
  grid. The battery is not in it: the cloud gives no battery energy counters, and integrating the
  five-minute ``batPower`` samples would be an estimate; over a day the battery's net is small (it
  ends near where it started), and its losses show as consumption. A negative result (the figures
  do not balance) is None.
- **Self-consumption %** = (yield − export) / yield × 100, **autarky %** = (consumption − import) /
  consumption × 100, both clamped to 0..100 (a battery discharging into the grid can export more
  than the day's yield).
- **Fleet** ("all"): yield, export, import and consumption are sums over the inverters that have
  them; its percentages use only the inverters that report yield, export and import, so that the
  ratio compares like with like. The fleet is partial when any of its inverters is.
- **Partial**: the first upload more than ``GAP_S`` after midnight when its ``yieldtoday`` shows
  production we did not see, or its grid counters could not be followed from yesterday; for a past day, the last
  upload more than ``GAP_S`` before midnight in the same conditions; for today, no upload for more
  than ``GAP_S`` while producing or metering; a gap longer than ``GAP_S`` in daylight (production on
  both sides, or the yield grew across it by more than its rounding: a sleeping inverter's dusk
  and dawn uploads are not a gap); a counter step not counted. Thinned old rows (one an
  hour) widen the gap limit accordingly.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from operator import attrgetter

from solaxtray.core.history.store import EnergyRow, HistoryStore

FLEET = "all"
GAP_S = 1800.0
"""A gap between uploads longer than this (daylight) makes the day partial."""
PRODUCING_W = 50.0
"""PV or AC power above this means the inverter was producing at that upload."""
STARTED_KWH = 0.1
"""A ``yieldtoday`` above this at the first upload means production began before we saw it."""
CARRY_OVER_BEFORE = time(4, 0)
"""Yesterday's ``yieldtoday`` can linger after midnight only until the inverter resets."""
GAP_GROWTH_KWH = 0.15
"""``yieldtoday`` grown by more than this across a gap (beyond its 0.1 kWh rounding): daylight."""
MAX_COUNTER_KW = 1000.0
"""A counter step implying more than this is a glitch, not energy."""
_RESET_TOLERANCE_KWH = 0.05


ENERGY_FIELDS: tuple[str, ...] = (
    "yield_kwh",
    "export_kwh",
    "import_kwh",
    "consumption_kwh",
    "self_consumption_pct",
    "autarky_pct",
)
"""The figures a day and a month have alike, in their columns' order."""


@dataclass(frozen=True)
class DayFigures:
    """The energy of one plant-local day for one inverter or the fleet (``sn == "all"``)."""

    date: date
    sn: str
    yield_kwh: float | None
    export_kwh: float | None
    import_kwh: float | None
    consumption_kwh: float | None
    self_consumption_pct: float | None
    autarky_pct: float | None
    samples: int
    partial: bool


def plant_today(store: HistoryStore, sns: Sequence[str] | None = None) -> date:
    """Today at the plant (the day ``uploadTime`` says), from the newest stored upload's offset
    and the store's clock; the machine's local date when nothing is stored yet."""
    offset = store.plant_offset_min(sns)
    now = store.now()
    if offset is None:
        return datetime.fromtimestamp(now).date()
    return datetime.fromtimestamp(now + offset * 60, tz=UTC).date()


def daily_figures(
    store: HistoryStore, sns: Sequence[str] | None, first: date, last: date
) -> list[DayFigures]:
    """One ``DayFigures`` per (day, serial) with samples between ``first`` and ``last`` (plant
    days, both included), plus the fleet per day; ordered by date then serial, "all" last."""
    if last < first:
        return []
    # The day before too (its last counters start the first day), unless there is none.
    before = first - timedelta(days=1) if first > date.min else first
    rows = store.energy_rows(sns, first=before, last=last)
    by_sn: dict[str, list[EnergyRow]] = defaultdict(list)
    for row in rows:
        by_sn[row.sn].append(row)
    now = store.now()
    per_day: dict[date, list[DayFigures]] = defaultdict(list)
    for sn in sorted(by_sn):
        series = sorted(by_sn[sn], key=lambda r: r.at_utc)
        for figures in _inverter_days(sn, series, first, last, now):
            per_day[figures.date].append(figures)
    out: list[DayFigures] = []
    for day in sorted(per_day):
        inverters = per_day[day]
        out.extend(inverters)
        out.append(_fleet(day, inverters))
    return out


# --- one inverter -------------------------------------------------------------------------------


def _inverter_days(
    sn: str, series: list[EnergyRow], first: date, last: date, now: float
) -> list[DayFigures]:
    days: dict[date, list[int]] = defaultdict(list)
    for index, row in enumerate(series):
        days[row.local.date()].append(index)
    today = _plant_today(series, now)
    out = []
    for day in sorted(days):
        if not first <= day <= last:
            continue
        indices = days[day]
        rows = [series[i] for i in indices]
        before = series[indices[0] - 1] if indices[0] > 0 else None
        out.append(_one_day(sn, day, rows, before, is_today=day >= today, now=now))
    return out


def _plant_today(series: list[EnergyRow], now: float) -> date:
    """Today at the plant, from the plant's offset as its newest row gives it."""
    newest = series[-1]
    offset = newest.local.replace(tzinfo=UTC).timestamp() - newest.at_utc
    return datetime.fromtimestamp(now + offset, tz=UTC).date()


def _one_day(
    sn: str,
    day: date,
    rows: list[EnergyRow],
    before: EnergyRow | None,
    *,
    is_today: bool,
    now: float,
) -> DayFigures:
    limit = max(GAP_S, 1.5 * max(r.resolution_s for r in rows))
    if before is not None and rows[0].at_utc - before.at_utc > limit:
        before = None
    partial = False

    yield_kwh = _yield(rows, before)
    export, export_ok = _counter(rows, before, "feedin_energy")
    imported, import_ok = _counter(rows, before, "consume_energy")
    partial = not (export_ok and import_ok)
    metered = any(r.feedin_energy is not None or r.consume_energy is not None for r in rows)

    first, last_row = rows[0], rows[-1]
    midnight = datetime.combine(day, time())
    if before is None and (first.local - midnight).total_seconds() > limit:
        started = (first.yield_today or 0.0) > STARTED_KWH and not _is_carry_over(rows, before)
        if metered or started:
            partial = True
    if not is_today:
        end = midnight + timedelta(days=1)
        if (end - last_row.local).total_seconds() > limit and (metered or _producing(last_row)):
            partial = True
    elif now - last_row.at_utc > limit and (metered or _producing(last_row)):
        partial = True
    for a, b in itertools.pairwise(rows):
        if b.at_utc - a.at_utc <= limit:
            continue
        grew = (b.yield_today or 0.0) - (a.yield_today or 0.0) > GAP_GROWTH_KWH
        if grew or (_producing(a) and _producing(b)):
            partial = True

    consumption = None
    if yield_kwh is not None and export is not None and imported is not None:
        total = yield_kwh + imported - export
        consumption = total if total >= 0 else None
    return DayFigures(
        date=day,
        sn=sn,
        yield_kwh=_kwh(yield_kwh),
        export_kwh=_kwh(export),
        import_kwh=_kwh(imported),
        consumption_kwh=_kwh(consumption),
        self_consumption_pct=_self_consumption(yield_kwh, export),
        autarky_pct=_autarky(consumption, imported),
        samples=len(rows),
        partial=partial,
    )


def _producing(row: EnergyRow) -> bool:
    pv = row.pv_w
    return (pv is not None and pv > PRODUCING_W) or (row.ac_power or 0.0) > PRODUCING_W


def _without_glitches(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Drop single readings lower than both neighbours' level: a blip, not a reset."""
    if len(points) < 3:
        return list(points)
    values = [value for _, value in points]
    out = [points[0]]
    # Each inner point with the value before it, its own and the one after (a year of rows
    # passes here: one loop over zipped lists, no indexing).
    for point, prev, value, nxt in zip(points[1:-1], values, values[1:], values[2:], strict=False):
        if value < prev - _RESET_TOLERANCE_KWH and nxt >= prev - _RESET_TOLERANCE_KWH:
            continue
        out.append(point)
    out.append(points[-1])
    return out


def _runs(rows: list[EnergyRow]) -> list[list[tuple[datetime, float]]]:
    """``yieldtoday`` split into runs at each reset (a fall), glitches removed."""
    raw = [(r.at_utc, r.yield_today, r.local) for r in rows]
    known = [(at, value, local) for at, value, local in raw if value is not None]
    kept = _without_glitches([(at, value) for at, value, _ in known])
    kept_at = {at for at, _ in kept}
    runs: list[list[tuple[datetime, float]]] = []
    for at, value, local in known:
        if at not in kept_at:
            continue
        if not runs or value < runs[-1][-1][1] - _RESET_TOLERANCE_KWH:
            runs.append([])
        runs[-1].append((local, value))
    return runs


def _is_carry_over(rows: list[EnergyRow], before: EnergyRow | None) -> bool:
    runs = _runs(rows)
    return bool(runs) and _leading_carry_over(runs, before)


def _leading_carry_over(runs: list[list[tuple[datetime, float]]], before: EnergyRow | None) -> bool:
    lead = runs[0]
    if lead[-1][0].time() >= CARRY_OVER_BEFORE or lead[0][1] <= _RESET_TOLERANCE_KWH:
        return False
    if len(runs) > 1:
        return True
    yesterday = before.yield_today if before is not None else None
    return yesterday is not None and abs(lead[0][1] - yesterday) <= _RESET_TOLERANCE_KWH


def _yield(rows: list[EnergyRow], before: EnergyRow | None) -> float | None:
    runs = _runs(rows)
    if not runs:
        return None
    if _leading_carry_over(runs, before):
        runs = runs[1:]
        if not runs:
            return None
    return sum(max(value for _, value in run) for run in runs)


def _counter(
    rows: list[EnergyRow], before: EnergyRow | None, name: str
) -> tuple[float | None, bool]:
    """The sum of a lifetime counter's steps into this day, and whether every step counted."""
    get = attrgetter(name)
    if all(get(r) is None for r in rows):
        return None, True
    chain = ([before] if before is not None else []) + rows
    known = [(r.at_utc, float(v)) for r in chain if (v := get(r)) is not None]
    if len(known) == 1 and before is None:
        return None, True
    known = _without_glitches(known)
    total = 0.0
    ok = True
    for (t0, v0), (t1, v1) in itertools.pairwise(known):
        step = v1 - v0
        hours = max(t1 - t0, 1.0) / 3600.0
        if step < 0 or step / hours > MAX_COUNTER_KW:
            ok = False
            continue
        total += step
    return total, ok


def _kwh(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else round(value, 2)


def _pct(part: float, whole: float) -> float:
    return round(min(100.0, max(0.0, part / whole * 100.0)), 1)


def _self_consumption(yield_kwh: float | None, export: float | None) -> float | None:
    if yield_kwh is None or export is None or yield_kwh <= 0:
        return None
    return _pct(yield_kwh - export, yield_kwh)


def _autarky(consumption: float | None, imported: float | None) -> float | None:
    if consumption is None or imported is None or consumption <= 0:
        return None
    return _pct(consumption - imported, consumption)


# --- the fleet ----------------------------------------------------------------------------------


def _sum(values: Sequence[float | None]) -> float | None:
    """The fleet's total; ``None`` when there is none, or when absurd stored values add up past
    a float's range (no ``inf`` may reach a figure, a chart or JSON)."""
    present = [v for v in values if v is not None]
    if not present:
        return None
    total = sum(present)
    return round(total, 2) if math.isfinite(total) else None


def _fleet(day: date, inverters: list[DayFigures]) -> DayFigures:
    complete = [
        f
        for f in inverters
        if f.yield_kwh is not None and f.export_kwh is not None and f.import_kwh is not None
    ]
    ratio_yield = _sum([f.yield_kwh for f in complete])
    ratio_export = _sum([f.export_kwh for f in complete])
    ratio_consumption = _sum([f.consumption_kwh for f in complete])
    ratio_import = _sum([f.import_kwh for f in complete])
    return DayFigures(
        date=day,
        sn=FLEET,
        yield_kwh=_sum([f.yield_kwh for f in inverters]),
        export_kwh=_sum([f.export_kwh for f in inverters]),
        import_kwh=_sum([f.import_kwh for f in inverters]),
        consumption_kwh=_sum([f.consumption_kwh for f in inverters]),
        self_consumption_pct=_self_consumption(ratio_yield, ratio_export),
        autarky_pct=_autarky(ratio_consumption, ratio_import),
        samples=sum(f.samples for f in inverters),
        partial=any(f.partial for f in inverters),
    )
