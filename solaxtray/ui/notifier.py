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

A click on a notification opens the detail window (``Notifier.clicked``): on Linux the daemon's
``ActionInvoked`` signal with the ``"default"`` action, heard on the same long-lived bus connection
that sent the notification (some daemons send it to that connection only); elsewhere the tray
balloon's ``messageClicked``. A failure to notify is one sentence in the log, written once until
notifying works again, never the D-Bus error as it came.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import logging
import queue
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QSystemTrayIcon

from solaxtray.core.clock import Clock
from solaxtray.core.errors import NotificationError, SolaxTrayError
from solaxtray.core.i18n import N_, _
from solaxtray.ui.background import BackgroundCaller

logger = logging.getLogger(__name__)

APP_NAME = "SolaX Tray"
NOTIFY_SIGNATURE = "susssasa{sv}i"
DBUS_TIMEOUT_S = 5.0
EXPIRE_MS = {2: 0, 1: 15_000, 0: 8_000}
"""Critical notifications stay until dismissed (0 means "never expire" to the daemon)."""


class AlertLike(Protocol):
    """The fields of ``core.alerts.Alert`` this module reads."""

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


NOTIFICATIONS_NAME = "org.freedesktop.Notifications"
NOTIFICATIONS_PATH = "/org/freedesktop/Notifications"
DEFAULT_ACTION = "default"
"""The freedesktop action key of a click on the notification itself."""

_NO_SESSION_BUS = N_(
    "There is no desktop session bus here, so desktop notifications cannot be shown; alerts "
    "appear only in SolaX Tray itself."
)
_NO_SERVICE = N_(
    "No notification service is running on this desktop, so alerts appear only in SolaX Tray "
    "itself."
)
_REFUSED = N_(
    "The desktop's notification service refused a notification ({error}), so alerts appear only "
    "in SolaX Tray itself."
)
_NO_ANSWER = N_(
    "The desktop's notification service did not answer within {seconds:g} seconds, so alerts "
    "appear only in SolaX Tray itself."
)
_NO_OWNER_ERRORS = frozenset(
    {"org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner"}
)


def notify_message(
    summary: str, body: str, urgency: Urgency, *, app_icon: str = "solaxtray"
) -> Any:
    """The Notify call, with the exact signature real daemons want and a default action (a
    click on the notification)."""
    from jeepney import DBusAddress, new_method_call

    address = DBusAddress(
        NOTIFICATIONS_PATH, bus_name=NOTIFICATIONS_NAME, interface=NOTIFICATIONS_NAME
    )
    hints = {"urgency": ("y", int(urgency)), "desktop-entry": ("s", "solaxtray")}
    actions = [DEFAULT_ACTION, _("Open details")]
    return new_method_call(
        address,
        "Notify",
        NOTIFY_SIGNATURE,
        (APP_NAME, 0, app_icon, summary, body, actions, hints, EXPIRE_MS[int(urgency)]),
    )


def _notification_id(reply: Any) -> int:
    """The id from a Notify reply, or the sentence for the error the bus or daemon sent."""
    from jeepney import HeaderFields, MessageType

    if reply.header.message_type == MessageType.error:
        name = str(reply.header.fields.get(HeaderFields.error_name, "unknown error"))
        if name in _NO_OWNER_ERRORS:
            raise NotificationError(_(_NO_SERVICE))
        raise NotificationError(_(_REFUSED).format(error=name[:80]))
    return int(reply.body[0])


def dbus_notify(summary: str, body: str, urgency: Urgency, *, app_icon: str = "solaxtray") -> int:
    """One Notify call on a connection of its own; returns the notification id. Blocking: call
    it off the GUI thread. Clicks are not heard: see :class:`DBusNotifications`."""
    from jeepney.io.blocking import open_dbus_connection

    message = notify_message(summary, body, urgency, app_icon=app_icon)
    try:
        connection = open_dbus_connection(bus="SESSION")
    except (OSError, KeyError, ValueError) as exc:
        raise NotificationError(_(_NO_SESSION_BUS)) from exc
    with connection:
        try:
            reply = connection.send_and_get_reply(message, timeout=DBUS_TIMEOUT_S)
        except TimeoutError as exc:
            raise NotificationError(_(_NO_ANSWER).format(seconds=DBUS_TIMEOUT_S)) from exc
    return _notification_id(reply)


class DBusNotifications:
    """Sends notifications and hears their clicks on one session-bus connection, opened at the
    first notification and kept: a click comes as ``ActionInvoked``, which some daemons send only
    to the connection that sent the notification.

    ``on_default_action(id)`` runs on the listening thread when one of our notifications was
    clicked. Calls are thread-safe (jeepney's threading router)."""

    def __init__(self) -> None:
        self.on_default_action: Callable[[int], None] | None = None
        self._lock = threading.Lock()
        self._router: Any = None
        self._sent: set[int] = set()
        self._stop = threading.Event()

    def __call__(self, summary: str, body: str, urgency: Urgency) -> int:
        router = self._open()
        try:
            reply = router.send_and_get_reply(
                notify_message(summary, body, urgency), timeout=DBUS_TIMEOUT_S
            )
        except TimeoutError as exc:
            raise NotificationError(_(_NO_ANSWER).format(seconds=DBUS_TIMEOUT_S)) from exc
        except Exception as exc:  # the connection broke (the session ended): start afresh
            self._drop(router)
            raise NotificationError(_(_NO_SESSION_BUS)) from exc
        notification_id = _notification_id(reply)
        with self._lock:
            self._sent.add(notification_id)
        return notification_id

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            router, self._router = self._router, None
        if router is not None:
            self._close_router(router)

    def _open(self) -> Any:
        from jeepney import MatchRule, message_bus
        from jeepney.io.threading import DBusRouter, Proxy, open_dbus_connection

        with self._lock:
            if self._router is not None:
                return self._router
            try:
                router = DBusRouter(open_dbus_connection(bus="SESSION"))
            except (OSError, KeyError, ValueError) as exc:
                raise NotificationError(_(_NO_SESSION_BUS)) from exc
            rule = MatchRule(
                type="signal",
                interface=NOTIFICATIONS_NAME,
                path=NOTIFICATIONS_PATH,
                member="ActionInvoked",
            )
            events: queue.Queue[Any] = queue.Queue(maxsize=64)
            handle = router.filter(rule, queue=events)
            try:
                Proxy(message_bus, router, timeout=DBUS_TIMEOUT_S).AddMatch(rule)
            except Exception as exc:  # no match rule: notifications still work, clicks do not
                logger.info("clicks on notifications will not be heard (%s)", type(exc).__name__)
            self._router = router
            threading.Thread(
                target=self._listen,
                args=(events, handle),
                name="solaxtray-notification-clicks",
                daemon=True,
            ).start()
            return router

    def _listen(self, events: queue.Queue[Any], handle: Any) -> None:
        try:
            while not self._stop.is_set():
                try:
                    message = events.get(timeout=0.5)
                except queue.Empty:
                    continue
                body = message.body
                if len(body) != 2 or body[1] != DEFAULT_ACTION:
                    continue
                with self._lock:
                    ours = int(body[0]) in self._sent
                callback = self.on_default_action
                if ours and callback is not None:
                    callback(int(body[0]))
        finally:
            handle.close()

    def _drop(self, router: Any) -> None:
        with self._lock:
            if self._router is router:
                self._router = None
        self._close_router(router)

    @staticmethod
    def _close_router(router: Any) -> None:
        try:
            router.close()
            router.conn.close()
        except Exception:  # closing a broken connection may fail again; nothing is lost
            logger.debug("closing the notification bus connection failed", exc_info=True)


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
        return DBusNotifications()
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
    clicked = Signal()
    """The user clicked one of our notifications (its default action): open the details."""
    _clicked_elsewhere = Signal()
    """Emitted on the listening thread; Qt queues it to ``clicked`` on the GUI thread."""

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
        self._failure: str | None = None
        """The sentence of the last failure to notify, logged once until a notification works."""
        self._clicked_elsewhere.connect(self._on_clicked)
        if isinstance(sender, DBusNotifications):
            sender.on_default_action = lambda _id: self._clicked_elsewhere.emit()
        self.set_tray(tray)

    def set_tray(self, tray: QSystemTrayIcon | None) -> None:
        if self._tray is not None and self._tray is not tray:
            # Never connected, or the old icon is gone already.
            with contextlib.suppress(RuntimeError, TypeError):
                self._tray.messageClicked.disconnect(self._on_clicked)
        self._tray = tray
        if tray is not None:
            tray.messageClicked.connect(self._on_clicked)

    def close(self) -> None:
        """Let go of the notification service's connection (at quit)."""
        if isinstance(self._sender, DBusNotifications):
            self._sender.close()

    def _on_clicked(self) -> None:
        logger.info("a notification was clicked")
        self.clicked.emit()

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
        self.pause_changed.emit()

    def pause_until_tomorrow(self) -> None:
        """Until the next local midnight: "tomorrow" as the clock on the wall says it."""
        now = dt.datetime.fromtimestamp(self._clock.now()).astimezone()
        tomorrow = (now + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        self._paused_until = tomorrow.timestamp()
        logger.info("notifications paused until %s", tomorrow.isoformat(timespec="minutes"))
        self.pause_changed.emit()

    def resume(self) -> None:
        self._paused_until = None
        logger.info("notifications resumed")
        self.pause_changed.emit()

    # --- delivery ---------------------------------------------------------------------------------

    def should_notify(self, alert: AlertLike) -> bool:
        if self.paused:
            return False
        return self._kind_enabled(_name(alert.kind))

    def notify_all(self, alerts: Sequence[AlertLike]) -> None:
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
                self._failure = None
                self.delivered.emit(summary, body, int(urgency))
                return
            self._log_failure(error)
            self._show_in_tray(summary, body, urgency)

        self._caller.call(
            lambda: sender(summary, body, urgency),
            done,
            timeout_s=DBUS_TIMEOUT_S + 1,
            name="solaxtray-notify",
        )

    def _log_failure(self, error: BaseException) -> None:
        """One sentence, once: the same failure on every alert would fill the terminal."""
        if isinstance(error, SolaxTrayError):
            sentence = error.message
        else:
            sentence = _(
                "A desktop notification could not be shown ({error}), so alerts appear only in "
                "SolaX Tray itself."
            ).format(error=type(error).__name__)
        if sentence == self._failure:
            logger.debug("notification failed again: %s", sentence)
            return
        self._failure = sentence
        logger.warning("%s", sentence)

    def _show_in_tray(self, summary: str, body: str, urgency: Urgency) -> None:
        tray = self._tray
        if tray is None or not tray.isVisible():
            # INFO: the reason (no notification service) was logged once as a warning.
            logger.info("no way to show a notification: %s", summary)
            return
        icon = {
            Urgency.CRITICAL: QSystemTrayIcon.MessageIcon.Critical,
            Urgency.NORMAL: QSystemTrayIcon.MessageIcon.Warning,
            Urgency.LOW: QSystemTrayIcon.MessageIcon.Information,
        }[urgency]
        tray.showMessage(summary, body, icon, EXPIRE_MS[int(urgency)] or 30_000)
        self.delivered.emit(summary, body, int(urgency))
