"""A fake Linux desktop on a private session bus, for the end-to-end tests and the benchmarks.

It owns ``org.kde.StatusNotifierWatcher`` (so Qt picks its D-Bus tray, the StatusNotifierItem, as
on KDE or GNOME with the AppIndicator extension) and ``org.freedesktop.Notifications`` (so a tray
notification crosses D-Bus where a test can count it). It reads every registered item back over
D-Bus the way a panel does, saving the icon as a PNG, and writes one JSON line per event to
``--log``: that file is the test's view of what a user's panel would have received.

It runs as its own process (``python fake_desktop.py --log FILE``) with the bus taken from
``DBUS_SESSION_BUS_ADDRESS``; it needs only jeepney and the standard library, never Qt, so that what
it sees is independent of the toolkit under test.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import struct
import sys
import threading
import time
import zlib
from pathlib import Path
from typing import Any

from jeepney import DBusAddress, HeaderFields, MatchRule, MessageType
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import DBusConnection, open_dbus_connection
from jeepney.wrappers import new_error, new_method_call, new_method_return, new_signal

WATCHER = "org.kde.StatusNotifierWatcher"
WATCHER_PATH = "/StatusNotifierWatcher"
ITEM_IFACE = "org.kde.StatusNotifierItem"
NOTIFICATIONS = "org.freedesktop.Notifications"
NOTIFICATIONS_PATH = "/org/freedesktop/Notifications"
PROPERTIES = "org.freedesktop.DBus.Properties"
NOTIFY_SIGNATURE = "susssasa{sv}i"
DBUS_NAME_FLAG_DO_NOT_QUEUE = 0x4
REQUEST_NAME_PRIMARY_OWNER = 1

_NOTIFICATIONS_XML = f"""<node><interface name="{NOTIFICATIONS}">
 <method name="Notify"><arg type="s" direction="in"/><arg type="u" direction="in"/>
  <arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="s" direction="in"/>
  <arg type="as" direction="in"/><arg type="a{{sv}}" direction="in"/><arg type="i" direction="in"/>
  <arg type="u" direction="out"/></method>
 <method name="CloseNotification"><arg type="u" direction="in"/></method>
 <method name="GetCapabilities"><arg type="as" direction="out"/></method>
 <method name="GetServerInformation"><arg type="s" direction="out"/><arg type="s" direction="out"/>
  <arg type="s" direction="out"/><arg type="s" direction="out"/></method>
</interface></node>"""


class EventLog:
    """Appends JSON lines; one lock because item queries run on their own threads."""

    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._lock = threading.Lock()

    def write(self, event: str, **fields: Any) -> None:
        fields["event"] = event
        fields["t"] = time.time()
        line = json.dumps(fields, default=repr)
        with self._lock:
            if self._path is not None:
                with self._path.open("a", encoding="utf-8") as fh:
                    fh.write(line + "\n")
            else:
                print(line, flush=True)


def argb_to_png(width: int, height: int, argb: bytes) -> bytes:
    """Encode an SNI pixmap (ARGB32, network byte order) as an RGBA PNG, without any image library."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type "none" for this scanline
        for x in range(width):
            i = (y * width + x) * 4
            a, r, g, b = argb[i : i + 4]
            rows += bytes((r, g, b, a))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows)))
        + chunk(b"IEND", b"")
    )


class FakeDesktop:
    """The watcher and notification server; one instance per private bus."""

    def __init__(self, log: EventLog, icon_dir: Path | None) -> None:
        self.log = log
        self.icon_dir = icon_dir
        self.items: list[tuple[str, str]] = []
        self.notification_id = 0
        self._png_count = 0
        self._png_lock = threading.Lock()

    # -- reading an item back, as a panel does ---------------------------------------------------
    def query_item(self, service: str, path: str, reason: str) -> None:
        """Fetch the item's properties on a separate connection, so the main loop keeps serving."""
        try:
            with open_dbus_connection(bus="SESSION") as conn:
                addr = DBusAddress(path, bus_name=service, interface=PROPERTIES)
                reply = conn.send_and_get_reply(
                    new_method_call(addr, "GetAll", "s", (ITEM_IFACE,)), timeout=5
                )
            if reply.header.message_type == MessageType.error:
                self.log.write(
                    "item_query_error",
                    service=service,
                    error=reply.header.fields.get(HeaderFields.error_name),
                )
                return
            props = {key: value[1] for key, value in reply.body[0].items()}
            pixmaps: list[tuple[int, int, bytes]] = props.get("IconPixmap") or []
            tooltip = props.get("ToolTip")
            saved: str | None = None
            digest: str | None = None
            if pixmaps:
                width, height, data = max(pixmaps, key=lambda p: p[0] * p[1])
                digest = hashlib.sha256(bytes(data)).hexdigest()
                if self.icon_dir is not None:
                    with self._png_lock:
                        self._png_count += 1
                        name = f"sni_icon_{self._png_count:03d}.png"
                    target = self.icon_dir / name
                    target.write_bytes(argb_to_png(width, height, bytes(data)))
                    saved = str(target)
            self.log.write(
                "item_props",
                reason=reason,
                service=service,
                Id=props.get("Id"),
                Title=props.get("Title"),
                Status=props.get("Status"),
                Category=props.get("Category"),
                ToolTip=[tooltip[2], tooltip[3]] if tooltip else None,
                IconName=props.get("IconName"),
                IconPixmapSizes=[[p[0], p[1]] for p in pixmaps],
                IconPixmapSha256=digest,
                Menu=props.get("Menu"),
                saved_png=saved,
            )
        except Exception as exc:  # a vanished item must not end the desktop
            self.log.write("item_query_exception", service=service, error=repr(exc))

    def _spawn_query(self, service: str, path: str, reason: str) -> None:
        threading.Thread(target=self.query_item, args=(service, path, reason), daemon=True).start()

    # -- serving ---------------------------------------------------------------------------------
    def handle(self, conn: DBusConnection, msg: Any) -> None:
        header = msg.header
        fields = header.fields
        member = fields.get(HeaderFields.member)
        iface = fields.get(HeaderFields.interface)
        path = fields.get(HeaderFields.path)
        sender = fields.get(HeaderFields.sender)
        if header.message_type == MessageType.signal:
            if iface == ITEM_IFACE:
                self.log.write("item_signal", member=member, sender=sender)
                self._spawn_query(sender, path, str(member))
            return
        if header.message_type != MessageType.method_call:
            return
        destination = fields.get(HeaderFields.destination)
        if member == "Introspect":
            xml = _NOTIFICATIONS_XML if path == NOTIFICATIONS_PATH else "<node/>"
            conn.send(new_method_return(msg, "s", (xml,)))
        elif member == "Ping":
            conn.send(new_method_return(msg))
        elif member == "GetMachineId":
            conn.send(new_method_return(msg, "s", ("0" * 32,)))
        elif iface == PROPERTIES and msg.body and msg.body[0] == WATCHER:
            self._watcher_properties(conn, msg, str(member))
        elif iface == WATCHER or (destination == WATCHER and path == WATCHER_PATH):
            self._watcher_call(conn, msg, str(member), str(sender))
        elif NOTIFICATIONS in (iface, destination):
            self._notification_call(conn, msg, str(member), str(sender), fields)
        else:
            conn.send(new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod"))

    def _watcher_properties(self, conn: DBusConnection, msg: Any, member: str) -> None:
        table = {
            "RegisteredStatusNotifierItems": ("as", [service for service, _ in self.items]),
            "IsStatusNotifierHostRegistered": ("b", True),
            "ProtocolVersion": ("i", 0),
        }
        if member == "GetAll":
            conn.send(new_method_return(msg, "a{sv}", (table,)))
        elif member == "Get" and msg.body[1] in table:
            conn.send(new_method_return(msg, "v", (table[msg.body[1]],)))
        else:
            conn.send(new_error(msg, "org.freedesktop.DBus.Error.UnknownProperty"))

    def _watcher_call(self, conn: DBusConnection, msg: Any, member: str, sender: str) -> None:
        if member == "RegisterStatusNotifierItem":
            arg = str(msg.body[0])
            # The spec allows either a bus name or an object path on the caller's connection.
            service, item_path = (
                (sender, arg) if arg.startswith("/") else (arg, "/StatusNotifierItem")
            )
            self.items.append((service, item_path))
            conn.send(new_method_return(msg))
            conn.send(
                new_signal(
                    DBusAddress(WATCHER_PATH, interface=WATCHER),
                    "StatusNotifierItemRegistered",
                    "s",
                    (service,),
                )
            )
            self.log.write(
                "item_registered", arg=arg, service=service, path=item_path, sender=sender
            )
            self._spawn_query(service, item_path, "register")
        elif member == "RegisterStatusNotifierHost":
            conn.send(new_method_return(msg))
            self.log.write("host_registered", arg=msg.body[0])
        else:
            conn.send(new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod"))

    def _notification_call(
        self, conn: DBusConnection, msg: Any, member: str, sender: str, fields: Any
    ) -> None:
        signature = fields.get(HeaderFields.signature)
        if member == "GetCapabilities":
            caps = ["body", "actions", "icon-static", "persistence"]
            conn.send(new_method_return(msg, "as", (caps,)))
        elif member == "GetServerInformation":
            info = ("fake-desktop", "solaxtray-tests", "1.0", "1.2")
            conn.send(new_method_return(msg, "ssss", info))
        elif member == "Notify" and signature != NOTIFY_SIGNATURE:
            # GDBus-based daemons refuse a wrong signature the same way: a test must see it.
            conn.send(
                new_error(
                    msg,
                    "org.freedesktop.DBus.Error.InvalidArgs",
                    "s",
                    (f"expected {NOTIFY_SIGNATURE}",),
                )
            )
            self.log.write("notify_rejected", signature=signature, sender=sender)
        elif member == "Notify":
            app, replaces, icon, summary, body, actions, hints, timeout = msg.body
            self.notification_id = replaces or self.notification_id + 1
            conn.send(new_method_return(msg, "u", (self.notification_id,)))
            simple_hints = {key: value[1] for key, value in hints.items() if key != "image-data"}
            self.log.write(
                "notify",
                id=self.notification_id,
                app_name=app,
                app_icon=icon,
                summary=summary,
                body=body,
                actions=list(actions),
                hints=simple_hints,
                has_image="image-data" in hints,
                expire_timeout=timeout,
                sender=sender,
                signature=signature,
            )
        elif member == "CloseNotification":
            conn.send(new_method_return(msg))
            self.log.write("close_notification", id=msg.body[0])
        else:
            conn.send(new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--log", type=Path, default=None, help="JSON-lines event file")
    parser.add_argument("--icon-dir", type=Path, default=None, help="where icon PNGs go")
    parser.add_argument("--no-watcher", action="store_true", help="no StatusNotifierWatcher")
    parser.add_argument("--no-notifications", action="store_true", help="no Notifications")
    args = parser.parse_args(argv)
    if args.icon_dir is not None:
        args.icon_dir.mkdir(parents=True, exist_ok=True)
    log = EventLog(args.log)
    desktop = FakeDesktop(log, args.icon_dir)

    conn = open_dbus_connection(bus="SESSION")
    names = ([] if args.no_watcher else [WATCHER]) + (
        [] if args.no_notifications else [NOTIFICATIONS]
    )
    for name in names:
        reply = conn.send_and_get_reply(
            message_bus.RequestName(name, DBUS_NAME_FLAG_DO_NOT_QUEUE), timeout=5
        )
        if reply.body[0] != REQUEST_NAME_PRIMARY_OWNER:
            print(f"fake desktop: could not own {name}", file=sys.stderr)
            return 1
    # Hear NewIcon / NewToolTip / NewStatus from every item, as a panel does.
    conn.send_and_get_reply(
        message_bus.AddMatch(MatchRule(type="signal", interface=ITEM_IFACE)), timeout=5
    )
    log.write("READY", names=names, unique=conn.unique_name)
    while True:
        msg = conn.receive()
        try:
            desktop.handle(conn, msg)
        except Exception as exc:  # keep serving: one odd call must not end the desktop
            log.write("handler_exception", error=repr(exc))


if __name__ == "__main__":
    sys.exit(main())
