"""The tray app's windows: the popup (details) and the fallback status window.

Both are built the first time they are needed (the popup loads its charts then, not at start),
both show the latest ``TrayView``, and while one is open a timer refreshes the view so that its
ages ("updated 40 s ago") move; with no window open nothing ticks between polls. The fallback
window stands in for the icon when no system tray exists, and goes when one appears. Why a
module of its own: which window shows when, and what it shows, is one job apart from polling.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QIcon

from solaxtray.core.i18n import N_, _
from solaxtray.core.presentation import TrayView
from solaxtray.ui.tray import Tray, TrayMenu

if TYPE_CHECKING:
    from solaxtray.core.history import HistoryStore
    from solaxtray.ui.fallback_window import FallbackWindow
    from solaxtray.ui.popup import PopupWindow

logger = logging.getLogger(__name__)

VIEW_REFRESH_MS = 30_000
"""While a window is open, its ages are refreshed this often."""
NO_TRAY_LINE = N_(
    "No system tray was found, so SolaX Tray shows its status window instead; the icon moves to "
    "the tray if one starts later."
)
TRAY_APPEARED_LINE = N_(
    "A system tray appeared: SolaX Tray's icon is there now and its status window closed."
)


class Windows(QObject):
    """The popup and the fallback window of one tray icon; see the module docstring.

    ``tick`` asks for a fresh view while a window is open; ``refresh_requested`` and
    ``settings_requested`` come from the popup's buttons.
    """

    tick = Signal()
    refresh_requested = Signal()
    settings_requested = Signal()

    def __init__(
        self,
        menu: TrayMenu,
        tray: Tray,
        icon: Callable[[], QIcon | None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._menu = menu
        self._tray = tray
        self._icon = icon
        self.popup: PopupWindow | None = None
        self.fallback: FallbackWindow | None = None
        self._history: HistoryStore | None = None
        self._view: TrayView | None = None
        self._ticker = QTimer(self)
        self._ticker.setInterval(VIEW_REFRESH_MS)
        self._ticker.timeout.connect(self.tick)

    def set_history(self, history: HistoryStore | None) -> None:
        """The history the popup reads (it may open after the popup: then the popup fills in)."""
        self._history = history
        if self.popup is not None:
            self.popup.set_history(history)

    def update_view(self, view: TrayView) -> None:
        self._view = view
        if self.fallback is not None:
            self.fallback.update_view(view, self._icon())
        if self.popup is not None and self.popup.isVisible():
            self.popup.update_view(view)
        self._sync_ticker()

    def show_details(self) -> None:
        """From the menu or another launch: an ordinary window, which stays until closed."""
        self._ensure_popup().show_window()
        self._sync_ticker()

    def toggle_details(self) -> None:
        """A click on the icon: the popup next to it, gone again on the next click."""
        popup = self._ensure_popup()
        if popup.isVisible():
            popup.hide()
        else:
            popup.set_popup_mode(True)
            popup.show_near(self._tray.icon.geometry())
        self._sync_ticker()

    def bring_to_front(self) -> None:
        """Another launch knocked: show what we have (the fallback window or the popup)."""
        if self.fallback is not None and not self._tray.visible:
            self.show_fallback()
        else:
            self.show_details()

    def on_no_tray(self) -> None:
        """Say it on the terminal too: someone who started us there sees why no icon came."""
        if sys.stderr is not None:  # a windowed Windows app has no terminal
            print(_(NO_TRAY_LINE), file=sys.stderr, flush=True)
        self.show_fallback()

    def on_tray_shown(self) -> None:
        """The icon is in a tray: the status window that stood in for it goes away."""
        if self.fallback is not None and self.fallback.isVisible():
            self.fallback.hide()
            self._sync_ticker()
            logger.info("a system tray appeared; status window closed")
            if sys.stderr is not None:
                print(_(TRAY_APPEARED_LINE), file=sys.stderr, flush=True)

    def show_fallback(self) -> None:
        if self.fallback is None:
            from solaxtray.ui.fallback_window import FallbackWindow

            self.fallback = FallbackWindow(self._menu)
            if self._view is not None:
                self.fallback.update_view(self._view, self._icon())
        self.fallback.show()
        self.fallback.raise_()
        self._sync_ticker()

    def _ensure_popup(self) -> PopupWindow:
        if self.popup is None:
            from solaxtray.ui.popup import PopupWindow

            popup = PopupWindow(history=self._history)
            popup.refresh_requested.connect(self.refresh_requested)
            popup.settings_requested.connect(self.settings_requested)
            self.popup = popup
        if self._view is not None:
            self.popup.update_view(self._view)
        return self.popup

    def _sync_ticker(self) -> None:
        shown = (self.popup is not None and self.popup.isVisible()) or (
            self.fallback is not None and self.fallback.isVisible()
        )
        if shown and not self._ticker.isActive():
            self._ticker.start()
        elif not shown and self._ticker.isActive():
            self._ticker.stop()
