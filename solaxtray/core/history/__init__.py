"""The local history of every snapshot: store, daily figures, today's curve, export. Qt-free."""

from solaxtray.core.history.curve import CurvePoint, day_curve
from solaxtray.core.history.daily import FLEET, DayFigures, daily_figures
from solaxtray.core.history.store import (
    HistoryError,
    HistoryStore,
    StoredRow,
    default_history_path,
)

__all__ = [
    "FLEET",
    "CurvePoint",
    "DayFigures",
    "HistoryError",
    "HistoryStore",
    "StoredRow",
    "daily_figures",
    "day_curve",
    "default_history_path",
]
