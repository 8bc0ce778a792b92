"""The local history of every snapshot: store, daily figures, today's curve, export. Qt-free."""

from solaxtray.core.history.curve import CurvePoint, day_curve
from solaxtray.core.history.daily import FLEET, DayFigures, daily_figures, plant_today
from solaxtray.core.history.export import (
    DAY_FIELDS,
    days_csv,
    days_json,
    export_days_csv,
    export_rows_csv,
    rows_csv,
    rows_json,
)
from solaxtray.core.history.store import (
    HistoryError,
    HistoryStore,
    StoredRow,
    default_history_path,
)

__all__ = [
    "DAY_FIELDS",
    "FLEET",
    "CurvePoint",
    "DayFigures",
    "HistoryError",
    "HistoryStore",
    "StoredRow",
    "daily_figures",
    "day_curve",
    "days_csv",
    "days_json",
    "default_history_path",
    "export_days_csv",
    "export_rows_csv",
    "plant_today",
    "rows_csv",
    "rows_json",
]
