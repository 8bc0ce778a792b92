"""Alerts and start-up problems as desktop notifications, and the menu's pause items.

The alert rules (``core.alerts``) decide what is news; the notifier (``ui/notifier.py``) decides
how a notification is delivered and whether a pause or the user's switches hold it back. This
module connects the two to the tray app's other parts: the poller's alerts, the problems found
at start that are not alerts (settings reset, a refused server), and the tray menu's "pause"
items with the label that says until when. Why apart from the wiring: it is the whole path from
"something to tell" to the user, readable in one place.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from PySide6.QtCore import QObject

from solaxtray.core.alerts import Alert
from solaxtray.core.i18n import _
from solaxtray.core.locale_format import format_time, weekday_short
from solaxtray.ui.notifier import Notifier, Urgency
from solaxtray.ui.tray import TrayMenu

logger = logging.getLogger(__name__)

PAUSE_HOUR_S = 3600.0


class AlertWiring(QObject):
    """Connects the notifier to the menu's pause items; says alerts and start-up problems."""

    def __init__(self, notifier: Notifier, menu: TrayMenu, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.notifier = notifier
        self._menu = menu
        menu.pause_hour.connect(lambda: notifier.pause_for(PAUSE_HOUR_S))
        menu.pause_tomorrow.connect(notifier.pause_until_tomorrow)
        menu.resume.connect(notifier.resume)
        notifier.pause_changed.connect(self._on_pause_changed)

    def on_alerts(self, alerts: Sequence[Alert]) -> None:
        """Alerts from the poller: logged, then notified (unless paused or switched off)."""
        for alert in alerts:
            logger.info(
                "alert: %s — %s", getattr(alert, "title", alert), getattr(alert, "body", "")
            )
        self.notifier.notify_all(list(alerts))

    def warn(self, title: str, message: str) -> None:
        """A problem at start that is not an alert (settings reset, bad server): a notification."""
        logger.warning("%s: %s", title, message)
        self.notifier.send(title, message, Urgency.NORMAL)

    def _on_pause_changed(self) -> None:
        until = self.notifier.paused_until
        if until is None:
            self._menu.set_paused(None)
            return
        moment = datetime.fromtimestamp(until)
        self._menu.set_paused(
            _("{weekday} {time}").format(weekday=weekday_short(moment), time=format_time(moment))
        )
