"""The StatusNotifierItem ``Status`` of Qt's D-Bus tray icon: "NeedsAttention" during a fault.

Why this exists: a panel that follows the StatusNotifierItem spec (KDE Plasma, GNOME's
AppIndicator extension, waybar...) can make an item that needs attention stand out, but
``QSystemTrayIcon`` has no API for the item's status. Qt's D-Bus tray (``QDBusTrayIcon`` in
qtbase ``src/gui/platform/unix/dbustray``) answers "Active" ("be visible all the time.
QSystemTrayIcon has no API to control this", says its source), switches to "NeedsAttention" only
while a ``showMessage`` balloon is up, and keeps its setter private.

How: Qt serves the item at ``/StatusNotifierItem`` on a bus connection of its own, named after the
item ("org.kde.StatusNotifierItem-<pid>-<n>"). :class:`SniStatus` moves Qt's object to another path
on that connection and registers a small front at ``/StatusNotifierItem`` that answers ``Status``
itself and forwards every other call to Qt's object. The forwarding runs on the GUI thread, where
Qt's object lives (the front is called on Qt's D-Bus thread and only hands the message over).
Qt's change signals are re-sent from the front's path, where panels listen.

Anything unexpected (no D-Bus tray, another layout in a future Qt) leaves Qt's item as it is: the
status then stays "Active", exactly as without this module.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from PySide6.QtCore import SIGNAL, QObject, Signal
from PySide6.QtDBus import (
    QDBusAbstractAdaptor,
    QDBusConnection,
    QDBusMessage,
    QDBusVariant,
    QDBusVirtualObject,
)

logger = logging.getLogger(__name__)

ITEM_PATH = "/StatusNotifierItem"
QT_ITEM_PATH = "/org/solaxtray/QtStatusNotifierItem"
"""Where Qt's own item object is moved to, on Qt's connection."""
ITEM_IFACE = "org.kde.StatusNotifierItem"
PROPERTIES_IFACE = "org.freedesktop.DBus.Properties"
INTROSPECTABLE_IFACE = "org.freedesktop.DBus.Introspectable"
CONNECTION_NAME = "org.kde.StatusNotifierItem-{pid}-{n}"
"""Qt's name for the bus connection of its n-th tray icon (``KDEItemFormat`` in qtbase)."""
MAX_QT_ICONS = 64
ACTIVE = "Active"
NEEDS_ATTENTION = "NeedsAttention"

_RELAYED_SIGNALS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("iconChanged()", ("NewIcon",)),
    ("tooltipChanged()", ("NewToolTip",)),
    ("menuChanged()", ("NewMenu",)),
    ("attention()", ("NewAttentionIcon", "NewTitle")),
)
"""Qt's item signals and the D-Bus signals its own adaptor sends for them."""


class _Relay(QObject):
    """Carries a message from Qt's D-Bus thread to the GUI thread (a queued connection)."""

    request = Signal(object)


class _Front(QDBusVirtualObject):
    """The object at ``/StatusNotifierItem``: hands every call to the GUI thread."""

    def __init__(self, relay: _Relay, introspection: str) -> None:
        super().__init__()
        self._relay = relay
        self._introspection = introspection

    def introspect(self, path: str) -> str:
        return self._introspection

    def handleMessage(self, message: QDBusMessage, connection: QDBusConnection) -> bool:  # noqa: N802
        self._relay.request.emit(message)
        return True


def _find_qt_item() -> tuple[QDBusConnection, QObject] | None:
    """Qt's item object and its connection: the newest icon of this process that is up."""
    pid = os.getpid()
    for n in range(MAX_QT_ICONS, 0, -1):
        connection = QDBusConnection(CONNECTION_NAME.format(pid=pid, n=n))
        if not connection.isConnected():
            continue
        item = connection.objectRegisteredAt(ITEM_PATH)
        if item is not None and item.metaObject().className() == "QDBusTrayIcon":
            return connection, item
    return None


def _interfaces_only(xml: str) -> str:
    """The ``<interface>`` elements of an introspection document (what a virtual object
    returns; Qt adds the node around them)."""
    start = xml.find("<interface")
    end = xml.rfind("</interface>")
    if start < 0 or end < 0:
        return ""
    return xml[start : end + len("</interface>")]


class SniStatus(QObject):
    """Sets the item's ``Status``; :meth:`attach` after the icon is shown."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._attention = False
        self._connection: QDBusConnection | None = None
        self._qt_item: QObject | None = None
        self._front: _Front | None = None
        self._relay = _Relay(self)
        self._relay.request.connect(self._serve)
        self._property_names: list[str] = []
        self._sent_status = ACTIVE

    @property
    def attached(self) -> bool:
        return self._front is not None

    @property
    def status(self) -> str:
        """What the item says: ours, or Qt's own while it shows a balloon."""
        if self._attention:
            return NEEDS_ATTENTION
        if self._qt_item is not None and self._qt_item.property("status") == NEEDS_ATTENTION:
            return NEEDS_ATTENTION
        return ACTIVE

    def set_attention(self, needed: bool) -> None:
        self._attention = needed
        self._announce_status()

    def attach(self) -> bool:
        """Put the front in place; ``False`` (and Qt's item untouched) when that cannot be done."""
        if self._front is not None:
            return True
        found = _find_qt_item()
        if found is None:
            logger.debug("no D-Bus tray item of Qt's found; its status stays Active")
            return False
        connection, item = found
        adaptor = next(
            (c for c in item.children() if isinstance(c, QDBusAbstractAdaptor)),
            None,
        )
        if adaptor is None:
            logger.debug("Qt's tray item has no adaptor; its status stays Active")
            return False
        meta = adaptor.metaObject()
        names = [
            str(meta.property(i).name()) for i in range(meta.propertyOffset(), meta.propertyCount())
        ]
        connection.unregisterObject(ITEM_PATH)
        if not connection.registerObject(
            QT_ITEM_PATH, item, QDBusConnection.RegisterOption.ExportAdaptors
        ):
            connection.registerObject(
                ITEM_PATH, item, QDBusConnection.RegisterOption.ExportAdaptors
            )
            logger.warning("could not move Qt's tray item; its status stays Active")
            return False
        introspection = self._introspect_qt_item(connection)
        front = _Front(self._relay, introspection)
        if not connection.registerVirtualObject(ITEM_PATH, front):
            connection.unregisterObject(QT_ITEM_PATH)
            connection.registerObject(
                ITEM_PATH, item, QDBusConnection.RegisterOption.ExportAdaptors
            )
            logger.warning("could not serve the tray item's status; it stays Active")
            return False
        self._connection, self._qt_item, self._front = connection, item, front
        self._property_names = names
        for qt_signal, dbus_signals in _RELAYED_SIGNALS:
            QObject.connect(item, SIGNAL(qt_signal), self._relayer(dbus_signals))
        QObject.connect(item, SIGNAL("statusChanged(QString)"), self._announce_status)
        logger.debug("tray item status served by solaxtray at %s", ITEM_PATH)
        self._announce_status()
        return True

    # --- serving ------------------------------------------------------------------------------

    def _introspect_qt_item(self, connection: QDBusConnection) -> str:
        call = QDBusMessage.createMethodCall(
            connection.baseService(), QT_ITEM_PATH, INTROSPECTABLE_IFACE, "Introspect"
        )
        reply = connection.call(call)
        arguments = reply.arguments()
        if reply.type() != QDBusMessage.MessageType.ReplyMessage or not arguments:
            return ""
        return _interfaces_only(str(arguments[0]))

    def _forward(self, interface: str, member: str, arguments: list[Any]) -> QDBusMessage:
        """The same call to Qt's object, in this (the GUI) thread: a local call, no bus trip."""
        assert self._connection is not None
        call = QDBusMessage.createMethodCall(
            self._connection.baseService(), QT_ITEM_PATH, interface, member
        )
        call.setArguments(arguments)
        return self._connection.call(call)

    def _serve(self, message: QDBusMessage) -> None:
        connection = self._connection
        if connection is None:
            return
        interface, member = message.interface(), message.member()
        arguments = list(message.arguments())
        try:
            if interface == PROPERTIES_IFACE and arguments[:1] == [ITEM_IFACE]:
                if member == "Get" and arguments[1:2] == ["Status"]:
                    self._reply(message, [QDBusVariant(self.status)])
                    return
                if member == "GetAll":
                    self._reply(message, [self._all_properties()])
                    return
            answer = self._forward(interface, member, arguments)
        except Exception:  # a panel's odd call must not end the app
            logger.exception("tray item call %s.%s failed", interface, member)
            if message.isReplyRequired():
                connection.send(
                    message.createErrorReply("org.freedesktop.DBus.Error.Failed", "internal error")
                )
            return
        if not message.isReplyRequired():
            return
        if answer.type() == QDBusMessage.MessageType.ErrorMessage:
            connection.send(message.createErrorReply(answer.errorName(), answer.errorMessage()))
        else:
            self._reply(message, list(answer.arguments()))

    def _reply(self, message: QDBusMessage, arguments: list[Any]) -> None:
        if self._connection is None or not message.isReplyRequired():
            return
        reply = message.createReply()
        # setArguments, not createReply(list): PySide would send the list as one "av" argument.
        reply.setArguments(arguments)
        self._connection.send(reply)

    def _all_properties(self) -> dict[str, Any]:
        """``GetAll`` built from one ``Get`` per property (Qt's answer to ``GetAll`` comes as one
        opaque argument that cannot be edited), with our status."""
        values: dict[str, Any] = {}
        for name in self._property_names:
            answer = self._forward(PROPERTIES_IFACE, "Get", [ITEM_IFACE, name])
            arguments = answer.arguments()
            if answer.type() != QDBusMessage.MessageType.ReplyMessage or not arguments:
                continue
            value = arguments[0]
            values[name] = value.variant() if isinstance(value, QDBusVariant) else value
        values["Status"] = self.status
        return values

    # --- signals --------------------------------------------------------------------------------

    def _relayer(self, dbus_signals: tuple[str, ...]) -> Any:
        def relay(*_args: object) -> None:
            for name in dbus_signals:
                self._send_signal(name, [])

        return relay

    def _send_signal(self, name: str, arguments: list[Any]) -> None:
        if self._connection is None:
            return
        signal = QDBusMessage.createSignal(ITEM_PATH, ITEM_IFACE, name)
        if arguments:
            signal.setArguments(arguments)
        self._connection.send(signal)

    def _announce_status(self, *_args: object) -> None:
        status = self.status
        if status == self._sent_status:
            return
        self._sent_status = status
        logger.info("tray item status: %s", status)
        self._send_signal("NewStatus", [status])


__all__ = ["SniStatus"]
