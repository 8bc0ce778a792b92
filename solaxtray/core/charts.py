"""Chart arithmetic for the popup's curve and bars: axis ranges, "nice" ticks, value-to-pixel
scaling and the time axis of a day. Qt-free, so the numbers are tested without a display; the
widgets only draw what these functions decide.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

NICE_STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)
"""Tick steps (times a power of ten) that people read without arithmetic."""
DAY_S = 86_400.0


@dataclass(frozen=True, slots=True)
class Axis:
    """A value axis: the drawn range and the ticks inside it (ascending, ``lo`` and ``hi``
    included)."""

    lo: float
    hi: float
    ticks: tuple[float, ...]

    def to_pixels(self, value: float, px_lo: float, px_hi: float) -> float:
        """``value`` on a pixel range where ``px_lo`` is where ``lo`` lies (for a vertical axis
        the bottom, so ``px_lo`` > ``px_hi``). Values outside the range are clamped."""
        span = self.hi - self.lo
        if span <= 0 or not math.isfinite(value):
            return px_lo
        t = (min(self.hi, max(self.lo, value)) - self.lo) / span
        return px_lo + t * (px_hi - px_lo)


def nice_step(span: float, max_ticks: int) -> float:
    """The smallest nice step that divides ``span`` into at most ``max_ticks`` intervals."""
    if not math.isfinite(span) or span <= 0:
        return 1.0
    raw = span / max(1, max_ticks)
    power = 10.0 ** math.floor(math.log10(raw))
    for step in NICE_STEPS:
        if step * power >= raw * (1 - 1e-9):
            return step * power
    return 10.0 * power


def nice_axis(values: Iterable[float | None], *, max_ticks: int = 4, floor: float = 1.0) -> Axis:
    """An axis that holds every finite value and zero, with round ticks.

    ``floor`` is the least span drawn, so a night of zeros is a flat line at the bottom of a
    small axis, not noise blown up to full height.
    """
    finite = [v for v in values if v is not None and math.isfinite(v)]
    lo = min([0.0, *finite])
    hi = max([0.0, *finite])
    if hi - lo < floor:
        if hi > 0 or lo == 0:
            hi = lo + floor
        else:
            lo = hi - floor
    step = nice_step(hi - lo, max_ticks)
    lo_tick = math.floor(lo / step + 1e-9) * step
    hi_tick = math.ceil(hi / step - 1e-9) * step
    count = round((hi_tick - lo_tick) / step)
    ticks = tuple(_clean(lo_tick + i * step) for i in range(count + 1))
    return Axis(_clean(lo_tick), _clean(hi_tick), ticks)


def _clean(value: float) -> float:
    """Round away binary fractions (0.30000000000000004) and negative zero."""
    cleaned = round(value, 9)
    return 0.0 if cleaned == 0 else cleaned


def percent_axis() -> Axis:
    """The state of charge's own axis: always 0 to 100 %, so a flat battery reads as flat."""
    return Axis(0.0, 100.0, (0.0, 50.0, 100.0))


def day_ticks(step_h: int = 6) -> tuple[tuple[float, str], ...]:
    """The time axis of a day: seconds since midnight and "06:00"-style labels."""
    return tuple((h * 3600.0, f"{h:02d}:00") for h in range(0, 25, step_h))


def nearest_index(xs: Sequence[float], x: float) -> int | None:
    """The index of the sample nearest ``x`` (``xs`` ascending), for the hover cursor."""
    if not xs:
        return None
    return min(range(len(xs)), key=lambda i: abs(xs[i] - x))


def step_index(count: int, index: int | None, delta: int) -> int | None:
    """A keyboard cursor moved by ``delta`` samples, held at the ends; the first key press on a
    chart with no cursor yet starts at the newest sample (what the user looks at first)."""
    if count <= 0:
        return None
    if index is None:
        return count - 1
    return max(0, min(count - 1, index + delta))


def format_tick(value: float, unit: str) -> str:
    """Axis labels: "0", "2 kW", "500 W", "10 kWh", "1.5 MWh"; kilowatts for power ticks of 1 kW
    and up, megawatt hours for energy ticks of 1 MWh and up (a year's months reach thousands of
    kWh, and "2000 kWh" does not fit beside the axis)."""
    if unit == "W":
        if abs(value) >= 1000 or value == 0:
            return "0" if value == 0 else f"{value / 1000:g} kW"
        return f"{value:g} W"
    if value == 0:
        return "0"
    if unit == "kWh" and abs(value) >= 1000:
        return f"{value / 1000:g} MWh"
    return f"{value:g} {unit}"
