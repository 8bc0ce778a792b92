"""What the tray shows, decided from the state of the fleet. Qt-free.

The tray icon, its tooltip and the popup all read one frozen :class:`TrayView`, built by a pure
function (:func:`build_view`) from plain inputs (snapshots, errors, ages, app-level conditions).
Why: the rules that turn "inverter 2 has not uploaded for 12 minutes while the token was rejected"
into one colour and one sentence are the part of the UI most worth testing, and they need no
display to test.

The package is split by job: ``model`` (the inputs and the view), ``rules`` (``build_view`` and
the state of each inverter), ``wording`` (problems in sentences), ``formatting`` (numbers, ages,
clock times, which the popup and the tray share) and ``trackers`` (what is
remembered between polls). Every public name is importable from the package itself.
"""

from solaxtray.core.presentation.formatting import (
    TODAY_PHRASE,
    fleet_status_line,
    format_age,
    format_duration,
    format_energy,
    format_local_clock,
    format_percent,
    format_power,
    format_power_compact,
    format_today,
    machine_utc_offset,
)
from solaxtray.core.presentation.model import (
    DEFAULT_BACKEND,
    DEFAULT_DAILY_QUOTA,
    DEFAULT_UPLOAD_INTERVAL_S,
    WINDOWS_TOOLTIP_LIMIT,
    AppCondition,
    Availability,
    FleetInput,
    InverterInput,
    InverterView,
    Problem,
    TrayState,
    TrayView,
    condition_for_error,
)
from solaxtray.core.presentation.rules import (
    APP_NAME,
    BATTERY_ACTIVE_W,
    IMPORTING_MIN_W,
    PRODUCING_MIN_W,
    STALE_GRACE_S,
    age_fraction,
    build_view,
    fleet_soc,
    fleet_yield_today,
    inverter_state,
    inverter_title,
    stale_threshold,
)
from solaxtray.core.presentation.trackers import (
    LEARN_WITHIN_S,
    PUBLISH_DELAY_S,
    ZONE_STEP_S,
    StatusTracker,
    UploadAges,
)
from solaxtray.core.presentation.wording import condition_problem

__all__ = [
    "APP_NAME",
    "BATTERY_ACTIVE_W",
    "DEFAULT_BACKEND",
    "DEFAULT_DAILY_QUOTA",
    "DEFAULT_UPLOAD_INTERVAL_S",
    "IMPORTING_MIN_W",
    "LEARN_WITHIN_S",
    "PRODUCING_MIN_W",
    "PUBLISH_DELAY_S",
    "STALE_GRACE_S",
    "TODAY_PHRASE",
    "WINDOWS_TOOLTIP_LIMIT",
    "ZONE_STEP_S",
    "AppCondition",
    "Availability",
    "FleetInput",
    "InverterInput",
    "InverterView",
    "Problem",
    "StatusTracker",
    "TrayState",
    "TrayView",
    "UploadAges",
    "age_fraction",
    "build_view",
    "condition_for_error",
    "condition_problem",
    "fleet_soc",
    "fleet_status_line",
    "fleet_yield_today",
    "format_age",
    "format_duration",
    "format_energy",
    "format_local_clock",
    "format_percent",
    "format_power",
    "format_power_compact",
    "format_today",
    "inverter_state",
    "inverter_title",
    "machine_utc_offset",
    "stale_threshold",
]
