"""Desktop notifications for alerts: the policy (which kinds, paused or not) in one class, the
delivery per platform behind it (Vorta's shape).

Delivery:
- Linux: ``org.freedesktop.Notifications.Notify`` called directly with jeepney and the exact
  signature ``susssasa{sv}i``. Qt's ``showMessage`` only reaches the notification daemon when the
  StatusNotifierItem tray is in use; with a classic XEmbed tray it draws its own balloon, and a
  naive QtDBus call sends types that real daemons (dunst) reject. Calling it ourselves also lets a
  fault carry the critical urgency. The call runs on a worker thread with a time limit, so a hung
  session bus never freezes the tray.
- macOS and Windows: ``desktop-notifier`` (native notification centre) when importable.
- Anywhere the above fails: ``QSystemTrayIcon.showMessage``.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import sys
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QSystemTrayIcon

from solaxtray.core.clock import Clock
from solaxtray.ui.background import BackgroundCaller, emit

logger = logging.getLogger(__name__)

APP_NAME = "SolaX Tray"
NOTIFY_SIGNATURE = "susssasa{sv}i"
DBUS_TIMEOUT_S = 5.0
EXPIRE_MS = {2: 0, 1: 15_000, 0: 8_000}
"""Critical notifications stay until dismissed (0 means "never expire" to the daemon)."""


class AlertLike(Protocol):
    """The fields of engineer C's ``Alert`` this module reads."""

    @property
    def kind(self) -> Any: ...

    @property
    def severity(self) -> Any: ...

    @property
    def sn(self) -> str | None: ...

    @property
    def title(self) -> str: ...

    @property
    def body(self) -> str: ...


class Urgency(enum.IntEnum):
    """The freedesktop urgency levels."""

    LOW = 0
    NORMAL = 1
    CRITICAL = 2


def _name(value: Any) -> str:
    raw = getattr(value, "value", value)
    return str(raw).lower().replace("-", "_")


def urgency_of(alert: AlertLike) -> Urgency:
    severity = _name(alert.severity)
    if severity in ("critical", "error", "fault"):
        return Urgency.CRITICAL
    if severity in ("warning", "warn"):
        return Urgency.NORMAL
    return Urgency.LOW


# --- delivery -------------------------------------------------------------------------------------


def dbus_notify(summary: str, body: str, urgency: Urgency, *, app_icon: str = "solaxtray") -> int:
    """One Notify call on the session bus; returns the notification id. Blocking: call it off the
    GUI thread."""
    from jeepney import DBusAddress, MessageType, new_method_call
    from jeepney.io.blocking import open_dbus_connection

    address = DBusAddress(
        "/org/freedesktop/Notifications",
        bus_name="org.freedesktop.Notifications",
        interface="org.freedesktop.Notifications",
    )
    hints = {"urgency": ("y", int(urgency)), "desktop-entry": ("s", "solaxtray")}
    message = new_method_call(
        address,
        "Notify",
        NOTIFY_SIGNATURE,
        (APP_NAME, 0, app_icon, summary, body, [], hints, EXPIRE_MS[int(urgency)]),
    )
    with open_dbus_connection(bus="SESSION") as connection:
        reply = connection.send_and_get_reply(message, timeout=DBUS_TIMEOUT_S)
    if reply.header.message_type == MessageType.error:
        raise RuntimeError(f"the notification service refused the notification: {reply.body!r}")
    return int(reply.body[0])


def desktop_notifier_send(summary: str, body: str, urgency: Urgency) -> None:  # pragma: no cover
    """macOS / Windows native notification centre, through the kept library ``desktop-notifier``.

    Its API is asynchronous; this runs on a worker thread, so a private event loop per call is
    fine (notifications are rare). A failure falls back to the tray balloon (see ``send``).
    """
    import asyncio

    import desktop_notifier

    level = {
        Urgency.CRITICAL: desktop_notifier.Urgency.Critical,
        Urgency.NORMAL: desktop_notifier.Urgency.Normal,
        Urgency.LOW: desktop_notifier.Urgency.Low,
    }[urgency]
    notifier = desktop_notifier.DesktopNotifier(app_name=APP_NAME)
    asyncio.run(notifier.send(title=summary, message=body, urgency=level))


Sender = Callable[[str, str, Urgency], object]


def default_sender(platform: str | None = None) -> Sender | None:
    """The native sender of this platform, or ``None`` to use the tray's own balloon."""
    platform = platform or sys.platform
    if platform.startswith("linux") or platform.startswith("freebsd"):
        return dbus_notify
    try:
        import desktop_notifier  # noqa: F401
    except ImportError:
        return None
    return desktop_notifier_send  # pragma: no cover


# --- policy ---------------------------------------------------------------------------------------


class Notifier(QObject):
    """Decides whether an alert notifies, and delivers it without blocking the GUI thread.

    ``kind_enabled`` answers "does this alert kind notify?" from the current settings; it is a
    callable so a settings change applies at once without rewiring.
    """

    pause_changed = Signal()
    delivered = Signal(str, str, int)
    """(summary, body, urgency) after the platform accepted a notification; for tests and logs."""

    def __init__(
        self,
        *,
        clock: Clock,
        kind_enabled: Callable[[str], bool] = lambda _kind: True,
        tray: QSystemTrayIcon | None = None,
        sender: Sender | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._kind_enabled = kind_enabled
        self._tray = tray
        self._sender = sender
        self._caller = BackgroundCaller(self)
        self._paused_until: float | None = None

    def set_tray(self, tray: QSystemTrayIcon | None) -> None:
        self._tray = tray

    # --- pausing ----------------------------------------------------------------------------------

    @property
    def paused_until(self) -> float | None:
        """Epoch seconds when notifications resume, or ``None`` when they are not paused."""
        if self._paused_until is not None and self._clock.now() >= self._paused_until:
            self._paused_until = None
        return self._paused_until

    @property
    def paused(self) -> bool:
        return self.paused_until is not None

    def pause_for(self, seconds: float) -> None:
        self._paused_until = self._clock.now() + seconds
        logger.info("notifications paused for %.0f minutes", seconds / 60)
        emit(self.pause_changed)

    def pause_until_tomorrow(self) -> None:
        """Until the next local midnight: "tomorrow" as the clock on the wall says it."""
        now = dt.datetime.fromtimestamp(self._clock.now()).astimezone()
        tomorrow = (now + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        self._paused_until = tomorrow.timestamp()
        logger.info("notifications paused until %s", tomorrow.isoformat(timespec="minutes"))
        emit(self.pause_changed)

    def resume(self) -> None:
        self._paused_until = None
        logger.info("notifications resumed")
        emit(self.pause_changed)

    # --- delivery ---------------------------------------------------------------------------------

    def should_notify(self, alert: AlertLike) -> bool:
        if self.paused:
            return False
        return self._kind_enabled(_name(alert.kind))

    def notify_all(self, alerts: list[Any]) -> None:
        for alert in alerts:
            self.notify(alert)

    def notify(self, alert: AlertLike) -> bool:
        """Deliver one alert if the policy allows; returns whether it was sent on its way."""
        if not self.should_notify(alert):
            logger.info("alert not notified (paused or switched off): %s", alert.title)
            return False
        self.send(alert.title, alert.body, urgency_of(alert))
        return True

    def send(self, summary: str, body: str, urgency: Urgency) -> None:
        sender = self._sender
        if sender is None:
            self._show_in_tray(summary, body, urgency)
            return

        def done(_result: object, error: BaseException | None) -> None:
            if error is None:
                emit(self.delivered, summary, body, int(urgency))
                return
            logger.warning("desktop notification failed (%s); using the tray balloon", error)
            self._show_in_tray(summary, body, urgency)

        self._caller.call(
            lambda: sender(summary, body, urgency),
            done,
            timeout_s=DBUS_TIMEOUT_S + 1,
            name="solaxtray-notify",
        )

    def _show_in_tray(self, summary: str, body: str, urgency: Urgency) -> None:
        tray = self._tray
        if tray is None or not tray.isVisible():
            logger.warning("no way to show a notification: %s", summary)
            return
        icon = {
            Urgency.CRITICAL: QSystemTrayIcon.MessageIcon.Critical,
            Urgency.NORMAL: QSystemTrayIcon.MessageIcon.Warning,
            Urgency.LOW: QSystemTrayIcon.MessageIcon.Information,
        }[urgency]
        tray.showMessage(summary, body, icon, EXPIRE_MS[int(urgency)] or 30_000)
        emit(self.delivered, summary, body, int(urgency))
