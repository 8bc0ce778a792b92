"""Numbers and units as the popup and tooltip write them. Qt-free, so it is tested without a display.

The basic formatters live in :mod:`solaxtray.core.presentation` (the tooltip is built in the core,
which may not import the UI); they are re-exported here so the widgets have one place to import from.
The phrases only the popup needs (directions, "next poll in", quota) are defined here.
"""

from __future__ import annotations

import math
from datetime import datetime

from solaxtray.core.presentation import (
    format_age,
    format_duration,
    format_energy,
    format_percent,
    format_power,
    format_power_compact,
)

__all__ = [
    "format_age",
    "format_battery",
    "format_clock_time",
    "format_duration",
    "format_energy",
    "format_grid",
    "format_next_poll",
    "format_next_try",
    "format_percent",
    "format_power",
    "format_power_compact",
    "format_quota",
    "format_since",
]


def format_battery(bat_power: float | None, soc: float | None) -> str:
    """ "Charging 1.2 kW · 67 %", "Discharging 450 W · 40 %", "Idle · 100 %".

    Sign from the field notes: ``batPower`` positive = charging, negative = discharging.
    """
    parts: list[str] = []
    if bat_power is not None and math.isfinite(bat_power):
        if bat_power >= 1:
            parts.append(f"Charging {format_power(bat_power)}")
        elif bat_power <= -1:
            parts.append(f"Discharging {format_power(-bat_power)}")
        else:
            parts.append("Idle")
    if soc is not None:
        parts.append(format_percent(soc))
    return " · ".join(parts) if parts else "—"


def format_grid(feedin_power: float | None) -> str:
    """ "Exporting 2.1 kW" / "Importing 350 W" / "Balanced".

    Sign from the field notes: ``feedinpower`` positive = export to the grid, negative = import.
    """
    if feedin_power is None or not math.isfinite(feedin_power):
        return "—"
    if feedin_power >= 1:
        return f"Exporting {format_power(feedin_power)}"
    if feedin_power <= -1:
        return f"Importing {format_power(-feedin_power)}"
    return "Balanced"


def format_clock_time(value: datetime | float | None) -> str:
    """A time of day for the popup: "14:05:09"; epoch seconds are shown in local time."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%H:%M:%S")
    if not math.isfinite(value):
        return "—"
    return datetime.fromtimestamp(value).strftime("%H:%M:%S")


def format_since(since: float | None, now: float) -> str:
    """ "since 14:02 (12 min)" for a status' start; empty when unknown."""
    if since is None or not math.isfinite(since):
        return ""
    clock = datetime.fromtimestamp(since).strftime("%H:%M")
    return f"since {clock} ({format_duration(max(0.0, now - since))})"


def format_next_poll(next_poll_at: float | None, now: float) -> str:
    """ "in 40 s", "now", or "none scheduled" (stopped by a rejected token or unknown serial
    until the settings change; a bare dash read like a missing value)."""
    if next_poll_at is None or not math.isfinite(next_poll_at):
        return "none scheduled"
    wait = next_poll_at - now
    if wait <= 1:
        return "now"
    return f"in {format_duration(wait)}"


def format_next_try(next_try_at: float | None, now: float) -> str:
    """ "next try at 14:05": the end of a pause (rate limit) or of a backoff after errors. A
    clock time, because a countdown there read like ordinary polling that keeps slipping."""
    if next_try_at is None or not math.isfinite(next_try_at):
        return "none scheduled"
    if next_try_at - now <= 1:
        return "now"
    return f"next try at {datetime.fromtimestamp(next_try_at).strftime('%H:%M')}"


def format_quota(used: int | None, quota: int) -> str:
    """ "123 of 10,000 today (1 %)"."""
    if used is None:
        return "—"
    pct = 100.0 * used / quota if quota > 0 else 0.0
    return f"{used:,} of {quota:,} today ({pct:.0f} %)"
