"""Checks of the Linux desktop: a tray host and a notification service. Qt-free.

The probes sit behind ``DesktopProbe``, so tests point them at a private session bus and X
server: the D-Bus side speaks jeepney (a keyring dependency on Linux), the X side asks libX11
through ctypes who owns ``_NET_SYSTEM_TRAY_S<screen>``. Every probe has a time limit: a hung bus
must not hang the doctor. Windows and macOS always have a tray and a notification centre.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import queue
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from solaxtray.core.doctor.model import CheckResult, fail, ok, warn
from solaxtray.core.i18n import _

logger = logging.getLogger(__name__)

TRAY_ID = "tray"
NOTIFICATIONS_ID = "notifications"
SNI_WATCHER = "org.kde.StatusNotifierWatcher"
NOTIFICATIONS = "org.freedesktop.Notifications"
NOTIFICATIONS_PATH = "/org/freedesktop/Notifications"
PROBE_TIMEOUT_S = 3.0

_T = TypeVar("_T")


class ProbeError(Exception):
    """A probe could not get an answer (no bus, no display, no reply in time)."""


@dataclass(frozen=True, slots=True)
class NotificationServer:
    name: str
    vendor: str
    version: str
    capabilities: tuple[str, ...]


class DesktopProbe(Protocol):
    """What the desktop checks ask of the session."""

    def has_session_bus(self) -> bool: ...

    def has_display(self) -> bool: ...

    def name_owner(self, name: str) -> str | None:
        """The unique bus name owning ``name``, or None; raises ProbeError."""

    def notification_server(self) -> NotificationServer:
        """``GetServerInformation`` and ``GetCapabilities``; raises ProbeError."""

    def xembed_tray_owner(self) -> int | None:
        """The window owning ``_NET_SYSTEM_TRAY_S<screen>``, or None; raises ProbeError."""


def _timed(func: Callable[[], _T], seconds: float, what: str) -> _T:
    results: queue.Queue[tuple[bool, object]] = queue.Queue(maxsize=1)

    def work() -> None:
        try:
            results.put((True, func()))
        except BaseException as exc:
            results.put((False, exc))

    threading.Thread(target=work, name=f"doctor-{what}", daemon=True).start()
    try:
        done, value = results.get(timeout=seconds)
    except queue.Empty:
        raise ProbeError(
            _("no answer within {seconds:g} seconds").format(seconds=seconds)
        ) from None
    if done:
        return value  # type: ignore[return-value]
    assert isinstance(value, BaseException)
    if isinstance(value, ProbeError):
        raise value
    raise ProbeError(type(value).__name__) from value


class SessionProbe:
    """The real probe: the session bus (``bus_address``, default ``DBUS_SESSION_BUS_ADDRESS``)
    through jeepney and the X display (``display``, default ``DISPLAY``) through libX11."""

    def __init__(
        self,
        *,
        bus_address: str | None = None,
        display: str | None = None,
        timeout: float = PROBE_TIMEOUT_S,
    ) -> None:
        self._bus = (
            bus_address
            if bus_address is not None
            else os.environ.get("DBUS_SESSION_BUS_ADDRESS", "")
        )
        self._display = display if display is not None else os.environ.get("DISPLAY", "")
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"SessionProbe(bus={bool(self._bus)}, display={self._display!r})"

    def has_session_bus(self) -> bool:
        return bool(self._bus)

    def has_display(self) -> bool:
        return bool(self._display) or bool(os.environ.get("WAYLAND_DISPLAY"))

    def _call(
        self, destination: str, path: str, interface: str, member: str, *args: object
    ) -> tuple[object, ...]:
        if not self._bus:
            raise ProbeError(_("no session bus"))

        def call() -> tuple[object, ...]:
            from jeepney import DBusAddress, HeaderFields, MessageType, new_method_call
            from jeepney.io.blocking import open_dbus_connection

            address = DBusAddress(path, bus_name=destination, interface=interface)
            signature = "s" if args else None
            message = (
                new_method_call(address, member, signature, args)
                if signature
                else new_method_call(address, member)
            )
            with open_dbus_connection(bus=self._bus) as conn:
                reply = conn.send_and_get_reply(message, timeout=self._timeout)
            if reply.header.message_type == MessageType.error:
                raise ProbeError(str(reply.header.fields.get(HeaderFields.error_name, "error")))
            return tuple(reply.body)

        return _timed(call, self._timeout + 0.5, member)

    def name_owner(self, name: str) -> str | None:
        (has,) = self._call(
            "org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus",
            "NameHasOwner",
            name,
        )
        if not has:
            return None
        (owner,) = self._call(
            "org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus",
            "GetNameOwner",
            name,
        )
        return str(owner)

    def notification_server(self) -> NotificationServer:
        info = self._call(NOTIFICATIONS, NOTIFICATIONS_PATH, NOTIFICATIONS, "GetServerInformation")
        (caps,) = self._call(NOTIFICATIONS, NOTIFICATIONS_PATH, NOTIFICATIONS, "GetCapabilities")
        texts = [str(v) for v in info] + ["", "", ""]
        capabilities = tuple(str(c) for c in caps) if isinstance(caps, list | tuple) else ()
        return NotificationServer(texts[0], texts[1], texts[2], capabilities)

    def xembed_tray_owner(self) -> int | None:
        if not self._display:
            raise ProbeError(_("no X display"))
        return _timed(lambda: _selection_owner(self._display), self._timeout, "xembed")


def _selection_owner(display: str) -> int | None:
    """The owner of the screen's ``_NET_SYSTEM_TRAY_S<n>`` selection (the XEmbed tray)."""
    name = ctypes.util.find_library("X11") or "libX11.so.6"
    try:
        lib = ctypes.CDLL(name)
    except OSError as exc:
        raise ProbeError(_("libX11 is not installed")) from exc
    lib.XOpenDisplay.restype = ctypes.c_void_p
    lib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    lib.XDefaultScreen.argtypes = [ctypes.c_void_p]
    lib.XInternAtom.restype = ctypes.c_ulong
    lib.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    lib.XGetSelectionOwner.restype = ctypes.c_ulong
    lib.XGetSelectionOwner.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
    lib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    handle = lib.XOpenDisplay(display.encode())
    if not handle:
        raise ProbeError(_("the X display could not be opened"))
    try:
        screen = lib.XDefaultScreen(handle)
        atom = lib.XInternAtom(handle, f"_NET_SYSTEM_TRAY_S{screen}".encode(), 0)
        owner = int(lib.XGetSelectionOwner(handle, atom))
    finally:
        lib.XCloseDisplay(handle)
    return owner or None


def applies(platform: str | None = None) -> bool:
    """Whether the desktop checks mean anything here (Linux and the BSDs)."""
    platform = platform or sys.platform
    return not (platform.startswith("win") or platform == "darwin")


def check_tray(probe: DesktopProbe, platform: str | None = None) -> CheckResult:
    title = _("System tray")
    if not applies(platform):
        return ok(TRAY_ID, title, _("This system always has a tray (notification area)."))
    if not probe.has_display():
        return warn(
            TRAY_ID,
            title,
            _(
                "No desktop session here (no display), so the tray app cannot run in it; "
                "'solaxtray fetch' and 'solaxtray watch' work without one."
            ),
            _("Run the check again from a terminal inside your desktop session."),
        )
    sni: str | None = None
    if probe.has_session_bus():
        try:
            sni = probe.name_owner(SNI_WATCHER)
        except ProbeError as exc:
            logger.info("StatusNotifierWatcher probe failed: %s", exc)
    if sni is not None:
        return ok(
            TRAY_ID,
            title,
            _(
                "A StatusNotifier tray host is running (the D-Bus name {watcher} is owned by "
                "{sni})."
            ).format(watcher=SNI_WATCHER, sni=sni),
        )
    try:
        window = probe.xembed_tray_owner()
    except ProbeError as exc:
        logger.info("XEmbed tray probe failed: %s", exc)
        window = None
    if window is not None:
        return ok(
            TRAY_ID,
            title,
            _("A classic XEmbed system tray is running (window {window:#x}).").format(
                window=window
            ),
        )
    return fail(
        TRAY_ID,
        title,
        _(
            "No system tray was found: neither a StatusNotifier host on D-Bus nor an XEmbed "
            "tray. solaxtray then shows a small status window instead of an icon."
        ),
        _(
            "On GNOME install and enable the AppIndicator and KStatusNotifierItem Support "
            "extension; on other desktops add a system tray (notification area) to the panel."
        ),
    )


def check_notifications(probe: DesktopProbe, platform: str | None = None) -> CheckResult:
    title = _("Notifications")
    if not applies(platform):
        return ok(NOTIFICATIONS_ID, title, _("This system has its own notification centre."))
    fix = _(
        "Start your desktop's notification service, or install one (for example dunst or "
        "mako) and log in again."
    )
    if not probe.has_session_bus():
        return warn(
            NOTIFICATIONS_ID,
            title,
            _("No D-Bus session bus here, so no notification can be shown."),
            _("Run the check again from a terminal inside your desktop session."),
        )
    try:
        owner = probe.name_owner(NOTIFICATIONS)
    except ProbeError as exc:
        return fail(
            NOTIFICATIONS_ID,
            title,
            _("The session bus did not answer ({error}), so no notification can be shown.").format(
                error=exc
            ),
            fix,
        )
    if owner is None:
        return fail(
            NOTIFICATIONS_ID,
            title,
            _(
                "No notification service is running (nobody owns {service}), so alerts "
                "cannot reach you."
            ).format(service=NOTIFICATIONS),
            fix,
        )
    try:
        server = probe.notification_server()
    except ProbeError as exc:
        return warn(
            NOTIFICATIONS_ID,
            title,
            _(
                "A notification service owns {service} but did not describe itself ({error})."
            ).format(service=NOTIFICATIONS, error=exc),
            fix,
        )
    name = server.name or "unnamed"
    vendor = server.vendor or "unknown vendor"
    if "actions" not in server.capabilities:
        return warn(
            NOTIFICATIONS_ID,
            title,
            _(
                "The notification service {name} ({vendor}) runs but does not support actions, "
                "so clicking a notification will not open the detail window."
            ).format(name=name, vendor=vendor),
            _(
                "Nothing is required; a service with actions (most desktops' own) lets a click "
                "open the window."
            ),
        )
    return ok(
        NOTIFICATIONS_ID,
        title,
        _("The notification service {name} ({vendor}) runs and supports actions.").format(
            name=name, vendor=vendor
        ),
    )
