"""The detail window (the tray icon's popup) as a dashboard: ``window`` builds it, ``charts``
draws the curve and the bars with QPainter, ``cards`` holds the figure tiles and inverter cards."""

from solaxtray.core.dashboard import FIELDS, inverter_rows
from solaxtray.ui.popup.window import PopupWindow, place_near

__all__ = ["FIELDS", "PopupWindow", "inverter_rows", "place_near"]
