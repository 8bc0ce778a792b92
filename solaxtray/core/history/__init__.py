"""The local history of every snapshot: store, daily and monthly figures, today's curve, export.
Qt-free.

The names below load their module on first use: the tray app writes every answer to the store
from its start, but needs the figures, the curve and the export only when the popup opens or a
command asks for them, so its start does not carry them (see ``benchmarks/memory.py``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from solaxtray.core.history.curve import CurvePoint, day_curve
    from solaxtray.core.history.daily import FLEET, DayFigures, daily_figures, plant_today
    from solaxtray.core.history.export import (
        DAY_FIELDS,
        MONTH_FIELDS,
        days_csv,
        days_json,
        export_days_csv,
        export_rows_csv,
        months_csv,
        months_json,
        rows_csv,
        rows_json,
    )
    from solaxtray.core.history.monthly import MonthCache, MonthFigures, monthly_figures
    from solaxtray.core.history.store import (
        HistoryError,
        HistoryStore,
        StoredRow,
        default_history_path,
    )

_HOME = {
    "CurvePoint": "curve",
    "day_curve": "curve",
    "FLEET": "daily",
    "DayFigures": "daily",
    "daily_figures": "daily",
    "plant_today": "daily",
    "DAY_FIELDS": "export",
    "days_csv": "export",
    "days_json": "export",
    "export_days_csv": "export",
    "export_rows_csv": "export",
    "MONTH_FIELDS": "export",
    "months_csv": "export",
    "months_json": "export",
    "MonthCache": "monthly",
    "MonthFigures": "monthly",
    "monthly_figures": "monthly",
    "rows_csv": "export",
    "rows_json": "export",
    "HistoryError": "store",
    "HistoryStore": "store",
    "StoredRow": "store",
    "default_history_path": "store",
}
"""Each public name and the module that defines it."""

__all__ = [
    "DAY_FIELDS",
    "FLEET",
    "MONTH_FIELDS",
    "CurvePoint",
    "DayFigures",
    "HistoryError",
    "HistoryStore",
    "MonthCache",
    "MonthFigures",
    "StoredRow",
    "daily_figures",
    "day_curve",
    "days_csv",
    "days_json",
    "default_history_path",
    "export_days_csv",
    "export_rows_csv",
    "monthly_figures",
    "months_csv",
    "months_json",
    "plant_today",
    "rows_csv",
    "rows_json",
]


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
