"""Numbers and units as the popup and tooltip write them. Qt-free, so it is tested without a display.

The formatters live in the core (:mod:`solaxtray.core.presentation` for the tooltip's,
:mod:`solaxtray.core.dashboard` for the popup's phrases), because the core may not import the UI;
they are re-exported here so the widgets have one place to import from.
"""

from __future__ import annotations

from solaxtray.core.dashboard import (
    format_battery,
    format_clock_time,
    format_grid,
    format_next_poll,
    format_next_try,
    format_quota,
    format_since,
)
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
