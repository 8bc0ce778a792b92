"""The tray icon's behaviour: its menu, clicks, tooltip, and waiting for a tray to exist.

Drawing is elsewhere (``ui/icon.py``); what to show is decided by ``core/presentation.py``. This
module only keeps the icon in step with the latest :class:`TrayView`.

Every action is in the menu, because GNOME's AppIndicator extension never delivers a left click;
where the desktop does send one, a click or double click toggles the popup.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal, SignalInstance
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from solaxtray.core.presentation import TrayView
from solaxtray.ui.background import emit

logger = logging.getLogger(__name__)

LABEL_OPEN = "Open details"
LABEL_REFRESH = "Refresh now"
LABEL_PAUSE = "Pause notifications"
LABEL_PAUSE_HOUR = "For 1 hour"
LABEL_PAUSE_TOMORROW = "Until tomorrow"
LABEL_RESUME = "Resume notifications"
LABEL_SETTINGS = "Settings…"
LABEL_QUIT = "Quit"

TRAY_RETRY_INTERVAL_MS = 2000
TRAY_WAIT_S = 60.0
"""How long to wait for a tray at start before the fallback window: long enough for a panel that
starts after us at login (autostart races the panel)."""


class TrayMenu(QObject):
    """The menu and its actions, usable without a tray (the fallback window shows the same)."""

    open_details = Signal()
    refresh = Signal()
    pause_hour = Signal()
    pause_tomorrow = Signal()
    resume = Signal()
    settings = Signal()
    quit = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.menu = QMenu()
        self.open_action = self._add(self.menu, LABEL_OPEN, self.open_details)
        self.refresh_action = self._add(self.menu, LABEL_REFRESH, self.refresh)
        self.pause_menu = QMenu(LABEL_PAUSE, self.menu)
        self.pause_hour_action = self._add(self.pause_menu, LABEL_PAUSE_HOUR, self.pause_hour)
        self.pause_tomorrow_action = self._add(
            self.pause_menu, LABEL_PAUSE_TOMORROW, self.pause_tomorrow
        )
        self.resume_action = self._add(self.pause_menu, LABEL_RESUME, self.resume)
        self.menu.addMenu(self.pause_menu)
        self.settings_action = self._add(self.menu, LABEL_SETTINGS, self.settings)
        self.menu.addSeparator()
        self.quit_action = self._add(self.menu, LABEL_QUIT, self.quit)
        self.set_paused(None)

    @staticmethod
    def _add(menu: QMenu, label: str, signal: SignalInstance) -> QAction:
        action = menu.addAction(label)
        action.triggered.connect(signal)  # signal to signal: Qt emits it in C++
        return action

    def set_paused(self, until_text: str | None) -> None:
        """Show whether notifications are paused ("Paused until 14:05") and offer Resume."""
        paused = until_text is not None
        self.resume_action.setEnabled(paused)
        self.resume_action.setText(
            f"{LABEL_RESUME} (paused until {until_text})" if paused else LABEL_RESUME
        )

    def labels(self) -> list[str]:
        """The top-level labels, as a tray host lists them."""
        return [a.text() for a in self.menu.actions() if not a.isSeparator()]

    def action(self, label: str) -> QAction:
        for menu in (self.menu, self.pause_menu):
            for action in menu.actions():
                if action.text() == label:
                    return action
        raise KeyError(label)


class Tray(QObject):
    """The system tray icon. ``unavailable`` fires when no tray appeared within the wait; the app
    then shows the fallback window. ``shown`` fires once the icon is in a tray."""

    shown = Signal()
    unavailable = Signal()
    toggle_popup = Signal()

    def __init__(
        self,
        menu: TrayMenu,
        render: Callable[[TrayView], QIcon | None],
        *,
        wait_s: float = TRAY_WAIT_S,
        retry_ms: int = TRAY_RETRY_INTERVAL_MS,
        tray_available: Callable[[], bool] = QSystemTrayIcon.isSystemTrayAvailable,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._menu = menu
        self._render = render
        self._tray_available = tray_available
        self.icon = QSystemTrayIcon(self)
        self.icon.setContextMenu(menu.menu)
        self.icon.activated.connect(self._on_activated)
        self._tooltip = ""
        self._retry = QTimer(self)
        self._retry.setInterval(retry_ms)
        self._retry.timeout.connect(self._try_show)
        self._attempts_left = max(1, round(wait_s * 1000 / retry_ms))
        self.icon_updates = 0
        """How many times ``setIcon`` ran: the icon is only replaced when its pixels change."""

    @property
    def visible(self) -> bool:
        return self.icon.isVisible()

    def start(self) -> None:
        """Show the icon now if a tray exists, else keep trying for a while."""
        if not self._try_show():
            logger.info("no system tray yet; waiting for one")
            self._retry.start()

    def _try_show(self) -> bool:
        if self._tray_available():
            self._retry.stop()
            self.icon.show()
            logger.info("tray icon shown")
            emit(self.shown)
            return True
        self._attempts_left -= 1
        if self._attempts_left <= 0 and self._retry.isActive():
            self._retry.stop()
            logger.warning("no system tray appeared; showing a status window instead")
            emit(self.unavailable)
        return False

    def update_view(self, view: TrayView) -> None:
        """``render`` returns a new icon only when the pixels change (``ui/icon.IconCache``), so
        ``setIcon`` runs only then: Qt leaks on icon churn and SNI re-sends every pixmap."""
        icon = self._render(view)
        if icon is not None:
            self.icon.setIcon(icon)
            self.icon_updates += 1
        if view.tooltip != self._tooltip:
            self._tooltip = view.tooltip
            self.icon.setToolTip(view.tooltip)

    def hide(self) -> None:
        self._retry.stop()
        self.icon.hide()

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            emit(self.toggle_popup)
        elif reason is QSystemTrayIcon.ActivationReason.MiddleClick:
            emit(self._menu.refresh)
