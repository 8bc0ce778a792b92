"""A small always-on-top status window for desktops without a system tray.

GNOME shows no tray icons unless an extension provides them, and a panel can fail to start; the
app must still show the power and the problems, and say how to get a tray. The buttons emit the
same signals as the tray menu, so the app wires one set of handlers.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from solaxtray.core.i18n import _
from solaxtray.core.presentation import TrayView
from solaxtray.ui.tray import LABEL_OPEN, LABEL_QUIT, LABEL_REFRESH, LABEL_SETTINGS, TrayMenu


def tray_help_text(platform: str | None = None) -> str:
    """One sentence on how to get a tray on this kind of desktop."""
    platform = platform or sys.platform
    if platform.startswith("linux") or platform.startswith("freebsd"):
        return _(
            "No system tray was found. On GNOME, install and enable the “AppIndicator and "
            "KStatusNotifierItem Support” extension, then start SolaX Tray again. Other desktops "
            "show tray icons when their panel has a system tray (notification area) applet."
        )
    return _("No system tray was found. SolaX Tray keeps running in this window.")


class FallbackWindow(QWidget):
    """Status in words, and the tray menu's actions as buttons."""

    def __init__(self, menu: TrayMenu, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("SolaX Tray"))
        self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, True)
        self.setObjectName("solaxtray-fallback")
        layout = QVBoxLayout(self)
        self.status_label = QLabel(_("Starting…"), self)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.icon_label = QLabel(self)
        top = QHBoxLayout()
        top.addWidget(self.icon_label)
        top.addWidget(self.status_label, 1)
        layout.addLayout(top)
        self.help_label = QLabel(tray_help_text(), self)
        self.help_label.setWordWrap(True)
        layout.addWidget(self.help_label)
        buttons = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for label, signal in (
            (LABEL_OPEN, menu.open_details),
            (LABEL_REFRESH, menu.refresh),
            (LABEL_SETTINGS, menu.settings),
            (LABEL_QUIT, menu.quit),
        ):
            button = QPushButton(_(label), self)
            button.clicked.connect(signal)
            buttons.addWidget(button)
            self.buttons[label] = button
        layout.addLayout(buttons)

    def update_view(self, view: TrayView, icon: QIcon | None = None) -> None:
        self.status_label.setText(view.tooltip)
        if icon is not None:
            self.icon_label.setPixmap(icon.pixmap(32, 32))
