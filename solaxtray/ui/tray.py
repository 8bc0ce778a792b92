"""The tray icon's behaviour: its menu, clicks, tooltip, and waiting for a tray to exist.

Drawing is elsewhere (``ui/icon.py``); what to show is decided by ``core/presentation.py``. This
module only keeps the icon in step with the latest :class:`TrayView`.

Every action is in the menu, because GNOME's AppIndicator extension never delivers a left click;
where the desktop does send one, a click or double click toggles the popup.

Start-up speed: this module is imported before the icon is first shown, so it loads nothing beyond
Qt's basics (no core modules at run time, not even Qt's large ``Qt`` namespace): the first icon is
the plain "starting" plate of :func:`starting_icon`, replaced by the real drawing a moment later.
"""

from __future__ import annotations

import logging
import math
import sys
from array import array
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal, SignalInstance
from PySide6.QtGui import QAction, QIcon, QImage, QPixmap
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from solaxtray.core.i18n import N_, _

if TYPE_CHECKING:
    from solaxtray.core.presentation import TrayView
    from solaxtray.ui.sni_status import SniStatus

logger = logging.getLogger(__name__)

LABEL_OPEN = N_("Open details")
LABEL_REFRESH = N_("Refresh now")
LABEL_PAUSE = N_("Pause notifications")
LABEL_PAUSE_HOUR = N_("For 1 hour")
LABEL_PAUSE_TOMORROW = N_("Until tomorrow")
LABEL_RESUME = N_("Resume notifications")
LABEL_SETTINGS = N_("Settings…")
LABEL_QUIT = N_("Quit")

STARTING_TOOLTIP = N_("SolaX Tray — starting…")
STARTING_STATUS = N_("Starting…")
"""The menu's status line until the first view arrives. The labels above are marked for
translation (``N_``) and translated where they are shown."""
STARTING_PLATE = "#607d8b"
"""The set-up state's blue-grey (``ui/icon.py``), so the start reads as "not ready yet"."""
STARTING_SIZES = (16, 22, 32)
"""Drawn sizes (others are scaled from these): few, because Python draws them at start."""

TRAY_RETRY_INTERVAL_MS = 500
TRAY_WAIT_S = 3.0
"""How long to wait for a tray at start before the fallback window: a few seconds, so a desktop
without a tray gets the status window at once instead of nothing for a minute."""
TRAY_LATE_POLL_MS = 5000
"""After the fallback window: how often to look for a tray that started after us (autostart races
the panel at login). Slow, because it costs a wake-up and a D-Bus query each time."""


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
        # The fleet now and today, first and disabled: on GNOME the menu is the only surface.
        self.status_action = self.menu.addAction(_(STARTING_STATUS))
        self.status_action.setEnabled(False)
        self.menu.addSeparator()
        self.open_action = self._add(self.menu, LABEL_OPEN, self.open_details)
        self.refresh_action = self._add(self.menu, LABEL_REFRESH, self.refresh)
        self.pause_menu = QMenu(_(LABEL_PAUSE), self.menu)
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
        action = menu.addAction(_(label))
        action.triggered.connect(signal)  # signal to signal: Qt emits it in C++
        return action

    def set_paused(self, until_text: str | None) -> None:
        """Show whether notifications are paused ("Paused until 14:05") and offer Resume."""
        paused = until_text is not None
        self.resume_action.setEnabled(paused)
        self.resume_action.setText(
            _("Resume notifications (paused until {time})").format(time=until_text)
            if paused
            else _(LABEL_RESUME)
        )

    def set_status(self, text: str) -> None:
        """The status line's text ("2.3 kW · 28 % · 25.6 kWh today"), set only when it changes
        (each change is a D-Bus layout update on Linux)."""
        if self.status_action.text() != text:
            self.status_action.setText(text)

    def labels(self) -> list[str]:
        """The top-level labels of the actions (the status line excluded), as a tray host lists
        them."""
        return [
            a.text()
            for a in self.menu.actions()
            if not a.isSeparator() and a is not self.status_action
        ]

    def action(self, label: str) -> QAction:
        for menu in (self.menu, self.pause_menu):
            for action in menu.actions():
                if action.text() == label:
                    return action
        raise KeyError(label)


def starting_icon() -> QIcon:
    """The icon shown while the app loads: a blue-grey plate with three dots ("…").

    Computed pixel by pixel rather than painted: at start-up every Qt call that takes a colour
    (``setPen``, ``setBrush``, ``QImage.fill``...) first loads Qt's whole ``Qt`` namespace to
    resolve its overloads, some 40-70 ms, more than the rest of this icon's way to the panel.
    """
    icon = QIcon()
    for px in STARTING_SIZES:
        data = _starting_pixels(px)
        image = QImage(data, px, px, 4 * px, QImage.Format.Format_ARGB32_Premultiplied)
        icon.addPixmap(QPixmap.fromImage(image.copy()))  # copy: the image must own its pixels
    return icon


def _starting_pixels(px: int) -> bytes:
    """ARGB32 premultiplied pixels (native byte order) of the starting icon, antialiased by each
    pixel's distance to the shapes' edges. Only edge pixels are computed one by one."""
    plate = int(STARTING_PLATE[1:], 16)
    rgb = ((plate >> 16) & 0xFF, (plate >> 8) & 0xFF, plate & 0xFF)
    centre = px / 2
    plate_r = px / 2 - px * 0.06
    dot_r = max(1.0, px * 0.08)
    pixels = array("I", bytes(4 * px * px))
    solid = _argb(rgb, 1.0)
    for y in range(px):
        dy = y + 0.5 - centre
        if abs(dy) >= plate_r + 0.5:
            continue
        outer = math.sqrt((plate_r + 0.5) ** 2 - dy * dy)
        inner = math.sqrt(max(0.0, (plate_r - 0.5) ** 2 - dy * dy))
        x0 = max(0, math.floor(centre - outer))
        x1 = min(px, math.ceil(centre + outer))
        # Pixels wholly inside the plate (their far corner too) are filled in one go.
        i0 = max(x0, math.ceil(centre - inner + 0.71))
        i1 = max(i0, min(x1, math.floor(centre + inner - 0.71)))
        row = y * px
        pixels[row + i0 : row + i1] = array("I", [solid]) * (i1 - i0)
        for x in (*range(x0, i0), *range(i1, x1)):
            cover = min(1.0, max(0.0, plate_r - math.hypot(x + 0.5 - centre, dy) + 0.5))
            pixels[row + x] = _argb(rgb, cover)
    for i in (-1, 0, 1):
        cx = centre + i * dot_r * 2.8
        for y in range(
            max(0, math.floor(centre - dot_r - 1)), min(px, math.ceil(centre + dot_r + 1))
        ):
            for x in range(max(0, math.floor(cx - dot_r - 1)), min(px, math.ceil(cx + dot_r + 1))):
                white = min(1.0, max(0.0, dot_r - math.hypot(x + 0.5 - cx, y + 0.5 - centre) + 0.5))
                if white > 0.0:
                    mixed = tuple(c + (255 - c) * white for c in rgb)
                    pixels[y * px + x] = _argb(mixed, 1.0)
    return pixels.tobytes()


def _argb(rgb: tuple[float, ...], alpha: float) -> int:
    r, g, b = (round(c * alpha) for c in rgb)
    return (round(255 * alpha) << 24) | (r << 16) | (g << 8) | b


class Tray(QObject):
    """The system tray icon. ``unavailable`` fires when no tray appeared within the wait; the app
    then shows the fallback window. ``shown`` fires once the icon is in a tray, also when a tray
    appears after ``unavailable`` (it is looked for every ``late_poll_ms`` until then).

    A tray that appears late gets a new ``QSystemTrayIcon``: Qt picks the D-Bus
    (StatusNotifierItem) or the XEmbed path when the icon object is created, so an icon created
    before the StatusNotifierWatcher existed would never register with it. Read ``icon`` afresh
    rather than keeping it."""

    shown = Signal()
    unavailable = Signal()
    toggle_popup = Signal()

    def __init__(
        self,
        menu: TrayMenu,
        render: Callable[[TrayView], QIcon | None] | None = None,
        *,
        wait_s: float = TRAY_WAIT_S,
        retry_ms: int = TRAY_RETRY_INTERVAL_MS,
        late_poll_ms: int = TRAY_LATE_POLL_MS,
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
        self._late_poll_ms = late_poll_ms
        self._missed = False
        self._gave_up = False
        """True once a look found no tray: the icon object then predates the tray."""
        self._started = False
        self._attention = False
        self.item_status: SniStatus | None = None
        """The StatusNotifierItem status (Linux D-Bus trays), once the icon is up."""
        self.icon_updates = 0
        """How many times ``setIcon`` ran: the icon is only replaced when its pixels change."""

    @property
    def menu(self) -> TrayMenu:
        return self._menu

    @property
    def visible(self) -> bool:
        return self.icon.isVisible()

    def set_renderer(self, render: Callable[[TrayView], QIcon | None]) -> None:
        """Who draws the icon for a view (the app, once it is built)."""
        self._render = render

    def show_starting(self) -> None:
        """Put up the "starting" icon and tooltip at once, before the app is built."""
        self.icon.setIcon(starting_icon())
        self._tooltip = _(STARTING_TOOLTIP)
        self.icon.setToolTip(self._tooltip)
        self.start()

    def start(self) -> None:
        """Show the icon now if a tray exists, else keep trying for a while. Only the first call
        acts (the app calls it again when it takes over an icon already up)."""
        if self._started:
            return
        self._started = True
        if not self._try_show():
            logger.info("no system tray yet; waiting for one")
            self._retry.start()

    def _try_show(self) -> bool:
        if self._tray_available():
            self._retry.stop()
            if self._missed:
                self._replace_icon()
            self.icon.show()
            logger.info("tray icon shown")
            self._serve_item_status()
            self.shown.emit()
            return True
        self._missed = True
        self._attempts_left -= 1
        if self._attempts_left <= 0 and not self._gave_up and self._retry.isActive():
            self._gave_up = True
            # Keep looking, slowly: a panel may still start (autostart races it at login).
            self._retry.setInterval(self._late_poll_ms)
            logger.warning("no system tray appeared; showing a status window instead")
            self.unavailable.emit()
        return False

    def _serve_item_status(self) -> None:
        """On Linux, take over the D-Bus item's ``Status`` (Qt offers no API for it)."""
        if not sys.platform.startswith("linux") or self.item_status is not None:
            return
        from solaxtray.ui.sni_status import SniStatus

        status = SniStatus(self)
        if status.attach():
            status.set_attention(self._attention)
            self.item_status = status

    def _replace_icon(self) -> None:
        """A new QSystemTrayIcon with the old one's picture, tooltip and menu (see the class)."""
        old = self.icon
        icon = QSystemTrayIcon(self)
        icon.setIcon(old.icon())
        icon.setToolTip(self._tooltip)
        icon.setContextMenu(self._menu.menu)
        icon.activated.connect(self._on_activated)
        old.hide()
        old.deleteLater()
        self.icon = icon

    def update_view(self, view: TrayView) -> None:
        """``render`` returns a new icon only when the pixels change (``ui/icon.IconCache``), so
        ``setIcon`` runs only then: Qt leaks on icon churn and SNI re-sends every pixmap."""
        icon = self._render(view) if self._render is not None else None
        if icon is not None:
            self.icon.setIcon(icon)
            self.icon_updates += 1
        if view.tooltip != self._tooltip:
            self._tooltip = view.tooltip
            self.icon.setToolTip(view.tooltip)
        self._menu.set_status(view.status_line)
        self._attention = view.needs_attention
        if self.item_status is not None:
            self.item_status.set_attention(self._attention)

    def hide(self) -> None:
        self._retry.stop()
        self.icon.hide()

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.toggle_popup.emit()
        elif reason is QSystemTrayIcon.ActivationReason.MiddleClick:
            self._menu.refresh.emit()
