"""Numbers, ages, clock times and durations as the tooltip, the menu and the popup write
them. Qt-free: the widgets import them from here (the popup's own phrases are in ``core.dashboard``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import UTC, datetime

from solaxtray.core.i18n import N_, _, ngettext
from solaxtray.core.locale_format import format_number, format_time


def machine_utc_offset(at: float) -> float:
    """This machine's offset from UTC at epoch ``at``, in seconds (daylight saving included)."""
    return float(time.localtime(at).tm_gmtoff)


def format_power_compact(watts: float) -> str:
    """Power in at most four characters for the icon: "0", "850", "2.4k", "12k", "1.2M".

    Negative values keep their sign (a hybrid charging its battery from the grid shows negative
    AC power); the sign is the only extra character.
    """
    if not math.isfinite(watts):
        return "–"
    sign = "-" if watts < 0 and round(abs(watts)) > 0 else ""
    w = abs(watts)
    if round(w) < 1000:
        return f"{sign}{round(w):d}"
    kw = w / 1000.0
    if round(kw, 1) < 10:
        return f"{sign}{format_number(kw, 1)}k"
    if round(kw) < 1000:
        return f"{sign}{round(kw):d}k"
    mw = kw / 1000.0
    if round(mw, 1) < 10:
        return f"{sign}{format_number(mw, 1)}M"
    return f"{sign}{round(mw):d}M"


def format_power(watts: float | None) -> str:
    """Power for reading: "850 W", "2.4 kW", "12.3 kW"; an em dash when unknown."""
    if watts is None or not math.isfinite(watts):
        return "—"
    if abs(watts) < 1000:
        return f"{format_number(watts)} W"
    if abs(watts) < 1_000_000:
        return f"{format_number(watts / 1000, 1)} kW"
    return f"{format_number(watts / 1_000_000, 2, grouping=False)} MW"


def format_energy(kwh: float | None) -> str:
    """Energy from the cloud's kWh: "12.6 kWh", "12.9 MWh"; an em dash when unknown."""
    if kwh is None or not math.isfinite(kwh):
        return "—"
    if abs(kwh) < 1000:
        return f"{format_number(kwh, 1)} kWh"
    if abs(kwh) < 1_000_000:
        return f"{format_number(kwh / 1000, 2)} MWh"
    return f"{format_number(kwh / 1_000_000, 2, grouping=False)} GWh"


def format_percent(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return f"{format_number(value, grouping=False)} %"


def format_age(seconds: float | None) -> str:
    """How long ago: "just now", "45 s ago", "3 min ago", "2 h 5 min ago", "3 days ago"."""
    if seconds is None or not math.isfinite(seconds):
        return _("unknown")
    if seconds < -60:
        # Upload times are plant-local and clocks drift; a time far ahead is suspect, not news.
        return _("in the future (clock skew?)")
    s = max(0, int(seconds))
    if s < 10:
        return _("just now")
    if s < 60:
        return _("{seconds} s ago").format(seconds=s)
    if s < 3600:
        return _("{minutes} min ago").format(minutes=s // 60)
    if s < 86400:
        h, m = divmod(s // 60, 60)
        if m:
            return _("{hours} h {minutes} min ago").format(hours=h, minutes=m)
        return _("{hours} h ago").format(hours=h)
    days = s // 86400
    return ngettext("{n} day ago", "{n} days ago", days).format(n=days)


def format_local_clock(
    at: float | None, local_offset: Callable[[float], float] = machine_utc_offset
) -> str:
    """ "14:05": an epoch as this machine's wall clock (the plant's zone plays no part; the age
    estimate already turned the plant's time into an instant)."""
    if at is None or not math.isfinite(at):
        return _("unknown")
    try:
        wall = datetime.fromtimestamp(at + local_offset(at), UTC)
    except (OverflowError, OSError, ValueError):
        return _("unknown")
    return format_time(wall)


def format_duration(seconds: float | None) -> str:
    """A span without direction: "40 s", "5 min", "1 h 10 min"."""
    if seconds is None or not math.isfinite(seconds):
        return "—"
    s = max(0, round(seconds))
    if s < 60:
        return _("{seconds} s").format(seconds=s)
    if s < 3600:
        m, rest = divmod(s, 60)
        if rest and m < 5:
            return _("{minutes} min {seconds} s").format(minutes=m, seconds=rest)
        return _("{minutes} min").format(minutes=m)
    h, m = divmod(s // 60, 60)
    if m:
        return _("{hours} h {minutes} min").format(hours=h, minutes=m)
    return _("{hours} h").format(hours=h)


TODAY_PHRASE = N_("{energy} today")
"""One phrase with a placeholder, so a translation can order it as its language needs (marked
for translation; translated where used)."""


def format_today(kwh: float) -> str:
    """ "25.6 kWh today"."""
    return _(TODAY_PHRASE).format(energy=format_energy(kwh))


def fleet_status_line(power_w: float | None, soc: float | None, yield_kwh: float | None) -> str:
    """The fleet now and today: "2.3 kW · 28 % · 25.6 kWh today"; unknown parts are left out,
    except the power, which shows a dash (the line keeps its place in the menu)."""
    parts = [format_power(power_w)]
    if soc is not None and math.isfinite(soc):
        parts.append(format_percent(soc))
    if yield_kwh is not None and math.isfinite(yield_kwh):
        parts.append(format_today(yield_kwh))
    return " · ".join(parts)
